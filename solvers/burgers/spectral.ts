import { SolverInputError, SolverInstabilityError } from '../errors.js';
import { createSpectralArena, isPowerOfTwo, rfftDealiasMask, rfftWavenumbers, type SpectralArena } from '../../core/fft/fft.js';
import type { Grid1D } from '../../core/grid.js';
import { integrateToTimes } from '../time/output_times.js';
import { CN_RK3 } from '../time/imex_rk_cn.js';
import type { ImexEquation } from '../time/types.js';

/**
 * Pseudo-spectral solver for viscous Burgers on a periodic domain:
 *
 *   u_t + (u²/2)_x = ν·u_xx,   x ∈ [xmin, xmax) periodic, ν ≥ 0.
 *
 * Fourier–Galerkin in space on the n node points (n a power of two): the state is the rfft v̂ of u;
 * the linear term L = −ν·k² is diagonal; the nonlinear term N(v̂) = −(i·k/2)·F[u²] is evaluated in
 * physical space. With `dealias` (default) Orszag's 2/3 rule keeps the modes |m| ≤ n/3: u0 is
 * projected onto them and N is truncated, so the quadratic product is alias-free [Orszag 1971].
 * Without it only the Nyquist mode of the derivative is dropped. Mode 0 never changes, so the mean
 * (mass ∫u dx) is conserved to rounding.
 *
 * Steppers (both treat L exactly or implicitly and N explicitly):
 * - `etdrk4`: the exponential time differencing RK4 of Cox & Matthews [2002, J. Comput. Phys. 176,
 *   430–455], 4th order, L integrated exactly; its φ-function coefficients are the contour-integral
 *   means of Kassam & Trefethen [2005, SIAM J. Sci. Comput. 26, 1214–1233] over 32 points of the
 *   upper half of the unit circle around h·L (L is real), which avoids the cancellation of the
 *   closed forms at small h·L. Any ν ≥ 0, including the inviscid limit ν = 0.
 * - `cn-rk3` (alias `imex-cnrk`, the name stored recipes use): low-storage RK3 (Williamson 1980)
 *   for N with Crank–Nicolson on L in every stage — jax-cfd's `crank_nicolson_rk3` [Canuto et al.,
 *   Spectral Methods, 2007, App. D.3], the validated tableau CN_RK3 of solvers/time/imex_rk_cn.ts
 *   with α = (0, 1/3, 3/4, 1), β = (0, −5/9, −153/128), γ = (1/3, 15/16, 8/15). Designed order 2 (the
 *   CN stages are 2nd order; N alone would be integrated to 3rd order). CN barely damps modes with
 *   ν·k²·dt ≫ 1 (its factor tends to −1), so for strongly viscous runs prefer `etdrk4`.
 *
 * Step size: a fixed `dt`, or cfl·dx/max|u| (`cfl` default DEFAULT_SPECTRAL_CFL). Every output
 * interval is split into equal steps, nsteps = ⌈interval/dt_max⌉, so the run lands exactly on the
 * output times and the ETDRK4 / CN coefficients are reused from a small cache keyed by dt. The
 * CFL limit is taken once per interval, from the field at its start: max|u| does not grow for
 * Burgers (maximum principle), up to the small overshoots of an under-resolved spectral solution.
 * A NaN/Inf state raises SolverInstabilityError with the time of the step that produced it.
 */
export type SpectralStepper = 'etdrk4' | 'cn-rk3';

export const SPECTRAL_STEPPERS: readonly SpectralStepper[] = ['etdrk4', 'cn-rk3'];

/** Older names still accepted (stored recipes keep the name they were made with). */
export const SPECTRAL_STEPPER_ALIASES: Readonly<Record<string, SpectralStepper>> = { 'imex-cnrk': 'cn-rk3' };

/** A stepper name as options and recipes may give it: a SpectralStepper or one of its aliases. */
export type SpectralStepperName = SpectralStepper | 'imex-cnrk';

