/**
 * One dataset sample from a resolved recipe: draw the initial condition from Rng(seed, index),
 * solve in float64 on the solve grid, reduce to the stored grid and store as float32 [T, nx].
 * A pure function of (recipe, index): workers, shards and resumed runs all produce the same bytes.
 */
import { Grid1D } from '../core/grid.js';
import { Rng } from '../core/random.js';
import { SolverInstabilityError } from '../solvers/errors.js';
import { solveBurgersFv } from '../solvers/burgers/finite_volume.js';
import { solveBurgersSpectral } from '../solvers/burgers/spectral.js';
import { solveNs2d, spectralResample, type Ns2dConfig } from '../solvers/ns2d/index.js';
import { heatExact, pmeExact, solveGpme, SolverConvergenceError, stefanExact, type GpmeExactSolution, type GpmeProblem, type GpmeResult } from '../solvers/gpme/index.js';
import { sampleInitialCondition } from './samplers/index.js';
import { sampleGrf2d } from './samplers/grf2d.js';
import { outputTimes, type GpmeRecipe, type NsRecipe, type ResolvedRecipe } from './recipes.js';

/** A solver failure tied to the sample it happened in. */
export class SampleError extends Error {
  override name = 'SampleError';
  constructor(
    readonly sampleIndex: number,
    cause: Error,
  ) {
    super(`sample ${sampleIndex}: ${cause.message}`);
  }
}

export function solveGrid(r: ResolvedRecipe): Grid1D {
  return new Grid1D(r.solveNx, r.domain, r.staggering);
}

/** Coordinates of the stored grid (node points, or cell centres of the coarse cells). */
export function storedGrid(r: ResolvedRecipe): Grid1D {
  return new Grid1D(r.nx, r.domain, r.staggering);
}

/**
 * Reduces a field from the solve grid to the stored grid: nodes are strided (the coarse nodes
 * are a subset of the fine ones), cell averages are block-averaged (exact for averages).
 */
export function restrictToStored(u: Float64Array, r: ResolvedRecipe, out: Float32Array, offset: number): void {
  const f = r.solveNx / r.nx;
  if (r.staggering === 'node') {
    for (let i = 0; i < r.nx; i++) out[offset + i] = u[i * f];
  } else {
    for (let i = 0; i < r.nx; i++) {
      let s = 0;
      for (let j = 0; j < f; j++) s += u[i * f + j];
      out[offset + i] = s / f;
    }
  }
}

/** Initial condition of sample `index` on the solve grid (float64; n² values x-major for Navier–Stokes). */
export function initialCondition(r: ResolvedRecipe, index: number): Float64Array {
  if (r.pde === 'gpme') return gpmeCellAverages(r, gpmeExact(r, gpmeParameter(r, index)), 0);
  if (r.pde === 'navier-stokes-2d') return sampleGrf2d(r.initialCondition, r.solveNx, r.domain[1] - r.domain[0], new Rng(r.seed, index));
  return sampleInitialCondition(r.initialCondition, solveGrid(r), new Rng(r.seed, index));
}

/** The Navier–Stokes solver configuration of a recipe. */
export function nsSolverConfig(r: NsRecipe): Ns2dConfig {
  return {
    n: r.solveNx,
    length: r.domain[1] - r.domain[0],
    nu: r.nu,
    drag: r.drag,
    forcing: r.forcing,
    scheme: r.solver.scheme,
    dt: r.solver.dt !== null ? { kind: 'fixed', dt: r.solver.dt } : { kind: 'cfl', cfl: r.solver.cfl, maxDt: r.solver.maxDt },
  };
}

/** Solve times of a Navier–Stokes recipe: the frame times shifted by the spin-up. */
export function nsSolveTimes(r: NsRecipe): number[] {
  return Array.from(outputTimes(r), (t) => r.spinUp + t);
}

/**
 * The GPME parameter (k, m or p*) of sample `index`: the list entry `index mod length`, or a uniform
 * draw from Rng(seed, index) — independent of workers and shards.
 */
