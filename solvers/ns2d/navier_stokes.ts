import { SolverInputError, SolverInstabilityError } from '../errors.js';
import type { FftBackend } from '../../core/fft/fft.js';
import { createSpectralArena2d, defaultFft2dBackend, type BlockCombine, type SpectralArena2d } from '../../core/fft/fft2d.js';
import type { ImexEquation } from '../time/types.js';
import { checkNs2dParams, forcingField, NS_TABLEAUS, type ImexRkCnTableau, type Ns2dParams, type NsScheme } from './config.js';
import { nsKernelsFor, type NsKernels } from './kernels.js';

/**
 * Incompressible 2D Navier–Stokes in vorticity–streamfunction form on the periodic square
 * [0, L)²:
 *
 *   ω_t + u·∇ω = ν·Δω − α·ω + f,   u = (∂yψ, −∂xψ),   −Δψ = ω.
 *
 * Fourier pseudo-spectral on the n×n node points (x_i, y_j) = (i, j)·L/n, n a power of two. The
 * state is the rfft2 spectrum ŵ (numpy layout [n][n/2+1], interleaved complex). Orszag's 2/3 rule
 * with the square cut-off |p|, |q| ≤ K = ⌊n/3⌋ (the FNO generator's mask |k| ≤ (2/3)·(n/2)):
 * the initial field and the forcing are projected onto those modes and the advection term is
 * truncated to them, so the state never leaves them and every product of two kept fields is
 * alias-free (3K < n). The semi-discrete system is then the Galerkin truncation of the PDE: the
 * advection conserves energy and enstrophy exactly, and mode 0 (the mean vorticity) only
 * changes by drag and the mean of f (zero for every preset).
 *
 * Split for the IMEX schemes (jax-cfd spectral.equations.NavierStokes2D):
 * - explicit F(ŵ) = f̂ − P_K·F[u·ωx + v·ωy] (u, v, ωx, ωy by 4 inverse transforms, the product
 *   by 1 forward transform: 5 real 2D FFTs per evaluation, as ns_2d.py);
 * - implicit L·ŵ = −(ν|k|² + α)·ŵ, diagonal, solved exactly: (1 − h·L)⁻¹.
 * Schemes and their order: see NsScheme / createNs2dStepper.
 *
 * All work arrays live in one SpectralArena2d (wasm memory when available), allocated once; the
 * in-place methods (setVorticity, evalAdvection, stage, getVorticity) allocate nothing. The
 * ImexEquation methods allocate their results (for composition and tests). evalAdvection's
 * transforms are one SpectralArena2d.rfft2OfProduct: only the 2/3-rule columns are transformed,
 * and u, v, ωx, ωy exist a block of columns at a time, their product formed as they come.
 */
export class NavierStokes2d implements ImexEquation<Float64Array> {
  readonly n: number;
  readonly length: number;
  readonly nu: number;
  readonly drag: number;
  readonly forcing: Ns2dParams['forcing'];
  /** Dealiasing cut-off K = ⌊n/3⌋. */
  readonly K: number;
  readonly arena: SpectralArena2d;
  /** The state spectrum the in-place methods work on (arena array, n·(n+2) doubles). */
  readonly w: Float64Array;
  /** L_pq = −(ν|k|² + α) for every mode (plain array). */
  readonly lin: Float64Array;
  /** Angular wavenumbers: kx per row (numpy order), ky per column. */
  readonly kx: Float64Array;
  readonly ky: Float64Array;
  private readonly k: NsKernels;
  private readonly m: number;
  private readonly cols: number;
  private readonly specLen: number;
  private readonly h: Float64Array;
  private readonly uh: Float64Array;
  private readonly vh: Float64Array;
  private readonly wxh: Float64Array;
  private readonly wyh: Float64Array;
  private readonly nh: Float64Array;
  private readonly fh: Float64Array;
  private readonly scratch: Float64Array;
  private readonly g: Float64Array;
  private readonly masks: Float64Array;
  private readonly pu: Float64Array;
  private readonly pv: Float64Array;
  private readonly pwx: Float64Array;
  private readonly pwy: Float64Array;
  private readonly io: Float64Array;
  private readonly advectSpectra: Float64Array[];
  private readonly advectWork: Float64Array[];
  /** out ← u·ωx + v·ωy on one block; u2 ← max(u2, max u² + v²) (NaN sticks). */
  private readonly advectBlock: BlockCombine;
  private u2 = 0;
  /**
   * Incremented whenever the advection term held in the arena stops belonging to eq.w (a new
   * evaluation or a new state), so a stepper knows whether its cached evaluation is still valid.
   */
  epoch = 0;
  /** Row blocks of the kept modes: rows 0 … K and n − K … n − 1. */
  private readonly blocks: { row: number; rows: number }[];

