import { SolverInputError, assertFinite } from '../errors.js';
import type { Grid1D } from '../../core/grid.js';
import { integrateToTimes } from '../time/output_times.js';
import { SSP_RK3, createSspRkStepper } from '../time/ssp_rk.js';
import { GHOST, MIN_CELLS, fillPeriodicHalo, reconstructMusclMinmod, reconstructMusclVanLeer, reconstructWeno5 } from './reconstruction.js';
import { godunovFluxes, rusanovFluxes } from './riemann.js';
import { PAD, RIGHT_HALO, SCRATCH_BYTES, wenoStepModule, type WenoStepKernel } from './weno_kernel.js';
import { wasmApi } from '../../core/wasm/binary.js';

/**
 * Finite-volume reference solver for viscous / inviscid Burgers on a periodic cell-centred grid:
 *
 *   u_t + (u²/2)_x = ν·u_xx,   ν ≥ 0,
 *
 * in conservation form  dū_i/dt = −(H_{i+1/2} − H_{i−1/2})/Δx  with the face flux
 * H = F(u⁻, u⁺) − ν·(ū_{i+1} − ū_i)/Δx: F a Riemann flux (Rusanov or exact Godunov) on reconstructed
 * face states (MUSCL-minmod / MUSCL-van Leer, 2nd order; WENO5-JS, 5th order), the viscous flux
 * central and 2nd order. Everything is explicit; time stepping is SSP-RK3 (Shu–Osher, 3rd order,
 * SSP coefficient 1) [Shu & Osher 1988; Jiang & Shu 1996; LeVeque 2002, ch. 12]. The design orders are
 * therefore 5 (WENO5, ν = 0) or 2 (MUSCL, or any ν > 0) in space and 3 in time.
 *
 * Time step: Δt = min(cfl·Δx/max|u|, d·Δx²/ν). The default cfl = 0.4 keeps MUSCL TVD when ν = 0
 * (forward-Euler limit 1/2, SSP coefficient 1); with d = 0.4 both limits may be active at once and
 * still lie inside the SSP-RK3 stability region: for upwinding plus central diffusion, Δt·L has eigenvalues down to
 * −2·(cfl + 2d) = −2.4 on the real axis, within SSP-RK3's extent of ≈ −2.51. When u ≡ 0 and ν = 0
 * nothing moves and Δt = cfl·Δx is used, as if |u| = 1.
 *
 * Two backends compute the same step: 'js', the composition below (reconstruction, Riemann flux,
 * viscous flux, flux difference, SSP-RK stage passes; every scheme), and 'wasm', one fused
 * WebAssembly SIMD kernel per step for WENO5 with either flux and any ν (weno_kernel.ts). They
 * perform the same floating-point operations in the same order, so their results agree bit for
 * bit; 'wasm' is the default for WENO5 where WebAssembly SIMD is available.
 */

export type Reconstruction = 'muscl-minmod' | 'muscl-vanleer' | 'weno5';
export type RiemannFlux = 'rusanov' | 'godunov';
/** 'wasm': the fused WebAssembly SIMD step (WENO5 only); 'js': the plain-JS reference (every scheme). */
export type FvBackend = 'wasm' | 'js';

export const FV_RECONSTRUCTIONS: readonly Reconstruction[] = ['muscl-minmod', 'muscl-vanleer', 'weno5'];
export const FV_FLUXES: readonly RiemannFlux[] = ['rusanov', 'godunov'];

export interface FvOptions {
  /** Viscosity ν ≥ 0 (0: inviscid). */
  nu: number;
  reconstruction: Reconstruction;
  flux: RiemannFlux;
  /** Advective Courant number in (0, 1]: Δt ≤ cfl·Δx/max|u|. @default 0.4 */
  cfl?: number;
  /** Diffusion number in (0, 0.5]: Δt ≤ d·Δx²/ν. @default 0.4 */
  diffusionNumber?: number;
  /** fixed dt instead of adaptive (still landing on outputs), for order studies */
  dt?: number;
  /** Which implementation runs the step (same bits either way). @default 'wasm' for WENO5 where available, else 'js' */
  backend?: FvBackend;
}

