/**
 * Surrogate-vs-reference error metrics on 1D fields `[n, nt, nx]`, after PDEBench's
 * `metric_func` (Takamoto et al. 2022, pdebench/models/metrics.py) and neuraloperator's relative
 * `LpLoss`. Everything accumulates in float64 whatever the input precision.
 *
 * Notation for one sample: e_{t,j} = pred_{t,j} − truth_{t,j}, frames t = 0..nt−1, points
 * j = 0..nx−1, DFT along x E_{t,k} = Σ_j e_{t,j} e^{−2πi jk/nx}, modes k = 0..⌊nx/2⌋ (rfft),
 * Lx = `domainLength`. A per-sample metric averages its per-frame value over frames, as PDEBench
 * averages over its time axis:
 * - rmse  = mean_t sqrt(Σ_j e²/nx)
 * - nrmse = mean_t ‖e_t‖/‖truth_t‖ (unweighted 2-norms over x)
 * - crmse = mean_t |Σ_j e_{t,j}|/nx — the error of the spatial mean, the conserved quantity
 * - brmse = mean_t sqrt((e_{t,0}² + e_{t,nx−1}²)/2) — the two boundary points
 * - fLow / fMid / fHigh = mean_t of the mean over the band of |E_{t,k}|·Lx/nx, bands
 *   k ∈ [0, iLow), [iLow, iHigh), [iHigh, ⌊nx/2⌋]. A pure sine of amplitude A in mode k gives
 *   |E_k|·Lx/nx = A·Lx/2, a constant c gives |E_0|·Lx/nx = c·Lx. A band with no modes (nx too
 *   small) is NaN, as torch.mean of an empty slice is in PDEBench.
 * - relL2 = sqrt(Σ_{t,j} w_j e²)/sqrt(Σ_{t,j} w_j truth²) over the whole sample (space and time
 *   flattened, as neuraloperator's LpLoss flattens a sample), w = `quadratureWeights`.
 * - maxErr = max_{t,j} |e|.
 * NaN in a prediction propagates to every metric of its sample (a diverged surrogate shows as
 * NaN, never as a small number); a frame whose truth is all zero gives nrmse = Infinity (or NaN
 * for a zero error), as in PDEBench.
 */
import { MetricsInputError } from './errors.js';
import { checkFields, quadratureWeights, type FieldShape } from './shape.js';
import { PowerSpectrum } from '../../core/spectrum.js';

export type { FieldShape } from './shape.js';

export interface SampleMetrics {
  relL2: number;
  rmse: number;
  nrmse: number;
  crmse: number;
  brmse: number;
  fLow: number;
  fMid: number;
  fHigh: number;
  maxErr: number;
}

export interface MetricsReport {
  perSample: SampleMetrics[];
  /** Arithmetic mean of each metric over the samples. */
  mean: SampleMetrics;
  /**
   * PDEBench's numbers for the whole set passed as one batch (its `metric_func(if_mean=True)`):
   * rmse, nrmse, brmse and relL2 as in `mean`; but crmse = mean_t sqrt(mean_b (Σ_j e/nx)²),
   * the f-bands take sqrt(mean_b |E_{b,t,k}|²)·Lx/nx before the band mean, and
   * maxErr = mean_t max_{b,j} |e| (the worst point per frame, averaged over frames).
   */
  pdebench: SampleMetrics;
  /** Per frame (rollouts): mean over samples of the frame's relL2 and rmse. */
  perFrame: { relL2: number[]; rmse: number[] };
  /** The options the metrics were computed with (defaults filled in). */
  options: Required<FieldMetricsOptions>;
}

export interface FieldMetricsOptions {
  /** First mode of the middle Fourier band (PDEBench `iLow`). @default 4 */
  iLow?: number;
  /** First mode of the high Fourier band (PDEBench `iHigh`). @default 12 */
  iHigh?: number;
  /**
   * The grid covers one period and does not repeat its first point (uniform quadrature in relL2);
   * false: the grid includes both end points of a bounded interval (trapezoid weights). The
   * PDEBench metrics do not depend on it. @default true
   */
  periodic?: boolean;
  /** Domain length Lx, PDEBench's factor in the fRMSE bands. @default 1 */
  domainLength?: number;
}

