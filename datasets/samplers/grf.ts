import { SolverInputError } from '../../solvers/errors.js';
import { irfft, isPowerOfTwo } from '../../core/fft/fft.js';
import type { Grid1D } from '../../core/grid.js';
import type { Rng } from '../../core/random.js';

/**
 * Gaussian random field initial conditions of the Fourier Neural Operator paper
 * [Li et al. 2021, "Fourier Neural Operator for Parametric PDEs", §5.1: u0 ~ μ = N(0, 625(−Δ + 25I)^−2)],
 * sampled as the paper's data-generation script does (neuraloperator `data_generation/burgers/GRF1.m`,
 * periodic case).
 *
 * Covariance: C = σ²(−Δ + τ²I)^−γ on the periodic interval of length L (the grid's domain; L = 1
 * for the paper). Its eigenfunctions are √(2/L)·cos(κ_k x), √(2/L)·sin(κ_k x), κ_k = 2πk/L, with
 * eigenvalues σ²(κ_k² + τ²)^−γ, so the Karhunen–Loève sample with unit-length normalisation (L = 1)
 * is
 *
 *   u(x) = m + Σ_{k=1}^{K} s_k·(ξ_k·cos(κ_k·(x − xmin)) + η_k·sin(κ_k·(x − xmin))),
 *   s_k = √2·σ·(κ_k² + τ²)^(−γ/2),   ξ_k, η_k ~ N(0, 1) independent,
 *
 * exactly GRF1's `my_eigs` (its complex coefficients c_{±k} = (ξ_k s_k ∓ i·η_k s_k)/2 give the same
 * real series). As in GRF1 the constant mode is not random: the mean is exactly m (default 0), and
 * K = n/2 modes are kept by default (GRF1 is called with N = s/2). GRF1 evaluates the series at
 * t − 1/2 (a half-period shift), which only flips the sign of odd modes and leaves the distribution
 * unchanged; it is not reproduced. The normals are drawn per mode (ξ_1, η_1, ξ_2, η_2, …), so the
 * same seed at a finer grid gives the same field with more modes resolved.
 *
 * Presets: `fno-paper` (σ = 25, τ = 5, γ = 2: the paper's 625(−Δ + 25I)^−2) and
 * `fno-burgers-script` (σ = 49, τ = 7, γ = 2.5: the values in `gen_burgers1.m`).
 *
 * Evaluation: exact trigonometric sum at the grid points (node or cell-centre), by one inverse
 * real FFT when n is a power of two, else by a direct sum over a table of cos/sin values.
 */
export interface GrfOptions {
  /** Named parameter set; explicit fields override it. @default 'fno-paper' */
  preset?: GrfPreset;
  /** σ in σ²(−Δ + τ²I)^−γ. @default preset's (25) */
  sigma?: number;
  /** τ in σ²(−Δ + τ²I)^−γ. @default preset's (5) */
  tau?: number;
  /** γ in σ²(−Δ + τ²I)^−γ. @default preset's (2) */
  gamma?: number;
  /** Mean m (the constant mode, not random). @default 0 */
  mean?: number;
  /** Number of Fourier modes K (k = 1 … K); at most n/2. @default n/2 of the grid (GRF1's N = s/2) */
  nModes?: number;
}

export type GrfPreset = 'fno-paper' | 'fno-burgers-script';

export const GRF_PRESETS: Readonly<Record<GrfPreset, Readonly<{ sigma: number; tau: number; gamma: number }>>> = {
  'fno-paper': { sigma: 25, tau: 5, gamma: 2 },
  'fno-burgers-script': { sigma: 49, tau: 7, gamma: 2.5 },
};

/** Every field filled, except nModes, which is left out for "n/2 of the grid" (so JSON round-trips). */
export interface ResolvedGrfOptions {
  preset: GrfPreset;
  sigma: number;
  tau: number;
  gamma: number;
  mean: number;
  nModes?: number;
}

const GRF_FIELDS = ['preset', 'sigma', 'tau', 'gamma', 'mean', 'nModes'] as const;

/** Fills defaults and validates; throws a one-line SolverInputError naming the field and value. */
export function resolveGrfOptions(opts: Record<string, unknown>): ResolvedGrfOptions {
  for (const key of Object.keys(opts)) {
    if (key !== 'kind' && !(GRF_FIELDS as readonly string[]).includes(key)) {
      throw new SolverInputError(`unknown option '${key}' for sampler 'grf': known options are ${GRF_FIELDS.join(', ')}`);
    }
  }
  const preset = (opts.preset ?? 'fno-paper') as GrfPreset;
  if (!Object.hasOwn(GRF_PRESETS, preset)) {
    throw new SolverInputError(`grf preset '${String(preset)}' is unknown: use one of ${Object.keys(GRF_PRESETS).join(', ')}`);
  }
  const p = GRF_PRESETS[preset];
  const num = (key: string, fallback: number, ok: (v: number) => boolean, need: string): number => {
    const v = opts[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
      throw new SolverInputError(`grf ${key}=${String(v)} is not allowed: need ${need}`);
    }
    return v;
  };
  const sigma = num('sigma', p.sigma, (v) => v > 0, 'a finite number > 0');
  const tau = num('tau', p.tau, (v) => v >= 0, 'a finite number >= 0');
  const gamma = num('gamma', p.gamma, (v) => v > 0, 'a finite number > 0');
  const mean = num('mean', 0, () => true, 'a finite number');
  const resolved: ResolvedGrfOptions = { preset, sigma, tau, gamma, mean };
  if (opts.nModes !== undefined) {
    resolved.nModes = num('nModes', 0, (v) => Number.isInteger(v) && v >= 1, 'an integer >= 1 (or leave it out for n/2)');
  }
  return resolved;
}