/** FvOptions with defaults applied and every field checked. */
export interface ResolvedFvOptions {
  nu: number;
  reconstruction: Reconstruction;
  flux: RiemannFlux;
  cfl: number;
  diffusionNumber: number;
  dt: number | null;
  backend: FvBackend;
}

/** Applies defaults and validates options against the grid; throws SolverInputError naming the bad field. */
export function resolveFvOptions(grid: Grid1D, opts: FvOptions): ResolvedFvOptions {
  if (grid.staggering !== 'cell') {
    throw new SolverInputError(`grid staggering '${grid.staggering}' is not allowed: the finite-volume solver needs 'cell' (cell averages)`);
  }
  const { nu, reconstruction, flux } = opts;
  if (!(Number.isFinite(nu) && nu >= 0)) throw new SolverInputError(`viscosity nu=${nu} is not allowed: use a finite nu >= 0`);
  if (!FV_RECONSTRUCTIONS.includes(reconstruction)) {
    throw new SolverInputError(`reconstruction '${reconstruction}' is not allowed: use one of ${FV_RECONSTRUCTIONS.join(', ')}`);
  }
  if (!FV_FLUXES.includes(flux)) throw new SolverInputError(`flux '${flux}' is not allowed: use one of ${FV_FLUXES.join(', ')}`);
  const minN = MIN_CELLS[reconstruction];
  if (grid.n < minN) throw new SolverInputError(`grid size n=${grid.n} is too small for ${reconstruction}: it needs n >= ${minN}`);
  const cfl = opts.cfl ?? 0.4;
  if (!(cfl > 0 && cfl <= 1)) throw new SolverInputError(`cfl=${cfl} is not allowed: use a number in (0, 1]`);
  const diffusionNumber = opts.diffusionNumber ?? 0.4;
  if (!(diffusionNumber > 0 && diffusionNumber <= 0.5)) {
    throw new SolverInputError(`diffusionNumber=${diffusionNumber} is not allowed: use a number in (0, 0.5]`);
  }
  const dt = opts.dt ?? null;
  if (dt !== null && !(Number.isFinite(dt) && dt > 0)) {
    throw new SolverInputError(`dt=${dt} is not allowed: use a finite dt > 0, or leave it out for adaptive steps`);
  }
  const wasmOk = reconstruction === 'weno5' && wenoStepModule({ flux, viscous: nu > 0 }) !== null;
  const backend = opts.backend ?? (wasmOk ? 'wasm' : 'js');
  if (backend !== 'wasm' && backend !== 'js') throw new SolverInputError(`backend '${String(backend)}' is not allowed: use wasm or js`);
  if (backend === 'wasm' && !wasmOk) {
    throw new SolverInputError(
      reconstruction === 'weno5'
        ? "backend 'wasm' is not available here (no WebAssembly SIMD): use 'js'"
        : `backend 'wasm' covers reconstruction weno5 only, not ${reconstruction}: use 'js'`,
    );
  }
  return { nu, reconstruction, flux, cfl, diffusionNumber, dt, backend };
}

type ReconstructFn = (u: Float64Array, n: number, left: Float64Array, right: Float64Array) => void;
type FluxFn = (left: Float64Array, right: Float64Array, flux: Float64Array, nFaces: number) => void;

const RECONSTRUCT: Record<Reconstruction, ReconstructFn> = {
  'muscl-minmod': reconstructMusclMinmod,
  'muscl-vanleer': reconstructMusclVanLeer,
  weno5: reconstructWeno5,
};
const FLUX: Record<RiemannFlux, FluxFn> = { rusanov: rusanovFluxes, godunov: godunovFluxes };

