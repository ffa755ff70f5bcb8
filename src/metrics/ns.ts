/**
 * Rollout metrics of a 2D incompressible Navier–Stokes surrogate against the DNS, on vorticity
 * fields ω over a periodic square [0, L)², after Kochkov et al. 2021 ("Machine learning–accelerated
 * computational fluid dynamics", PNAS: vorticity correlation, energy spectra) and Sun et al. 2023
 * (TSM, "A neural PDE solver with temporal stencil modeling": high-correlation duration).
 * Everything accumulates in float64.
 *
 * Layout: row-major `[n samples, nt frames, nx, ny]` (PDEBench's `[N, T, X, Y]`), value (b, t, i, j)
 * = ω(x_i = i·L/nx, y_j = j·L/ny) at time `times[t]`. Notation per frame: e = ω_pred − ω_DNS,
 * sums run over the nx·ny grid points, ω̂_m = Σ ω e^{−2πi (i·m_x/nx + j·m_y/ny)} with signed integer
 * wavenumbers m (numpy's `fft2` order), physical wavenumber k = 2π m/L.
 * - relL2 of a frame = ‖e‖/‖ω_DNS‖; of a sample = sqrt(Σ_{t,i,j} e²)/sqrt(Σ_{t,i,j} ω_DNS²) (space
 *   and time flattened, as `evaluateFields`).
 * - vorticity correlation of a frame = Pearson correlation over space,
 *   Σ (a − ā)(b − b̄)/sqrt(Σ (a − ā)² Σ (b − b̄)²). Periodic vorticity has zero mean, where this equals
 *   Kochkov et al.'s ⟨ω, ω̂⟩/(‖ω‖‖ω̂‖). A constant frame gives NaN.
 * - high-correlation time (TSM's "high correlation duration"): the time at which the correlation
 *   first falls below the threshold, linear in t between the last frame at or above it and the first
 *   below; `times[0]` when the first frame is already below; `times[nt − 1]` when it never falls.
 *   A NaN correlation (a diverged rollout) counts as decorrelated at the last frame at or above.
 *   The value is on the `times` axis: it is a duration when times[0] = 0.
 * - energy spectrum, shell-summed: with ψ̂ = ω̂/|k|² (−∇²ψ = ω) and u = (ψ_y, −ψ_x), the kinetic
 *   energy per unit area ½⟨|u|²⟩ = Σ_{m ≠ 0} |ω̂_m|²/(2|k|²(nx·ny)²) (Parseval). E(k_s) sums that over
 *   the shell s = round(|m|), k_s = 2π s/L, so Σ_s E(k_s) = ½⟨|u|²⟩ exactly. Shells past ⌊min(nx, ny)/2⌋
 *   hold only the corners of the grid's square of modes.
 * - band energy = Σ E over the shells of a band: low s ∈ [1, iLow), mid [iLow, iHigh), high
 *   [iHigh, ⌊min(nx, ny)/2⌋] (corner shells left out; an empty band gives NaN, as in
 *   `evaluateFields`). Per frame: relErr = mean over samples of |E_pred − E_DNS|/E_DNS;
 *   energyRatio = (mean over samples of E_pred)/(mean of E_DNS), below 1 where the surrogate has
 *   lost energy in the band (over-smoothing), above 1 where it has piled up (aliasing, blow-up).
 * - enstrophy Z = ½⟨ω²⟩, energy ½⟨|u|²⟩ (per unit area), per frame, mean over samples.
 */
import { MetricsInputError } from './errors.js';
import { EnergySpectrum2d } from '../../core/spectrum.js';

/** Surrogate and DNS vorticity of a set of rollouts; see the module comment for the layout. */
export interface NsFields {
  /** Surrogate vorticity, `[n, nt, nx, ny]`. */
  pred: Float32Array;
  /** DNS vorticity, `[n, nt, nx, ny]`. */
  truth: Float32Array;
  n: number;
  nt: number;
  nx: number;
  ny: number;
  /** Side L of the periodic square domain. */
  length: number;
  /** Physical times of the nt frames, increasing. */
  times: number[];
}

export interface NsMetricsOptions {
  /** Correlation below which a rollout counts as decorrelated (TSM, Kochkov et al.). @default 0.8 */
  correlationThreshold?: number;
  /** Frame indices at which the energy spectra are kept. @default first, middle, last frame */
  spectrumFrames?: number[];
  /** First shells of the middle and high bands of |m| (as `evaluateFields`' iLow, iHigh). @default { iLow: 4, iHigh: 12 } */
  bands?: { iLow?: number; iHigh?: number };
}

