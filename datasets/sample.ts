/**
 * One dataset sample from a resolved recipe: draw the initial condition from Rng(seed, index),
 * solve in float64 on the solve grid, reduce to the stored grid and store as float32 [T, nx].
 * A pure function of (recipe, index): workers, shards and resumed runs all produce the same bytes.
 */
import { Grid1D } from '../solvers/grid.js';
import { Rng } from '../solvers/random.js';
import { SolverInstabilityError } from '../solvers/errors.js';
import { solveBurgersFv } from '../solvers/burgers/finite_volume.js';
import { solveBurgersSpectral } from '../solvers/burgers/spectral.js';
import { sampleInitialCondition } from './samplers/index.js';
import { outputTimes, type ResolvedRecipe } from './recipes.js';

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

/** Initial condition of sample `index` on the solve grid (float64). */
export function initialCondition(r: ResolvedRecipe, index: number): Float64Array {
  return sampleInitialCondition(r.initialCondition, solveGrid(r), new Rng(r.seed, index));
}

/** Solves sample `index` and returns its frames on the solve grid (float64). */
export function solveSample(r: ResolvedRecipe, index: number): Float64Array[] {
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

/** Sample `index` as stored: float32 [nFrames, nx], row-major. */
export function computeSample(r: ResolvedRecipe, index: number): Float32Array {
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
