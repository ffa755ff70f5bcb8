import { SolverInputError, SolverInstabilityError } from '../errors.js';
import { Grid1D, sumCompensated } from '../../core/grid.js';
import { checkOutputTimes, integrateToTimes } from '../time/output_times.js';
import { compileDiffusivity, type CompiledDiffusivity, type Diffusivity } from './diffusivity.js';

/**
 * Finite-volume reference solver for the generalized porous-medium equation (GPME)
 *
 *   u_t = ∂x(k(u) ∂x u) = −∂x F,   F = −k(u) u_x,
 *
 * on [a, b] with cell averages at cell centres:  dū_i/dt = L(ū)_i = −(F_{i+1/2} − F_{i−1/2})/Δx.
 * Everything is implicit (the equation is stiff and, for u^m or the Stefan k, degenerate):
 *
 * - time: backward Euler (order 1), Crank–Nicolson (order 2, A- but not L-stable: rough data ring)
 *   or variable-step BDF2 (order 2, L-stable; first step backward Euler) [Hairer & Wanner II, §III.5],
 *   each one solve of  u* − c·L(u*) = r  per step;
 * - face fluxes: `kirchhoff` (default) writes F = −∂x K(u) with K(u) = ∫₀ᵘ k, so
 *   F_{i+1/2} = −(K(u_{i+1}) − K(u_i))/Δx — exact for the flux form, smooth in u even where k is
 *   degenerate (u^m at u = 0) or discontinuous (Stefan: K is continuous, piecewise linear) and
 *   free of the artificial-barrier artifacts of harmonic means [Maddix, Sampaio & Gerritsen,
 *   J. Comput. Phys. 361 (2018)]; `arithmetic` uses k_{i+1/2} = (k(u_i) + k(u_{i+1}))/2 times the
 *   difference quotient. Harmonic means are not offered: with k(0) = 0 they block the flux into
 *   a dry region forever;
 * - nonlinear solve: (semi-smooth) Newton — full steps, backtracking only when a step blows the
 *   residual up by 1e3 (the Jacobian is tridiagonal, cyclic for periodic grids, and column
 *   diagonally dominant for Kirchhoff fluxes; at the Stefan kink k(p*) = kMax is used); when Newton
 *   fails the step is redone by Picard iteration. For Kirchhoff fluxes that is the "L-scheme"
 *   K(u_{j+1}) ≈ K(u_j) + ℓ·(u_{j+1} − u_j) with ℓ ≥ max k, which converges for any monotone
 *   Lipschitz K [Pop, Radu & Knabner, J. Comput. Appl. Math. 168 (2004)] but only linearly, and
 *   slowly where c·ℓ/Δx² is large (large steps, dry cells): measured, it needs Δt ≲ Δx² there.
 *   (The lagged-secant Picard K(u) ≈ (K(u_j)/u_j)·u diverges for u^m at Δt ≫ Δx², so it is not
 *   used.) For arithmetic fluxes Picard freezes k(u_j). `picard` uses it from the start.
 *
 * Mass balance. The new state is formed conservatively from the fluxes of the converged iterate,
 * u_new = r + c·L(u*), and the boundary fluxes of u* enter the running flux integrals with the
 * scheme's own weights, so  Σ Δx·u(t) = Σ Δx·u(0) + ∫F_left dt − ∫F_right dt  holds to round-off
 * whatever the nonlinear tolerance (for BDF2 the integrals are the BDF2 quadrature of the flux).
 */

export type GpmeScheme = 'backward-euler' | 'crank-nicolson' | 'bdf2';
export type GpmeFaceFlux = 'kirchhoff' | 'arithmetic';
export type GpmeNonlinearSolver = 'newton' | 'picard';

