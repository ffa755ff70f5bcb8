/** Inference: a model with its normalizers (Predictor), rollouts and batch prediction of a dataset. */
export { headVariance, mixSeed, Predictor, TensorNormalizer, VARIANCE_FLOOR, type CallFrames, type ForwardOptions, type ReplicaNormalizers, type StackedLayout } from './predictor.js';
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
