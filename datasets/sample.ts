/**
 * One dataset sample from a resolved recipe: its family (datasets/families/) draws the initial
 * condition from Rng(seed, index), solves in float64 on the solve grid, reduces to the stored grid
 * and stores float32 [T, ...frame]. A pure function of (recipe, index): workers, shards and resumed
 * runs all produce the same bytes.
 */
import { familyOf } from './families/index.js';
import type { ComputedSample, RecipeBase } from './families/family.js';

export { restrictToStored, SampleError, solveGrid, storedGrid, type ComputedSample } from './families/family.js';
export { nsSolverConfig, nsSolveTimes } from './families/ns2d.js';
export { gpmeExact, gpmeParameter, gpmeProblem, solveGpmeSample } from './families/gpme.js';

/** Initial condition of sample `index` on the solve grid (float64; n² values x-major for Navier–Stokes). */
export function initialCondition(r: RecipeBase, index: number): Float64Array {
  return familyOf(r).initialCondition(r, index);
}

/** Solves sample `index` and returns its frames on the solve grid (float64). */
export function solveSample(r: RecipeBase, index: number): Float64Array[] {
  return familyOf(r).solveSample(r, index);
}

/** Values per stored frame: nx (1D) or nx² (2D). */
export function frameSize(r: RecipeBase): number {
  return r.nx ** familyOf(r).dims;
}

/**
 * Sample `index` as stored: float32 [nFrames, nx] (Burgers, GPME) or [nFrames, nx, nx]
 * (Navier–Stokes, spectrally truncated from the solve grid), row-major.
 */
export function computeSample(r: RecipeBase, index: number): Float32Array {
  return familyOf(r).computeSample(r, index).tensor;
}

/** Per-sample extras a recipe stores next to `tensor` (name → per-sample shape); none for Burgers and NS. */
export function sampleExtras(r: RecipeBase): Record<string, number[]> | undefined {
  return familyOf(r).extras(r);
}

/** Sample `index` as stored, with its extras when the recipe has any. */
export function computeSampleRecord(r: RecipeBase, index: number): ComputedSample {
  return familyOf(r).computeSample(r, index);
}