/** The stepper a name stands for, or undefined for an unknown name. */
export function spectralStepperOf(name: string): SpectralStepper | undefined {
  if ((SPECTRAL_STEPPERS as readonly string[]).includes(name)) return name as SpectralStepper;
  return Object.hasOwn(SPECTRAL_STEPPER_ALIASES, name) ? SPECTRAL_STEPPER_ALIASES[name] : undefined;
}

/**
 * Default Courant number cfl in dt = cfl·dx/max|u|. With dx·k_max = π the explicit part sees
 * |dt·u·k| ≤ π·cfl ≈ 1.57, inside the imaginary-axis stability interval of RK3 (√3) and of
 * ETDRK4 (≈2.8, like RK4), with margin left for accuracy.
 */
export const DEFAULT_SPECTRAL_CFL = 0.5;

export interface SpectralOptions {
  /** Viscosity ν ≥ 0. */
  nu: number;
  stepper: SpectralStepperName;
  /** Fixed step (each output interval is still split into equal steps no longer than this). */
  dt?: number;
  /** Courant number for the adaptive step cfl·dx/max|u|. @default DEFAULT_SPECTRAL_CFL (0.5) */
  cfl?: number;
  /** 2/3-rule dealiasing. @default true */
  dealias?: boolean;
}

/** Number of contour points on the upper half circle for the ETDRK4 coefficients. */
const CONTOUR_POINTS = 32;

/** Williamson RK3 / Crank–Nicolson coefficients (jax-cfd crank_nicolson_rk3), as the fast path reads them. */
const CNRK3 = { alpha: CN_RK3.alphas, beta: CN_RK3.betas, gamma: CN_RK3.gammas } as const;

interface ResolvedOptions {
  nu: number;
  stepper: SpectralStepper;
  /** The stepper as the caller named it (error messages). */
  name: SpectralStepperName;
  dt: number | undefined;
  cfl: number;
  dealias: boolean;
}

function resolveOptions(grid: Grid1D, opts: SpectralOptions): ResolvedOptions {
  const { nu } = opts;
  if (typeof nu !== 'number' || !Number.isFinite(nu) || nu < 0) {
    throw new SolverInputError(`viscosity nu=${nu} is not allowed: need a finite nu >= 0`);
  }
  const stepper = spectralStepperOf(opts.stepper);
  if (stepper === undefined) {
    throw new SolverInputError(`unknown stepper '${opts.stepper}': use one of ${SPECTRAL_STEPPERS.join(', ')} (imex-cnrk is an alias of cn-rk3)`);
  }
  if (grid.staggering !== 'node') {
    throw new SolverInputError(`grid staggering '${grid.staggering}' is not allowed: the pseudo-spectral solver needs a 'node' grid (points at xmin + i·dx)`);
  }
  if (!isPowerOfTwo(grid.n)) {
    throw new SolverInputError(`grid size n=${grid.n} is not allowed: the pseudo-spectral solver needs a power of two (e.g. 1024)`);
  }
  if (opts.dt !== undefined && !(Number.isFinite(opts.dt) && opts.dt > 0)) {
    throw new SolverInputError(`time step dt=${opts.dt} is not allowed: need a finite dt > 0`);
  }
  const cfl = opts.cfl ?? DEFAULT_SPECTRAL_CFL;
  if (!(Number.isFinite(cfl) && cfl > 0)) throw new SolverInputError(`cfl=${cfl} is not allowed: need a finite cfl > 0`);
  const dealias = opts.dealias ?? true;
  if (typeof dealias !== 'boolean') throw new SolverInputError(`dealias=${String(dealias)} is not allowed: use true or false`);
  return { nu, stepper, name: opts.stepper, dt: opts.dt, cfl, dealias };
}

/** ETDRK4 coefficients for one step h (real because L is real), as the combinations the step uses. */
interface EtdCoefficients {
  e: Float64Array;
  e2: Float64Array;
  q: Float64Array;
  /** 2Q and −Q for c = e2·a + Q·(2·Nb − Nv). */
  q2: Float64Array;
  qNeg: Float64Array;
  f1: Float64Array;
  /** 2·f2, the weight of Na and of Nb. */
  f2x2: Float64Array;
  f3: Float64Array;
}