/** Subtracts the central viscous flux ν·(ū_f − ū_{f−1})/Δx from the face fluxes (face f left of cell f). */
function subtractViscousFlux(u: Float64Array, flux: Float64Array, n: number, nuOverDx: number): void {
  for (let f = 0; f <= n; f++) {
    const p = f + GHOST;
    flux[f] -= nuOverDx * (u[p] - u[p - 1]);
  }
}

/** out_i = −(H_{i+1/2} − H_{i−1/2})/Δx on the interior of a padded array. */
function fluxDivergence(flux: Float64Array, out: Float64Array, n: number, invDx: number): void {
  for (let i = 0; i < n; i++) out[i + GHOST] = invDx * (flux[i] - flux[i + 1]);
}

/** A reusable stepper with preallocated buffers. */
export interface FvStepper {
  /** Advances u (length n) in place by dt. */
  step(u: Float64Array, dt: number): void;
  /** The fixed dt when one was given, else min(cfl·Δx/max|u|, d·Δx²/ν). */
  maxDt(u: Float64Array): number;
  /** The backend that runs the step. */
  readonly backend: FvBackend;
  /**
   * A length-n array that `step` advances without copying in or out (for 'wasm' a view of the
   * kernel's own memory): callers that keep their state here save two copies per step.
   */
  readonly field: Float64Array;
}

/** The step operator of one backend on the stepper's own padded state. */
type PaddedStep = (dt: number) => void;

/**
 * The semi-discrete right-hand side L(u) = −(F_{i+1/2} − F_{i−1/2})/Δx on padded arrays (n cells
 * plus GHOST halo cells each side): refills the periodic halo of u, then writes L(u) into out.
 */
function fvRhs(o: ResolvedFvOptions, n: number, dx: number): (u: Float64Array, out: Float64Array) => void {
  const invDx = 1 / dx;
  const nuOverDx = o.nu / dx;
  const viscous = o.nu > 0;
  const reconstruct = RECONSTRUCT[o.reconstruction];
  const fluxes = FLUX[o.flux];
  const left = new Float64Array(n + 1);
  const right = new Float64Array(n + 1);
  const faceFlux = new Float64Array(n + 1);
  const rhs = (u: Float64Array, out: Float64Array): void => {
    fillPeriodicHalo(u, n);
    reconstruct(u, n, left, right);
    fluxes(left, right, faceFlux, n + 1);
    if (viscous) subtractViscousFlux(u, faceFlux, n, nuOverDx);
    fluxDivergence(faceFlux, out, n, invDx);
  };
  return rhs;
}

/** The plain-JS step: reconstruction, fluxes and RK passes as separate loops (the readable reference). */
function jsStep(o: ResolvedFvOptions, n: number, dx: number, padded: Float64Array): PaddedStep {
  const rk = createSspRkStepper(SSP_RK3, n + 2 * GHOST, fvRhs(o, n, dx));
  return (dt) => rk(padded, dt);
}

/**
 * The finite-volume semi-discretization as an explicit equation du/dt = L(u) on the n cell averages
 * (allocating; for tests that hold the fast steppers against the generic ones of solvers/time).
 */
export function createFvEquation(grid: Grid1D, opts: FvOptions): { explicitTerms(u: Float64Array, t: number): Float64Array } {
  const o = resolveFvOptions(grid, opts);
  const n = grid.n;
  const rhs = fvRhs(o, n, grid.dx);
  const padded = new Float64Array(n + 2 * GHOST);
  const out = new Float64Array(n + 2 * GHOST);
  return {
    explicitTerms(u: Float64Array): Float64Array {
      padded.set(u, GHOST);
      rhs(padded, out);
      return out.slice(GHOST, GHOST + n);
    },
  };
}