export function gpmeParameter(r: GpmeRecipe, index: number): number {
  const p = r.parameter;
  if (p.kind === 'list') return p.values[index % p.values.length];
  return new Rng(r.seed, index).uniformRange(p.min, p.max);
}

/** The closed-form solution of a GPME recipe for one parameter value. */
export function gpmeExact(r: GpmeRecipe, parameter: number): GpmeExactSolution {
  if (r.case === 'heat') return heatExact(parameter);
  if (r.case === 'pme') return pmeExact(parameter);
  return stefanExact(parameter, r.kMax);
}

function gpmeCellAverages(r: GpmeRecipe, ex: GpmeExactSolution, t: number): Float64Array {
  const g = solveGrid(r);
  return Float64Array.from({ length: g.n }, (_, i) => ex.cellAverage(g.xmin + i * g.dx, g.xmin + (i + 1) * g.dx, t));
}

/** The solver problem of a GPME sample: both ends Dirichlet with the closed form's boundary values, or periodic. */
export function gpmeProblem(r: GpmeRecipe, parameter: number): GpmeProblem {
  const ex = gpmeExact(r, parameter);
  const [a, b] = r.domain;
  const diffusivity: GpmeProblem['diffusivity'] =
    r.case === 'heat' ? { kind: 'constant', k: parameter } : r.case === 'pme' ? { kind: 'power', m: parameter } : { kind: 'stefan', pStar: parameter, kMax: r.kMax, kMin: 0 };
  return {
    n: r.solveNx,
    domain: r.domain,
    diffusivity,
    boundary:
      r.boundary === 'periodic'
        ? 'periodic'
        : { left: { kind: 'dirichlet', value: (t) => ex.value(a, t) }, right: { kind: 'dirichlet', value: (t) => ex.value(b, t) } },
  };
}

/** Solves GPME sample `index` on the solve grid: frames with their mass and boundary-flux integrals. */
export function solveGpmeSample(r: GpmeRecipe, index: number): GpmeResult {
  const parameter = gpmeParameter(r, index);
  const u0 = gpmeCellAverages(r, gpmeExact(r, parameter), 0);
  try {
    return solveGpme(u0, outputTimes(r), gpmeProblem(r, parameter), {
      dt: r.solver.dt,
      scheme: r.solver.scheme,
      faceFlux: r.solver.faceFlux,
      nonlinearSolver: r.solver.nonlinearSolver,
    });
  } catch (e) {
    if (e instanceof SolverInstabilityError || e instanceof SolverConvergenceError) throw new SampleError(index, e);
    throw e;
  }
}

/** Solves sample `index` and returns its frames on the solve grid (float64). */
export function solveSample(r: ResolvedRecipe, index: number): Float64Array[] {
  if (r.pde === 'gpme') return solveGpmeSample(r, index).frames.map((f) => f.u);
  if (r.pde === 'navier-stokes-2d') {
    try {
      return solveNs2d(initialCondition(r, index), nsSolveTimes(r), nsSolverConfig(r));
    } catch (e) {
      if (e instanceof SolverInstabilityError) throw new SampleError(index, e);
      throw e;
    }
  }
  const grid = solveGrid(r);
  const u0 = initialCondition(r, index);
  const times = outputTimes(r);
  try {
    if (r.solver.method === 'spectral') {
      return solveBurgersSpectral(u0, grid, times, {
        nu: r.nu,
        stepper: r.solver.stepper,
        cfl: r.solver.cfl,
        dealias: r.solver.dealias,
        ...(r.solver.dt !== null ? { dt: r.solver.dt } : {}),
      });
    }
    return solveBurgersFv(u0, grid, times, {
      nu: r.nu,
      reconstruction: r.solver.reconstruction,
      flux: r.solver.flux,
      cfl: r.solver.cfl,
      ...(r.solver.dt !== null ? { dt: r.solver.dt } : {}),
    });
  } catch (e) {
    if (e instanceof SolverInstabilityError) throw new SampleError(index, e);
    throw e;
  }
}

