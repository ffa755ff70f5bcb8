import { SolverInputError, SolverInstabilityError } from '../errors.js';
import { irfft2, rfft2 } from '../../core/fft/fft2d.js';
import { checkOutputTimes, integrateToTimes } from '../time/output_times.js';
import { CN_RK3_IMAGINARY_LIMIT, dealiasedKmax, resolveNs2dConfig, type Ns2dConfig, type ResolvedNs2dConfig } from './config.js';
import { createNs2dStepper, NavierStokes2d } from './navier_stokes.js';

/**
 * The explicit-advection stability bound of a scheme for the largest velocity U = max|u|, from
 * the von Neumann analysis of one Fourier mode k advected by a frozen velocity c, with the
 * implicit terms a = dt·(ν|k|² + α) (amplification factor G; stable iff |G| <= 1):
 *
 * - 'cn-euler': G = (1 − a/2 + i·b)/(1 + a/2), b = dt·c·k, so |G| <= 1 iff b² <= 2a, i.e.
 *   dt <= 2(ν|k|² + α)/(c·k)². Forward Euler alone is unstable for every dt on pure advection
 *   (imaginary eigenvalues); only the Crank–Nicolson damping of the same mode stabilises it, so
 *   the bound is not a CFL number: worst case c ∥ k, |k| = kmax (the largest kept |k|,
 *   √2·(2π/L)·⌊n/3⌋): dt <= 2(ν + α/kmax²)/U². It is 0 when ν = α = 0.
 * - 'cn-rk3': the 3-stage 3rd-order RK stability polynomial covers the imaginary axis up to
 *   |b| <= √3, and with the CN sub-steps |G| <= 1 stays true for every a >= 0 there (checked
 *   numerically over a ∈ [0, 1e6]), so dt <= √3/(U·kmax) — a Courant number
 *   U·dt/dx <= √3/(dx·kmax) ≈ 0.585 for large n.
 *
 * Returns Infinity when U = 0.
 */
export function dtBoundForVelocity(cfg: ResolvedNs2dConfig, maxVelocity: number): number {
  if (!(maxVelocity > 0)) return Number.isNaN(maxVelocity) ? NaN : Infinity;
  const kmax = dealiasedKmax(cfg.length, cfg.K);
  if (cfg.scheme === 'cn-euler') return (2 * (cfg.nu + cfg.drag / (kmax * kmax))) / (maxVelocity * maxVelocity);
  return CN_RK3_IMAGINARY_LIMIT / (maxVelocity * kmax);
}

const BOUND_FORMULA: Record<ResolvedNs2dConfig['scheme'], string> = {
  'cn-euler': '2(nu + drag/kmax²)/max|u|²',
  'cn-rk3': '√3/(max|u|·kmax)',
};

/** max|u| on the grid of the field w after projection onto the kept (2/3-rule) modes. */
function projectedMaxVelocity(w: Float64Array, cfg: ResolvedNs2dConfig): number {
  const { n, K, length } = cfg;
  const m = n / 2;
  const wh = rfft2(w, n, n);
  const k0 = (2 * Math.PI) / length;
  const uh = new Float64Array(wh.length);
  const vh = new Float64Array(wh.length);
  for (let p = 0; p < n; p++) {
    const ip = p < m ? p : p - n;
    if (Math.abs(ip) > K) continue;
    for (let q = 0; q <= K; q++) {
      const i = 2 * (p * (m + 1) + q);
      const kx = k0 * ip;
      const ky = k0 * q;
      const k2 = kx * kx + ky * ky;
      const g = k2 > 0 ? 1 / k2 : 0;
      uh[i] = -ky * g * wh[i + 1];
      uh[i + 1] = ky * g * wh[i];
      vh[i] = kx * g * wh[i + 1];
      vh[i + 1] = -kx * g * wh[i];
    }
  }
  const u = irfft2(uh, n, n);
  const v = irfft2(vh, n, n);
  let mx = 0;
  for (let i = 0; i < n * n; i++) mx = Math.max(mx, u[i] * u[i] + v[i] * v[i]);
  return Math.sqrt(mx);
}

/**
 * The stability bound (see dtBoundForVelocity) at the field w: what solveNs2d checks a fixed dt
 * against at t = 0 and caps the adaptive step with. w: n×n vorticity, x-major.
 */
export function advectiveDtBound(w: Float64Array, cfg: Ns2dConfig): number {
  const rc = resolveNs2dConfig(cfg);
  checkField(w, rc.n, 'w');
  return dtBoundForVelocity(rc, projectedMaxVelocity(w, rc));
}

/**
 * Throws the one-line SolverInputError solveNs2d gives when cfg has a fixed dt above the
 * stability bound at w0 (callers check before they write anything).
 */
export function checkFixedDt(w0: Float64Array, cfg: Ns2dConfig): void {
  const rc = resolveNs2dConfig(cfg);
  if (rc.dt.kind !== 'fixed') return;
  checkField(w0, rc.n, 'w0');
  checkDtAgainstBound(rc, rc.dt.dt, projectedMaxVelocity(w0, rc));
}

