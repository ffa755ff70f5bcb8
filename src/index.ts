/** Public API of pde-surrogate: what scripts and notebooks import. */
export * from './data/index.js';
export { Grid1D } from '../core/grid.js';
export { Rng } from '../core/random.js';
export { SolverInputError, SolverInstabilityError } from '../solvers/errors.js';
export { solveBurgersFv, type FvOptions } from '../solvers/burgers/finite_volume.js';
export { solveBurgersSpectral, type SpectralOptions } from '../solvers/burgers/spectral.js';
export { coleHopfField, coleHopfCellAverages, type ColeHopfProblem } from '../solvers/burgers/cole_hopf.js';
export {
  solveNs2d,
  spectralResample,
  velocityFromVorticity,
  nsDiagnostics,
  energySpectrum,
  advectiveDtBound,
  NavierStokes2d,
  /** @deprecated the 2D casing before issue 11; use NavierStokes2d. */
  NavierStokes2d as NavierStokes2D,
  createNs2dStepper,
  NS_SCHEMES,
  NS_FORCINGS,
  type Ns2dConfig,
  type NsScheme,
  type NsForcingPreset,
  type NsDiagnostics,
} from '../solvers/ns2d/index.js';
export { solveGpme, heatExact, pmeExact, stefanExact, stefanZ, type GpmeProblem, type GpmeOptions, type GpmeFrame } from '../solvers/gpme/index.js';
export { sampleGrf2d, resolveGrf2dOptions, type Grf2dOptions } from '../datasets/samplers/grf2d.js';
export { resolveRecipe, recipeSummaries, outputTimes, RECIPE_NAMES, type ResolvedRecipe, type RecipeOverrides } from '../datasets/recipes.js';
export { generateDataset, mergeShards, type GenerateOptions } from '../datasets/generate.js';
export { computeSample, initialCondition } from '../datasets/sample.js';
export { sampleInitialCondition, resolveSamplerConfig, type SamplerConfig } from '../datasets/samplers/index.js';
export { plotDatasetSamples } from './evaluate/dataset_page.js';
export * from './metrics/index.js';
export { writeSurrogateReport, surrogateReportFigures, type SurrogateReportData } from './report/surrogate_report.js';
export * from './uq/projection/index.js';
export { renderUqReport, writeUqReport, type UqReportInput } from './report/uq_report.js';
export { renderNsReport, writeNsReport, type NsReportInput } from './report/ns_report.js';
export { initBackend, describeBackend } from './engine/backend.js';
export * from './models/index.js';
export {
  train,
  resolveTrainOptions,
  loadCheckpoint,
  predictDataset,
  rollout,
  fields2d,
  TrainOptionsError,
  CheckpointError,
  TrainingDiverged,
  TrainingInterrupted,
  type TrainOptions,
  type TrainOptionsInput,
  type TrainResult,
  type TrainHooks,
} from './training/index.js';
export * from './uq/index.js';
export { evaluateUqRun, reportUqRun, parseConserve, type UqEvaluateOptions, type UqEvaluateResult, type ConserveSpec } from './evaluate/evaluate_uq.js';
export { evaluateRun, reportRun, type EvaluateOptions, type EvaluateResult, type ReportOptions } from './evaluate/evaluate_run.js';
export { evaluate, report, type EvaluateRunOptions, type Evaluation, type UqPart } from './evaluate/index.js';
export { runDemo, type DemoOptions, type DemoResult } from './demo.js';
