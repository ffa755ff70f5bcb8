/**
 * Generalized porous-medium equation recipes: ProbConserv's three GPME families [Hansen et al.,
 * ICML 2023; amazon-science/probconserv deep_pdes/experiments/conf/experiments/{3b_heat_var_c,
 * 1b_pme_var_m,2b_stefan_var_p}.yaml and deep_pdes/datasets/pme.py], solved by the implicit
 * finite-volume GPME solver from the closed-form solution's boundary data and stored with the
 * per-sample parameter and mass curves:
 *
 * - gpme-heat:   u_t = k·u_xx on the periodic [0, 2π), u(x, 0) = sin x, k ~ U[1, 5], t ∈ [0, 1]
 *                (held out in ProbConserv: k = 1, 5);
 * - gpme-pme:    u_t = ∂x(u^m u_x) on [0, 1], u = 0 at t = 0, u(0, t) = (m t)^{1/m}, m ~ U[1, 6],
 *                t ∈ [0, 1] (held out: m = 1, 3, 6);
 * - gpme-stefan: k(u) = 1 for u ≥ p*, 0 below, on [0, 1], u = 0 at t = 0, u(0, t) = 1,
 *                p* ~ U[0.55, 0.7], t ∈ [0, 0.1] (held out: p* = 0.5, 0.6).
 *
 * Both ends are Dirichlet with the closed form's value there (PME and Stefan: 0 at x = 1 until the
 * front arrives), so the stored solution approximates the closed form for any t-end. Grid and
 * frames follow ProbConserv's evaluation grid (201 × 201 points on the same intervals); here 201
 * cells, cell-centred, block-averaged from a 4× finer solve grid.
 */
import { checkSeed, positiveInt, positiveReal, RecipeError } from '../recipe_checks.js';
import {
  GPME_FACE_FLUXES,
  GPME_SCHEMES,
  heatExact,
  pmeExact,
  solveGpme,
  SolverConvergenceError,
  stefanExact,
  type GpmeExactSolution,
  type GpmeFaceFlux,
  type GpmeNonlinearSolver,
  type GpmeProblem,
  type GpmeResult,
  type GpmeScheme,
} from '../../solvers/gpme/index.js';
import { SolverInstabilityError } from '../../solvers/errors.js';
import { Rng } from '../../core/random.js';
import {
  equalFrameTimes,
  restrictToStored,
  SampleError,
  solveGrid,
  type ComputedSample,
  type PdeFamily,
  type RecipeEntry,
  type RecipeOverrides,
} from './family.js';

export type GpmeCase = 'heat' | 'pme' | 'stefan';

/** How sample i gets its parameter: drawn uniformly from Rng(seed, i), or the list's i mod length entry. */
export type GpmeParameterSpec = { kind: 'uniform'; min: number; max: number } | { kind: 'list'; values: number[] };

export interface GpmeSolverConfig {
  scheme: GpmeScheme;
  faceFlux: GpmeFaceFlux;
  nonlinearSolver: GpmeNonlinearSolver;
  /** Largest time step (frame intervals are split into equal steps no longer than this). */
  dt: number;
}

/** Everything needed to reproduce a GPME dataset. */
export interface GpmeRecipe {
  name: string;
  pde: 'gpme';
  case: GpmeCase;
  equation: string;
  /** 'k' (heat), 'm' (PME) or 'p*' (Stefan): the attribute `parameter-name`. */
  parameterName: string;
  parameter: GpmeParameterSpec;
  /** Stefan diffusivity above p* (ProbConserv's k_max). */
  kMax: number;
  /** [0, 2π) periodic (heat) or [0, 1]. */
  domain: [number, number];
  staggering: 'cell';
  boundary: 'periodic' | 'dirichlet-exact';
  solveNx: number;
  nx: number;
  nFrames: number;
  tEnd: number;
  solver: GpmeSolverConfig;
  samples: number;
  seed: number;
}

const SOLVER: GpmeSolverConfig = { scheme: 'bdf2', faceFlux: 'kirchhoff', nonlinearSolver: 'newton', dt: 0 };