export const GPME_SCHEMES: readonly GpmeScheme[] = ['backward-euler', 'crank-nicolson', 'bdf2'];
export const GPME_FACE_FLUXES: readonly GpmeFaceFlux[] = ['kirchhoff', 'arithmetic'];
export const GPME_NONLINEAR_SOLVERS: readonly GpmeNonlinearSolver[] = ['newton', 'picard'];

/** Order of accuracy in time of each scheme (for smooth solutions). */
export const GPME_SCHEME_ORDER: Record<GpmeScheme, number> = { 'backward-euler': 1, 'crank-nicolson': 2, bdf2: 2 };

/** A boundary value: constant or a function of time. */
export type BoundaryData = number | ((t: number) => number);

/**
 * One end of the interval:
 * - `dirichlet`: u = value at the boundary face (flux from the half-cell difference);
 * - `flux`: the flux F = −k(u)·u_x through the face, positive in +x (so at the left end a positive
 *   value brings mass in, at the right end it takes mass out);
 * - `neumann`: u_x = value at the face; the flux is −k(u_cell)·value with the adjacent cell's u.
 */
export type GpmeBoundary = { kind: 'dirichlet'; value: BoundaryData } | { kind: 'flux'; value: BoundaryData } | { kind: 'neumann'; value: BoundaryData };

export interface GpmeProblem {
  /** Number of cells (>= 2; >= 3 when periodic). */
  n: number;
  /** [a, b]; a periodic problem is [a, b). */
  domain: readonly [number, number];
  diffusivity: Diffusivity;
  boundary: 'periodic' | { left: GpmeBoundary; right: GpmeBoundary };
}

export interface GpmeOptions {
  /** Largest time step; each interval between output times is split into equal steps no longer than this. */
  dt: number;
  /** @default 'bdf2' */
  scheme?: GpmeScheme;
  /** @default 'kirchhoff' */
  faceFlux?: GpmeFaceFlux;
  /** @default 'newton' (Picard when Newton stalls) */
  nonlinearSolver?: GpmeNonlinearSolver;
  /** Stop when max|G| <= tolerance·max(1, max|r|). @default 1e-12 */
  tolerance?: number;
  /** Newton iterations per step (Picard gets 50 times as many). @default 30 */
  maxIterations?: number;
  /** Start time. @default 0 */
  t0?: number;
}

export interface GpmeFrame {
  t: number;
  /** Cell averages, a fresh copy. */
  u: Float64Array;
  /** Σ Δx·u (compensated sum). */
  mass: number;
  /** ∫_{t0}^{t} F(a, s) ds: flux through the left face, positive in +x (into the domain). */
  fluxLeft: number;
  /** ∫_{t0}^{t} F(b, s) ds: flux through the right face, positive in +x (out of the domain). */
  fluxRight: number;
}

export interface GpmeStats {
  steps: number;
  /** Linear solves over all steps (Newton and Picard). */
  iterations: number;
  /** Steps that Newton could not finish and Picard did. */
  picardFallbacks: number;
}

export interface GpmeResult {
  frames: GpmeFrame[];
  stats: GpmeStats;
}

/** The nonlinear solve of one step did not converge (Newton and Picard). */
export class SolverConvergenceError extends Error {
  override name = 'SolverConvergenceError';
  constructor(
    readonly t: number,
    detail: string,
  ) {
    super(`nonlinear solve did not converge at t=${t}: ${detail}`);
  }
}

interface ResolvedGpmeOptions {
  dt: number;
  scheme: GpmeScheme;
  faceFlux: GpmeFaceFlux;
  nonlinearSolver: GpmeNonlinearSolver;
  tolerance: number;
  maxIterations: number;
  t0: number;
}

