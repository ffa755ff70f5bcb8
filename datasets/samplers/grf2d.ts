import { SolverInputError } from '../../solvers/errors.js';
import { ifft, irfft, isPowerOfTwo } from '../../core/fft/fft.js';
import type { Rng } from '../../core/random.js';

/**
 * Gaussian random field vorticity of the FNO Navier–Stokes data [Li et al. 2021, §5.3:
 * w0 ~ μ = N(0, 7^{3/2}(−Δ + 49I)^{−2.5}) with periodic boundary conditions], sampled as the
 * data script does (neuraloperator `data_generation/navier_stokes/random_fields.py`,
 * `GaussianRF(2, s, alpha=2.5, tau=7)`).
 *
 * Covariance C = σ²(−Δ + τ²I)^−α on the periodic square of side L, σ = τ^{(2α − 2)/2} by default
 * (the script's `sigma = tau**(0.5*(2*alpha - dim))`). The script draws an independent complex
 * normal coefficient ξ + iη for every wavenumber k of the full grid, multiplies by
 * √2·σ·λ_k^{−α/2} (λ_k = |2πk/L|² + τ²) and keeps the real part of the inverse FFT. Pairing k with
 * −k gives the same distribution as the real series used here,
 *
 *   w(x) = Σ_{k in the half plane} 2σ·λ_k^{−α/2}·(a_k cos(2πk·x/L) + b_k sin(2πk·x/L)),  a_k, b_k ~ N(0, 1),
 *
 * with mean exactly 0 (the script zeroes k = 0). Modes with |k_x|, |k_y| < n/2 are kept (the
 * script's Nyquist rows carry a relative variance below 1e-14 at n = 256 and are dropped).
 *
 * The normals are drawn ring by ring (r = max(|k_x|, |k_y|) = 1, 2, …), so the same Rng gives the
 * same field at a finer grid, with more modes resolved: a solve on 256² and on 128² start from the
 * same large scales.
 */
export interface Grf2dOptions {
  /** α in σ²(−Δ + τ²I)^−α. @default 2.5 */
  alpha?: number;
  /** τ in σ²(−Δ + τ²I)^−α. @default 7 */
  tau?: number;
  /** σ; null for the script's τ^{(2α − 2)/2}. @default null */
  sigma?: number | null;
}

export interface ResolvedGrf2dOptions {
  kind: 'grf2d';
  alpha: number;
  tau: number;
  sigma: number | null;
}

const FIELDS = ['kind', 'alpha', 'tau', 'sigma'] as const;

/** Fills defaults and validates; throws a one-line SolverInputError naming the field and value. */
export function resolveGrf2dOptions(opts: Record<string, unknown> = {}): ResolvedGrf2dOptions {
  for (const key of Object.keys(opts)) {
    if (!(FIELDS as readonly string[]).includes(key)) {
      throw new SolverInputError(`unknown option '${key}' for sampler 'grf2d': known options are ${FIELDS.slice(1).join(', ')}`);
    }
  }
  const num = (key: string, fallback: number, ok: (v: number) => boolean, need: string): number => {
    const v = opts[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) throw new SolverInputError(`grf2d ${key}=${String(v)} is not allowed: need ${need}`);
    return v;
  };
  const alpha = num('alpha', 2.5, (v) => v > 1, 'a finite number > 1 (a field with finite variance in 2D)');
  const tau = num('tau', 7, (v) => v >= 0, 'a finite number >= 0');
  const sigma = opts.sigma === undefined || opts.sigma === null ? null : num('sigma', 0, (v) => v > 0, 'a finite number > 0');
  return { kind: 'grf2d', alpha, tau, sigma };
}

/** σ actually used: the given one, or the FNO script's τ^{(2α − 2)/2}. */
export function grf2dSigma(o: ResolvedGrf2dOptions): number {
  return o.sigma ?? Math.pow(o.tau, 0.5 * (2 * o.alpha - 2));
}

