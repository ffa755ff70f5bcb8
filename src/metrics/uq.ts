/**
 * Metrics of a probabilistic surrogate of a 1D field over time: a Gaussian predictive
 * distribution per point, N(μ, σ²), against the true field, after ProbConserv (Hansen et al. 2023,
 * "Learning physical models that can respect conservation laws", ICML: MSE, conservation error,
 * log-likelihood, CRPS, calibration, Stefan front position) and Gneiting & Raftery 2007 (CRPS,
 * "Strictly proper scoring rules, prediction, and estimation", JASA, eq. 21). Everything
 * accumulates in float64 whatever the input precision.
 *
 * Layout: row-major `[n samples, nt frames, nx points]` for μ, σ² and the truth y. Notation per
 * point: e = μ − y, z = (y − μ)/σ, Φ and φ the standard normal CDF and density, w_j the quadrature
 * weights along x. Per-sample values average over the sample's nt·nx points; the aggregates average
 * over all n·nt·nx points (the same as the mean of the per-sample values, every sample has as many).
 * - mse = mean e².
 * - logLik = mean log N(y; μ, σ²) = mean [−½ log(2πσ²) − z²/2] (nats per point, higher is better;
 *   σ² = 0 below).
 * - crps = mean σ [z(2Φ(z) − 1) + 2φ(z) − 1/√π] (Gneiting & Raftery eq. 21; lower is better, in the
 *   units of u).
 * - coverage at level p: fraction of points with |e| ≤ z_p σ, z_p = Φ⁻¹((1 + p)/2), the central
 *   interval holding probability p. The calibration curve is the coverage at each of
 *   `calibrationLevels`; a calibrated model lies on the diagonal, an overconfident one below it.
 * - conservation: predicted mass M_pred(b, t) = Σ_j w_j μ_{b,t,j}; true mass M_true(b, t) from
 *   `trueMass` when given, else Σ_j w_j y_{b,t,j}; error ΔM = M_pred − M_true. Summaries: mean and
 *   max of |ΔM| over frames (per sample) or over samples and frames; relative values divide by
 *   the mass scale max_t max(Σ_j w_j |y_j|, |M_true|) (of the sample, or of the set): the mass of
 *   a positive field, the L1 mass of a signed one such as the heat case's sin x, whose mass is 0;
 *   not each frame's mass, which can start at 0 (GPME and Stefan problems with inflow).
 * - front (Stefan; only with `front` options): the first x, scanning from x_0 upward, where the
 *   field drops below the level ℓ, linear between the last grid point at or above ℓ and the first
 *   below; x_0 when u(x_0) < ℓ already, x_{nx−1} when u never drops below ℓ. ℓ is one value, one
 *   value per sample (the phase-change value p*), or a fraction of each frame's largest true
 *   value (e.g. ½ max_x y(t)). Found for μ and for y; the error is front(μ) − front(y).
 *
 * σ² = 0 (a deterministic model, or a point pinned by a hard constraint): CRPS = |e| (the limit
 * σ → 0, the mean absolute error); the point is inside every interval only when e = 0. Its log
 * density is −∞ where e ≠ 0 (the prediction rules the truth out), so logLik is −∞ for a
 * deterministic model with any error; where e = 0 the density of a point mass has no finite value,
 * and the point is left out of logLik's mean (it neither rewards nor penalises, so an exactly
 * pinned boundary point does not make logLik +∞). logLik is NaN when every point is left out (a
 * deterministic model that is exact everywhere); the aggregate logLik is the mean over the points
 * kept in all samples. A negative variance throws. NaN in μ, σ² or y propagates to the metrics of its sample (a diverged surrogate shows as
 * NaN, never as a small number). Results are plain numbers and arrays: JSON-serialisable, with
 * NaN and ±Infinity becoming null in JSON.
 */
import { normalCdf, normalQuantile } from '../../core/special.js';
import { MetricsInputError } from './errors.js';