/** Crank–Nicolson stage factors: v ← a_s·v + b_s·h_s with a_s = (1+μL)/(1−μL), b_s = γ_s·dt/(1−μL). */
interface CnCoefficients {
  a: Float64Array[];
  b: Float64Array[];
}

/**
 * Kassam–Trefethen contour evaluation of the ETDRK4 coefficients for z = h·L_m:
 * Q = h·mean((e^{r/2} − 1)/r), f1 = h·mean((−4 − r + e^r(4 − 3r + r²))/r³),
 * f2 = h·mean((2 + r + e^r(r − 2))/r³), f3 = h·mean((−4 − 3r − r² + e^r(4 − r))/r³),
 * r = z + e^{iθ_j}, θ_j = π(j − 1/2)/M, j = 1…M, real parts. Fills `c` in place.
 */
function etdrk4Coefficients(lin: Float64Array, h: number, c: EtdCoefficients): void {
  const nm = lin.length;
  const cr = new Float64Array(CONTOUR_POINTS);
  const ci = new Float64Array(CONTOUR_POINTS);
  for (let j = 0; j < CONTOUR_POINTS; j++) {
    const th = (Math.PI * (j + 0.5)) / CONTOUR_POINTS;
    cr[j] = Math.cos(th);
    ci[j] = Math.sin(th);
  }
  for (let m = 0; m < nm; m++) {
    const z = h * lin[m];
    c.e[m] = Math.exp(z);
    c.e2[m] = Math.exp(z / 2);
    let sq = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    for (let j = 0; j < CONTOUR_POINTS; j++) {
      const rr = z + cr[j];
      const ri = ci[j];
      // e^r and e^{r/2}
      const ex = Math.exp(rr);
      const er = ex * Math.cos(ri);
      const ei = ex * Math.sin(ri);
      const hx = Math.exp(rr / 2);
      const hr = hx * Math.cos(ri / 2);
      const hi = hx * Math.sin(ri / 2);
      // 1/r and 1/r³
      const d = rr * rr + ri * ri;
      const ir = rr / d;
      const ii = -ri / d;
      const i2r = ir * ir - ii * ii;
      const i2i = 2 * ir * ii;
      const i3r = i2r * ir - i2i * ii;
      const i3i = i2r * ii + i2i * ir;
      // r²
      const r2r = rr * rr - ri * ri;
      const r2i = 2 * rr * ri;
      // Re[(e^{r/2} − 1)/r]
      sq += (hr - 1) * ir - hi * ii;
      // f1 numerator: −4 − r + e^r(4 − 3r + r²)
      let pr = 4 - 3 * rr + r2r;
      let pi = -3 * ri + r2i;
      let nr = -4 - rr + (er * pr - ei * pi);
      let ni = -ri + (er * pi + ei * pr);
      s1 += nr * i3r - ni * i3i;
      // f2 numerator: 2 + r + e^r(r − 2)
      pr = rr - 2;
      pi = ri;
      nr = 2 + rr + (er * pr - ei * pi);
      ni = ri + (er * pi + ei * pr);
      s2 += nr * i3r - ni * i3i;
      // f3 numerator: −4 − 3r − r² + e^r(4 − r)
      pr = 4 - rr;
      pi = -ri;
      nr = -4 - 3 * rr - r2r + (er * pr - ei * pi);
      ni = -3 * ri - r2i + (er * pi + ei * pr);
      s3 += nr * i3r - ni * i3i;
    }
    const q = (h * sq) / CONTOUR_POINTS;
    c.q[m] = q;
    c.q2[m] = 2 * q;
    c.qNeg[m] = -q;
    c.f1[m] = (h * s1) / CONTOUR_POINTS;
    c.f2x2[m] = (2 * h * s2) / CONTOUR_POINTS;
    c.f3[m] = (h * s3) / CONTOUR_POINTS;
  }
}