export function resolveGpmeOptions(o: GpmeOptions): ResolvedGpmeOptions {
  if (o === null || typeof o !== 'object') throw new SolverInputError(`options ${String(o)} are not allowed: give at least { dt }`);
  const scheme = o.scheme ?? 'bdf2';
  if (!GPME_SCHEMES.includes(scheme)) throw new SolverInputError(`scheme '${scheme}' is not allowed: use one of ${GPME_SCHEMES.join(', ')}`);
  const faceFlux = o.faceFlux ?? 'kirchhoff';
  if (!GPME_FACE_FLUXES.includes(faceFlux)) throw new SolverInputError(`faceFlux '${faceFlux}' is not allowed: use one of ${GPME_FACE_FLUXES.join(', ')}`);
  const nonlinearSolver = o.nonlinearSolver ?? 'newton';
  if (!GPME_NONLINEAR_SOLVERS.includes(nonlinearSolver)) {
    throw new SolverInputError(`nonlinearSolver '${nonlinearSolver}' is not allowed: use one of ${GPME_NONLINEAR_SOLVERS.join(', ')}`);
  }
  if (!Number.isFinite(o.dt) || o.dt <= 0) throw new SolverInputError(`dt=${o.dt} is not allowed: use a time step > 0`);
  const tolerance = o.tolerance ?? 1e-12;
  if (!Number.isFinite(tolerance) || tolerance <= 0) throw new SolverInputError(`tolerance=${tolerance} is not allowed: use a number > 0`);
  const maxIterations = o.maxIterations ?? 30;
  if (!Number.isInteger(maxIterations) || maxIterations < 1) throw new SolverInputError(`maxIterations=${maxIterations} is not allowed: use an integer >= 1`);
  const t0 = o.t0 ?? 0;
  if (!Number.isFinite(t0)) throw new SolverInputError(`t0=${t0} is not allowed: use a finite start time`);
  return { dt: o.dt, scheme, faceFlux, nonlinearSolver, tolerance, maxIterations, t0 };
}

/** The cell-centred grid of a problem (checks n and the domain). */
export function gpmeGrid(p: GpmeProblem): Grid1D {
  if (p === null || typeof p !== 'object') throw new SolverInputError(`problem ${String(p)} is not allowed: give { n, domain, diffusivity, boundary }`);
  if (!Array.isArray(p.domain) || p.domain.length !== 2) throw new SolverInputError(`domain ${String(p.domain)} is not allowed: give [xmin, xmax]`);
  const grid = new Grid1D(p.n, [p.domain[0], p.domain[1]], 'cell');
  if (p.boundary === 'periodic' && p.n < 3) throw new SolverInputError(`grid size n=${p.n} is not allowed for a periodic problem: use an integer >= 3`);
  return grid;
}

function boundaryFn(side: string, b: GpmeBoundary): (t: number) => number {
  if (b === null || typeof b !== 'object' || !['dirichlet', 'flux', 'neumann'].includes(b.kind)) {
    throw new SolverInputError(`${side} boundary ${JSON.stringify(b)} is not allowed: use { kind: 'dirichlet' | 'flux' | 'neumann', value }`);
  }
  const v = b.value;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new SolverInputError(`${side} boundary value ${v} is not allowed: use a finite number or a function of t`);
    return () => v;
  }
  if (typeof v !== 'function') throw new SolverInputError(`${side} boundary value ${String(v)} is not allowed: use a finite number or a function of t`);
  return (t) => {
    const x = v(t);
    if (!Number.isFinite(x)) throw new SolverInputError(`${side} boundary value at t=${t} is ${x}: boundary data must be finite`);
    return x;
  };
}

/**
 * Solves the GPME from cell averages `u0` at `t0` and returns a frame at every output time
 * (a time equal to t0 gives the initial state).
 */
export function solveGpme(u0: ArrayLike<number>, times: ArrayLike<number>, problem: GpmeProblem, options: GpmeOptions): GpmeResult {
  const grid = gpmeGrid(problem);
  const opts = resolveGpmeOptions(options);
  const d = compileDiffusivity(problem.diffusivity);
  const n = grid.n;
  if (u0 === null || typeof u0 !== 'object' || u0.length !== n) {
    throw new SolverInputError(`initial condition has ${u0?.length} values but the grid has ${n} cells`);
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(u0[i])) throw new SolverInputError(`initial condition u0[${i}]=${u0[i]} is not finite`);
  }
  const outTimes = checkOutputTimes(times, opts.t0);
  const op = new GpmeOperator(grid, d, problem.boundary, opts.faceFlux);
  return new GpmeStepper(op, opts).run(Float64Array.from(u0), outTimes);
}

