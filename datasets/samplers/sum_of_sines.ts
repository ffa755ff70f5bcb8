import { SolverInputError } from '../../solvers/errors.js';
import type { Grid1D } from '../../core/grid.js';
import type { Rng } from '../../core/random.js';

/**
 * PDEBench's 1D random initial condition: a sum of sines with random wavenumbers, amplitudes and
 * phases, then random absolute value, sign flip and tanh window — `init_multi` in
 * pdebench/data_gen/data_gen_NLE/utils.py [Takamoto et al., PDEBench, NeurIPS 2022 Datasets and
 * Benchmarks], called by its 1D Burgers generator (burgers_multi_solution_Hydra.py) with k_tot = 4
 * and two modes (num_choise_k = 2) on cell centres of [0, 1].
 *
 * With ξ = (x − xmin)/L the position in the domain as a fraction:
 * 1. draw nModes indices k uniformly from 1 … kMax, with replacement, and for every k in 1 … kMax an
 *    amplitude A_k ~ U[amplitude) and a phase φ_k ~ U[0, 2π); c_k = how often k was drawn;
 *    u = Σ_{k=1}^{kMax} A_k·sin(2π·c_k·k·(x − xmin)/ℓ + φ_k).
 *    As in PDEBench (`kk = 2π·arange(1, k_tot+1)·selected/(xc[-1] − xc[0])`), an index drawn twice
 *    has its wavenumber doubled and every index not drawn adds the constant A_k·sin(φ_k)
 *    (`modeSelection: 'pdebench'`, the default); `'distinct'` draws nModes different indices and
 *    keeps only their sines (zero mean).
 *    ℓ = L (`wavenumberLength: 'period'`, default, exactly periodic) or the span between the first
 *    and the last grid point, as PDEBench's code has it (`'span'`; not periodic by one dx).
 * 2. with probability pAbs (PDEBench 0.1): u ← |u|;
 * 3. with probability pFlip (PDEBench 0.5, `choice([1, −1])`): u ← −u;
 * 4. with probability pWindow (PDEBench 0.1): u ← u·½(tanh((ξ − ξL)/w) − tanh((ξ − ξR)/w)),
 *    ξL ~ U[windowLeft), ξR ~ U[windowRight), w = windowWidth (PDEBench: [0.1, 0.45), [0.55, 0.9),
 *    0.01 on its unit domain);
 * 5. if normalize (PDEBench's if_norm, used for reaction–diffusion): u ← (u − min u)/max(u − min u).
 *
 * Differences from PDEBench, all in the random stream only: draws come from our seeded Rng, and
 * ξL, ξR and the window decision are drawn independently (PDEBench reuses one JAX key for them, so
 * its ξL and ξR are perfectly correlated).
 */
export interface SumOfSinesOptions {
  /** Number of wavenumber draws (num_choise_k). @default 2 */
  nModes?: number;
  /** Largest wavenumber index (k_tot). @default 4 (PDEBench Burgers) */
  kMax?: number;
  /** Amplitude range [lo, hi). @default [0, 1] */
  amplitude?: readonly [number, number];
  /** How indices are drawn: PDEBench's (with replacement, constant terms from the rest) or distinct. @default 'pdebench' */
  modeSelection?: 'pdebench' | 'distinct';
  /** Length ℓ in the wavenumber 2πk/ℓ. @default 'period' */
  wavenumberLength?: 'period' | 'span';
  /** Probability of taking |u|. @default 0.1 */
  pAbs?: number;
  /** Probability of flipping the sign. @default 0.5 */
  pFlip?: number;
  /** Probability of the tanh window. @default 0.1 */
  pWindow?: number;
  /** Range of the window's left edge, as a fraction of the domain. @default [0.1, 0.45] */
  windowLeft?: readonly [number, number];
  /** Range of the window's right edge, as a fraction of the domain. @default [0.55, 0.9] */
  windowRight?: readonly [number, number];
  /** Width w of the tanh transitions, as a fraction of the domain. @default 0.01 */
  windowWidth?: number;
  /** Rescale to [0, 1]. @default false */
  normalize?: boolean;
}

export type ResolvedSumOfSinesOptions = { -readonly [K in keyof SumOfSinesOptions]-?: NonNullable<SumOfSinesOptions[K]> };

export const SUM_OF_SINES_DEFAULTS: Readonly<ResolvedSumOfSinesOptions> = {
  nModes: 2,
  kMax: 4,
  amplitude: [0, 1],
  modeSelection: 'pdebench',
  wavenumberLength: 'period',
  pAbs: 0.1,
  pFlip: 0.5,
  pWindow: 0.1,
  windowLeft: [0.1, 0.45],
  windowRight: [0.55, 0.9],
  windowWidth: 0.01,
  normalize: false,
};

const FIELDS = Object.keys(SUM_OF_SINES_DEFAULTS);