/** Standard deviation s_k = √2·σ·((2πk/L)² + τ²)^(−γ/2) of the cos and sin coefficients of mode k. */
export function grfModeStd(k: number, opts: Pick<ResolvedGrfOptions, 'sigma' | 'tau' | 'gamma'>, length: number): number {
  const kappa = (2 * Math.PI * k) / length;
  return Math.SQRT2 * opts.sigma * Math.pow(kappa * kappa + opts.tau * opts.tau, -opts.gamma / 2);
}

/** The number of modes used on a grid, checked against n/2. */
export function grfModeCount(opts: ResolvedGrfOptions, grid: Grid1D): number {
  const max = Math.floor(grid.n / 2);
  const k = opts.nModes ?? max;
  if (k > max) throw new SolverInputError(`grf nModes=${k} is not allowed for n=${grid.n}: need nModes <= n/2 = ${max}`);
  return k;
}

/** One GRF sample at the grid points. */
export function sampleGrf(opts: ResolvedGrfOptions, grid: Grid1D, rng: Rng): Float64Array {
  const nModes = grfModeCount(opts, grid);
  const a = new Float64Array(nModes + 1);
  const b = new Float64Array(nModes + 1);
  for (let k = 1; k <= nModes; k++) {
    const s = grfModeStd(k, opts, grid.length);
    a[k] = s * rng.normal();
    b[k] = s * rng.normal();
  }
  return evaluateTrigSeries(opts.mean, a, b, grid);
}

/**
 * u(x_j) = mean + Σ_{k≥1} a_k·cos(κ_k(x_j − xmin)) + b_k·sin(κ_k(x_j − xmin)), κ_k = 2πk/L, at the
 * grid points (a[0], b[0] are ignored). Needs K = a.length − 1 ≤ n/2.
 */
export function evaluateTrigSeries(mean: number, a: Float64Array, b: Float64Array, grid: Grid1D): Float64Array {
  const n = grid.n;
  const nModes = a.length - 1;
  if (b.length !== a.length) throw new SolverInputError(`cos and sin coefficient arrays differ in length (${a.length} vs ${b.length})`);
  if (nModes > n / 2) throw new SolverInputError(`${nModes} modes cannot be evaluated on n=${n} points: need at most n/2`);
  // Points sit at xmin + (j + off)·dx; mode k then has phase 2πk·off/n at j = 0.
  const off = grid.staggering === 'cell' ? 0.5 : 0;
  if (isPowerOfTwo(n) && n >= 2) {
    // irfft with X_k = (n/2)·(a_k − i·b_k)·e^{iφ_k} reproduces a_k cos(θ + φ_k) + b_k sin(θ + φ_k);
    // at the Nyquist mode only the real part survives, with weight n.
    const c = new Float64Array(n + 2);
    c[0] = n * mean;
    for (let k = 1; k <= nModes; k++) {
      const phi = (2 * Math.PI * k * off) / n;
      const cr = Math.cos(phi);
      const ci = Math.sin(phi);
      const zr = a[k] * cr + b[k] * ci;
      const zi = a[k] * ci - b[k] * cr;
      const w = 2 * k === n ? n : n / 2;
      c[2 * k] = w * zr;
      c[2 * k + 1] = 2 * k === n ? 0 : w * zi;
    }
    return irfft(c, n);
  }
  // Direct sum: the angle of mode k at point j is π·k·(2j + 2·off)/n, read from a table of 2n values.
  const cosT = new Float64Array(2 * n);
  const sinT = new Float64Array(2 * n);
  for (let i = 0; i < 2 * n; i++) {
    cosT[i] = Math.cos((Math.PI * i) / n);
    sinT[i] = Math.sin((Math.PI * i) / n);
  }
  const u = new Float64Array(n).fill(mean);
  for (let j = 0; j < n; j++) {
    const step = 2 * j + 2 * off;
    let s = 0;
    for (let k = 1; k <= nModes; k++) {
      const idx = (k * step) % (2 * n);
      s += a[k] * cosT[idx] + b[k] * sinT[idx];
    }
    u[j] += s;
  }
  return u;
}
