/**
 * Navier–Stokes 2D recipes (vorticity form on the periodic square): the FNO paper's three
 * datasets and TSM's Kolmogorov flow, with the overrides that apply to them.
 *
 * Cost. The FNO data were made with a fixed dt = 1e-4 on 256² (500 000 steps for T = 50): hours per
 * sample on one CPU core. These recipes default to a CFL-adaptive dt (Courant number `cfl` on the
 * solve grid, capped at `maxDt`, landing exactly on the frame times) with the third-order IMEX
 * scheme; test/datasets/ns_recipes.test.ts checks the stored frames against the fixed-dt
 * `cn-euler` run of the FNO script, and README "Navier–Stokes datasets" lists the cost per sample
 * at each solve grid. `--dt 1e-4 --scheme cn-euler` reproduces the script's scheme exactly.
 */
import { checkSeed, positiveInt, positiveReal, RecipeError } from '../recipe_checks.js';
import { resolveGrf2dOptions, sampleGrf2d, type ResolvedGrf2dOptions } from '../samplers/grf2d.js';
import {
  checkFixedDt,
  NS_FORCINGS,
  NS_SCHEMES,
  solveNs2d,
  spectralResample,
  type Ns2dConfig,
  type NsForcingPreset,
  type NsScheme,
} from '../../solvers/ns2d/index.js';
import { SolverInstabilityError } from '../../solvers/errors.js';
import { Rng } from '../../core/random.js';
import { SampleError, type PdeFamily, type RecipeEntry, type RecipeOverrides } from './family.js';

export interface NsSolverConfig {
  scheme: NsScheme;
  /** Courant number of the adaptive step, max|u|·dt/dx. */
  cfl: number;
  /** Upper bound of the adaptive step. */
  maxDt: number;
  /** Fixed step (still landing on frame times) instead of the adaptive one; null: adaptive. */
  dt: number | null;
}

/** Everything needed to reproduce a Navier–Stokes 2D dataset. */
export interface NsRecipe {
  name: string;
  pde: 'navier-stokes-2d';
  equation: string;
  /** Kinematic viscosity ν. */
  nu: number;
  /** ν under the attribute name `Nu`. */
  attrNu: number;
  /** Linear drag α in −αω. */
  drag: number;
  forcing: NsForcingPreset;
  /** The periodic square [xmin, xmax)² (node points xmin + i·L/n). */
  domain: [number, number];
  staggering: 'node';
  /** Points per side the solver uses (a power of two, a multiple of nx). */
  solveNx: number;
  /** Points per side stored (spectral truncation of the solve grid). */
  nx: number;
  /** Time run from the initial condition before the first stored frame (discarded). */
  spinUp: number;
  /** Stored frames, equally spaced on [0, tEnd] after the spin-up, both ends included. */
  nFrames: number;
  tEnd: number;
  initialCondition: ResolvedGrf2dOptions;
  solver: NsSolverConfig;
  samples: number;
  seed: number;
}

const EQUATION = 'w_t + u.grad(w) = nu*lap(w) - alpha*w + f, u = (psi_y, -psi_x), -lap(psi) = w';

function fnoRecipe(name: string, nu: number, tEnd: number, samples: number): NsRecipe {
  return {
    name,
    pde: 'navier-stokes-2d',
    equation: EQUATION,
    nu,
    attrNu: nu,
    drag: 0,
    forcing: 'fno',
    domain: [0, 1],
    staggering: 'node',
    solveNx: 256,
    nx: 64,
    spinUp: 0,
    nFrames: tEnd + 1,
    tEnd,
    initialCondition: resolveGrf2dOptions({ alpha: 2.5, tau: 7 }),
    solver: { scheme: 'cn-rk3', cfl: 0.5, maxDt: 0.01, dt: null },
    samples,
    seed: 0,
  };
}

/** TSM's frame interval at 64²: 32 DNS steps of jax-cfd's stable dt 0.007012483601762931. */
export const KOLMOGOROV_FRAME_DT = 32 * 0.007012483601762931;

