/** Training: the one trainer, its options, losses, optimizers, schedules, checkpoints and rollouts. */
export { CheckpointError, TrainingDiverged, TrainingInterrupted, TrainOptionsError } from './errors.js';
export {
  firstDifference,
  frameStack,
  resolveTrainOptions,
  LOSS_KINDS,
  outputHeads,
  MAPPING_KINDS,
  NORMALIZE_MODES,
  RESUMABLE_CHANGES,
  type DataFrames,
  type FrameStack,
  type InitialToFinalMapping,
  type LossKind,
  type Mapping,
  type NextStepMapping,
  type NormalizeMode,
  type OptimizerOptions,
  type ScheduleOptions,
  type SplitOptions,
  type TrainOptions,
  type TrainOptionsInput,
  type WindowMapping,
} from './options.js';
export { headVariance, perSampleLoss, shardLoss, VARIANCE_FLOOR } from './losses.js';
export { AdamOptimizer, type OptimizerState } from './optimizers.js';
export { lrAt } from './schedules.js';
export { mappingItems, pairLayout, PairSource, type PairLayout } from './pairs.js';
export { mixSeed, Predictor, TensorNormalizer, type CallFrames, type ForwardOptions, type StackedLayout } from '../inference/predictor.js';
export { Replica } from './replica.js';
export {
  CHECKPOINT_FILE,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  loadCheckpoint,
  readCheckpoint,
  type CheckpointMeta,
  type EpochMetrics,
  type LoadedCheckpoint,
  type LoadOptions,
} from './checkpoint.js';
export { DataParallel, shardSizes } from './parallel.js';
export { train, type BatchInfo, type TrainHooks, type TrainResult } from './trainer.js';
export * from './run_dir.js';
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
} from '../inference/rollout.js';
