/**
 * Models: the SurrogateModel interface, the registry, and every model family (importing this
 * module registers them).
 */
export type { ModelConfig, SurrogateModel } from './model.js';
export { ModelConfigError, registerModel, createModel, modelKinds, modelEntry, resolveModelConfig, type ModelEntry } from './registry.js';
export { Fno, FNO_DEFAULTS, resolveFnoConfig, type FnoConfig } from './fno.js';
export { Fno2d, FNO2D_DEFAULTS, resolveFno2dConfig, type Fno2dConfig } from './fno2d.js';
export { Fno3d, FNO3D_DEFAULTS, resolveFno3dConfig, type Fno3dConfig } from './fno3d.js';
export { getWeightData, setWeightData, type HasWeights } from '../engine/weights.js';
