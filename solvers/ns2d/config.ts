import { SolverInputError } from '../errors.js';
import { isFft2dSize } from '../../core/fft/fft2d.js';
import { CN_EULER, CN_RK3, type ImexRkCnTableau } from '../time/imex_rk_cn.js';

export { createImexRkCnTableau, type ImexRkCnTableau } from '../time/imex_rk_cn.js';

/**
 * Time-stepping schemes of the 2D Navier–Stokes solver. Both are low-storage IMEX Runge–Kutta /
 * Crank–Nicolson schemes (jax-cfd `low_storage_runge_kutta_crank_nicolson`,
 * jax_cfd/spectral/time_stepping.py, after Canuto et al., Spectral Methods, 2007, App. D.3):
 *
 *   for s = 0 … S−1:  h ← F(u) + β_s·h;   μ = ½·dt·(α_{s+1} − α_s);
 *                     u ← (1 − μ·L)⁻¹·((1 + μ·L)·u + γ_s·dt·h),
 *
 * F = explicit terms (advection, forcing), L = implicit linear terms (viscosity, drag).
 *
 * - 'cn-euler': α = (0, 1), β = (0), γ = (1): forward-Euler advection and forcing with
 *   Crank–Nicolson diffusion and drag, the scheme of the FNO data generator (Li et al.,
 *   neuraloperator data_generation/navier_stokes/ns_2d.py:
 *   ŵ ← (−dt·F̂ + dt·f̂ + (1 − ½dt·ν|k|²)·ŵ)/(1 + ½dt·ν|k|²)). Order 1.
 * - 'cn-rk3': jax-cfd `crank_nicolson_rk3`, Williamson's low-storage RK3 with
 *   α = (0, 1/3, 3/4, 1), β = (0, −5/9, −153/128), γ = (1/3, 15/16, 8/15). Order 3 for the
 *   explicit part alone (ν = drag = 0), order 2 overall (the Crank–Nicolson sub-steps are 2nd
 *   order) — both measured in test/solvers/ns2d_order.test.ts.
 */
export type NsScheme = 'cn-euler' | 'cn-rk3';

export const NS_SCHEMES: readonly NsScheme[] = ['cn-euler', 'cn-rk3'];

/**
 * Vorticity forcing presets (f in ω_t + u·∇ω = νΔω − αω + f), each on its own domain:
 * - 'fno': f = 0.1·(sin 2π(x+y) + cos 2π(x+y)) on [0, 1)² (ns_2d.py), length 1.
 * - 'kolmogorov': velocity forcing (sin 4y, 0) in the x-momentum equation, i.e. vorticity
 *   forcing f = ∂x(0) − ∂y(sin 4y) = −4·cos 4y, on [0, 2π)²: jax-cfd's `kolmogorov_forcing`
 *   (scale 1, k = 4, base/forcings.py) and `kolmogorov_forcing_fn` (f = −4·cos(4y),
 *   spectral/forcings.py), with jax-cfd's curl convention ω = ∂x v − ∂y u and velocity
 *   u = ∂yψ, v = −∂xψ from −Δψ = ω (spectral/utils.py `vorticity_to_velocity`). Sampled at the
 *   node points y_j = j·2π/n (jax-cfd's spectral forcing uses offset (0, 0), i.e. the same).
 *   Used with linear drag (Kochkov et al. 2021 / TSM / FactFormer: drag 0.1). Needs n ≥ 16 so
 *   that wavenumber 4 lies in the dealiased band.
 * - 'none': f = 0, any length.
 */
export type NsForcingPreset = 'fno' | 'kolmogorov' | 'none';

export const NS_FORCINGS: readonly NsForcingPreset[] = ['fno', 'kolmogorov', 'none'];

/** Domain length each forcing preset is defined on (null: any). */
const FORCING_LENGTH: Record<NsForcingPreset, { length: number; text: string } | null> = {
  fno: { length: 1, text: '1' },
  kolmogorov: { length: 2 * Math.PI, text: '2π' },
  none: null,
};

export interface Ns2dConfig {
  /** Grid points per side (an even number; the FFT needs a power of two >= 4). */
  n: number;
  /** Side L of the periodic square [0, L)². */
  length: number;
  /** Kinematic viscosity ν >= 0. */
  nu: number;
  /** Linear drag α >= 0 (the −α·ω term). */
  drag: number;
  forcing: NsForcingPreset;
  scheme: NsScheme;
  /**
   * Fixed step (each output interval is split into equal steps no longer than dt; refused when
   * above advectiveDtBound of the initial field), or the adaptive step
   * min(maxDt, cfl·dx/max|u|, advectiveDtBound) recomputed every step.
   */
  dt: { kind: 'fixed'; dt: number } | { kind: 'cfl'; cfl: number; maxDt: number };
}

/** The tableau of each scheme. */
export const NS_TABLEAUS: Readonly<Record<NsScheme, ImexRkCnTableau>> = { 'cn-euler': CN_EULER, 'cn-rk3': CN_RK3 };

/** Stability of the explicit advection, per scheme (see advectiveDtBound). */
export const CN_RK3_IMAGINARY_LIMIT = Math.sqrt(3);

/** A validated configuration. */
export interface ResolvedNs2dConfig extends Ns2dConfig {
  /** Dealiasing cut-off: modes |p|, |q| <= K = floor(n/3) are kept (Orszag's 2/3 rule). */
  readonly K: number;
  readonly tableau: ImexRkCnTableau;
}

/** The physical parameters shared by every scheme (what NavierStokes2d needs). */
export interface Ns2dParams {
  n: number;
  length: number;
  nu: number;
  drag: number;
  forcing: NsForcingPreset;
}