export interface ResolvedNsMetricsOptions {
  correlationThreshold: number;
  spectrumFrames: number[];
  bands: { iLow: number; iHigh: number };
}

export type NsBandName = 'low' | 'mid' | 'high';

/** Plain numbers and arrays only (JSON-serialisable; NaN becomes null in JSON). */
export interface NsRolloutMetrics {
  n: number;
  nt: number;
  nx: number;
  ny: number;
  length: number;
  times: number[];
  options: ResolvedNsMetricsOptions;
  relL2: {
    /** Per frame, mean over samples of the frame's relL2. */
    perFrame: number[];
    /** [sample][frame] */
    perSampleFrame: number[][];
    /** Per sample, over the whole rollout (space-time flattened). */
    perSample: number[];
    /** Mean of perSample. */
    mean: number;
  };
  correlation: {
    /** Per frame, mean over samples. */
    mean: number[];
    /** [sample][frame] */
    perSample: number[][];
  };
  highCorrelationTime: {
    threshold: number;
    perSample: number[];
    mean: number;
    median: number;
  };
  spectrum: {
    /** Physical wavenumber of each shell, k_s = 2π s/L, s = 0 .. max round(|m|). */
    k: number[];
    /** The frames the spectra are kept at, and their times. */
    frames: number[];
    times: number[];
    /** [spectrum frame][shell], mean over samples. */
    dns: number[][];
    surrogate: number[][];
  };
  spectrumError: {
    /** Shell ranges [shellMin, shellMax] (inclusive) of each band. */
    bands: { name: NsBandName; shellMin: number; shellMax: number }[];
    /** [band][frame] */
    relErr: number[][];
    /** [band][frame] */
    energyRatio: number[][];
  };
  /** Per frame, mean over samples. */
  enstrophy: { dns: number[]; surrogate: number[] };
  /** Kinetic energy per unit area, per frame, mean over samples. */
  energy: { dns: number[]; surrogate: number[] };
  perSample: { index: number; relL2: number; finalCorrelation: number; highCorrelationTime: number }[];
}

function fail(message: string): never {
  throw new MetricsInputError(message);
}

/** Throws MetricsInputError unless f is a well-formed NsFields. */
export function checkNsFields(f: NsFields): void {
  if (f === null || typeof f !== 'object') fail(`fields ${String(f)} is not allowed: give { pred, truth, n, nt, nx, ny, length, times }`);
  for (const key of ['n', 'nt', 'nx', 'ny'] as const) {
    const v = f[key];
    const min = key === 'nx' || key === 'ny' ? 2 : 1;
    if (!Number.isInteger(v) || v < min) fail(`fields.${key} = ${String(v)} is not allowed: use an integer >= ${min}`);
  }
  if (typeof f.length !== 'number' || !Number.isFinite(f.length) || f.length <= 0)
    fail(`fields.length = ${String(f.length)} is not allowed: use the domain side L, a finite number > 0`);
  const size = f.n * f.nt * f.nx * f.ny;
  for (const name of ['pred', 'truth'] as const) {
    const a: unknown = f[name];
    if (!(a instanceof Float32Array))
      fail(`fields.${name} is ${a === null ? 'null' : ((a as object | undefined)?.constructor?.name ?? typeof a)}: give a Float32Array`);
    if (a.length !== size) fail(`fields.${name} has ${a.length} values but [n, nt, nx, ny] = [${f.n}, ${f.nt}, ${f.nx}, ${f.ny}] needs ${size}`);
  }
  if (!Array.isArray(f.times) || f.times.length !== f.nt)
    fail(`fields.times has ${Array.isArray(f.times) ? f.times.length : typeof f.times} entries but nt = ${f.nt}`);
  for (let t = 0; t < f.nt; t++) {
    if (!Number.isFinite(f.times[t]) || (t > 0 && f.times[t] <= f.times[t - 1]))
      fail(`fields.times[${t}] = ${f.times[t]} is not allowed: times must be finite and increasing`);
  }
}