/** Face fluxes, their derivatives and the tridiagonal solves of one problem. */
class GpmeOperator {
  readonly n: number;
  readonly dx: number;
  readonly periodic: boolean;
  private readonly left: { kind: GpmeBoundary['kind']; value: (t: number) => number } | null;
  private readonly right: { kind: GpmeBoundary['kind']; value: (t: number) => number } | null;
  /** ∂F_f/∂u_{f−1} and ∂F_f/∂u_f for faces f = 0..n. */
  readonly pL: Float64Array;
  readonly pR: Float64Array;
  private readonly lo: Float64Array;
  private readonly di: Float64Array;
  private readonly up: Float64Array;
  private readonly work: Float64Array;
  private readonly work2: Float64Array;

  constructor(
    grid: Grid1D,
    readonly d: CompiledDiffusivity,
    boundary: GpmeProblem['boundary'],
    readonly faceFlux: GpmeFaceFlux,
  ) {
    this.n = grid.n;
    this.dx = grid.dx;
    if (boundary === 'periodic') {
      this.periodic = true;
      this.left = null;
      this.right = null;
    } else {
      if (boundary === null || typeof boundary !== 'object') {
        throw new SolverInputError(`boundary ${String(boundary)} is not allowed: use 'periodic' or { left, right }`);
      }
      this.periodic = false;
      this.left = { kind: boundary.left?.kind, value: boundaryFn('left', boundary.left) };
      this.right = { kind: boundary.right?.kind, value: boundaryFn('right', boundary.right) };
    }
    const n = this.n;
    this.pL = new Float64Array(n + 1);
    this.pR = new Float64Array(n + 1);
    this.lo = new Float64Array(n);
    this.di = new Float64Array(n);
    this.up = new Float64Array(n);
    this.work = new Float64Array(n);
    this.work2 = new Float64Array(n);
  }

