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
import { solveNs2d, spectralResample, type Ns2dConfig } from '../solvers/ns2d/index.js';
import { sampleInitialCondition } from './samplers/index.js';
import { sampleGrf2d } from './samplers/grf2d.js';
import { outputTimes, type NsRecipe, type ResolvedRecipe } from './recipes.js';

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

/** Solves sample `index` and returns its frames on the solve grid (float64). */
export function solveSample(r: ResolvedRecipe, index: number): Float64Array[] {
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