/** Checks n, length, nu, drag and forcing; returns the dealiasing cut-off K. */
export function checkNs2dParams(p: Ns2dParams): number {
  const { n, length, nu, drag, forcing } = p;
  if (typeof n !== 'number' || !Number.isInteger(n) || n % 2 !== 0 || n < 4) {
    throw new SolverInputError(`grid n=${n} is not allowed: use an even number (the 2D FFT needs a power of two >= 4, e.g. 256)`);
  }
  if (!isFft2dSize(n, n)) {
    throw new SolverInputError(`grid n=${n} is not allowed: the 2D FFT needs a power of two >= 4 (e.g. ${2 ** Math.round(Math.log2(n))})`);
  }
  if (typeof length !== 'number' || !(Number.isFinite(length) && length > 0)) {
    throw new SolverInputError(`domain length=${length} is not allowed: need a finite length > 0`);
  }
  if (typeof nu !== 'number' || !(Number.isFinite(nu) && nu >= 0)) {
    throw new SolverInputError(`viscosity nu=${nu} is not allowed: need a finite nu >= 0`);
  }
  if (typeof drag !== 'number' || !(Number.isFinite(drag) && drag >= 0)) {
    throw new SolverInputError(`drag=${drag} is not allowed: need a finite drag >= 0`);
  }
  if (!(NS_FORCINGS as readonly string[]).includes(forcing)) {
    throw new SolverInputError(`unknown forcing '${String(forcing)}': use one of ${NS_FORCINGS.join(', ')}`);
  }
  const dom = FORCING_LENGTH[forcing];
  if (dom !== null && Math.abs(length - dom.length) > 1e-12 * dom.length) {
    throw new SolverInputError(`forcing '${forcing}' is defined on [0, ${dom.text})²: length=${length} is not allowed (use ${dom.length})`);
  }
  const K = Math.floor(n / 3);
  if (forcing === 'kolmogorov' && K < 4) {
    throw new SolverInputError(`forcing 'kolmogorov' (wavenumber 4) needs n >= 16 so that it survives the 2/3 dealiasing: n=${n} is not allowed`);
  }
  return K;
}

/** Validates a configuration (every field, with a message naming it). */
export function resolveNs2dConfig(cfg: Ns2dConfig): ResolvedNs2dConfig {
  if (cfg === null || typeof cfg !== 'object') throw new SolverInputError('Navier–Stokes config must be an object');
  const K = checkNs2dParams(cfg);
  if (!(NS_SCHEMES as readonly string[]).includes(cfg.scheme)) {
    throw new SolverInputError(`unknown scheme '${String(cfg.scheme)}': use one of ${NS_SCHEMES.join(', ')}`);
  }
  const dt = cfg.dt as Ns2dConfig['dt'] | undefined;
  if (dt === undefined || dt === null || typeof dt !== 'object') {
    throw new SolverInputError("dt is missing: use { kind: 'fixed', dt } or { kind: 'cfl', cfl, maxDt }");
  }
  if (dt.kind === 'fixed') {
    if (typeof dt.dt !== 'number' || !(Number.isFinite(dt.dt) && dt.dt > 0))
      throw new SolverInputError(`time step dt=${dt.dt} is not allowed: need a finite dt > 0`);
  } else if (dt.kind === 'cfl') {
    if (typeof dt.cfl !== 'number' || !(Number.isFinite(dt.cfl) && dt.cfl > 0))
      throw new SolverInputError(`cfl=${dt.cfl} is not allowed: need a finite cfl > 0`);
    if (typeof dt.maxDt !== 'number' || !(Number.isFinite(dt.maxDt) && dt.maxDt > 0))
      throw new SolverInputError(`maxDt=${dt.maxDt} is not allowed: need a finite maxDt > 0`);
    if (cfg.scheme === 'cn-rk3') {
      const limit = cnRk3CourantLimit(cfg.n, K);
      if (dt.cfl > limit) {
        throw new SolverInputError(
          `cfl=${dt.cfl} is above the stability limit ${limit.toPrecision(4)} of cn-rk3 at n=${cfg.n} (√3/(dx·kmax)): use cfl <= ${limit.toPrecision(4)}`,
        );
      }
    }
  } else {
    throw new SolverInputError(`dt kind '${String((dt as { kind?: unknown }).kind)}' is unknown: use 'fixed' or 'cfl'`);
  }
  return { ...cfg, K, tableau: NS_TABLEAUS[cfg.scheme] };
}

/** Largest |k| (angular) kept by the 2/3 rule: √2·(2π/L)·K (the corner of the kept square). */
export function dealiasedKmax(length: number, K: number): number {
  return Math.SQRT2 * ((2 * Math.PI) / length) * K;
}

/** The largest Courant number max|u|·dt/dx for which cn-rk3 is stable: √3/(dx·kmax). */
export function cnRk3CourantLimit(n: number, K: number): number {
  // dx·kmax = (L/n)·√2·(2π/L)·K does not depend on L.
  return CN_RK3_IMAGINARY_LIMIT / ((1 / n) * Math.SQRT2 * 2 * Math.PI * K);
}

/** The vorticity forcing of a preset at the n×n node points of [0, L)² (x-major). */
export function forcingField(forcing: NsForcingPreset, n: number, length: number): Float64Array {
  const f = new Float64Array(n * n);
  const h = length / n;
  if (forcing === 'fno') {
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        const a = 2 * Math.PI * (i * h + j * h);
        f[i * n + j] = 0.1 * (Math.sin(a) + Math.cos(a));
      }
    }
  } else if (forcing === 'kolmogorov') {
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) f[i * n + j] = -4 * Math.cos(4 * j * h);
  }
  return f;
}