  /**
   * Face fluxes F[0..n] of u at time t; with `deriv` also ∂F/∂u into pL/pR — or, given Picard's
   * `ell`, its linearization: K(u) ≈ K(u_j) + ℓ·(u − u_j) for Kirchhoff fluxes, k(u_j) frozen with
   * no k' terms for arithmetic ones.
   */
  fluxes(u: Float64Array, t: number, F: Float64Array, deriv: boolean, ell: number | null = null): void {
    const { n, dx, d } = this;
    const kirch = this.faceFlux === 'kirchhoff';
    const lagged = ell !== null;
    const slopeOf = ell !== null ? (): number => ell : d.k;
    const pL = this.pL;
    const pR = this.pR;
    const interior = (f: number, uL: number, uR: number): void => {
      if (kirch) {
        F[f] = -(d.K(uR) - d.K(uL)) / dx;
        if (deriv) {
          pL[f] = slopeOf(uL) / dx;
          pR[f] = -slopeOf(uR) / dx;
        }
      } else {
        const kf = 0.5 * (d.k(uL) + d.k(uR));
        const g = (uR - uL) / dx;
        F[f] = -kf * g;
        if (deriv) {
          pL[f] = kf / dx - (lagged ? 0 : 0.5 * d.dk(uL) * g);
          pR[f] = -kf / dx - (lagged ? 0 : 0.5 * d.dk(uR) * g);
        }
      }
    };
    for (let f = 1; f < n; f++) interior(f, u[f - 1], u[f]);
    if (this.periodic) {
      interior(0, u[n - 1], u[0]);
      F[n] = F[0];
      pL[n] = pL[0];
      pR[n] = pR[0];
      return;
    }
    const L = this.left as NonNullable<typeof this.left>;
    const R = this.right as NonNullable<typeof this.right>;
    const gl = L.value(t);
    const gr = R.value(t);
    pL[0] = 0;
    pR[n] = 0;
    // Left face: only cell 0 is unknown.
    if (L.kind === 'dirichlet') {
      if (kirch) {
        F[0] = (-2 * (d.K(u[0]) - d.K(gl))) / dx;
        if (deriv) pR[0] = (-2 * slopeOf(u[0])) / dx;
      } else {
        const kf = 0.5 * (d.k(gl) + d.k(u[0]));
        const g = (2 * (u[0] - gl)) / dx;
        F[0] = -kf * g;
        if (deriv) pR[0] = (-2 * kf) / dx - (lagged ? 0 : 0.5 * d.dk(u[0]) * g);
      }
    } else if (L.kind === 'flux') {
      F[0] = gl;
      if (deriv) pR[0] = 0;
    } else {
      F[0] = -d.k(u[0]) * gl;
      if (deriv) pR[0] = lagged ? 0 : -d.dk(u[0]) * gl;
    }
    if (R.kind === 'dirichlet') {
      if (kirch) {
        F[n] = (-2 * (d.K(gr) - d.K(u[n - 1]))) / dx;
        if (deriv) pL[n] = (2 * slopeOf(u[n - 1])) / dx;
      } else {
        const kf = 0.5 * (d.k(u[n - 1]) + d.k(gr));
        const g = (2 * (gr - u[n - 1])) / dx;
        F[n] = -kf * g;
        if (deriv) pL[n] = (2 * kf) / dx - (lagged ? 0 : 0.5 * d.dk(u[n - 1]) * g);
      }
    } else if (R.kind === 'flux') {
      F[n] = gr;
      if (deriv) pL[n] = 0;
    } else {
      F[n] = -d.k(u[n - 1]) * gr;
      if (deriv) pL[n] = lagged ? 0 : -d.dk(u[n - 1]) * gr;
    }
  }

  /** out = L(u) = −(F_{i+1} − F_i)/Δx from face fluxes. */
  divergence(F: Float64Array, out: Float64Array): void {
    const dx = this.dx;
    for (let i = 0; i < this.n; i++) out[i] = -(F[i + 1] - F[i]) / dx;
  }

  /** The largest k over the given values and the Dirichlet data at t (Picard's ℓ). */
  maxK(u: Float64Array, r: Float64Array, t: number): number {
    const d = this.d;
    let m = 0;
    for (let i = 0; i < this.n; i++) m = Math.max(m, d.k(u[i]), d.k(r[i]));
    if (this.left?.kind === 'dirichlet') m = Math.max(m, d.k(this.left.value(t)));
    if (this.right?.kind === 'dirichlet') m = Math.max(m, d.k(this.right.value(t)));
    if (d.spec.kind === 'stefan') m = Math.max(m, d.spec.kMax, d.spec.kMin);
    return m;
  }

