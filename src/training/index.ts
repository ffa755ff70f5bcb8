/** Training: the one trainer, its options, losses, optimizers, schedules, checkpoints and rollouts. */
export { CheckpointError, TrainingDiverged, TrainingInterrupted, TrainOptionsError } from './errors.js';
export {
  firstDifference,
  resolveTrainOptions,
  LOSS_KINDS,
  NORMALIZE_MODES,
  RESUMABLE_CHANGES,
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
} from './options.js';
export { perSampleLoss, shardLoss } from './losses.js';
export { AdamOptimizer, type OptimizerState } from './optimizers.js';
export { lrAt } from './schedules.js';
export { pairLayout, PairSource, type PairLayout } from './pairs.js';
export { Predictor, Replica, TensorNormalizer } from './replica.js';
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
export { train, CONFIG_FILE, METRICS_FILE, type BatchInfo, type TrainHooks, type TrainResult } from './trainer.js';
export { predictDataset, rollout, type PredictOptions, type Prediction, type RolloutNormalizers } from './rollout.js';
