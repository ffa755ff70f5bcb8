/**
 * Aggregation of sampled predictions (ensemble members, MC-dropout passes) into a predictive
 * distribution per sample: mean, variance, and the low-rank factor of the sampled covariance.
 *
 * With M samples pred_1 … pred_M of a sample's P values (every predicted frame, point and field):
 *   mean      μ = (1/M) Σ_m pred_m
 *   factor    D = [pred_1 − μ, …, pred_M − μ] / √(M − 1)     ([P × M]; never a dense covariance)
 *   epistemic Σ_epi = D Dᵀ (the unbiased sample covariance); its diagonal is the across-sample
 *             variance (1/(M − 1)) Σ_m (pred_m − μ)²
 *   aleatoric a = (1/M) Σ_m σ²_m, the mean of the noise heads' variances (when they have one)
 *   variance  diag(Σ) = diag(Σ_epi) + a,   Σ = D Dᵀ + diag(a)
 * (Lakshminarayanan et al. 2017, "Simple and scalable predictive uncertainty estimation using deep
 * ensembles", eq. for the mixture's variance, with the unbiased across-member variance.) A
 * consumer such as a conservation projection applies Σ through D and a (Woodbury), never densely.
 */
import { UqError } from './errors.js';

/** One sampled prediction: values [n, ...] and, with a noise head, their variances. */
export interface SampledValues {
  pred: Float32Array;
  variance?: Float32Array;
}

/** The low-rank factor of the epistemic covariance, per sample. */
export interface LowRankFactor {
  /**
   * Row-major [n, P, rank]: sample i's factor D_i is the [P × rank] block at i·P·rank, its column
   * m is (pred_m − mean)/√(M − 1) over the sample's P values. Σ_epi,i = D_i D_iᵀ.
   */
  factor: Float32Array;
  /** Columns of each D_i: M, or 0 for a single sample (no epistemic covariance). */
  rank: number;
  /** Values P per sample (the rows of D_i): frames × points × fields. */
  valuesPerSample: number;
}

/** A predictive distribution over n samples of P values each (all arrays [n, P] row-major). */
export interface PredictiveMoments {
  /** Predictive mean μ. */
  mean: Float32Array;
  /** Predictive variance: epistemic + aleatoric. */
  variance: Float32Array;
  /** Unbiased variance across the M samples (zeros when M = 1). */
  epistemicVariance: Float32Array;
  /** Mean of the noise heads' variances; null without a noise head. */
  aleatoricVariance: Float32Array | null;
  lowRank: LowRankFactor;
  /** M, the samples aggregated. */
  nSamples: number;
}

/**
 * Aggregates M sampled predictions of `n` samples each (every `pred` of length n·P). `what` names
 * the samples in the error thrown when they give no variance (M = 1 without a noise head).
 */
export function aggregateSamples(samples: readonly SampledValues[], n: number, what: { noVariance: string }): PredictiveMoments {
  const M = samples.length;
  if (M === 0) throw new UqError('no predictions to aggregate');
  const size = samples[0].pred.length;
  if (!Number.isSafeInteger(n) || n < 1 || size % n !== 0) throw new RangeError(`${size} predicted values are not ${n} samples of equal size`);
  const noise = samples.map((s) => s.variance !== undefined);
  if (noise.some((h) => h !== noise[0])) throw new UqError('some of the predictions have a noise head and some do not: aggregate predictions of one kind');
  for (const s of samples) {
    if (s.pred.length !== size || (s.variance !== undefined && s.variance.length !== size))
      throw new RangeError(`sampled predictions differ in size (${s.pred.length} vs ${size} values)`);
  }
  const hasNoise = noise[0];
  if (M === 1 && !hasNoise) throw new UqError(what.noVariance);
  const P = size / n;
  const rank = M > 1 ? M : 0;
  const mean = new Float32Array(size);
  const epistemic = new Float32Array(size);
  const aleatoric = hasNoise ? new Float32Array(size) : null;
  const variance = new Float32Array(size);
  const factor = new Float32Array(size * rank);
  const scale = M > 1 ? 1 / Math.sqrt(M - 1) : 0;
  for (let j = 0; j < size; j++) {
    let mu = 0;
    for (let m = 0; m < M; m++) mu += samples[m].pred[j];
    mu /= M;
    let ss = 0;
    for (let m = 0; m < M; m++) {
      const d = samples[m].pred[j] - mu;
      ss += d * d;
      if (rank > 0) factor[j * rank + m] = d * scale;
    }
    const epi = M > 1 ? ss / (M - 1) : 0;
    let ale = 0;
    if (aleatoric !== null) {
      for (let m = 0; m < M; m++) ale += (samples[m].variance as Float32Array)[j];
      ale /= M;
      aleatoric[j] = ale;
    }
    mean[j] = mu;
    epistemic[j] = epi;
    variance[j] = epi + ale;
  }
  return { mean, variance, epistemicVariance: epistemic, aleatoricVariance: aleatoric, lowRank: { factor, rank, valuesPerSample: P }, nSamples: M };
}

/**
 * Sample i's predictive covariance Σ_i = D_i D_iᵀ + diag(a_i) in the low-rank form the
 * conservation projection takes (src/uq/projection `LowRankCovariance`, float64): `factor` [P × rank]
 * row-major, `diag` the aleatoric variances (zeros without a noise head).
 */
export function sampleCovariance(m: PredictiveMoments, i: number): { kind: 'lowrank'; factor: Float64Array; rank: number; diag: Float64Array } {
  const { factor, rank, valuesPerSample: P } = m.lowRank;
  const n = m.mean.length / P;
  if (!Number.isSafeInteger(i) || i < 0 || i >= n) throw new RangeError(`sample ${i} is not one of the ${n} predicted samples`);
  return {
    kind: 'lowrank',
    factor: Float64Array.from(factor.subarray(i * P * rank, (i + 1) * P * rank)),
    rank,
    diag: m.aleatoricVariance === null ? new Float64Array(P) : Float64Array.from(m.aleatoricVariance.subarray(i * P, (i + 1) * P)),
  };
}