function cnCoefficients(lin: Float64Array, dt: number, c: CnCoefficients): void {
  for (let s = 0; s < CNRK3.gamma.length; s++) {
    const mu = 0.5 * dt * (CNRK3.alpha[s + 1] - CNRK3.alpha[s]);
    for (let m = 0; m < lin.length; m++) {
      const den = 1 - mu * lin[m];
      c.a[s][m] = (1 + mu * lin[m]) / den;
      c.b[s][m] = (CNRK3.gamma[s] * dt) / den;
    }
  }
}

/**
 * Coefficient sets by step size in a fixed number of preallocated slots (the oldest is refilled);
 * steps within a few ulps share one set.
 */
class StepCache<T> {
  private readonly slots: { dt: number; value: T }[];
  private nextSlot = 0;
  constructor(
    make: () => T,
    private readonly fill: (dt: number, value: T) => void,
    size: number,
  ) {
    this.slots = Array.from({ length: size }, () => ({ dt: NaN, value: make() }));
  }
  get(dt: number): T {
    for (const slot of this.slots) if (Math.abs(slot.dt - dt) <= 1e-13 * dt) return slot.value;
    const slot = this.slots[this.nextSlot];
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    slot.dt = NaN;
    this.fill(dt, slot.value);
    slot.dt = dt;
    return slot.value;
  }
}

const CACHE_SLOTS = 2;
const ETD_ARRAYS = 8;
const CN_ARRAYS = 2 * CNRK3.gamma.length;
const SPECTRA = 7;

/**
 * The discretised equation in Fourier space. Spectra are rfft layouts (n/2 + 1 interleaved complex
 * values); every array lives in one SpectralArena, so transforms and element-wise updates run in
 * wasm without copies when the arena's backend is 'wasm'.
 */
class SpectralBurgers implements ImexEquation<Float64Array> {
  readonly n: number;
  readonly nm: number;
  readonly opts: ResolvedOptions;
  readonly arena: SpectralArena;
  /** L_m = −ν·k_m² (plain array: only the coefficient builders read it). */
  private readonly lin: Float64Array;
  /** N = −i·d_m·F[u²] with d_m = k_m/2 (0 where dealiased, and at Nyquist). */
  private readonly d: Float64Array;
  readonly mask: Float64Array;
  /** Physical work array: u, then u². */
  private readonly u: Float64Array;
  private readonly sq: Float64Array;
  /** Spectral work arrays. */
  private readonly bufs: Float64Array[];
  /** CN-RK3 constants β_s and 1 (as arrays for the element-wise kernels). */
  private readonly betas: Float64Array[];
  private readonly ones: Float64Array | null;
  /** Coefficient caches; only the one of the chosen stepper exists. */
  private readonly etd: StepCache<EtdCoefficients> | null;
  private readonly cn: StepCache<CnCoefficients> | null;