/** Fills in defaults for nt frames on an nx × ny grid; throws MetricsInputError naming a bad option. */
export function resolveNsMetricsOptions(opts: NsMetricsOptions, nt: number): ResolvedNsMetricsOptions {
  const known = ['correlationThreshold', 'spectrumFrames', 'bands'];
  for (const key of Object.keys(opts)) if (!known.includes(key)) fail(`unknown Navier–Stokes metrics option "${key}": use one of ${known.join(', ')}`);
  const correlationThreshold = opts.correlationThreshold ?? 0.8;
  if (typeof correlationThreshold !== 'number' || !(correlationThreshold > -1 && correlationThreshold <= 1)) {
    fail(`correlationThreshold = ${String(correlationThreshold)} is not allowed: use a number in (-1, 1]`);
  }
  const spectrumFrames = opts.spectrumFrames ?? [...new Set([0, Math.floor((nt - 1) / 2), nt - 1])];
  if (!Array.isArray(spectrumFrames) || spectrumFrames.length === 0) fail('spectrumFrames is empty: give at least one frame index');
  for (const k of spectrumFrames) {
    if (!Number.isInteger(k) || k < 0 || k >= nt) fail(`spectrumFrames contains ${String(k)}: use frame indices 0..${nt - 1}`);
  }
  const bands = opts.bands ?? {};
  for (const key of Object.keys(bands)) if (key !== 'iLow' && key !== 'iHigh') fail(`unknown bands option "${key}": use iLow, iHigh`);
  const iLow = bands.iLow ?? 4;
  const iHigh = bands.iHigh ?? 12;
  if (!Number.isInteger(iLow) || iLow < 2) fail(`bands.iLow = ${String(iLow)} is not allowed: use an integer >= 2 (shell 0 holds no energy)`);
  if (!Number.isInteger(iHigh) || iHigh <= iLow) fail(`bands.iHigh = ${String(iHigh)} is not allowed: use an integer > iLow (${iLow})`);
  return { correlationThreshold, spectrumFrames: [...spectrumFrames], bands: { iLow, iHigh } };
}

/** Pearson correlation of a[aOff .. aOff + len) with b[bOff .. bOff + len), in float64. */
export function pearsonCorrelation(a: ArrayLike<number>, b: ArrayLike<number>, aOff = 0, bOff = 0, len = a.length): number {
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < len; i++) {
    ma += a[aOff + i];
    mb += b[bOff + i];
  }
  ma /= len;
  mb /= len;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < len; i++) {
    const da = a[aOff + i] - ma;
    const db = b[bOff + i] - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return sab / Math.sqrt(saa * sbb);
}

/** TSM's high-correlation duration on the `times` axis; see the module comment. */
export function highCorrelationTime(correlation: ArrayLike<number>, times: ArrayLike<number>, threshold: number): number {
  const nt = times.length;
  if (correlation.length !== nt || nt === 0) fail(`correlation has ${correlation.length} entries and times ${nt}: give one correlation per frame`);
  for (let k = 0; k < nt; k++) {
    const c = correlation[k];
    if (c >= threshold) continue;
    if (k === 0) return times[0];
    const prev = correlation[k - 1];
    if (Number.isNaN(c)) return times[k - 1];
    return times[k - 1] + ((prev - threshold) / (prev - c)) * (times[k] - times[k - 1]);
  }
  return times[nt - 1];
}