/** Fills in defaults; throws MetricsInputError naming an unknown or bad option. */
export function resolveMetricsOptions(opts: FieldMetricsOptions = {}): Required<FieldMetricsOptions> {
  const known = new Set(['iLow', 'iHigh', 'periodic', 'domainLength']);
  for (const key of Object.keys(opts)) {
    if (!known.has(key)) throw new MetricsInputError(`unknown metrics option "${key}": use one of ${[...known].join(', ')}`);
  }
  const iLow = opts.iLow ?? 4;
  const iHigh = opts.iHigh ?? 12;
  if (!Number.isInteger(iLow) || iLow < 1) throw new MetricsInputError(`iLow = ${iLow} is not allowed: use an integer >= 1`);
  if (!Number.isInteger(iHigh) || iHigh <= iLow) throw new MetricsInputError(`iHigh = ${iHigh} is not allowed: use an integer > iLow (${iLow})`);
  const periodic = opts.periodic ?? true;
  if (typeof periodic !== 'boolean') throw new MetricsInputError(`periodic = ${String(periodic)} is not allowed: use true or false`);
  const domainLength = opts.domainLength ?? 1;
  if (!Number.isFinite(domainLength) || domainLength <= 0) {
    throw new MetricsInputError(`domainLength = ${domainLength} is not allowed: use a finite number > 0`);
  }
  return { iLow, iHigh, periodic, domainLength };
}

/** Mean of v[lo..hi) (NaN when empty). */
function rangeMean(v: Float64Array, lo: number, hi: number): number {
  let s = 0;
  for (let k = lo; k < hi; k++) s += v[k];
  return s / (hi - lo);
}

function maxNan(a: number, b: number): number {
  return a > b || Number.isNaN(a) ? a : b;
}

const METRIC_KEYS = ['relL2', 'rmse', 'nrmse', 'crmse', 'brmse', 'fLow', 'fMid', 'fHigh', 'maxErr'] as const;

function meanOf(samples: SampleMetrics[]): SampleMetrics {
  const out = {} as SampleMetrics;
  for (const key of METRIC_KEYS) {
    let s = 0;
    for (const m of samples) s += m[key];
    out[key] = s / samples.length;
  }
  return out;
}

/** Evaluates predictions against reference fields; see the module comment for every formula. */
export function evaluateFields(pred: ArrayLike<number>, truth: ArrayLike<number>, shape: FieldShape, opts: FieldMetricsOptions = {}): MetricsReport {
  const o = resolveMetricsOptions(opts);
  checkFields(pred, truth, shape, 2);
  const { n, nt, nx } = shape;
  const spectrum = new PowerSpectrum(nx);
  const nModes = spectrum.nModes;
  const bands: [number, number][] = [
    [0, Math.min(o.iLow, nModes)],
    [Math.min(o.iLow, nModes), Math.min(o.iHigh, nModes)],
    [Math.min(o.iHigh, nModes), nModes],
  ];
  const w = quadratureWeights(nx, o.periodic);
  const fScale = o.domainLength / nx;

  const err = new Float64Array(nx);
  const power = new Float64Array(nModes);
  const amp = new Float64Array(nModes);
  // Sums over samples for the PDEBench batch aggregates and the per-frame curves.
  const batchPower = new Float64Array(nt * nModes);
  const batchMeanSq = new Float64Array(nt);
  const batchMax = new Float64Array(nt);
  const frameRel = new Float64Array(nt);
  const frameRmse = new Float64Array(nt);

  const perSample: SampleMetrics[] = [];
  for (let b = 0; b < n; b++) {
    let rmse = 0;
    let nrmse = 0;
    let crmse = 0;
    let brmse = 0;
    const f = [0, 0, 0];
    let maxErr = 0;
    let errW = 0;
    let truthW = 0;
    for (let t = 0; t < nt; t++) {
      const off = (b * nt + t) * nx;
      let se = 0;
      let su = 0;
      let sum = 0;
      let seW = 0;
      let suW = 0;
      let m = 0;
      for (let j = 0; j < nx; j++) {
        const u = +truth[off + j];
        const e = +pred[off + j] - u;
        err[j] = e;
        se += e * e;
        su += u * u;
        seW += w[j] * e * e;
        suW += w[j] * u * u;
        sum += e;
        m = maxNan(Math.abs(e), m);
      }
      const frameRmseB = Math.sqrt(se / nx);
      rmse += frameRmseB;
      nrmse += Math.sqrt(se) / Math.sqrt(su);
      crmse += Math.abs(sum) / nx;
      brmse += Math.sqrt((err[0] * err[0] + err[nx - 1] * err[nx - 1]) / 2);
      maxErr = maxNan(m, maxErr);
      errW += seW;
      truthW += suW;
      frameRel[t] += Math.sqrt(seW) / Math.sqrt(suW);
      frameRmse[t] += frameRmseB;
      batchMeanSq[t] += (sum / nx) ** 2;
      batchMax[t] = b === 0 ? m : maxNan(m, batchMax[t]);

      spectrum.compute(err, 0, power);
      for (let k = 0; k < nModes; k++) {
        batchPower[t * nModes + k] += power[k];
        amp[k] = Math.sqrt(power[k]) * fScale;
      }
      for (let i = 0; i < 3; i++) f[i] += rangeMean(amp, bands[i][0], bands[i][1]);
    }
    perSample.push({
      relL2: Math.sqrt(errW) / Math.sqrt(truthW),
      rmse: rmse / nt,
      nrmse: nrmse / nt,
      crmse: crmse / nt,
      brmse: brmse / nt,
      fLow: f[0] / nt,
      fMid: f[1] / nt,
      fHigh: f[2] / nt,
      maxErr,
    });
  }

  const mean = meanOf(perSample);
  let crmse = 0;
  let maxErr = 0;
  const f = [0, 0, 0];
  for (let t = 0; t < nt; t++) {
    crmse += Math.sqrt(batchMeanSq[t] / n);
    maxErr += batchMax[t];
    for (let k = 0; k < nModes; k++) amp[k] = Math.sqrt(batchPower[t * nModes + k] / n) * fScale;
    for (let i = 0; i < 3; i++) f[i] += rangeMean(amp, bands[i][0], bands[i][1]);
  }
  const pdebench: SampleMetrics = {
    relL2: mean.relL2,
    rmse: mean.rmse,
    nrmse: mean.nrmse,
    crmse: crmse / nt,
    brmse: mean.brmse,
    fLow: f[0] / nt,
    fMid: f[1] / nt,
    fHigh: f[2] / nt,
    maxErr: maxErr / nt,
  };
  return {
    perSample,
    mean,
    pdebench,
    perFrame: { relL2: Array.from(frameRel, (v) => v / n), rmse: Array.from(frameRmse, (v) => v / n) },
    options: o,
  };
}