  constructor(grid: Grid1D, opts: ResolvedOptions) {
    this.opts = opts;
    const n = grid.n;
    const nm = n / 2 + 1;
    this.n = n;
    this.nm = nm;
    const etdrk4 = opts.stepper === 'etdrk4';
    // mask, d, and the per-step coefficient slots (CN-RK3 also keeps β_s and a vector of ones).
    const coefArrays = 2 + (etdrk4 ? CACHE_SLOTS * ETD_ARRAYS : CACHE_SLOTS * CN_ARRAYS + CNRK3.beta.length + 1);
    // The work spectra, u and F[u²], and one state spectrum + one field for the caller.
    this.arena = createSpectralArena(n, (SPECTRA + 4) * (n + 2) + coefArrays * nm);
    const A = this.arena;
    const k = rfftWavenumbers(n, grid.length);
    this.mask = A.alloc(nm);
    this.mask.set(opts.dealias ? rfftDealiasMask(n) : new Float64Array(nm).fill(1));
    this.lin = new Float64Array(nm);
    this.d = A.alloc(nm);
    for (let m = 0; m < nm; m++) {
      this.lin[m] = -opts.nu * k[m] * k[m];
      this.d[m] = m === nm - 1 ? 0 : 0.5 * k[m] * this.mask[m];
    }
    this.u = A.alloc(n);
    this.sq = A.alloc(n + 2);
    this.bufs = Array.from({ length: SPECTRA }, () => A.alloc(n + 2));
    this.betas = etdrk4 ? [] : CNRK3.beta.map((beta) => A.alloc(nm).fill(beta));
    this.ones = etdrk4 ? null : A.alloc(nm).fill(1);
    const arr = () => A.alloc(nm);
    this.etd = etdrk4
      ? new StepCache<EtdCoefficients>(
          () => ({ e: arr(), e2: arr(), q: arr(), q2: arr(), qNeg: arr(), f1: arr(), f2x2: arr(), f3: arr() }),
          (h, c) => etdrk4Coefficients(this.lin, h, c),
          CACHE_SLOTS,
        )
      : null;
    this.cn = etdrk4
      ? null
      : new StepCache<CnCoefficients>(
          () => ({ a: CNRK3.gamma.map(arr), b: CNRK3.gamma.map(arr) }),
          (h, c) => cnCoefficients(this.lin, h, c),
          CACHE_SLOTS,
        );
  }

  /** A spectrum array of this equation's arena. */
  spectrum(): Float64Array {
    return this.arena.alloc(this.n + 2);
  }

  /** A physical array of this equation's arena. */
  field(): Float64Array {
    return this.arena.alloc(this.n);
  }

  /** v̂ ← mask·rfft(u) (u from this arena). */
  toSpectral(u: Float64Array, v: Float64Array): void {
    this.arena.rfft(u, v);
    this.arena.scale(v, this.mask, v);
  }

  /** u ← irfft(v̂). */
  toPhysical(v: Float64Array, u: Float64Array): void {
    this.arena.irfft(v, u);
  }

  /**
   * out ← N(v̂) = −i·(k/2)·mask·rfft(irfft(v̂)²). When `known` holds irfft(v̂) already (the field
   * last written out), the inverse transform is skipped.
   */
  private nonlinear(v: Float64Array, out: Float64Array, known: Float64Array | null = null): void {
    const A = this.arena;
    if (known) this.u.set(known);
    else A.irfft(v, this.u);
    A.square(this.u);
    A.rfft(this.u, this.sq);
    A.mulNegI(out, this.d, this.sq);
  }

  // ------------------------------------------------------------------ ImexEquation (allocating)

  /** N(v̂) = −i·(k/2)·mask·F[irfft(v̂)²] (allocating; the reference steppers' explicit terms). */
  explicitTerms(state: Float64Array, _t = 0): Float64Array {
    const x = this.bufs[SPECTRA - 1];
    x.set(state);
    this.nonlinear(x, x);
    return Float64Array.from(x);
  }

  /** L·v̂ = −ν·k²·v̂. */
  implicitTerms(state: Float64Array): Float64Array {
    const out = new Float64Array(state.length);
    for (let m = 0; m < this.nm; m++) {
      out[2 * m] = this.lin[m] * state[2 * m];
      out[2 * m + 1] = this.lin[m] * state[2 * m + 1];
    }
    return out;
  }

  /** y with y − h·L·y = x: y = x/(1 + h·ν·k²). */
  implicitSolve(x: Float64Array, h: number): Float64Array {
    const out = new Float64Array(x.length);
    for (let m = 0; m < this.nm; m++) {
      const f = 1 / (1 - h * this.lin[m]);
      out[2 * m] = f * x[2 * m];
      out[2 * m + 1] = f * x[2 * m + 1];
    }
    return out;
  }

  /**
   * Advances the spectrum v in place by h. Returns the sum of the new spectrum's entries, which is
   * finite exactly when every entry is (the instability check). `known`: irfft(v), if at hand.
   */
  step(v: Float64Array, h: number, known: Float64Array | null = null): number {
    if (this.opts.stepper === 'etdrk4') this.stepEtdrk4(v, h, known);
    else this.stepCnrk3(v, h, known);
    return this.arena.sum(v);
  }

