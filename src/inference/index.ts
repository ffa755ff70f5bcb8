/**
 * Inference: reading checkpoints, a model with its normalizers (Predictor), rollouts and batch
 * prediction of a dataset. Nothing here imports training (eslint holds the rule).
 */
export { CheckpointError, TrainOptionsError } from './errors.js';
export {
  CHECKPOINT_FILE,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  type CheckpointMeta,
  type EpochMetrics,
  type OptimizerState,
  type RecordedSchedule,
  type RecordedTrainOptions,
} from './checkpoint_format.js';
export {
  checkpointPath,
  loadCheckpoint,
  readCheckpoint,
  setWeights,
  type CheckpointFile,
  type LoadedCheckpoint,
  type LoadOptions,
} from './checkpoint_reader.js';
export {
  frameStack,
  mappingItems,
  MAPPING_KINDS,
  type FrameStack,
  type InitialToFinalMapping,
  type Mapping,
  type MappingKind,
  type NextStepMapping,
  type WindowMapping,
} from './mapping.js';
export {
  headVariance,
  mixSeed,
  Predictor,
  TensorNormalizer,
  VARIANCE_FLOOR,
  type CallFrames,
  type ForwardOptions,
  type ReplicaNormalizers,
  type StackedLayout,
} from './predictor.js';
export {
  checkDataFits,
  fields2d,
  predictDataset,
  predictPasses,
  rollout,
  rolloutPlan,
  type Fields2d,
  type PassOptions,
  type PredictOptions,
  type Prediction,
  type PredictionPass,
  type RolloutNormalizers,
  type RolloutOptions,
  type RolloutPlan,
} from './rollout.js';