/** Fills defaults and validates; throws a one-line SolverInputError naming the field and value. */
export function resolveSumOfSinesOptions(opts: Record<string, unknown>): ResolvedSumOfSinesOptions {
  for (const key of Object.keys(opts)) {
    if (key !== 'kind' && !FIELDS.includes(key)) {
      throw new SolverInputError(`unknown option '${key}' for sampler 'sum-of-sines': known options are ${FIELDS.join(', ')}`);
    }
  }
  const bad = (key: string, v: unknown, need: string): never => {
    throw new SolverInputError(`sum-of-sines ${key}=${JSON.stringify(v) ?? String(v)} is not allowed: need ${need}`);
  };
  const get = <K extends keyof ResolvedSumOfSinesOptions>(key: K): unknown => opts[key] ?? SUM_OF_SINES_DEFAULTS[key];
  const int = (key: 'nModes' | 'kMax'): number => {
    const v = get(key);
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) bad(key, v, 'an integer >= 1');
    return v as number;
  };
  const prob = (key: 'pAbs' | 'pFlip' | 'pWindow'): number => {
    const v = get(key);
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) bad(key, v, 'a probability in [0, 1]');
    return v as number;
  };
  const range = (key: 'amplitude' | 'windowLeft' | 'windowRight', lo: number, hi: number): [number, number] => {
    const v = get(key);
    const ok = Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number' && Number.isFinite(x)) && v[0] <= v[1] && v[0] >= lo && v[1] <= hi;
    if (!ok) bad(key, v, `[lo, hi] with ${lo} <= lo <= hi <= ${hi}`);
    return [(v as number[])[0], (v as number[])[1]];
  };
  const choice = <T extends string>(key: 'modeSelection' | 'wavenumberLength', allowed: readonly T[]): T => {
    const v = get(key);
    if (!allowed.includes(v as T)) bad(key, v, `one of ${allowed.join(', ')}`);
    return v as T;
  };
  const nModes = int('nModes');
  const kMax = int('kMax');
  const modeSelection = choice('modeSelection', ['pdebench', 'distinct'] as const);
  if (modeSelection === 'distinct' && nModes > kMax) bad('nModes', nModes, `nModes <= kMax=${kMax} for distinct wavenumbers`);
  const windowWidth = get('windowWidth');
  if (typeof windowWidth !== 'number' || !(windowWidth > 0 && windowWidth < 1)) bad('windowWidth', windowWidth, 'a fraction in (0, 1)');
  const normalize = get('normalize');
  if (typeof normalize !== 'boolean') bad('normalize', normalize, 'true or false');
  return {
    nModes,
    kMax,
    amplitude: range('amplitude', -Infinity, Infinity),
    modeSelection,
    wavenumberLength: choice('wavenumberLength', ['period', 'span'] as const),
    pAbs: prob('pAbs'),
    pFlip: prob('pFlip'),
    pWindow: prob('pWindow'),
    windowLeft: range('windowLeft', 0, 1),
    windowRight: range('windowRight', 0, 1),
    windowWidth: windowWidth as number,
    normalize: normalize as boolean,
  };
}

/** One sum-of-sines sample at the grid points. */
export function sampleSumOfSines(opts: ResolvedSumOfSinesOptions, grid: Grid1D, rng: Rng): Float64Array {
  const { kMax } = opts;
  // Multiplicity c_k of every index k = 1 … kMax.
  const count = new Int32Array(kMax + 1);
  if (opts.modeSelection === 'pdebench') {
    for (let i = 0; i < opts.nModes; i++) count[1 + rng.integer(kMax)]++;
  } else {
    // Partial Fisher–Yates: the first nModes of a random permutation of 1 … kMax.
    const idx = Array.from({ length: kMax }, (_, i) => i + 1);
    for (let i = 0; i < opts.nModes; i++) {
      const j = i + rng.integer(kMax - i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
      count[idx[i]] = 1;
    }
  }
  const amp = new Float64Array(kMax + 1);
  const phase = new Float64Array(kMax + 1);
  for (let k = 1; k <= kMax; k++) amp[k] = rng.uniformRange(opts.amplitude[0], opts.amplitude[1]);
  for (let k = 1; k <= kMax; k++) phase[k] = rng.uniformRange(0, 2 * Math.PI);
  const x = grid.points();
  const n = grid.n;
  const ell = opts.wavenumberLength === 'period' ? grid.length : x[n - 1] - x[0];
  const u = new Float64Array(n);
  for (let k = 1; k <= kMax; k++) {
    if (opts.modeSelection === 'distinct' && count[k] === 0) continue;
    const kappa = (2 * Math.PI * count[k] * k) / ell;
    for (let j = 0; j < n; j++) u[j] += amp[k] * Math.sin(kappa * (x[j] - grid.xmin) + phase[k]);
  }
  if (rng.uniform() < opts.pAbs) for (let j = 0; j < n; j++) u[j] = Math.abs(u[j]);
  if (rng.uniform() < opts.pFlip) for (let j = 0; j < n; j++) u[j] = -u[j];
  // The window's edges are drawn even when it is not applied, so later draws do not depend on it.
  const useWindow = rng.uniform() < opts.pWindow;
  const xl = rng.uniformRange(opts.windowLeft[0], opts.windowLeft[1]);
  const xr = rng.uniformRange(opts.windowRight[0], opts.windowRight[1]);
  if (useWindow) {
    const w = opts.windowWidth;
    for (let j = 0; j < n; j++) {
      const xi = (x[j] - grid.xmin) / grid.length;
      u[j] *= 0.5 * (Math.tanh((xi - xl) / w) - Math.tanh((xi - xr) / w));
    }
  }
  if (opts.normalize) {
    let lo = Infinity;
    for (let j = 0; j < n; j++) lo = Math.min(lo, u[j]);
    let hi = 0;
    for (let j = 0; j < n; j++) hi = Math.max(hi, u[j] - lo);
    // A constant field has no range to normalise; PDEBench would divide by zero, we return zeros.
    for (let j = 0; j < n; j++) u[j] = hi > 0 ? (u[j] - lo) / hi : 0;
  }
  return u;
}