  /** Solves (I + (c/Δx)·∂(F_{i+1} − F_i)/∂u)·x = rhs with the derivatives in pL/pR; x overwrites rhs. */
  solveJacobian(c: number, rhs: Float64Array): void {
    const { n, dx, pL, pR, lo, di, up } = this;
    const s = c / dx;
    for (let i = 0; i < n; i++) {
      di[i] = 1 + s * (pL[i + 1] - pR[i]);
      up[i] = s * pR[i + 1];
      lo[i] = -s * pL[i];
    }
    if (!this.periodic) {
      thomas(lo, di, up, rhs, this.work, n);
      return;
    }
    // Cyclic tridiagonal (lo[0] couples u_{n−1}, up[n−1] couples u_0): Sherman–Morrison
    // [Numerical Recipes §2.7]. A = T + v·wᵀ with v = (γ, 0, …, up[n−1]), w = (1, 0, …, lo[0]/γ).
    const gamma = -di[0];
    const alpha = up[n - 1];
    const beta = lo[0];
    const d0 = di[0];
    const dn = di[n - 1];
    di[0] = d0 - gamma;
    di[n - 1] = dn - (alpha * beta) / gamma;
    lo[0] = 0;
    up[n - 1] = 0;
    const x = rhs;
    const z = this.work2;
    z.fill(0);
    z[0] = gamma;
    z[n - 1] = alpha;
    // Solve T x = rhs and T z = v with the same factorization (thomas keeps di/up intact).
    thomas(lo, di, up, x, this.work, n);
    thomas(lo, di, up, z, this.work, n);
    const fact = (x[0] + (beta * x[n - 1]) / gamma) / (1 + z[0] + (beta * z[n - 1]) / gamma);
    for (let i = 0; i < n; i++) x[i] -= fact * z[i];
  }
}

/** Thomas algorithm: solves the tridiagonal system in place of rhs (lo[0], up[n−1] unused). */
function thomas(lo: Float64Array, di: Float64Array, up: Float64Array, rhs: Float64Array, cp: Float64Array, n: number): void {
  let denom = di[0];
  cp[0] = up[0] / denom;
  rhs[0] /= denom;
  for (let i = 1; i < n; i++) {
    denom = di[i] - lo[i] * cp[i - 1];
    cp[i] = up[i] / denom;
    rhs[i] = (rhs[i] - lo[i] * rhs[i - 1]) / denom;
  }
  for (let i = n - 2; i >= 0; i--) rhs[i] -= cp[i] * rhs[i + 1];
}

/** Time stepping, nonlinear solves and the running flux integrals. */
class GpmeStepper {
  private readonly n: number;
  private readonly F: Float64Array;
  private readonly G: Float64Array;
  private readonly delta: Float64Array;
  private readonly trial: Float64Array;
  private readonly Ltmp: Float64Array;
  private readonly stats: GpmeStats = { steps: 0, iterations: 0, picardFallbacks: 0 };

  constructor(
    private readonly op: GpmeOperator,
    private readonly opts: ResolvedGpmeOptions,
  ) {
    const n = op.n;
    this.n = n;
    this.F = new Float64Array(n + 1);
    this.G = new Float64Array(n);
    this.delta = new Float64Array(n);
    this.trial = new Float64Array(n);
    this.Ltmp = new Float64Array(n);
  }

  run(u0: Float64Array, times: Float64Array): GpmeResult {
    const { op, opts, n } = this;
    const dx = op.dx;
    const scheme = GPME_SCHEME_FACTORIES[opts.scheme](op, u0, opts.t0, this.F);
    const r = new Float64Array(n);
    const Lstar = new Float64Array(n);
    const frames = integrateToTimes<Float64Array, GpmeFrame>(
      u0,
      opts.t0,
      times,
      {
        maxDt: () => opts.dt,
        step: (u, _t, h, tNew) => {
          const c = scheme.stage(u, h, r);
          const ustar = this.solveStep(u, r, c, tNew);
          // Conservative update from the fluxes of the converged iterate.
          op.fluxes(ustar, tNew, this.F, false);
          op.divergence(this.F, Lstar);
          const next = new Float64Array(n);
          for (let i = 0; i < n; i++) next[i] = r[i] + c * Lstar[i];
          for (let i = 0; i < n; i++) {
            if (!Number.isFinite(next[i])) throw new SolverInstabilityError(tNew, `cell ${i} of ${n}`);
          }
          scheme.accept(u, h, c, Lstar, this.F[0], this.F[n]);
          this.stats.steps++;
          return next;
        },
        snapshot: (u, t) => ({ t, u: u.slice(), mass: sumCompensated(u) * dx, fluxLeft: scheme.fluxLeft(), fluxRight: scheme.fluxRight() }),
      },
      { equalSteps: true },
    );
    return { frames, stats: { ...this.stats } };
  }