export { normalCdf, normalQuantile };

/** A Gaussian prediction of a set of 1D fields and the truth; see the module comment. */
export interface UqFields {
  /** Predictive mean μ, `[n, nt, nx]`. */
  mean: ArrayLike<number>;
  /** Predictive variance σ² ≥ 0, `[n, nt, nx]` (all zero for a deterministic model). */
  variance: ArrayLike<number>;
  /** The exact (reference) field, `[n, nt, nx]`. */
  truth: ArrayLike<number>;
  n: number;
  nt: number;
  nx: number;
  /** Quadrature weights along x for the mass: one spacing dx for every point, or nx weights (e.g. trapezoid). */
  weights: number | ArrayLike<number>;
  /** The true mass per frame, `[n, nt]` (e.g. from the exact solution); @default Σ_j w_j·truth */
  trueMass?: ArrayLike<number>;
  /** The grid, nx increasing values; needed for `front`. */
  x?: ArrayLike<number>;
}

/** Where the front is: set exactly one of `level` and `fractionOfMax`. */
export interface FrontOptions {
  /** The level ℓ: one value for every sample, or one per sample (Stefan's phase-change value p*). */
  level?: number | ArrayLike<number>;
  /** ℓ = this fraction of the frame's largest true value, max_x y(t), e.g. 0.5. */
  fractionOfMax?: number;
}

export interface UqMetricsOptions {
  /** Central-interval levels whose coverage is reported, each in (0, 1). @default [0.5, 0.9, 0.95] */
  coverageLevels?: number[];
  /** Levels of the calibration curve, each in (0, 1). @default 0.05, 0.10, …, 0.95 */
  calibrationLevels?: number[];
  /** Front positions (Stefan problem); none when absent. */
  front?: FrontOptions;
}

export interface ResolvedUqMetricsOptions {
  coverageLevels: number[];
  calibrationLevels: number[];
  /** null: no front metrics. `level` has one entry per sample (null with fractionOfMax). */
  front: { level: number[] | null; fractionOfMax: number | null } | null;
}

export interface UqSampleMetrics {
  index: number;
  mse: number;
  logLik: number;
  crps: number;
  /** Coverage at each of `options.coverageLevels`. */
  coverage: number[];
  /** mean_t |ΔM| */
  massErrMean: number;
  /** max_t |ΔM| */
  massErrMax: number;
  /** max_t |ΔM| / max_t |M_true| */
  massErrRel: number;
  /** mean_t |front(μ) − front(y)|, with front options only. */
  frontErrMean?: number;
  /** max_t |front(μ) − front(y)|, with front options only. */
  frontErrMax?: number;
}

/** Plain numbers and arrays only (JSON-serialisable; NaN and ±Infinity become null in JSON). */
export interface UqMetrics {
  n: number;
  nt: number;
  nx: number;
  options: ResolvedUqMetricsOptions;
  /** Every variance is exactly 0 (see the module comment for what logLik and crps then mean). */
  deterministic: boolean;
  mse: number;
  logLik: number;
  crps: number;
  /** Coverage at each of `options.coverageLevels`. */
  coverage: number[];
  calibration: {
    /** = options.calibrationLevels */
    expected: number[];
    /** Fraction of points inside the central interval of each expected level. */
    observed: number[];
  };
  conservation: {
    /** [sample][frame] Σ_j w_j μ */
    predMass: number[][];
    /** [sample][frame] */
    trueMass: number[][];
    /** trueMass came from the input (else Σ_j w_j·truth). */
    trueMassGiven: boolean;
    /** mean_{b,t} |ΔM| */
    meanAbs: number;
    /** max_{b,t} |ΔM| */
    maxAbs: number;
    /** The mass scale max_{b,t} max(Σ_j w_j |y_{b,t,j}|, |M_true|): the mass for a positive field, the L1 mass for a signed one (whose mass may be 0). */
    scale: number;
    /** meanAbs / scale */
    relMeanAbs: number;
    /** maxAbs / scale */
    relMaxAbs: number;
  };
  /** With front options only. */
  front?: {
    /** [sample][frame] the level ℓ used. */
    level: number[][];
    /** [sample][frame] front of the mean prediction. */
    pred: number[][];
    /** [sample][frame] front of the truth. */
    truth: number[][];
    /** mean_{b,t} |front(μ) − front(y)| */
    meanAbs: number;
    /** max_{b,t} |front(μ) − front(y)| */
    maxAbs: number;
    /** Per frame, mean over samples of |front(μ) − front(y)|. */
    perFrameMeanAbs: number[];
  };
  /** Per frame, mean over samples. */
  perFrame: { mse: number[]; crps: number[]; massErrMean: number[] };
  perSample: UqSampleMetrics[];
}

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const LOG_2PI = Math.log(2 * Math.PI);