/**
 * Relative L2 error of each sample (neuraloperator's LpLoss.rel with p = 2, not squared, not
 * reduced): sqrt(Σ w e²)/sqrt(Σ w truth²) over the sample's nt·nx values, w from
 * `quadratureWeights(nx, periodic)`. The cheap part of `evaluateFields`, for validation loops.
 */
export function relativeL2Batch(pred: ArrayLike<number>, truth: ArrayLike<number>, shape: FieldShape, opts: { periodic?: boolean } = {}): number[] {
  const periodic = opts.periodic ?? true;
  if (typeof periodic !== 'boolean') throw new MetricsInputError(`periodic = ${String(periodic)} is not allowed: use true or false`);
  checkFields(pred, truth, shape);
  const { n, nt, nx } = shape;
  const w = quadratureWeights(nx, periodic);
  const out: number[] = [];
  for (let b = 0; b < n; b++) {
    let se = 0;
    let su = 0;
    for (let t = 0; t < nt; t++) {
      const off = (b * nt + t) * nx;
      for (let j = 0; j < nx; j++) {
        const u = +truth[off + j];
        const e = +pred[off + j] - u;
        se += w[j] * e * e;
        su += w[j] * u * u;
      }
    }
    out.push(Math.sqrt(se) / Math.sqrt(su));
  }
  return out;
}

/**
 * Indices of the best, median and worst samples by a score (lower is better), for reports.
 * Ties keep the lower index; NaN scores rank as worst. The median of an even count is the lower
 * middle. Returns fewer entries when there are fewer than three samples (no index twice).
 */
export function pickBestMedianWorst(scores: ArrayLike<number>): { label: 'best' | 'median' | 'worst'; index: number }[] {
  if (scores.length === 0) throw new MetricsInputError('scores is empty: give at least one score');
  const order = Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => {
    const sa = Number.isNaN(scores[a]) ? Infinity : scores[a];
    const sb = Number.isNaN(scores[b]) ? Infinity : scores[b];
    return sa - sb || a - b;
  });
  const picks: { label: 'best' | 'median' | 'worst'; index: number }[] = [
    { label: 'best', index: order[0] },
    { label: 'median', index: order[Math.floor((order.length - 1) / 2)] },
    { label: 'worst', index: order[order.length - 1] },
  ];
  const out: typeof picks = [];
  for (const p of picks) if (!out.some((q) => q.index === p.index)) out.push(p);
  return out;
}
