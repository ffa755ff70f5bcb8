/** Generalized porous-medium equation: diffusivities, the implicit finite-volume solver, exact solutions. */
export { checkDiffusivity, compileDiffusivity, DIFFUSIVITY_KINDS, type CompiledDiffusivity, type Diffusivity } from './diffusivity.js';
export {
  GPME_FACE_FLUXES,
  GPME_NONLINEAR_SOLVERS,
  GPME_SCHEME_ORDER,
  GPME_SCHEMES,
  SolverConvergenceError,
  gpmeGrid,
  resolveGpmeOptions,
  solveGpme,
  type BoundaryData,
  type GpmeBoundary,
  type GpmeFaceFlux,
  type GpmeFrame,
  type GpmeNonlinearSolver,
  type GpmeOptions,
  type GpmeProblem,
  type GpmeResult,
  type GpmeScheme,
  type GpmeStats,
} from './solve.js';
export { heatExact, pmeExact, stefanExact, stefanZ, type GpmeExactSolution } from './exact.js';
export { erf, erfc } from '../../core/special.js';