/** The half-plane modes (k_x, k_y) of ring r = max(|k_x|, |k_y|), in the fixed draw order. */
function ringModes(r: number): [number, number][] {
  const out: [number, number][] = [];
  for (let kx = -r; kx <= r; kx++) {
    for (let ky = 0; ky <= r; ky++) {
      if (Math.max(Math.abs(kx), ky) !== r) continue;
      if (ky === 0 && kx <= 0) continue;
      out.push([kx, ky]);
    }
  }
  return out;
}

/**
 * One sample on the n×n grid of the square [0, L)², x-major (index i·n + j is (x_i, y_j) =
 * (iL/n, jL/n)), float64. n must be a power of two ≥ 4.
 */
export function sampleGrf2d(opts: ResolvedGrf2dOptions, n: number, length: number, rng: Rng): Float64Array {
  if (!isPowerOfTwo(n) || n < 4) throw new SolverInputError(`grf2d grid n=${n} is not allowed: use a power of two >= 4`);
  if (!(Number.isFinite(length) && length > 0)) throw new SolverInputError(`grf2d domain length L=${length} is not allowed: need L > 0`);
  const sigma = grf2dSigma(opts);
  const h = n / 2 + 1;
  // rfft2 layout: spec[(kx mod n)·h + ky] complex, interleaved; X_k = n²·A(a − ib)/2 for a term
  // A(a cos θ + b sin θ), so that numpy's ifft ∘ irfft (each 1/n) returns the series.
  const spec = new Float64Array(2 * n * h);
  const put = (kx: number, ky: number, re: number, im: number): void => {
    const o = 2 * (((kx % n) + n) % n) * h + 2 * ky;
    spec[o] += re;
    spec[o + 1] += im;
  };
  const twoPiOverL = (2 * Math.PI) / length;
  for (let r = 1; r < n / 2; r++) {
    for (const [kx, ky] of ringModes(r)) {
      const lambda = twoPiOverL * twoPiOverL * (kx * kx + ky * ky) + opts.tau * opts.tau;
      const amp = 2 * sigma * Math.pow(lambda, -opts.alpha / 2);
      const a = rng.normal();
      const b = rng.normal();
      const re = (n * n * amp * a) / 2;
      const im = (-n * n * amp * b) / 2;
      put(kx, ky, re, im);
      // The ky = 0 row of an rfft2 holds both k and −k.
      if (ky === 0) put(-kx, 0, re, -im);
    }
  }
  // Inverse along x (complex, per ky column), then along y (real, per row).
  const col = new Float64Array(2 * n);
  const colOut = new Float64Array(2 * n);
  for (let ky = 0; ky < h; ky++) {
    for (let i = 0; i < n; i++) {
      col[2 * i] = spec[2 * (i * h + ky)];
      col[2 * i + 1] = spec[2 * (i * h + ky) + 1];
    }
    ifft(col, colOut);
    for (let i = 0; i < n; i++) {
      spec[2 * (i * h + ky)] = colOut[2 * i];
      spec[2 * (i * h + ky) + 1] = colOut[2 * i + 1];
    }
  }
  const w = new Float64Array(n * n);
  const rowOut = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    irfft(spec.subarray(2 * i * h, 2 * (i + 1) * h), n, rowOut);
    w.set(rowOut, i * n);
  }
  return w;
}

/** Variance of the field at a point, Σ over the kept half-plane modes of (2σλ_k^{−α/2})² (for tests). */
export function grf2dPointVariance(opts: ResolvedGrf2dOptions, n: number, length: number): number {
  const sigma = grf2dSigma(opts);
  const twoPiOverL = (2 * Math.PI) / length;
  let v = 0;
  for (let r = 1; r < n / 2; r++) {
    for (const [kx, ky] of ringModes(r)) {
      const lambda = twoPiOverL * twoPiOverL * (kx * kx + ky * ky) + opts.tau * opts.tau;
      v += 4 * sigma * sigma * Math.pow(lambda, -opts.alpha);
    }
  }
  return v;
}