  /** Cox–Matthews ETDRK4 in Kassam–Trefethen's form (a, b, c stages; E, E2, Q, f1, f2, f3). */
  private stepEtdrk4(v: Float64Array, h: number, known: Float64Array | null): void {
    const c = (this.etd as StepCache<EtdCoefficients>).get(h);
    const A = this.arena;
    const [nv, a, na, b, nb, nc] = this.bufs;
    this.nonlinear(v, nv, known);
    A.scale(a, c.e2, v);
    A.axpy(a, c.q, nv);
    this.nonlinear(a, na);
    A.scale(b, c.e2, v);
    A.axpy(b, c.q, na);
    this.nonlinear(b, nb);
    // c = e2·a + Q·(2·Nb − Nv), stored over b.
    const cs = b;
    A.scale(cs, c.e2, a);
    A.axpy(cs, c.q2, nb);
    A.axpy(cs, c.qNeg, nv);
    this.nonlinear(cs, nc);
    A.scale(v, c.e, v);
    A.axpy(v, c.f1, nv);
    A.axpy(v, c.f2x2, na);
    A.axpy(v, c.f2x2, nb);
    A.axpy(v, c.f3, nc);
  }

  /** Low-storage RK3/CN: h ← N(v) + β_s·h; v ← (1 − μ_s·L)⁻¹((1 + μ_s·L)·v + γ_s·dt·h). */
  private stepCnrk3(v: Float64Array, dt: number, known: Float64Array | null): void {
    const c = (this.cn as StepCache<CnCoefficients>).get(dt);
    const A = this.arena;
    const [f, hacc] = this.bufs;
    for (let s = 0; s < CNRK3.gamma.length; s++) {
      this.nonlinear(v, f, s === 0 ? known : null);
      // β_0 = 0: the first stage must not read the previous step's h.
      if (s === 0) hacc.set(f);
      else {
        A.scale(hacc, this.betas[s], hacc);
        A.axpy(hacc, this.ones as Float64Array, f);
      }
      A.scale(v, c.a[s], v);
      A.axpy(v, c.b[s], hacc);
    }
  }
}