/**
 * CRPS of N(μ, σ²) at the observation y: σ[z(2Φ(z) − 1) + 2φ(z) − 1/√π], z = (y − μ)/σ
 * (Gneiting & Raftery 2007, eq. 21); |y − μ| when σ = 0.
 */
export function gaussianCrps(mu: number, sigma: number, y: number): number {
  if (sigma < 0) throw new MetricsInputError(`sigma = ${sigma} is not allowed: use a standard deviation >= 0`);
  if (sigma === 0) return Math.abs(y - mu);
  const z = (y - mu) / sigma;
  return sigma * (z * (2 * normalCdf(z) - 1) + 2 * INV_SQRT_2PI * Math.exp(-0.5 * z * z) - INV_SQRT_PI);
}

/**
 * The front of one profile u(x_j): the first x (from x_0 upward) where u drops below `level`, linear
 * between the grid points around the crossing; x_0 when u(x_0) < level, x_{nx−1} when u never
 * drops below; NaN when a value up to the crossing is NaN. `offset` is where the profile starts in `u`.
 */
export function frontPosition(u: ArrayLike<number>, x: ArrayLike<number>, level: number, offset = 0): number {
  const nx = x.length;
  let prev = NaN;
  for (let j = 0; j < nx; j++) {
    const v = +u[offset + j];
    if (Number.isNaN(v)) return NaN;
    if (v < level) {
      if (j === 0) return +x[0];
      const x0 = +x[j - 1];
      return x0 + ((prev - level) / (prev - v)) * (+x[j] - x0);
    }
    prev = v;
  }
  return Number.isNaN(level) ? NaN : +x[nx - 1];
}

function fail(message: string): never {
  throw new MetricsInputError(message);
}

function checkLevels(name: string, v: unknown): number[] {
  if (!Array.isArray(v) || v.length === 0) fail(`${name} is ${Array.isArray(v) ? 'empty' : typeof v}: give an array of levels in (0, 1)`);
  for (const [i, p] of v.entries()) {
    if (typeof p !== 'number' || !(p > 0 && p < 1)) fail(`${name}[${i}] = ${String(p)} is not allowed: use a level in (0, 1)`);
  }
  return [...(v as number[])];
}