  /**
   * `coefficientArrays`: room for that many further per-mode real arrays (stepper coefficient
   * caches, see createNs2dStepper). @default 12
   */
  constructor(params: Ns2dParams, opts: { backend?: FftBackend; coefficientArrays?: number } = {}) {
    this.K = checkNs2dParams(params);
    const { n, length, nu, drag, forcing } = params;
    this.n = n;
    this.length = length;
    this.nu = nu;
    this.drag = drag;
    this.forcing = forcing;
    const m = n / 2;
    this.m = m;
    this.cols = this.K + 1;
    const specLen = n * (n + 2);
    this.specLen = specLen;
    const nm = n * (m + 1);
    const coefArrays = opts.coefficientArrays ?? 12;
    if (!Number.isInteger(coefArrays) || coefArrays < 0) throw new SolverInputError(`coefficientArrays=${coefArrays} is not allowed: use an integer >= 0`);
    this.arena = createSpectralArena2d(n, n, 9 * specLen + 5 * n * n + (1 + coefArrays) * nm + n + m + 1 + 2, opts.backend ?? defaultFft2dBackend());
    const A = this.arena;
    this.k = nsKernelsFor(A);
    this.w = A.alloc(specLen);
    this.h = A.alloc(specLen);
    this.uh = A.alloc(specLen);
    this.vh = A.alloc(specLen);
    this.wxh = A.alloc(specLen);
    this.wyh = A.alloc(specLen);
    this.nh = A.alloc(specLen);
    this.fh = A.alloc(specLen);
    this.scratch = A.alloc(specLen);
    this.pu = A.alloc(n * n);
    this.pv = A.alloc(n * n);
    this.pwx = A.alloc(n * n);
    this.pwy = A.alloc(n * n);
    this.io = A.alloc(n * n);
    this.g = A.alloc(nm);
    this.kx = A.alloc(n);
    this.ky = A.alloc(m + 1);
    this.masks = A.alloc(2);
    this.masks[0] = -0;
    this.advectSpectra = [this.uh, this.vh, this.wxh, this.wyh];
    this.advectWork = [this.pu, this.pv, this.pwx, this.pwy];
    const k = this.k;
    this.advectBlock = (ins, out, pairs) => {
      this.u2 = Math.max(this.u2, k.advect(ins[0], ins[1], ins[2], ins[3], out, pairs));
    };
    this.lin = new Float64Array(nm);
    const k0 = (2 * Math.PI) / length;
    for (let p = 0; p < n; p++) this.kx[p] = k0 * (p < m ? p : p - n);
    for (let q = 0; q <= m; q++) this.ky[q] = k0 * q;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q <= m; q++) {
        const k2 = this.kx[p] * this.kx[p] + this.ky[q] * this.ky[q];
        this.g[p * (m + 1) + q] = k2 > 0 ? 1 / k2 : 0;
        this.lin[p * (m + 1) + q] = -(nu * k2 + drag);
      }
    }
    this.blocks = [
      { row: 0, rows: this.K + 1 },
      { row: n - this.K, rows: this.K },
    ];
    this.io.set(forcingField(forcing, n, length));
    A.rfft2(this.io, this.fh);
    this.project(this.fh);
  }

  /** A fresh per-mode real array of the arena (n·(n/2+1) doubles), e.g. for stepper coefficients. */
  allocModeArray(): Float64Array {
    return this.arena.alloc(this.n * (this.m + 1));
  }

  /** True when mode (p, q) (row p in numpy order, column q) is kept by the 2/3 rule. */
  isKept(p: number, q: number): boolean {
    return q <= this.K && (p <= this.K || p >= this.n - this.K);
  }

  /** Zeroes every mode outside the kept set (in place). */
  project(spec: Float64Array): void {
    const { n, m } = this;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q <= m; q++) {
        if (!this.isKept(p, q)) {
          spec[2 * (p * (m + 1) + q)] = 0;
          spec[2 * (p * (m + 1) + q) + 1] = 0;
        }
      }
    }
  }

  /** Calls fn(offset, count) for every run of kept modes (offsets in modes), for the JS loops. */
  forEachKeptRun(fn: (offset: number, count: number) => void): void {
    for (const { row, rows } of this.blocks) {
      for (let r = row; r < row + rows; r++) fn(r * (this.m + 1), this.cols);
    }
  }

  // ------------------------------------------------------------------ in-place (fast) methods

  /** this.w ← P_K·rfft2(w) for a physical field w (x-major, n·n values). */
  setVorticity(w: ArrayLike<number>): void {
    if (w.length !== this.n * this.n) throw new SolverInputError(`vorticity has ${w.length} values but the grid has n·n=${this.n * this.n}`);
    this.io.set(w);
    this.arena.rfft2(this.io, this.w);
    this.project(this.w);
    this.h.fill(0);
    this.epoch++;
  }

  /** out ← the physical field of spectrum `spec` (default this.w), x-major. */
  getVorticity(out: Float64Array, spec: Float64Array = this.w): Float64Array {
    if (out.length !== this.n * this.n) throw new SolverInputError(`output has ${out.length} values but the grid has n·n=${this.n * this.n}`);
    this.arena.irfft2Packed(spec, this.pu, this.cols);
    this.arena.unpack(this.pu, this.io);
    out.set(this.io);
    return out;
  }

  /**
   * N̂ ← P_K·F[u·∇ω] for the state `spec` (an arena spectrum, default this.w); returns
   * max|u|² over the grid (NaN when the state is not finite). 4 inverse + 1 forward 2D FFTs.
   */
  evalAdvection(spec: Float64Array = this.w): number {
    const { k, arena: A, cols } = this;
    this.epoch++;
    const cs = 16 * (this.m + 1);
    const rs = 8 * (this.m + 1);
    for (const { row, rows } of this.blocks) {
      k.velgrad(
        spec.byteOffset + row * cs,
        this.uh.byteOffset + row * cs,
        this.vh.byteOffset + row * cs,
        this.wxh.byteOffset + row * cs,
        this.wyh.byteOffset + row * cs,
        this.kx.byteOffset + 8 * row,
        this.ky.byteOffset,
        this.g.byteOffset + row * rs,
        rows,
        cols,
        cs,
        rs,
        this.masks.byteOffset,
      );
    }
    // u, v, ωx, ωy exist only a block at a time (rfft2OfProduct), the product formed as they come.
    this.u2 = 0;
    A.rfft2OfProduct(this.advectSpectra, this.advectWork, this.nh, cols, this.advectBlock);
    return this.u2;
  }

  /** One IMEX stage on this.w with the last evalAdvection: h ← β·h + F; ŵ ← a·ŵ + b·h. */
  stage(a: Float64Array, b: Float64Array, beta: number): void {
    this.epoch++;
    const cs = 16 * (this.m + 1);
    const rs = 8 * (this.m + 1);
    for (const { row, rows } of this.blocks) {
      this.k.stage(
        this.w.byteOffset + row * cs,
        this.h.byteOffset + row * cs,
        this.nh.byteOffset + row * cs,
        this.fh.byteOffset + row * cs,
        a.byteOffset + row * rs,
        b.byteOffset + row * rs,
        rows,
        this.cols,
        cs,
        rs,
        beta,
      );
    }
  }

  // ------------------------------------------------------------------ ImexEquation (allocating)

  private checkSpectrum(x: Float64Array, name: string): void {
    if (x.length !== this.specLen) throw new SolverInputError(`${name} has length ${x.length} but an rfft2 spectrum of n=${this.n} has ${this.specLen}`);
  }

  /** F(ŵ) = f̂ − P_K·F[u·∇ω] (modes outside the kept set of ŵ are ignored). */
  explicitTerms(state: Float64Array, _t = 0): Float64Array {
    this.checkSpectrum(state, 'state');
    this.scratch.set(state);
    this.project(this.scratch);
    this.evalAdvection(this.scratch);
    const out = new Float64Array(this.specLen);
    this.forEachKeptRun((o, c) => {
      for (let i = 2 * o; i < 2 * (o + c); i++) out[i] = this.fh[i] - this.nh[i];
    });
    return out;
  }

  /** L·ŵ = −(ν|k|² + α)·ŵ. */
  implicitTerms(state: Float64Array): Float64Array {
    this.checkSpectrum(state, 'state');
    const out = new Float64Array(this.specLen);
    for (let i = 0; i < this.lin.length; i++) {
      out[2 * i] = this.lin[i] * state[2 * i];
      out[2 * i + 1] = this.lin[i] * state[2 * i + 1];
    }
    return out;
  }

  /** y with y − h·L·y = x: y = x/(1 + h·(ν|k|² + α)). */
  implicitSolve(x: Float64Array, h: number): Float64Array {
    this.checkSpectrum(x, 'x');
    const out = new Float64Array(this.specLen);
    for (let i = 0; i < this.lin.length; i++) {
      const s = 1 / (1 - h * this.lin[i]);
      out[2 * i] = s * x[2 * i];
      out[2 * i + 1] = s * x[2 * i + 1];
    }
    return out;
  }

  /** P_K·rfft2(w) of a physical field (allocating). */
  toSpectral(w: ArrayLike<number>): Float64Array {
    if (w.length !== this.n * this.n) throw new SolverInputError(`vorticity has ${w.length} values but the grid has n·n=${this.n * this.n}`);
    this.io.set(w);
    const out = this.scratch;
    this.arena.rfft2(this.io, out);
    this.project(out);
    return Float64Array.from(out);
  }

  /** The physical field of a spectrum (allocating). */
  toPhysical(spec: Float64Array): Float64Array {
    this.checkSpectrum(spec, 'spectrum');
    this.scratch.set(spec);
    this.arena.irfft2(this.scratch, this.io);
    return Float64Array.from(this.io);
  }
}

