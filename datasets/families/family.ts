/**
 * The contract of a PDE family: everything dataset generation needs to know about one equation
 * (after pdearena's registries). A family owns its named recipes, the typed overrides it accepts
 * (and the checks that refuse the others), the initial-condition sampler, the solve of one sample,
 * the shape of a stored frame, its per-sample extras and the solver's name in file attributes.
 * `datasets/sample.ts` and `datasets/generate.ts` only call these; adding a family is one file plus
 * its registration (`registerFamily` in ./index.ts).
 */
import { Grid1D } from '../../core/grid.js';

/** The fields every resolved recipe has, whatever its family. */
export interface RecipeBase {
  /** Recipe name, e.g. 'burgers-fno'. */
  name: string;
  /** The family's registry key, e.g. 'burgers'. */
  pde: string;
  /** The equation as solved, in words (the file attribute `equation`). */
  equation: string;
  /** [xmin, xmax) (periodic) or [xmin, xmax]. */
  domain: [number, number];
  /** 'node': points at xmin + i·dx; 'cell': cell centres. */
  staggering: 'node' | 'cell';
  /** Points (per side) the solver uses. */
  solveNx: number;
  /** Points (per side) stored. */
  nx: number;
  nFrames: number;
  tEnd: number;
  samples: number;
  /** Sample i draws from Rng(seed, i): independent of workers and shards. */
  seed: number;
}

/** Overrides a user may give (CLI flags or a script). Every field is optional. */
export interface RecipeOverrides {
  samples?: number;
  nx?: number;
  solveNx?: number;
  /** For burgers-pdebench this is PDEBench's Nu (the solver uses Nu/π); otherwise ν itself. */
  nu?: number;
  seed?: number;
  frames?: number;
  tEnd?: number;
  /** 'spectral' | 'fv' */
  method?: string;
  /** spectral stepper or fv reconstruction, e.g. 'etdrk4', 'cn-rk3' (alias 'imex-cnrk'), 'weno5', 'muscl-minmod' */
  scheme?: string;
  /** fv flux: 'rusanov' | 'godunov' */
  flux?: string;
  cfl?: number;
  /** Fixed time step instead of the adaptive CFL step (still landing on output times). */
  dt?: number;
  /** initial-condition sampler kind */
  ic?: string;
  /** Navier–Stokes forcing preset: 'fno' | 'kolmogorov' | 'none'. */
  forcing?: string;
  /** Navier–Stokes linear drag α. */
  drag?: number;
  /** Navier–Stokes time run before the first stored frame. */
  spinUp?: number;
  /** GPME: parameter values (k, m or p*) that samples cycle through, e.g. [1, 3, 6] or '1,3,6'. */
  parameter?: number[] | string;
  /** GPME: a uniform parameter range, [a, b] or 'a:b'. */
  parameterRange?: [number, number] | string;
}

/** A named recipe of a family: a one-line summary and a builder of a fresh copy. */
export interface RecipeEntry<R extends RecipeBase> {
  summary: string;
  build: () => R;
}

/** A stored sample with its extras (GPME: parameter, mass and mass-exact). */
export interface ComputedSample {
  tensor: Float32Array;
  extras?: Record<string, Float64Array>;
}

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

export interface PdeFamily<R extends RecipeBase = RecipeBase> {
  /** Registry key, the recipes' `pde` field (kebab-case), e.g. 'navier-stokes-2d'. */
  readonly pde: string;
  /** Spatial dimensions of a stored frame (1: [nx], 2: [nx, nx]). */
  readonly dims: number;
  readonly recipes: Readonly<Record<string, RecipeEntry<R>>>;
  /** Applies overrides to a freshly built recipe; throws a RecipeError naming the flag at fault. */
  applyOverrides(r: R, o: RecipeOverrides): R;
  /** The stored output times. */
  outputTimes(r: R): Float64Array;
  /** Initial condition of sample `index` on the solve grid (float64; n^dims values, x-major). */
  initialCondition(r: R, index: number): Float64Array;
  /** Frames of sample `index` on the solve grid (float64). */
  solveSample(r: R, index: number): Float64Array[];
  /** Sample `index` as stored: float32 [nFrames, ...frameShape], row-major, with its extras. */
  computeSample(r: R, index: number): ComputedSample;
  /** Per-sample extras stored next to `tensor` (name → per-sample shape), or undefined. */
  extras(r: R): Record<string, number[]> | undefined;
  /** The file attribute `solver`, e.g. 'burgers-spectral-etdrk4'. */
  solverName(r: R): string;
  /** Family-specific file attributes (e.g. Nu, drag, parameter-name). */
  attributes(r: R): Record<string, number | string>;
  /**
   * Checks a run can be made before a file is touched: throws the solver's SolverInputError, which
   * generation reports as a usage error rather than a failure midway.
   */
  preflight?(r: R, firstIndex: number): void;
  /** The front levels of the samples, when the solution has a moving front at a known level (Stefan). */
  frontLevels?(r: R, parameters: number[]): number[] | undefined;
}

/** Shape of one stored frame: nx repeated `dims` times. */
export function frameShape(f: PdeFamily, r: RecipeBase): number[] {
  return Array.from({ length: f.dims }, () => r.nx);
}

export function solveGrid(r: RecipeBase): Grid1D {
  return new Grid1D(r.solveNx, r.domain, r.staggering);
}

/** Coordinates of the stored grid (node points, or cell centres of the coarse cells). */
export function storedGrid(r: RecipeBase): Grid1D {
  return new Grid1D(r.nx, r.domain, r.staggering);
}

/**
 * Reduces a field from the solve grid to the stored grid: nodes are strided (the coarse nodes
 * are a subset of the fine ones), cell averages are block-averaged (exact for averages).
 */
export function restrictToStored(u: Float64Array, r: RecipeBase, out: Float32Array, offset: number): void {
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

/** nFrames equally spaced on [0, tEnd] (a single frame is t = tEnd). */
export function equalFrameTimes(r: RecipeBase): Float64Array {
  const t = new Float64Array(r.nFrames);
  if (r.nFrames === 1) {
    t[0] = r.tEnd;
    return t;
  }
  for (let i = 0; i < r.nFrames; i++) t[i] = (r.tEnd * i) / (r.nFrames - 1);
  return t;
}