  /** Solves u* − c·L(u*) = r at time t starting from `guess`; returns u*. */
  private solveStep(guess: Float64Array, r: Float64Array, c: number, t: number): Float64Array {
    const u = Float64Array.from(guess);
    if (this.opts.nonlinearSolver === 'newton') {
      if (this.newton(u, r, c, t)) return u;
      this.stats.picardFallbacks++;
      u.set(guess);
    }
    if (this.picard(u, r, c, t)) return u;
    throw new SolverConvergenceError(t, `Newton and Picard did not reach ${this.opts.tolerance} relative residual (dt too large for this problem?)`);
  }

  /** G = u − c·L(u) − r (returns max|G|); with deriv the Jacobian pieces are filled in op. */
  private residual(u: Float64Array, r: Float64Array, c: number, t: number, deriv: boolean, ell: number | null = null): number {
    const { op, G, F, n } = this;
    op.fluxes(u, t, F, deriv, ell);
    op.divergence(F, this.Ltmp);
    let m = 0;
    for (let i = 0; i < n; i++) {
      G[i] = u[i] - c * this.Ltmp[i] - r[i];
      m = Math.max(m, Math.abs(G[i]));
    }
    return m;
  }

  private tolerance(r: Float64Array): number {
    let m = 1;
    for (let i = 0; i < this.n; i++) m = Math.max(m, Math.abs(r[i]));
    return this.opts.tolerance * m;
  }

  private newton(u: Float64Array, r: Float64Array, c: number, t: number): boolean {
    const { n, G, delta, trial } = this;
    const tol = this.tolerance(r);
    let res = this.residual(u, r, c, t, true);
    let norm2 = l2(G, n);
    for (let it = 0; it < this.opts.maxIterations; it++) {
      if (res <= tol) return true;
      this.stats.iterations++;
      for (let i = 0; i < n; i++) delta[i] = -G[i];
      this.op.solveJacobian(c, delta);
      let lambda = 1;
      let accepted = false;
      for (let k = 0; k < 20; k++) {
        for (let i = 0; i < n; i++) trial[i] = u[i] + lambda * delta[i];
        const resTrial = this.residual(trial, r, c, t, false);
        const normTrial = l2(G, n);
        // Non-monotone safeguard: a full step may raise ‖G‖ (kinks of K make the residual
        // non-smooth, and full steps are what converge there); only a blow-up is backtracked.
        if (resTrial <= tol || normTrial <= (lambda === 1 ? 1e3 : 1 - 1e-4 * lambda) * norm2) {
          accepted = true;
          res = resTrial;
          break;
        }
        lambda *= 0.5;
      }
      if (!accepted) return false;
      u.set(trial);
      res = this.residual(u, r, c, t, true);
      norm2 = l2(G, n);
    }
    return res <= tol;
  }

  private picard(u: Float64Array, r: Float64Array, c: number, t: number): boolean {
    const { n, G, delta, op } = this;
    const tol = this.tolerance(r);
    for (let it = 0; it < 50 * this.opts.maxIterations; it++) {
      // ℓ ≥ max k over the iterate, the data and the boundary values (the L-scheme contracts).
      const res = this.residual(u, r, c, t, true, Math.max(op.maxK(u, r, t), 1e-300));
      if (res <= tol) return true;
      this.stats.iterations++;
      for (let i = 0; i < n; i++) delta[i] = -G[i];
      op.solveJacobian(c, delta);
      for (let i = 0; i < n; i++) u[i] += delta[i];
    }
    return this.residual(u, r, c, t, false) <= tol;
  }
}

function l2(v: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += v[i] * v[i];
  return Math.sqrt(s);
}