function build(name: string, c: GpmeCase): GpmeRecipe {
  const common = { name, pde: 'gpme' as const, case: c, staggering: 'cell' as const, solveNx: 804, nx: 201, nFrames: 201, samples: 10000, seed: 0, kMax: 1 };
  switch (c) {
    case 'heat':
      return {
        ...common,
        equation: 'u_t = k*u_xx, u(x,0) = sin(x), periodic on [0, 2pi)',
        parameterName: 'k',
        parameter: { kind: 'uniform', min: 1, max: 5 },
        domain: [0, 2 * Math.PI],
        boundary: 'periodic',
        tEnd: 1,
        solver: { ...SOLVER, dt: 1 / 800 },
      };
    case 'pme':
      return {
        ...common,
        equation: 'u_t = (u^m*u_x)_x, u(x,0) = 0, u(0,t) = (m*t)^(1/m)',
        parameterName: 'm',
        parameter: { kind: 'uniform', min: 1, max: 6 },
        domain: [0, 1],
        boundary: 'dirichlet-exact',
        tEnd: 1,
        solver: { ...SOLVER, dt: 1 / 800 },
      };
    case 'stefan':
      return {
        ...common,
        equation: 'u_t = (k(u)*u_x)_x, k = 1 for u >= p*, 0 below, u(x,0) = 0, u(0,t) = 1',
        parameterName: 'p*',
        parameter: { kind: 'uniform', min: 0.55, max: 0.7 },
        domain: [0, 1],
        boundary: 'dirichlet-exact',
        tEnd: 0.1,
        solver: { ...SOLVER, dt: 0.1 / 800 },
      };
  }
}

export const GPME_RECIPES: Record<string, RecipeEntry<GpmeRecipe>> = {
  'gpme-heat': {
    summary: 'ProbConserv heat equation: u_t = k*u_xx, u0 = sin(x) on [0,2pi) periodic, k ~ U[1,5] per sample, t in [0,1], 201 frames x 201 cells',
    build: () => build('gpme-heat', 'heat'),
  },
  'gpme-pme': {
    summary: 'ProbConserv porous-medium equation: u_t = (u^m u_x)_x on [0,1], u(0,t) = (mt)^(1/m), m ~ U[1,6] per sample, t in [0,1], 201 frames x 201 cells',
    build: () => build('gpme-pme', 'pme'),
  },
  'gpme-stefan': {
    summary: 'ProbConserv Stefan problem: k(u) = 1 above p*, 0 below, u(0,t) = 1 on [0,1], p* ~ U[0.55,0.7] per sample, t in [0,0.1], 201 frames x 201 cells',
    build: () => build('gpme-stefan', 'stefan'),
  },
};

/** Why `v` is not a valid parameter of the case, or null. */
export function gpmeParameterProblem(c: GpmeCase, v: number): string | null {
  if (!Number.isFinite(v)) return 'it is not a finite number';
  if (c === 'heat' && v <= 0) return 'the heat equation needs a diffusivity k > 0';
  if (c === 'pme' && v <= 0) return 'the porous-medium exponent m must be > 0 (k(u) = u^m)';
  if (c === 'stefan' && (v <= 0 || v >= 1)) return 'the Stefan threshold p* must lie in (0, 1)';
  return null;
}

function parseList(s: number[] | string): number[] {
  if (Array.isArray(s)) return s.slice();
  const parts = String(s)
    .split(',')
    .map((p) => p.trim());
  const values = parts.map(Number);
  if (parts.some((p) => p === '') || values.some((v) => !Number.isFinite(v)))
    throw new RecipeError(`--parameter=${s} is not allowed: use a comma-separated list of numbers, e.g. 1,3,6`);
  return values;
}

function parseRange(s: [number, number] | string): [number, number] {
  if (Array.isArray(s)) return [s[0], s[1]];
  const m = /^\s*([^:]+):([^:]+)\s*$/.exec(String(s));
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2]) : NaN;
  if (!m || m[1].trim() === '' || m[2].trim() === '' || !Number.isFinite(a) || !Number.isFinite(b))
    throw new RecipeError(`--parameter-range=${s} is not allowed: use a:b with numbers a < b, e.g. 1:5`);
  return [a, b];
}