/** The fused WebAssembly step on three padded arrays and its scratch in one memory; the first array holds the state. */
function wasmStep(o: ResolvedFvOptions, n: number, dx: number): { step: PaddedStep; field: Float64Array } {
  const mod = wenoStepModule({ flux: o.flux, viscous: o.nu > 0 });
  if (mod === null || wasmApi === undefined) throw new SolverInputError("backend 'wasm' is not available here (no WebAssembly SIMD): use 'js'");
  const stride = 16 * Math.ceil((PAD + n + RIGHT_HALO) / 2); // bytes per array, a multiple of 16
  const scratch = 3 * stride;
  const memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil((scratch + SCRATCH_BYTES) / 65536)) });
  const kernel = new wasmApi.Instance(mod, { env: { mem: memory } }).exports as WenoStepKernel;
  const at = (k: number) => k * stride + 8 * PAD; // byte offset of cell 0 of array k
  const invDx = 1 / dx;
  const nuOverDx = o.nu / dx;
  return {
    step: (dt) => kernel.step(at(0), at(1), at(2), scratch, n, dt, invDx, nuOverDx),
    field: new Float64Array(memory.buffer, at(0), n),
  };
}

/** A reusable stepper with preallocated buffers, for benchmarks and the solver: advances u in place by dt. */
export function createFvStepper(grid: Grid1D, opts: FvOptions): FvStepper {
  const o = resolveFvOptions(grid, opts);
  const n = grid.n;
  const dx = grid.dx;
  let advance: PaddedStep;
  let field: Float64Array;
  if (o.backend === 'wasm') {
    ({ step: advance, field } = wasmStep(o, n, dx));
  } else {
    const padded = new Float64Array(n + 2 * GHOST);
    advance = jsStep(o, n, dx, padded);
    field = padded.subarray(GHOST, GHOST + n);
  }
  const diffusiveDt = o.nu > 0 ? (o.diffusionNumber * dx * dx) / o.nu : Infinity;

  const checkLength = (u: Float64Array): void => {
    if (u.length !== n) throw new SolverInputError(`field has ${u.length} values but the grid has n=${n}`);
  };

  return {
    backend: o.backend,
    field,
    step(u: Float64Array, dt: number): void {
      checkLength(u);
      if (u === field) {
        advance(dt);
        return;
      }
      field.set(u);
      advance(dt);
      u.set(field);
    },
    maxDt(u: Float64Array): number {
      checkLength(u);
      if (o.dt !== null) return o.dt;
      let m = 0;
      for (let i = 0; i < n; i++) {
        const a = u[i] < 0 ? -u[i] : u[i];
        if (a > m) m = a;
      }
      const advectiveDt = m > 0 ? (o.cfl * dx) / m : Infinity;
      const dt = Math.min(advectiveDt, diffusiveDt);
      return dt === Infinity ? o.cfl * dx : dt;
    },
  };
}

/** Returns one float64 frame per output time (a time equal to 0 returns u0's copy). */
export function solveBurgersFv(u0: Float64Array, grid: Grid1D, times: ArrayLike<number>, opts: FvOptions): Float64Array[] {
  const o = resolveFvOptions(grid, opts);
  if (u0.length !== grid.n) throw new SolverInputError(`initial condition has ${u0.length} values but the grid has n=${grid.n}`);
  for (let i = 0; i < u0.length; i++) {
    if (!Number.isFinite(u0[i])) throw new SolverInputError(`initial condition u0[${i}]=${u0[i]} is not finite`);
  }
  const stepper = createFvStepper(grid, opts);
  const detail = `${o.reconstruction}/${o.flux}, n=${grid.n}, nu=${o.nu}`;
  // The state lives in the stepper's own array, so steps need no copies.
  stepper.field.set(u0);
  return integrateToTimes(stepper.field, 0, times, {
    maxDt: (u) => stepper.maxDt(u),
    step: (u, _t, dt) => {
      stepper.step(u, dt);
      return u;
    },
    snapshot: (u) => Float64Array.from(u),
    onStep: (u, t) => assertFinite(u, t, detail),
  });
}
