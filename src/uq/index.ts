/** Uncertainty quantification: deep ensembles (seeded runs of the one trainer), MC dropout, aggregation. */
export { aggregateSamples, sampleCovariance, type LowRankFactor, type PredictiveMoments, type SampledValues } from './aggregate.js';
export {
  ENSEMBLE_FILE,
  ENSEMBLE_FORMAT,
  ENSEMBLE_VERSION,
  loadEnsemble,
  memberDir,
  memberOptions,
  NO_ENSEMBLE_VARIANCE,
  predictEnsemble,
  readEnsembleManifest,
  toUqPrediction,
  trainEnsemble,
  type EnsembleHooks,
  type EnsembleManifest,
  type EnsembleOptionsInput,
  type EnsembleResult,
  type LoadedEnsemble,
  type LoadEnsembleOptions,
  type MemberResult,
  type UqPrediction,
} from './ensemble.js';
export { EnsembleInterrupted, UqError } from './errors.js';
export { predictMcDropout, type McDropoutOptions } from './mc_dropout.js';