/** Fills in defaults for n samples; throws MetricsInputError naming an unknown or bad option. */
export function resolveUqMetricsOptions(opts: UqMetricsOptions = {}, n = 1): ResolvedUqMetricsOptions {
  const known = ['coverageLevels', 'calibrationLevels', 'front'];
  for (const key of Object.keys(opts)) {
    if (!known.includes(key)) fail(`unknown uq metrics option "${key}": use one of ${known.join(', ')}`);
  }
  const coverageLevels = checkLevels('coverageLevels', opts.coverageLevels ?? [0.5, 0.9, 0.95]);
  const calibrationLevels = checkLevels(
    'calibrationLevels',
    opts.calibrationLevels ?? Array.from({ length: 19 }, (_, k) => Number((0.05 * (k + 1)).toFixed(2))),
  );
  let front: ResolvedUqMetricsOptions['front'] = null;
  if (opts.front !== undefined) {
    const f = opts.front;
    if (f === null || typeof f !== 'object') fail(`front = ${String(f)} is not allowed: give { level } or { fractionOfMax }`);
    for (const key of Object.keys(f)) {
      if (key !== 'level' && key !== 'fractionOfMax') fail(`unknown front option "${key}": use level or fractionOfMax`);
    }
    if ((f.level === undefined) === (f.fractionOfMax === undefined)) fail('front needs exactly one of level and fractionOfMax');
    if (f.fractionOfMax !== undefined) {
      if (typeof f.fractionOfMax !== 'number' || !Number.isFinite(f.fractionOfMax))
        fail(`front.fractionOfMax = ${String(f.fractionOfMax)} is not allowed: use a finite number, e.g. 0.5`);
      front = { level: null, fractionOfMax: f.fractionOfMax };
    } else if (typeof f.level === 'number') {
      if (!Number.isFinite(f.level)) fail(`front.level = ${f.level} is not allowed: use a finite number`);
      front = { level: new Array<number>(n).fill(f.level), fractionOfMax: null };
    } else {
      const lv = f.level as ArrayLike<number> | null;
      if (lv === null || typeof lv !== 'object' || typeof lv.length !== 'number')
        fail(`front.level is ${lv === null ? 'null' : typeof lv}: give a number or one number per sample`);
      if (lv.length !== n) fail(`front.level has ${lv.length} values but there are ${n} samples`);
      const level = Array.from(lv, Number);
      level.forEach((v, i) => Number.isFinite(v) || fail(`front.level[${i}] = ${v} is not allowed: use a finite number`));
      front = { level, fractionOfMax: null };
    }
  }
  return { coverageLevels, calibrationLevels, front };
}

function checkArray(name: string, a: unknown, size: number, what: string): ArrayLike<number> {
  if (a === null || typeof a !== 'object' || typeof (a as ArrayLike<number>).length !== 'number') {
    fail(`${name} is ${a === null ? 'null' : typeof a}: give a Float32Array, Float64Array or number[]`);
  }
  const arr = a as ArrayLike<number>;
  if (arr.length !== size) fail(`${name} has ${arr.length} values but ${what} needs ${size}`);
  return arr;
}

/** Throws MetricsInputError unless f is well formed (shape, array lengths, weights, grid). */
export function checkUqFields(f: UqFields, needX = false): void {
  if (f === null || typeof f !== 'object') fail(`fields ${String(f)} is not allowed: give { mean, variance, truth, n, nt, nx, weights }`);
  for (const key of ['n', 'nt', 'nx'] as const) {
    const v = f[key];
    if (!Number.isInteger(v) || v < 1) fail(`fields.${key} = ${String(v)} is not allowed: use an integer >= 1`);
  }
  const shape = `[n, nt, nx] = [${f.n}, ${f.nt}, ${f.nx}]`;
  const size = f.n * f.nt * f.nx;
  for (const name of ['mean', 'variance', 'truth'] as const) checkArray(`fields.${name}`, f[name], size, shape);
  if (typeof f.weights === 'number') {
    if (!Number.isFinite(f.weights) || f.weights <= 0) fail(`fields.weights = ${f.weights} is not allowed: use the spacing dx > 0 or nx weights`);
  } else {
    checkArray('fields.weights', f.weights, f.nx, `nx = ${f.nx}`);
  }
  if (f.trueMass !== undefined) checkArray('fields.trueMass', f.trueMass, f.n * f.nt, `[n, nt] = [${f.n}, ${f.nt}]`);
  if (f.x !== undefined || needX) {
    if (f.x === undefined) fail('fields.x is missing: the front metrics need the grid');
    const x = checkArray('fields.x', f.x, f.nx, `nx = ${f.nx}`);
    for (let j = 0; j < f.nx; j++) {
      if (!Number.isFinite(+x[j]) || (j > 0 && +x[j] <= +x[j - 1])) fail(`fields.x[${j}] = ${x[j]} is not allowed: the grid must be finite and increasing`);
    }
  }
}