/**
 * One time scheme of the GPME solver, made by a factory per scheme (GPME_SCHEME_FACTORIES): each step
 * is one implicit stage u* − c·L(u*) = r, the new state u_new = r + c·L(u*) (conservative), and the
 * boundary-flux integrals advanced with the scheme's own weights. The scheme's history (BDF2's
 * previous state, Crank–Nicolson's explicit half) lives in the closure.
 */
interface GpmeSchemeStepper {
  /** Writes r for the step of size h from u and returns c. */
  stage(u: Float64Array, h: number, r: Float64Array): number;
  /** Records the accepted step: the state it started from, h, c, L(u*) and u*'s boundary fluxes. */
  accept(u: Float64Array, h: number, c: number, Lstar: Float64Array, fL: number, fR: number): void;
  /** ∫ F_left dt and ∫ F_right dt so far. */
  fluxLeft(): number;
  fluxRight(): number;
}

type GpmeSchemeFactory = (op: GpmeOperator, u0: Float64Array, t0: number, F: Float64Array) => GpmeSchemeStepper;

/**
 * Backward Euler (`bdf2: false`) or variable-step BDF2 [Hairer & Wanner II, §III.5] whose first step
 * is backward Euler: u_new − c·L(u_new) = a0·u + a1·u_prev, with the flux integrals advanced by the
 * same weights (the BDF2 quadrature of the flux).
 */
function multistepScheme(bdf2: boolean): GpmeSchemeFactory {
  return () => {
    let uPrev: Float64Array | null = null;
    let hPrev = 0;
    let a0 = 1;
    let a1 = 0;
    let qL = 0;
    let qR = 0;
    let qLPrev = 0;
    let qRPrev = 0;
    return {
      stage(u, h, r) {
        a0 = 1;
        a1 = 0;
        if (!bdf2 || uPrev === null) {
          r.set(u);
          return h;
        }
        const w = h / hPrev;
        a0 = ((1 + w) * (1 + w)) / (1 + 2 * w);
        a1 = -(w * w) / (1 + 2 * w);
        const up = uPrev;
        for (let i = 0; i < u.length; i++) r[i] = a0 * u[i] + a1 * up[i];
        return (h * (1 + w)) / (1 + 2 * w);
      },
      accept(u, h, c, _Lstar, fL, fR) {
        const nL = a0 * qL + a1 * qLPrev + c * fL;
        const nR = a0 * qR + a1 * qRPrev + c * fR;
        qLPrev = qL;
        qRPrev = qR;
        qL = nL;
        qR = nR;
        uPrev = u;
        hPrev = h;
      },
      fluxLeft: () => qL,
      fluxRight: () => qR,
    };
  };
}

/** Crank–Nicolson: u_new − (h/2)·L(u_new) = u + (h/2)·L(u), flux integrals by the trapezoidal rule. */
const crankNicolson: GpmeSchemeFactory = (op, u0, t0, F) => {
  const n = op.n;
  // L and the boundary fluxes at the current state.
  const Lexp = new Float64Array(n);
  op.fluxes(u0, t0, F, false);
  op.divergence(F, Lexp);
  let fLexp = F[0];
  let fRexp = F[n];
  let qL = 0;
  let qR = 0;
  return {
    stage(u, h, r) {
      const c = 0.5 * h;
      for (let i = 0; i < n; i++) r[i] = u[i] + c * Lexp[i];
      return c;
    },
    accept(_u, _h, c, Lstar, fL, fR) {
      qL += c * (fLexp + fL);
      qR += c * (fRexp + fR);
      Lexp.set(Lstar);
      fLexp = fL;
      fRexp = fR;
    },
    fluxLeft: () => qL,
    fluxRight: () => qR,
  };
};

/** The stepper factory of each scheme. */
const GPME_SCHEME_FACTORIES: Readonly<Record<GpmeScheme, GpmeSchemeFactory>> = {
  'backward-euler': multistepScheme(false),
  'crank-nicolson': crankNicolson,
  bdf2: multistepScheme(true),
};