/** Advances a NavierStokes2d's state `eq.w` in place. */
export interface Ns2dStepper {
  readonly tableau: ImexRkCnTableau;
  /**
   * max|u| over the grid of the current state. Evaluates the first stage's explicit terms, which
   * the next `step` reuses (so choosing dt from it costs nothing extra).
   */
  maxVelocity(): number;
  /** One step of size dt from time t (t only dates a SolverInstabilityError). */
  step(dt: number, t: number): void;
}

/** Number of coefficient sets (one per distinct dt) kept by a stepper. */
const CACHE_SLOTS = 2;

/**
 * The low-storage IMEX RK / Crank–Nicolson stepper of a scheme (see NsScheme) on eq.w:
 * per stage s, h ← F(ŵ) + β_s·h, ŵ ← a_s·ŵ + b_s·h with a_s = (1 + μ_s·L)/(1 − μ_s·L),
 * b_s = γ_s·dt/(1 − μ_s·L), μ_s = ½·dt·(α_{s+1} − α_s), per mode (jax-cfd
 * `low_storage_runge_kutta_crank_nicolson`). The coefficients of the last CACHE_SLOTS step sizes
 * are kept (steps within 1e-13 relative share them). Throws SolverInstabilityError when a stage
 * meets a non-finite state.
 */