function checkField(u: ArrayLike<number>, n: number, name: string): void {
  if (u.length !== n) throw new SolverInputError(`${name} has ${u.length} points but the grid has ${n}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(u[i])) throw new SolverInputError(`${name}[${i}]=${u[i]} is not finite`);
  }
}

/** Largest step allowed by the options for a field with maximum modulus maxAbs. */
function maxStep(opts: ResolvedOptions, dx: number, maxAbs: number): number {
  if (opts.dt !== undefined) return opts.dt;
  return maxAbs > 0 ? (opts.cfl * dx) / maxAbs : Infinity;
}

function maxAbsOf(u: ArrayLike<number>): number {
  let mx = 0;
  for (let i = 0; i < u.length; i++) {
    const a = Math.abs(u[i]);
    if (a > mx) mx = a;
  }
  return mx;
}

/** One float64 frame per output time (a time equal to 0 returns u0's copy). */
export function solveBurgersSpectral(u0: Float64Array, grid: Grid1D, times: ArrayLike<number>, opts: SpectralOptions): Float64Array[] {
  const o = resolveOptions(grid, opts);
  checkField(u0, grid.n, 'u0');
  const eq = new SpectralBurgers(grid, o);
  const v = eq.spectrum();
  const u = eq.field();
  u.set(u0);
  eq.toSpectral(u, v);
  // The (projected) initial field: its max|u| sets the first CFL step.
  eq.toPhysical(v, u);
  let maxAbs = maxAbsOf(u);
  let stepped = false;
  // u = irfft(v) holds at the first step of every interval (after each snapshot).
  let fresh = true;
  let h = NaN;
  return integrateToTimes<Float64Array>(
    v,
    0,
    times,
    {
      maxDt: () => maxStep(o, grid.dx, maxAbs),
      step: (state, _t, dt, tNext) => {
        h = dt;
        if (!Number.isFinite(eq.step(state, dt, fresh ? u : null))) {
          throw new SolverInstabilityError(tNext, `${o.name}, n=${grid.n}, nu=${o.nu}, dt=${dt}`);
        }
        fresh = false;
        stepped = true;
        return state;
      },
      snapshot: (state, t) => {
        if (!stepped) return Float64Array.from(u0);
        eq.toPhysical(state, u);
        fresh = true;
        maxAbs = maxAbsOf(u);
        if (!Number.isFinite(maxAbs)) throw new SolverInstabilityError(t, `${o.name}, n=${grid.n}, nu=${o.nu}, dt=${h}`);
        return Float64Array.from(u);
      },
    },
    { equalSteps: true },
  );
}

/** Reusable stepper with preallocated buffers (benchmarks): advances u in place by dt. */
export function createSpectralStepper(grid: Grid1D, opts: SpectralOptions): { step(u: Float64Array, dt: number): void; maxDt(u: Float64Array): number } {
  const o = resolveOptions(grid, opts);
  const eq = new SpectralBurgers(grid, o);
  const n = grid.n;
  const v = eq.spectrum();
  const field = eq.field();
  // The field this stepper last wrote: a caller that passes it back unchanged continues from the
  // exact spectral state, with irfft(v) already at hand (no rfft, no round-trip round-off).
  const last = new Float64Array(n);
  let haveLast = false;
  // Time advanced since creation, to date an instability.
  let elapsed = 0;
  return {
    step(u: Float64Array, dt: number): void {
      if (u.length !== n) throw new SolverInputError(`u has ${u.length} points but the grid has ${n}`);
      if (!(Number.isFinite(dt) && dt > 0)) throw new SolverInputError(`time step dt=${dt} is not allowed: need a finite dt > 0`);
      let same = haveLast;
      for (let i = 0; same && i < n; i++) same = u[i] === last[i];
      if (!same) {
        field.set(u);
        eq.toSpectral(field, v);
        if (o.dealias) eq.toPhysical(v, field);
      }
      const sum = eq.step(v, dt, field);
      elapsed += dt;
      eq.toPhysical(v, field);
      haveLast = false;
      if (!Number.isFinite(sum)) {
        throw new SolverInstabilityError(elapsed, `${o.name}, dt=${dt}; t counts from the stepper's creation`);
      }
      u.set(field);
      last.set(field);
      haveLast = true;
    },
    maxDt(u: Float64Array): number {
      if (u.length !== n) throw new SolverInputError(`u has ${u.length} points but the grid has ${n}`);
      return maxStep(o, grid.dx, maxAbsOf(u));
    },
  };
}

/**
 * The equation in Fourier space with its fast in-place step, for tests that hold the fast path
 * against the generic steppers of solvers/time: `step(v, dt)` advances an rfft spectrum (from
 * `spectrum()`, projected by `toSpectral`) in place; the ImexEquation methods allocate.
 */
export function createSpectralBurgersEquation(
  grid: Grid1D,
  opts: SpectralOptions,
): ImexEquation<Float64Array> & {
  spectrum(): Float64Array;
  field(): Float64Array;
  toSpectral(u: Float64Array, v: Float64Array): void;
  step(v: Float64Array, dt: number): number;
} {
  const eq = new SpectralBurgers(grid, resolveOptions(grid, opts));
  return {
    spectrum: () => eq.spectrum(),
    field: () => eq.field(),
    toSpectral: (u, v) => eq.toSpectral(u, v),
    step: (v, dt) => eq.step(v, dt),
    explicitTerms: (state, t) => eq.explicitTerms(state, t),
    implicitTerms: (state) => eq.implicitTerms(state),
    implicitSolve: (x, h) => eq.implicitSolve(x, h),
  };
}