function checkDtAgainstBound(rc: ResolvedNs2dConfig, dt: number, u0: number): void {
  const bound = dtBoundForVelocity(rc, u0);
  if (dt > bound) {
    throw new SolverInputError(
      `dt=${dt} is above the stability bound ${BOUND_FORMULA[rc.scheme]}=${bound} for explicit advection at n=${rc.n} (max |u| = ${u0}): use dt <= ${floor4(bound)}`,
    );
  }
}

function maxAbsOf(w: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < w.length; i++) m = Math.max(m, Math.abs(w[i]));
  return m;
}

function checkField(w: ArrayLike<number>, n: number, name: string): void {
  if (w === null || typeof w !== 'object' || typeof w.length !== 'number') throw new SolverInputError(`${name} must be a Float64Array of n·n values`);
  if (w.length !== n * n) throw new SolverInputError(`${name} has ${w.length} values but the grid n=${n} has n·n=${n * n}`);
  for (let i = 0; i < w.length; i++) {
    if (!Number.isFinite(w[i])) throw new SolverInputError(`${name}[${i}]=${w[i]} is not finite`);
  }
}

/** Largest value <= x with 4 significant digits (for "use dt <= …"). */
function floor4(x: number): number {
  if (!(x > 0) || !Number.isFinite(x)) return x;
  const e = Math.floor(Math.log10(x)) - 3;
  const s = 10 ** e;
  const v = Math.floor(x / s) * s;
  return Number((v > x ? v - s : v).toPrecision(4));
}

/**
 * Vorticity at each output time: ω_t + u·∇ω = νΔω − αω + f on [0, L)² (NavierStokes2d), from w0
 * (n×n, x-major; projected onto the 2/3-rule modes before the first step). A time equal to 0
 * returns a copy of w0 itself. Steps: `cfg.dt` (see Ns2dConfig); the fixed step is refused with a
 * SolverInputError when above advectiveDtBound(w0); the adaptive step is
 * min(maxDt, cfl·dx/max|u|, bound) at every step, shortened to land exactly on the output times
 * (solvers/time/output_times.ts). NaN/Inf → SolverInstabilityError with the time.
 * `onFrame(k, w)` gets each frame as it is produced; `onProgress(t)` the time after every step.
 */
export function solveNs2d(
  w0: Float64Array,
  times: readonly number[],
  cfg: Ns2dConfig,
  opts: { onFrame?: (k: number, w: Float64Array) => void; onProgress?: (t: number) => void } = {},
): Float64Array[] {
  const rc = resolveNs2dConfig(cfg);
  const { n } = rc;
  checkField(w0, n, 'w0');
  const ts = checkOutputTimes(times, 0);
  if (rc.scheme === 'cn-euler' && rc.nu === 0 && rc.drag === 0 && maxAbsOf(w0) > 0) {
    throw new SolverInputError(
      `scheme 'cn-euler' with nu=0 and drag=0 is not allowed: its forward-Euler advection is unstable for every dt without viscosity or drag (stability bound 0); use scheme 'cn-rk3'`,
    );
  }
  const eq = new NavierStokes2d(rc, { coefficientArrays: 4 * rc.tableau.gammas.length });
  eq.setVorticity(w0);
  const stepper = createNs2dStepper(eq, rc.tableau);
  const dx = rc.length / n;
  const dtCfg = rc.dt;
  if (dtCfg.kind === 'fixed') {
    const u0 = stepper.maxVelocity();
    checkDtAgainstBound(rc, dtCfg.dt, u0);
  }
  let stepped = false;
  let frame = 0;
  return integrateToTimes<null>(null, 0, ts, {
    maxDt: (_s, t, target) => {
      if (dtCfg.kind === 'fixed') {
        // Equal steps no longer than dt across the rest of the output interval.
        const rest = target - t;
        return rest / Math.max(1, Math.ceil((rest / dtCfg.dt) * (1 - 1e-12)));
      }
      const u = stepper.maxVelocity();
      if (!Number.isFinite(u)) throw new SolverInstabilityError(t, `${rc.scheme}, n=${n}, nu=${rc.nu}: max|u| is ${u}`);
      return Math.min(dtCfg.maxDt, u > 0 ? (dtCfg.cfl * dx) / u : Infinity, dtBoundForVelocity(rc, u));
    },
    step: (s, t, dt) => {
      stepper.step(dt, t);
      stepped = true;
      return s;
    },
    snapshot: () => {
      const out = stepped ? eq.getVorticity(new Float64Array(n * n)) : Float64Array.from(w0);
      for (let i = 0; i < out.length; i++) {
        if (!Number.isFinite(out[i])) throw new SolverInstabilityError(ts[frame], `${rc.scheme}, n=${n}, nu=${rc.nu}`);
      }
      opts.onFrame?.(frame, out);
      frame++;
      return out;
    },
    onStep: (_s, t) => opts.onProgress?.(t),
  });
}
