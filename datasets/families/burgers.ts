/**
 * The 1D viscous Burgers family, u_t + (u²/2)_x = ν·u_xx on a periodic interval, solved by the
 * pseudo-spectral solver (ETDRK4 or CN-RK3, point values on nodes) or the finite-volume solver
 * (MUSCL/WENO5 + Riemann fluxes + SSP-RK3, cell averages at centres): the FNO paper's data, the
 * FNO repository's generator and PDEBench's Burgers sets.
 */
import { SAMPLER_KINDS, resolveSamplerConfig, sampleInitialCondition, type SamplerConfig } from '../samplers/index.js';
import { FV_FLUXES, FV_RECONSTRUCTIONS, solveBurgersFv, type Reconstruction, type RiemannFlux } from '../../solvers/burgers/finite_volume.js';
import { SPECTRAL_STEPPERS, solveBurgersSpectral, spectralStepperOf, type SpectralStepperName } from '../../solvers/burgers/spectral.js';
import { SolverInstabilityError } from '../../solvers/errors.js';
import { Rng } from '../../core/random.js';
import { checkSeed, positiveInt, positiveReal, RecipeError } from '../recipe_checks.js';
import { equalFrameTimes, restrictToStored, SampleError, solveGrid, type PdeFamily, type RecipeEntry, type RecipeOverrides } from './family.js';

export type BurgersSolverConfig =
  | { method: 'spectral'; stepper: SpectralStepperName; cfl: number; dealias: boolean; dt: number | null }
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

/** PDEBench's published 1D Burgers viscosities (the `Nu` of its file names). */
export const PDEBENCH_BURGERS_NU = [0.001, 0.002, 0.004, 0.01, 0.02, 0.04, 0.1, 0.2, 0.4, 1.0, 2.0, 4.0] as const;

export const BURGERS_RECIPES: Record<string, RecipeEntry<BurgersRecipe>> = {
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
    summary:
      "FNO repository's generator (gen_burgers1.m), the data of the paper's table: nu = 1e-3, GRF sigma = 7^2, tau = 7, gamma = 2.5 on [0,1), T = 1, solved spectrally on 8192 points",
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

/** Applies overrides; throws a one-line RecipeError naming the flag at fault. */
export function applyBurgersOverrides(r: BurgersRecipe, o: RecipeOverrides): BurgersRecipe {
  if (o.parameter !== undefined) throw new RecipeError(`--parameter=${String(o.parameter)} is not allowed for ${r.name}: it is a GPME option`);
  if (o.parameterRange !== undefined) throw new RecipeError(`--parameter-range=${String(o.parameterRange)} is not allowed for ${r.name}: it is a GPME option`);
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
    // An alias (imex-cnrk) is kept as given: the stored recipe of an existing file still matches.
    if (spectralStepperOf(stepper) === undefined) {
      throw new RecipeError(
        `--scheme=${stepper} is not allowed with --method=spectral: use one of ${SPECTRAL_STEPPERS.join(', ')} (imex-cnrk is an alias of cn-rk3)`,
      );
    }
    return { method, stepper: stepper as SpectralStepperName, cfl, dealias: current.method === 'spectral' ? current.dealias : true, dt };
  }
  const reconstruction = o.scheme ?? (current.method === 'fv' ? current.reconstruction : 'weno5');
  if (!(FV_RECONSTRUCTIONS as readonly string[]).includes(reconstruction)) {
    throw new RecipeError(`--scheme=${reconstruction} is not allowed with --method=fv: use one of ${FV_RECONSTRUCTIONS.join(', ')}`);
  }
  const flux = o.flux ?? (current.method === 'fv' ? current.flux : 'godunov');
  if (!(FV_FLUXES as readonly string[]).includes(flux)) throw new RecipeError(`--flux=${flux} is not allowed: use one of ${FV_FLUXES.join(', ')}`);
  return { method, reconstruction: reconstruction as Reconstruction, flux: flux as RiemannFlux, cfl, dt };
}

function initialCondition(r: BurgersRecipe, index: number): Float64Array {
  return sampleInitialCondition(r.initialCondition, solveGrid(r), new Rng(r.seed, index));
}

function solveSample(r: BurgersRecipe, index: number): Float64Array[] {
  const grid = solveGrid(r);
  const u0 = initialCondition(r, index);
  const times = equalFrameTimes(r);
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

/** Sample `index` as stored: float32 [nFrames, nx], restricted from the solve grid. */
function computeSample(r: BurgersRecipe, index: number): Float32Array {
  const frames = solveSample(r, index);
  const out = new Float32Array(r.nFrames * r.nx);
  const times = equalFrameTimes(r);
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

export const burgersFamily: PdeFamily<BurgersRecipe> = {
  pde: 'burgers',
  dims: 1,
  recipes: BURGERS_RECIPES,
  applyOverrides: applyBurgersOverrides,
  outputTimes: equalFrameTimes,
  initialCondition,
  solveSample,
  computeSample: (r, index) => ({ tensor: computeSample(r, index) }),
  extras: () => undefined,
  solverName: (r) =>
    r.solver.method === 'spectral' ? `burgers-spectral-${r.solver.stepper}` : `burgers-fv-${r.solver.reconstruction}-${r.solver.flux}-ssprk3`,
  attributes: (r) => ({ Nu: r.attrNu }),
};
