/**
 * Named dataset recipes: which PDE, its parameters, the initial-condition sampler, the solve and
 * storage grids, the output times, the solver and the seed. A recipe plus overrides resolves to a
 * `ResolvedRecipe`, which is stored verbatim (as JSON) in every file it produces: the file says
 * exactly how it was made, and `--resume` / `pdes merge` refuse files from a different recipe.
 */
import { SAMPLER_KINDS, resolveSamplerConfig, type SamplerConfig } from './samplers/index.js';
import { FV_FLUXES, FV_RECONSTRUCTIONS, type Reconstruction, type RiemannFlux } from '../solvers/burgers/finite_volume.js';
import { SPECTRAL_STEPPERS, type SpectralStepper } from '../solvers/burgers/spectral.js';
import { checkSeed, positiveInt, positiveReal, RecipeError } from './recipe_checks.js';
import { applyNsOverrides, NS_RECIPES, nsFrameTimes, type NsRecipe } from './families/ns2d.js';
import { applyGpmeOverrides, GPME_RECIPES, type GpmeRecipe } from './families/gpme.js';

export type { NsRecipe, NsSolverConfig } from './families/ns2d.js';
export type { GpmeCase, GpmeParameterSpec, GpmeRecipe, GpmeSolverConfig } from './families/gpme.js';
export { RecipeError } from './recipe_checks.js';

export type BurgersSolverConfig =
  | { method: 'spectral'; stepper: SpectralStepper; cfl: number; dealias: boolean; dt: number | null }
  | { method: 'fv'; reconstruction: Reconstruction; flux: RiemannFlux; cfl: number; dt: number | null };

/** Everything needed to reproduce a Burgers dataset. */
export interface BurgersRecipe {
  /** Recipe name, e.g. 'burgers-fno'. */
  name: string;
  pde: 'burgers';
  /** The equation as solved, in words, e.g. 'u_t + (u^2/2)_x = nu*u_xx'. */
  equation: string;
  /** Viscosity ν in u_t + (u²/2)_x = ν u_xx, as the solver uses it. */
  nu: number;
  /** The viscosity under PDEBench's attribute name `Nu` (PDEBench's equation uses Nu/π). */
  attrNu: number;
  /** Periodic domain [xmin, xmax). */
  domain: [number, number];
  /** 'node': points at xmin + i·dx (spectral, FNO data); 'cell': cell centres (finite volume, PDEBench). */
  staggering: 'node' | 'cell';
  /** Points the solver uses. */
  solveNx: number;
  /** Points stored (solveNx / nx must be a whole number: nodes are strided, cells block-averaged). */
  nx: number;
  /** Output frames, equally spaced on [0, tEnd] including both ends. */
  nFrames: number;
  tEnd: number;
  initialCondition: SamplerConfig;
  solver: BurgersSolverConfig;
  /** Number of samples in the whole dataset. */
  samples: number;
  /** Sample i draws its initial condition from Rng(seed, i): independent of workers and shards. */
  seed: number;
}

export type ResolvedRecipe = BurgersRecipe | NsRecipe | GpmeRecipe;

/** PDEBench's published 1D Burgers viscosities (the `Nu` of its file names). */
export const PDEBENCH_BURGERS_NU = [0.001, 0.002, 0.004, 0.01, 0.02, 0.04, 0.1, 0.2, 0.4, 1.0, 2.0, 4.0] as const;