export function createNs2dStepper(eq: NavierStokes2d, scheme: NsScheme | ImexRkCnTableau): Ns2dStepper {
  const tab = typeof scheme === 'string' ? NS_TABLEAUS[scheme] : scheme;
  if (tab === undefined) throw new SolverInputError(`unknown scheme '${String(scheme)}': use one of ${Object.keys(NS_TABLEAUS).join(', ')}`);
  const S = tab.gammas.length;
  const slots = Array.from({ length: CACHE_SLOTS }, () => ({
    dt: NaN,
    a: Array.from({ length: S }, () => eq.allocModeArray()),
    b: Array.from({ length: S }, () => eq.allocModeArray()),
  }));
  let nextSlot = 0;
  const coefficients = (dt: number) => {
    for (const slot of slots) if (Math.abs(slot.dt - dt) <= 1e-13 * dt) return slot;
    const slot = slots[nextSlot];
    nextSlot = (nextSlot + 1) % CACHE_SLOTS;
    for (let s = 0; s < S; s++) {
      const mu = 0.5 * dt * (tab.alphas[s + 1] - tab.alphas[s]);
      const gdt = tab.gammas[s] * dt;
      const a = slot.a[s];
      const b = slot.b[s];
      eq.forEachKeptRun((o, c) => {
        for (let i = o; i < o + c; i++) {
          const den = 1 - mu * eq.lin[i];
          a[i] = (1 + mu * eq.lin[i]) / den;
          b[i] = gdt / den;
        }
      });
    }
    slot.dt = dt;
    return slot;
  };
  // The explicit terms of the current state are at hand when eq.epoch is still `freshEpoch`.
  let freshEpoch = -1;
  let lastU2 = NaN;
  return {
    tableau: tab,
    maxVelocity(): number {
      if (eq.epoch !== freshEpoch) {
        lastU2 = eq.evalAdvection();
        freshEpoch = eq.epoch;
      }
      return Math.sqrt(lastU2);
    },
    step(dt: number, t: number): void {
      if (!(Number.isFinite(dt) && dt > 0)) throw new SolverInputError(`time step dt=${dt} is not allowed: need a finite dt > 0`);
      const c = coefficients(dt);
      for (let s = 0; s < S; s++) {
        const u2 = s === 0 && eq.epoch === freshEpoch ? lastU2 : eq.evalAdvection();
        if (!Number.isFinite(u2)) {
          throw new SolverInstabilityError(t, `${tab.name}, n=${eq.n}, nu=${eq.nu}, dt=${dt}, stage ${s + 1} of ${S}`);
        }
        eq.stage(c.a[s], c.b[s], tab.betas[s]);
      }
    },
  };
}