/** Applies overrides; throws a one-line RecipeError naming the flag at fault. */
export function applyGpmeOverrides(r: GpmeRecipe, o: RecipeOverrides): GpmeRecipe {
  const foreign: [keyof RecipeOverrides, string][] = [
    ['nu', 'nu'],
    ['method', 'method'],
    ['cfl', 'cfl'],
    ['ic', 'ic'],
    ['forcing', 'forcing'],
    ['drag', 'drag'],
    ['spinUp', 'spin-up'],
  ];
  for (const [k, flag] of foreign) {
    if (o[k] !== undefined)
      throw new RecipeError(`--${flag}=${String(o[k])} is not allowed for ${r.name}: GPME recipes take --parameter / --parameter-range for ${r.parameterName}`);
  }
  if (o.samples !== undefined) r.samples = positiveInt('samples', o.samples, 1);
  if (o.seed !== undefined) r.seed = checkSeed(o.seed);
  if (o.frames !== undefined) r.nFrames = positiveInt('frames', o.frames, 1);
  if (o.tEnd !== undefined) r.tEnd = positiveReal('t-end', o.tEnd);
  if (o.dt !== undefined) r.solver.dt = positiveReal('dt', o.dt);
  if (o.scheme !== undefined) {
    if (!(GPME_SCHEMES as readonly string[]).includes(o.scheme))
      throw new RecipeError(`--scheme=${o.scheme} is not allowed for ${r.name}: use one of ${GPME_SCHEMES.join(', ')}`);
    r.solver.scheme = o.scheme as GpmeScheme;
  }
  if (o.flux !== undefined) {
    if (!(GPME_FACE_FLUXES as readonly string[]).includes(o.flux))
      throw new RecipeError(`--flux=${o.flux} is not allowed for ${r.name}: use one of ${GPME_FACE_FLUXES.join(', ')} (face diffusivity)`);
    r.solver.faceFlux = o.flux as GpmeFaceFlux;
  }
  if (o.parameter !== undefined && o.parameterRange !== undefined)
    throw new RecipeError('--parameter and --parameter-range are not allowed together: give a list or a range');
  if (o.parameter !== undefined) {
    const values = parseList(o.parameter);
    if (values.length === 0) throw new RecipeError(`--parameter is empty: give at least one value of ${r.parameterName}`);
    for (const v of values) {
      const p = gpmeParameterProblem(r.case, v);
      if (p) throw new RecipeError(`--parameter=${v} is not allowed for ${r.name}: ${p}`);
    }
    r.parameter = { kind: 'list', values };
  }
  if (o.parameterRange !== undefined) {
    const [a, b] = parseRange(o.parameterRange);
    for (const v of [a, b]) {
      const p = gpmeParameterProblem(r.case, v);
      if (p) throw new RecipeError(`--parameter-range=${a}:${b} is not allowed for ${r.name}: ${v} is out of range (${p})`);
    }
    if (!(a < b)) throw new RecipeError(`--parameter-range=${a}:${b} is not allowed: use a:b with a < b (or --parameter ${a} for one value)`);
    r.parameter = { kind: 'uniform', min: a, max: b };
  }
  const factor = r.solveNx / r.nx;
  if (o.nx !== undefined) {
    r.nx = positiveInt('nx', o.nx, 3);
    if (o.solveNx === undefined) r.solveNx = r.nx * factor;
  }
  if (o.solveNx !== undefined) r.solveNx = positiveInt('solve-nx', o.solveNx, 3);
  if (r.solveNx % r.nx !== 0)
    throw new RecipeError(`--solve-nx=${r.solveNx} is not allowed with --nx=${r.nx}: the solve grid must be a whole multiple of the stored grid`);
  return r;
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
    r.case === 'heat'
      ? { kind: 'constant', k: parameter }
      : r.case === 'pme'
        ? { kind: 'power', m: parameter }
        : { kind: 'stefan', pStar: parameter, kMax: r.kMax, kMin: 0 };
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
    return solveGpme(u0, equalFrameTimes(r), gpmeProblem(r, parameter), {
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

/**
 * A GPME sample: float32 [nFrames, nx] block-averaged cell averages, the parameter, the solver's
 * discrete mass Σ Δx·u per frame on the solve grid (= initial mass + integrated boundary flux, to
 * round-off) and the closed form's ∫u dx per frame.
 */
function computeSample(r: GpmeRecipe, index: number): ComputedSample {
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

export const gpmeFamily: PdeFamily<GpmeRecipe> = {
  pde: 'gpme',
  dims: 1,
  recipes: GPME_RECIPES,
  applyOverrides: applyGpmeOverrides,
  outputTimes: equalFrameTimes,
  initialCondition: (r, index) => gpmeCellAverages(r, gpmeExact(r, gpmeParameter(r, index)), 0),
  solveSample: (r, index) => solveGpmeSample(r, index).frames.map((f) => f.u),
  computeSample,
  extras: (r) => ({ mass: [r.nFrames], 'mass-exact': [r.nFrames], parameter: [] }),
  solverName: (r) => `gpme-fv-${r.solver.faceFlux}-${r.solver.scheme}`,
  attributes: (r) => ({ 'parameter-name': r.parameterName }),
  // The Stefan solution's front sits where u crosses p*, the sample's parameter.
  frontLevels: (r, parameters) => (r.case === 'stefan' ? parameters : undefined),
};