const BURGERS_RECIPES: Record<string, { summary: string; build: () => BurgersRecipe }> = {
  'burgers-fno': {
    summary: 'FNO paper: nu = 0.1, GRF N(0, 625(-Laplacian+25I)^-2) initial data on [0,1), T = 1, solved spectrally on 8192 points',
    build: () => ({
      name: 'burgers-fno',
      pde: 'burgers',
      equation: 'u_t + (u^2/2)_x = nu*u_xx',
      nu: 0.1,
      attrNu: 0.1,
      domain: [0, 1],
      staggering: 'node',
      solveNx: 8192,
      nx: 1024,
      nFrames: 11,
      tEnd: 1,
      initialCondition: resolveSamplerConfig({ kind: 'grf' }),
      solver: { method: 'spectral', stepper: 'etdrk4', cfl: 0.5, dealias: true, dt: null },
      samples: 1000,
      seed: 0,
    }),
  },
  'burgers-pdebench': {
    summary: "PDEBench: u_t + (u^2/2)_x = (Nu/pi)*u_xx on [0,1], t in [0,2], 201 frames, nx = 1024, PDEBench's sum-of-sines initial data",
    build: () => ({
      name: 'burgers-pdebench',
      pde: 'burgers',
      equation: 'u_t + (u^2/2)_x = (Nu/pi)*u_xx',
      nu: 0.01 / Math.PI,
      attrNu: 0.01,
      domain: [0, 1],
      staggering: 'cell',
      solveNx: 1024,
      nx: 1024,
      nFrames: 201,
      tEnd: 2,
      initialCondition: resolveSamplerConfig({ kind: 'sum-of-sines' }),
      solver: { method: 'fv', reconstruction: 'weno5', flux: 'godunov', cfl: 0.4, dt: null },
      samples: 1000,
      seed: 0,
    }),
  },
  /**
   * The setting of the FNO repository's own Burgers generator, which the paper's table and the
   * reference script `fourier_1d.py` (its `burgers_data_R10.mat`) were trained on — not the one
   * the paper's text states (that is `burgers-fno`). From zongyi-li/fourier_neural_operator,
   * `data_generation/burgers/`: gen_burgers1.m sets gamma = 2.5, tau = 7, sigma = 7^2,
   * visc = 1/1000 and draws u0 with GRF1(s/2, 0, gamma, tau, sigma, "periodic"), whose standard
   * deviation per cos/sin coefficient is √2·σ·((2πk)² + τ²)^(−γ/2) on [0, 1] (our GRF preset
   * 'fno-burgers-script', the same formula); burgers1.m solves u_t = ν u_xx − (u²/2)_x on [0, 1]
   * with chebfun's spin (ETDRK4) to T = 1. The published script uses s = 1024 points; the paper
   * sub-samples from 2^13 = 8192, so we solve on 8192 (ETDRK4, 2/3 dealiasing: a shock of width
   * ~ν/|Δu| ≈ 2e-3 is resolved there, see test/datasets/recipes.test.ts) and store every 8th node.
   * 1100 samples: fourier_1d.py trains on the first 1000 and tests on the last 100.
   */
  'burgers-fno-ref': {
    summary: "FNO repository's generator (gen_burgers1.m), the data of the paper's table: nu = 1e-3, GRF sigma = 7^2, tau = 7, gamma = 2.5 on [0,1), T = 1, solved spectrally on 8192 points",
    build: () => ({
      name: 'burgers-fno-ref',
      pde: 'burgers',
      equation: 'u_t + (u^2/2)_x = nu*u_xx',
      nu: 1e-3,
      attrNu: 1e-3,
      domain: [0, 1],
      staggering: 'node',
      solveNx: 8192,
      nx: 1024,
      nFrames: 11,
      tEnd: 1,
      initialCondition: resolveSamplerConfig({ kind: 'grf', preset: 'fno-burgers-script' }),
      solver: { method: 'spectral', stepper: 'etdrk4', cfl: 0.5, dealias: true, dt: null },
      samples: 1100,
      seed: 0,
    }),
  },
};

const RECIPES: Record<string, { summary: string; build: () => ResolvedRecipe }> = { ...BURGERS_RECIPES, ...NS_RECIPES, ...GPME_RECIPES };

export const RECIPE_NAMES = Object.keys(RECIPES);