export const NS_RECIPES: Record<string, RecipeEntry<NsRecipe>> = {
  'ns-fno-nu1e-3': {
    summary: 'FNO paper Navier-Stokes: nu = 1e-3, T = 50 (a frame per time unit), GRF(alpha 2.5, tau 7) vorticity on [0,1)^2, solved on 256^2, stored 64^2',
    build: () => fnoRecipe('ns-fno-nu1e-3', 1e-3, 50, 5000),
  },
  'ns-fno-nu1e-4': {
    summary: 'FNO paper Navier-Stokes: nu = 1e-4, T = 30, solved on 256^2, stored 64^2',
    build: () => fnoRecipe('ns-fno-nu1e-4', 1e-4, 30, 10000),
  },
  'ns-fno-nu1e-5': {
    summary: 'FNO paper Navier-Stokes: nu = 1e-5, T = 20, solved on 256^2, stored 64^2',
    build: () => fnoRecipe('ns-fno-nu1e-5', 1e-5, 20, 1200),
  },
  'ns-kolmogorov-re1000': {
    summary:
      'TSM/FactFormer Kolmogorov flow: sin(4y) forcing, drag 0.1, nu = 1e-3 on [0,2pi)^2; 40 time units of spin-up discarded, then 90 frames every 0.2244; solved on 256^2, stored 64^2',
    build: () => ({
      name: 'ns-kolmogorov-re1000',
      pde: 'navier-stokes-2d',
      equation: EQUATION,
      nu: 1e-3,
      attrNu: 1e-3,
      drag: 0.1,
      forcing: 'kolmogorov',
      domain: [0, 2 * Math.PI],
      staggering: 'node',
      solveNx: 256,
      nx: 64,
      spinUp: 40,
      nFrames: 90,
      tEnd: 89 * KOLMOGOROV_FRAME_DT,
      initialCondition: resolveGrf2dOptions({ alpha: 2.5, tau: 7 }),
      solver: { scheme: 'cn-rk3', cfl: 0.5, maxDt: 0.05, dt: null },
      samples: 32,
      seed: 0,
    }),
  },
};

/** Applies overrides; throws a one-line RecipeError naming the flag at fault. */
export function applyNsOverrides(r: NsRecipe, o: RecipeOverrides): NsRecipe {
  if (o.parameter !== undefined) throw new RecipeError(`--parameter=${String(o.parameter)} is not allowed for ${r.name}: it is a GPME option`);
  if (o.parameterRange !== undefined) throw new RecipeError(`--parameter-range=${String(o.parameterRange)} is not allowed for ${r.name}: it is a GPME option`);
  for (const k of ['method', 'flux', 'ic'] as const) {
    if (o[k] !== undefined) throw new RecipeError(`--${k}=${o[k]} is not allowed for ${r.name}: Navier-Stokes recipes are pseudo-spectral with GRF vorticity`);
  }
  if (o.samples !== undefined) r.samples = positiveInt('samples', o.samples, 1);
  if (o.seed !== undefined) r.seed = checkSeed(o.seed);
  if (o.nu !== undefined) {
    if (!Number.isFinite(o.nu) || o.nu < 0) throw new RecipeError(`--nu=${o.nu} is not allowed: Navier-Stokes recipes need a viscosity nu >= 0`);
    r.nu = o.nu;
    r.attrNu = o.nu;
  }
  if (o.drag !== undefined) {
    if (!Number.isFinite(o.drag) || o.drag < 0) throw new RecipeError(`--drag=${o.drag} is not allowed: use a number >= 0`);
    r.drag = o.drag;
  }
  if (o.forcing !== undefined) {
    if (!(NS_FORCINGS as readonly string[]).includes(o.forcing))
      throw new RecipeError(`--forcing=${o.forcing} is not allowed: use one of ${NS_FORCINGS.join(', ')}`);
    r.forcing = o.forcing as NsForcingPreset;
  }
  if (o.spinUp !== undefined) {
    if (!Number.isFinite(o.spinUp) || o.spinUp < 0) throw new RecipeError(`--spin-up=${o.spinUp} is not allowed: use a number >= 0`);
    r.spinUp = o.spinUp;
  }
  // Frames and end time: keep the frame interval unless both are given.
  const frameDt = r.nFrames > 1 ? r.tEnd / (r.nFrames - 1) : r.tEnd;
  if (o.frames !== undefined && o.tEnd !== undefined) {
    r.nFrames = positiveInt('frames', o.frames, 2);
    r.tEnd = positiveReal('t-end', o.tEnd);
  } else if (o.frames !== undefined) {
    r.nFrames = positiveInt('frames', o.frames, 2);
    r.tEnd = frameDt * (r.nFrames - 1);
  } else if (o.tEnd !== undefined) {
    const t = positiveReal('t-end', o.tEnd);
    const k = Math.round(t / frameDt);
    if (k < 1 || Math.abs(k * frameDt - t) > 1e-9 * t) {
      throw new RecipeError(`--t-end=${t} is not a whole number of frame intervals (${frameDt}): give --frames as well`);
    }
    r.nFrames = k + 1;
    r.tEnd = t;
  }
  if (o.scheme !== undefined) {
    if (!(NS_SCHEMES as readonly string[]).includes(o.scheme))
      throw new RecipeError(`--scheme=${o.scheme} is not allowed for ${r.name}: use one of ${NS_SCHEMES.join(', ')}`);
    r.solver.scheme = o.scheme as NsScheme;
  }
  if (o.cfl !== undefined) {
    if (!Number.isFinite(o.cfl) || o.cfl <= 0 || o.cfl > 1) throw new RecipeError(`--cfl=${o.cfl} is not allowed: use a number in (0, 1]`);
    r.solver.cfl = o.cfl;
  }
  if (o.dt !== undefined) r.solver.dt = positiveReal('dt', o.dt);
  if (o.nx !== undefined) {
    r.nx = positiveInt('nx', o.nx, 4);
    if (r.nx % 2 !== 0) throw new RecipeError(`--nx=${r.nx} is not allowed: the Navier-Stokes grid must be even`);
    if (o.solveNx === undefined && r.nx > r.solveNx) r.solveNx = r.nx;
  }
  if (o.solveNx !== undefined) r.solveNx = positiveInt('solve-nx', o.solveNx, 4);
  if (r.solveNx % 2 !== 0 || (r.solveNx & (r.solveNx - 1)) !== 0) {
    throw new RecipeError(`--solve-nx=${r.solveNx} is not allowed for the spectral Navier-Stokes solver: use a power of two (e.g. 64, 256)`);
  }
  if ((r.nx & (r.nx - 1)) !== 0) throw new RecipeError(`--nx=${r.nx} is not allowed: use a power of two (e.g. 32, 64)`);
  if (r.nx > r.solveNx) throw new RecipeError(`--nx=${r.nx} is not allowed with --solve-nx=${r.solveNx}: the stored grid cannot be finer than the solve grid`);
  return r;
}