function median(v: number[]): number {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Computes every metric of the module comment for a set of rollouts. */
export function nsRolloutMetrics(f: NsFields, opts: NsMetricsOptions = {}): NsRolloutMetrics {
  checkNsFields(f);
  const o = resolveNsMetricsOptions(opts ?? {}, f.nt);
  const { n, nt, nx, ny, length, times, pred, truth } = f;
  const size = nx * ny;
  const spectrum = new EnergySpectrum2d(nx, ny, length);
  const nShells = spectrum.nShells;
  const kMax = Math.floor(Math.min(nx, ny) / 2);
  const { iLow, iHigh } = o.bands;
  const bandRanges: [NsBandName, number, number][] = [
    ['low', 1, Math.min(iLow, kMax + 1) - 1],
    ['mid', Math.min(iLow, kMax + 1), Math.min(iHigh, kMax + 1) - 1],
    ['high', Math.min(iHigh, kMax + 1), kMax],
  ];
  const spectrumSlot = new Map(o.spectrumFrames.map((k, i) => [k, i]));

  const shellE = [new Float64Array(nShells), new Float64Array(nShells)];
  const relPerFrame = new Float64Array(nt);
  const corrMean = new Float64Array(nt);
  const zSum = [new Float64Array(nt), new Float64Array(nt)];
  const eSum = [new Float64Array(nt), new Float64Array(nt)];
  const bandSum = [0, 1, 2].map(() => [new Float64Array(nt), new Float64Array(nt)]);
  const bandRel = [0, 1, 2].map(() => new Float64Array(nt));
  const specSum = o.spectrumFrames.map(() => [new Float64Array(nShells), new Float64Array(nShells)]);

  const perSampleFrame: number[][] = [];
  const corrPerSample: number[][] = [];
  const relPerSample: number[] = [];
  for (let b = 0; b < n; b++) {
    const rel: number[] = [];
    const corr: number[] = [];
    let seAll = 0;
    let suAll = 0;
    for (let t = 0; t < nt; t++) {
      const off = (b * nt + t) * size;
      let se = 0;
      let su = 0;
      let sp = 0;
      for (let i = 0; i < size; i++) {
        const u = truth[off + i];
        const v = pred[off + i];
        se += (v - u) * (v - u);
        su += u * u;
        sp += v * v;
      }
      seAll += se;
      suAll += su;
      rel.push(Math.sqrt(se) / Math.sqrt(su));
      corr.push(pearsonCorrelation(pred, truth, off, off, size));
      zSum[0][t] += su / (2 * size);
      zSum[1][t] += sp / (2 * size);

      const slot = spectrumSlot.get(t);
      [truth, pred].forEach((field, which) => {
        const e = shellE[which];
        spectrum.compute(field, off, e);
        let total = 0;
        for (let s = 0; s < nShells; s++) total += e[s];
        eSum[which][t] += total;
        if (slot !== undefined) for (let s = 0; s < nShells; s++) specSum[slot][which][s] += e[s];
      });
      bandRanges.forEach(([, lo, hi], bi) => {
        let ed = 0;
        let es = 0;
        for (let s = lo; s <= hi; s++) {
          ed += shellE[0][s];
          es += shellE[1][s];
        }
        if (hi < lo) ed = es = NaN;
        bandSum[bi][0][t] += ed;
        bandSum[bi][1][t] += es;
        bandRel[bi][t] += Math.abs(es - ed) / ed;
      });
    }
    for (let t = 0; t < nt; t++) {
      relPerFrame[t] += rel[t];
      corrMean[t] += corr[t];
    }
    perSampleFrame.push(rel);
    corrPerSample.push(corr);
    relPerSample.push(Math.sqrt(seAll) / Math.sqrt(suAll));
  }

  const perN = (v: Float64Array) => Array.from(v, (x) => x / n);
  const hct = corrPerSample.map((c) => highCorrelationTime(c, times, o.correlationThreshold));
  return {
    n,
    nt,
    nx,
    ny,
    length,
    times: [...times],
    options: o,
    relL2: {
      perFrame: perN(relPerFrame),
      perSampleFrame,
      perSample: relPerSample,
      mean: relPerSample.reduce((a, v) => a + v, 0) / n,
    },
    correlation: { mean: perN(corrMean), perSample: corrPerSample },
    highCorrelationTime: {
      threshold: o.correlationThreshold,
      perSample: hct,
      mean: hct.reduce((a, v) => a + v, 0) / n,
      median: median(hct),
    },
    spectrum: {
      k: Array.from(spectrum.k),
      frames: [...o.spectrumFrames],
      times: o.spectrumFrames.map((k) => times[k]),
      dns: specSum.map(([d]) => perN(d)),
      surrogate: specSum.map(([, s]) => perN(s)),
    },
    spectrumError: {
      bands: bandRanges.map(([name, shellMin, shellMax]) => ({ name, shellMin, shellMax })),
      relErr: bandRel.map(perN),
      energyRatio: bandSum.map(([d, s]) => Array.from(d, (ed, t) => s[t] / ed)),
    },
    enstrophy: { dns: perN(zSum[0]), surrogate: perN(zSum[1]) },
    energy: { dns: perN(eSum[0]), surrogate: perN(eSum[1]) },
    perSample: relPerSample.map((relL2, index) => ({
      index,
      relL2,
      finalCorrelation: corrPerSample[index][nt - 1],
      highCorrelationTime: hct[index],
    })),
  };
}