function maxNan(a: number, b: number): number {
  return a > b || Number.isNaN(a) ? a : b;
}

/** Evaluates a Gaussian prediction against the truth; see the module comment for every formula. */
export function uqMetrics(f: UqFields, opts: UqMetricsOptions = {}): UqMetrics {
  checkUqFields(f, opts.front !== undefined);
  const o = resolveUqMetricsOptions(opts, f.n);
  const { n, nt, nx, mean, variance, truth } = f;
  const w = typeof f.weights === 'number' ? new Float64Array(nx).fill(f.weights) : Float64Array.from(f.weights, Number);
  const covZ = o.coverageLevels.map((p) => normalQuantile((1 + p) / 2));
  const calZ = o.calibrationLevels.map((p) => normalQuantile((1 + p) / 2));
  const covCount = new Float64Array(covZ.length);
  const calCount = new Float64Array(calZ.length);
  const sampleCov = new Float64Array(covZ.length);
  const frameMse = new Float64Array(nt);
  const frameCrps = new Float64Array(nt);
  const frameMass = new Float64Array(nt);
  const frameFront = new Float64Array(nt);
  const predMass: number[][] = [];
  const trueMass: number[][] = [];
  const front = o.front ? { level: [] as number[][], pred: [] as number[][], truth: [] as number[][] } : null;
  const perSample: UqSampleMetrics[] = [];
  let deterministic = true;
  let massScale = 0;
  let massMax = 0;
  let frontMax = 0;
  let llSum = 0;
  let llCount = 0;
  let anyNan = false;
  const perPoint = nt * nx;

  for (let b = 0; b < n; b++) {
    let se = 0;
    let ll = 0;
    let llPoints = 0;
    let crps = 0;
    sampleCov.fill(0);
    const pm: number[] = [];
    const tm: number[] = [];
    const l1s: number[] = [];
    const fl: number[] = [];
    const fp: number[] = [];
    const ft: number[] = [];
    for (let t = 0; t < nt; t++) {
      const off = (b * nt + t) * nx;
      let fse = 0;
      let fcrps = 0;
      let mp = 0;
      let mt = 0;
      let l1 = 0;
      let ymax = -Infinity;
      for (let j = 0; j < nx; j++) {
        const mu = +mean[off + j];
        const v = +variance[off + j];
        const y = +truth[off + j];
        if (v < 0) fail(`variance[${off + j}] = ${v} is negative (sample ${b}, frame ${t}, point ${j}): give variances >= 0`);
        const e = mu - y;
        const a = Math.abs(e);
        fse += e * e;
        mp += w[j] * mu;
        mt += w[j] * y;
        l1 += Math.abs(w[j] * y);
        ymax = maxNan(y, ymax);
        if (v === 0) {
          fcrps += a;
          if (e !== 0) {
            ll += Number.isNaN(e) ? NaN : -Infinity;
            llPoints++;
          } else {
            for (let k = 0; k < covZ.length; k++) sampleCov[k]++;
            for (let k = 0; k < calZ.length; k++) calCount[k]++;
          }
        } else {
          deterministic = false;
          const s = Math.sqrt(v);
          const z = -e / s;
          ll += -0.5 * (LOG_2PI + Math.log(v) + z * z);
          llPoints++;
          fcrps += s * (z * (2 * normalCdf(z) - 1) + 2 * INV_SQRT_2PI * Math.exp(-0.5 * z * z) - INV_SQRT_PI);
          for (let k = 0; k < covZ.length; k++) if (a <= covZ[k] * s) sampleCov[k]++;
          for (let k = 0; k < calZ.length; k++) if (a <= calZ[k] * s) calCount[k]++;
        }
      }
      if (f.trueMass !== undefined) mt = +f.trueMass[b * nt + t];
      pm.push(mp);
      tm.push(mt);
      l1s.push(Math.max(l1, Math.abs(mt)));
      se += fse;
      crps += fcrps;
      frameMse[t] += fse / nx;
      frameCrps[t] += fcrps / nx;
      frameMass[t] += Math.abs(mp - mt);
      if (front && o.front && f.x) {
        const level = o.front.level ? o.front.level[b] : (o.front.fractionOfMax as number) * ymax;
        const p = frontPosition(mean, f.x, level, off);
        const q = frontPosition(truth, f.x, level, off);
        fl.push(level);
        fp.push(p);
        ft.push(q);
        frameFront[t] += Math.abs(p - q);
      }
    }
    let mErrSum = 0;
    let mErrMax = 0;
    let scale = 0;
    for (let t = 0; t < nt; t++) {
      const d = Math.abs(pm[t] - tm[t]);
      mErrSum += d;
      mErrMax = maxNan(d, mErrMax);
      scale = maxNan(l1s[t], scale);
    }
    massScale = maxNan(scale, massScale);
    massMax = maxNan(mErrMax, massMax);
    for (let k = 0; k < covZ.length; k++) covCount[k] += sampleCov[k];
    // A NaN anywhere in the sample makes its coverage NaN (a comparison with NaN counts as outside).
    const nanSample = Number.isNaN(se) || Number.isNaN(ll);
    anyNan ||= nanSample;
    const s: UqSampleMetrics = {
      index: b,
      mse: se / perPoint,
      logLik: ll / llPoints,
      crps: crps / perPoint,
      coverage: Array.from(sampleCov, (c) => (nanSample ? NaN : c / perPoint)),
      massErrMean: mErrSum / nt,
      massErrMax: mErrMax,
      massErrRel: mErrMax / scale,
    };
    llSum += ll;
    llCount += llPoints;
    predMass.push(pm);
    trueMass.push(tm);
    if (front) {
      let sum = 0;
      let max = 0;
      for (let t = 0; t < nt; t++) {
        const d = Math.abs(fp[t] - ft[t]);
        sum += d;
        max = maxNan(d, max);
      }
      s.frontErrMean = sum / nt;
      s.frontErrMax = max;
      frontMax = maxNan(max, frontMax);
      front.level.push(fl);
      front.pred.push(fp);
      front.truth.push(ft);
    }
    perSample.push(s);
  }

  const mean1 = (key: 'mse' | 'crps' | 'massErrMean' | 'frontErrMean') => perSample.reduce((acc, s) => acc + (s[key] as number), 0) / n;
  const total = n * perPoint;
  const massMean = mean1('massErrMean');
  const out: UqMetrics = {
    n,
    nt,
    nx,
    options: o,
    deterministic,
    mse: mean1('mse'),
    logLik: llSum / llCount,
    crps: mean1('crps'),
    coverage: Array.from(covCount, (c) => (anyNan ? NaN : c / total)),
    calibration: { expected: [...o.calibrationLevels], observed: Array.from(calCount, (c) => (anyNan ? NaN : c / total)) },
    conservation: {
      predMass,
      trueMass,
      trueMassGiven: f.trueMass !== undefined,
      meanAbs: massMean,
      maxAbs: massMax,
      scale: massScale,
      relMeanAbs: massMean / massScale,
      relMaxAbs: massMax / massScale,
    },
    perFrame: {
      mse: Array.from(frameMse, (v) => v / n),
      crps: Array.from(frameCrps, (v) => v / n),
      massErrMean: Array.from(frameMass, (v) => v / n),
    },
    perSample,
  };
  if (front) {
    out.front = {
      ...front,
      meanAbs: mean1('frontErrMean'),
      maxAbs: frontMax,
      perFrameMeanAbs: Array.from(frameFront, (v) => v / n),
    };
  }
  return out;
}