/** Frame times since the end of the spin-up: nFrames equally spaced on [0, tEnd]. */
export function nsFrameTimes(r: NsRecipe): Float64Array {
  const t = new Float64Array(r.nFrames);
  for (let i = 0; i < r.nFrames; i++) t[i] = (r.tEnd * i) / (r.nFrames - 1);
  return t;
}

/** Initial vorticity of sample `index`: the GRF on the solve grid (n² values, x-major). */
function initialCondition(r: NsRecipe, index: number): Float64Array {
  return sampleGrf2d(r.initialCondition, r.solveNx, r.domain[1] - r.domain[0], new Rng(r.seed, index));
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
  return Array.from(nsFrameTimes(r), (t) => r.spinUp + t);
}

function solveSample(r: NsRecipe, index: number): Float64Array[] {
  try {
    return solveNs2d(initialCondition(r, index), nsSolveTimes(r), nsSolverConfig(r));
  } catch (e) {
    if (e instanceof SolverInstabilityError) throw new SampleError(index, e);
    throw e;
  }
}

/** Sample `index` as stored: float32 [nFrames, nx, nx], spectrally truncated from the solve grid. */
function computeSample(r: NsRecipe, index: number): Float32Array {
  const size = r.nx * r.nx;
  const out = new Float32Array(r.nFrames * size);
  const times = nsFrameTimes(r);
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

/**
 * Throws the SolverInputError of a configuration the solver refuses (a forcing on the wrong domain,
 * a fixed step above the explicit-advection bound of the first sample).
 */
function preflight(r: NsRecipe, first: number): void {
  checkFixedDt(initialCondition(r, first), nsSolverConfig(r));
}

export const ns2dFamily: PdeFamily<NsRecipe> = {
  pde: 'navier-stokes-2d',
  dims: 2,
  recipes: NS_RECIPES,
  applyOverrides: applyNsOverrides,
  outputTimes: nsFrameTimes,
  initialCondition,
  solveSample,
  computeSample: (r, index) => ({ tensor: computeSample(r, index) }),
  extras: () => undefined,
  solverName: (r) => `ns2d-pseudo-spectral-${r.solver.scheme}`,
  attributes: (r) => ({ Nu: r.attrNu, drag: r.drag, forcing: r.forcing, 'spin-up': r.spinUp }),
  preflight,
};