/** Values per stored frame: nx (1D) or nx² (2D). */
export function frameSize(r: ResolvedRecipe): number {
  return r.pde === 'navier-stokes-2d' ? r.nx * r.nx : r.nx;
}

/**
 * Sample `index` as stored: float32 [nFrames, nx] (Burgers) or [nFrames, nx, nx] (Navier–Stokes,
 * spectrally truncated from the solve grid), row-major.
 */
export function computeSample(r: ResolvedRecipe, index: number): Float32Array {
  if (r.pde === 'gpme') return computeGpmeSample(r, index).tensor;
  if (r.pde === 'navier-stokes-2d') return computeNsSample(r, index);
  const frames = solveSample(r, index);
  const out = new Float32Array(r.nFrames * r.nx);
  const times = outputTimes(r);
  frames.forEach((u, k) => {
    restrictToStored(u, r, out, k * r.nx);
    // A run that went unstable without reaching Inf in float64 still overflows float32 storage.
    for (let i = k * r.nx; i < (k + 1) * r.nx; i++) {
      if (!Number.isFinite(out[i])) {
        throw new SampleError(index, new SolverInstabilityError(times[k], `|u| = ${Math.abs(u[i % r.nx])} overflows float32 storage`));
      }
    }
  });
  return out;
}

/** Per-sample extras a recipe stores next to `tensor` (name → per-sample shape); none for Burgers and NS. */
export function sampleExtras(r: ResolvedRecipe): Record<string, number[]> | undefined {
  if (r.pde !== 'gpme') return undefined;
  return { mass: [r.nFrames], 'mass-exact': [r.nFrames], parameter: [] };
}

/** A stored sample with its extras (GPME: parameter, mass and mass-exact). */
export interface ComputedSample {
  tensor: Float32Array;
  extras?: Record<string, Float64Array>;
}

/** Sample `index` as stored, with its extras when the recipe has any. */
export function computeSampleRecord(r: ResolvedRecipe, index: number): ComputedSample {
  if (r.pde === 'gpme') return computeGpmeSample(r, index);
  return { tensor: computeSample(r, index) };
}

/**
 * A GPME sample: float32 [nFrames, nx] block-averaged cell averages, the parameter, the solver's
 * discrete mass Σ Δx·u per frame on the solve grid (= initial mass + integrated boundary flux, to
 * round-off) and the closed form's ∫u dx per frame.
 */
function computeGpmeSample(r: GpmeRecipe, index: number): { tensor: Float32Array; extras: Record<string, Float64Array> } {
  const parameter = gpmeParameter(r, index);
  const res = solveGpmeSample(r, index);
  const ex = gpmeExact(r, parameter);
  const tensor = new Float32Array(r.nFrames * r.nx);
  const mass = new Float64Array(r.nFrames);
  const massExact = new Float64Array(r.nFrames);
  res.frames.forEach((f, k) => {
    restrictToStored(f.u, r, tensor, k * r.nx);
    mass[k] = f.mass;
    massExact[k] = ex.mass(r.domain[0], r.domain[1], f.t);
  });
  return { tensor, extras: { mass, 'mass-exact': massExact, parameter: Float64Array.of(parameter) } };
}

function computeNsSample(r: NsRecipe, index: number): Float32Array {
  const size = r.nx * r.nx;
  const out = new Float32Array(r.nFrames * size);
  const times = outputTimes(r);
  const store = (k: number, w: Float64Array): void => {
    const c = r.nx === r.solveNx ? w : spectralResample(w, r.solveNx, r.nx);
    for (let i = 0; i < size; i++) {
      const v = (out[k * size + i] = c[i]);
      if (!Number.isFinite(v)) {
        throw new SampleError(index, new SolverInstabilityError(times[k], `|w| = ${Math.abs(c[i])} overflows float32 storage`));
      }
    }
  };
  try {
    solveNs2d(initialCondition(r, index), nsSolveTimes(r), nsSolverConfig(r), { onFrame: store });
  } catch (e) {
    if (e instanceof SolverInstabilityError) throw new SampleError(index, e);
    throw e;
  }
  return out;
}