export function recipeSummaries(): { name: string; summary: string }[] {
  return RECIPE_NAMES.map((name) => ({ name, summary: RECIPES[name].summary }));
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
  /** spectral stepper or fv reconstruction, e.g. 'etdrk4', 'imex-cnrk', 'weno5', 'muscl-minmod' */
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

/**
 * The recipe type a name resolves to: a literal 'gpme-…' name gives a GpmeRecipe, another literal
 * a Burgers or Navier–Stokes recipe, a non-literal string any recipe.
 */
export type RecipeFor<N extends string> = string extends N ? ResolvedRecipe : N extends `gpme-${string}` ? GpmeRecipe : BurgersRecipe | NsRecipe;

/** Resolves a named recipe with overrides into a fully specified, validated recipe. */
export function resolveRecipe<N extends string>(name: N, overrides: RecipeOverrides = {}): RecipeFor<N> {
  return resolveAny(name, overrides) as RecipeFor<N>;
}

function resolveAny(name: string, overrides: RecipeOverrides): ResolvedRecipe {
  const entry = RECIPES[name];
  if (!entry) throw new RecipeError(`unknown recipe '${name}': known recipes are ${RECIPE_NAMES.join(', ')}`);
  const built = entry.build();
  const o = overrides;
  if (built.pde === 'gpme') {
    return applyGpmeOverrides(built, o);
  }
  if (o.parameter !== undefined) throw new RecipeError(`--parameter=${String(o.parameter)} is not allowed for ${built.name}: it is a GPME option`);
  if (o.parameterRange !== undefined) throw new RecipeError(`--parameter-range=${String(o.parameterRange)} is not allowed for ${built.name}: it is a GPME option`);
  if (built.pde === 'navier-stokes-2d') {
    return applyNsOverrides(built, o);
  }
  const r = built;
  for (const k of ['forcing', 'drag', 'spinUp'] as const) {
    if (o[k] !== undefined) throw new RecipeError(`--${k === 'spinUp' ? 'spin-up' : k}=${o[k]} is not allowed for ${r.name}: it is a Navier-Stokes option`);
  }
  if (o.samples !== undefined) r.samples = positiveInt('samples', o.samples);
  if (o.seed !== undefined) {
    r.seed = checkSeed(o.seed);
  }
  if (o.frames !== undefined) r.nFrames = positiveInt('frames', o.frames, 1);
  if (o.tEnd !== undefined) r.tEnd = positiveReal('t-end', o.tEnd);
  if (o.nu !== undefined) {
    if (!Number.isFinite(o.nu) || o.nu <= 0) {
      throw new RecipeError(`--nu=${o.nu} is not allowed: Burgers recipes need a viscosity nu > 0`);
    }
    if (r.name === 'burgers-pdebench') {
      if (!(PDEBENCH_BURGERS_NU as readonly number[]).includes(o.nu)) {
        throw new RecipeError(`--nu=${o.nu} is not in PDEBench's list: use one of ${PDEBENCH_BURGERS_NU.join(', ')}`);
      }
      r.attrNu = o.nu;
      r.nu = o.nu / Math.PI;
    } else {
      r.attrNu = o.nu;
      r.nu = o.nu;
    }
  }
  if (o.ic !== undefined) {
    if (!SAMPLER_KINDS.includes(o.ic)) throw new RecipeError(`--ic=${o.ic} is not allowed: use one of ${SAMPLER_KINDS.join(', ')}`);
    r.initialCondition = resolveSamplerConfig({ kind: o.ic });
  }
  if (o.method !== undefined || o.scheme !== undefined || o.flux !== undefined || o.cfl !== undefined || o.dt !== undefined) {
    r.solver = resolveSolver(r.solver, o);
    // Spectral methods use point values on nodes; finite volume uses cell averages at centres.
    r.staggering = r.solver.method === 'spectral' ? 'node' : 'cell';
  }
  if (o.nx !== undefined) {
    r.nx = positiveInt('nx', o.nx, 2);
    // A storage grid finer than the default solve grid solves at the storage grid.
    if (o.solveNx === undefined && r.nx > r.solveNx) r.solveNx = r.nx;
    if (o.solveNx === undefined && r.name === 'burgers-pdebench') r.solveNx = r.nx;
  }
  if (o.solveNx !== undefined) r.solveNx = positiveInt('solve-nx', o.solveNx, 2);
  if (r.solveNx % r.nx !== 0) {
    throw new RecipeError(`--solve-nx=${r.solveNx} is not allowed with --nx=${r.nx}: the solve grid must be a whole multiple of the stored grid`);
  }
  if (r.solver.method === 'spectral' && (r.solveNx & (r.solveNx - 1)) !== 0) {
    throw new RecipeError(`--solve-nx=${r.solveNx} is not allowed for the spectral solver: use a power of two (e.g. 1024, 8192)`);
  }
  if (r.solver.method === 'fv' && r.solver.reconstruction === 'weno5' && r.solveNx < 5) {
    throw new RecipeError(`--solve-nx=${r.solveNx} is too small for WENO5: use at least 5 cells`);
  }
  return r;
}

function resolveSolver(current: BurgersSolverConfig, o: RecipeOverrides): BurgersSolverConfig {
  const method = o.method ?? current.method;
  if (method !== 'spectral' && method !== 'fv') throw new RecipeError(`--method=${method} is not allowed: use spectral or fv`);
  const cfl = o.cfl ?? current.cfl;
  if (!Number.isFinite(cfl) || cfl <= 0 || cfl > 1) throw new RecipeError(`--cfl=${cfl} is not allowed: use a number in (0, 1]`);
  const dt = o.dt === undefined ? current.dt : positiveReal('dt', o.dt);
  if (method === 'spectral') {
    if (o.flux !== undefined) throw new RecipeError(`--flux=${o.flux} is not allowed with --method=spectral: fluxes are for --method=fv`);
    const stepper = o.scheme ?? (current.method === 'spectral' ? current.stepper : 'etdrk4');
    if (!(SPECTRAL_STEPPERS as readonly string[]).includes(stepper)) {
      throw new RecipeError(`--scheme=${stepper} is not allowed with --method=spectral: use one of ${SPECTRAL_STEPPERS.join(', ')}`);
    }
    return { method, stepper: stepper as SpectralStepper, cfl, dealias: current.method === 'spectral' ? current.dealias : true, dt };
  }
  const reconstruction = o.scheme ?? (current.method === 'fv' ? current.reconstruction : 'weno5');
  if (!(FV_RECONSTRUCTIONS as readonly string[]).includes(reconstruction)) {
    throw new RecipeError(`--scheme=${reconstruction} is not allowed with --method=fv: use one of ${FV_RECONSTRUCTIONS.join(', ')}`);
  }
  const flux = o.flux ?? (current.method === 'fv' ? current.flux : 'godunov');
  if (!(FV_FLUXES as readonly string[]).includes(flux)) throw new RecipeError(`--flux=${flux} is not allowed: use one of ${FV_FLUXES.join(', ')}`);
  return { method, reconstruction: reconstruction as Reconstruction, flux: flux as RiemannFlux, cfl, dt };
}

/** The stored output times: nFrames equally spaced on [0, tEnd] (a single frame is t = tEnd). */
export function outputTimes(r: ResolvedRecipe): Float64Array {
  if (r.pde === 'navier-stokes-2d') return nsFrameTimes(r);
  const t = new Float64Array(r.nFrames);
  if (r.nFrames === 1) {
    t[0] = r.tEnd;
    return t;
  }
  for (let i = 0; i < r.nFrames; i++) t[i] = (r.tEnd * i) / (r.nFrames - 1);
  return t;
}

/** Canonical JSON of a recipe (stable key order), as stored in files and compared on resume/merge. */
export function recipeJson(r: ResolvedRecipe): string {
  return stableStringify(r);
}

export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as Record<string, unknown>).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Names the first field where two recipes differ, for resume/merge errors. */
export function recipeDifference(a: unknown, b: unknown, prefix = ''): string | null {
  if (stableStringify(a) === stableStringify(b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = recipeDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k);
      if (d) return d;
    }
  }
  return `${prefix || 'recipe'}: ${stableStringify(a)} vs ${stableStringify(b)}`;
}
