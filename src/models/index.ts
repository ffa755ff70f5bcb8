/**
 * Models: the SurrogateModel interface, the registry, and every model family (importing this
 * module registers them).
 */
export type { ModelConfig, SurrogateModel } from './model.js';
export { ModelConfigError, registerModel, createModel, modelKinds, modelEntry, resolveModelConfig, type ModelEntry } from './registry.js';
export { Fno, FNO_DEFAULTS, resolveFnoConfig, type FnoConfig } from './fno.js';
export { getWeightData, setWeightData, type HasWeights } from '../engine/weights.js';
