/**
 * Models: the SurrogateModel interface, the registry (which registers the built-in families on its
 * first lookup), plug-in loading and every model family.
 */
export type { ModelConfig, SurrogateModel } from './model.js';
export {
  ModelConfigError,
  registerModel,
  registerBuiltinModels,
  createModel,
  modelKinds,
  modelEntry,
  resolveModelConfig,
  type ModelEntry,
} from './registry.js';
export { moduleUrls, registerModelModules } from './plugins.js';
export { Fno, FNO_DEFAULTS, resolveFnoConfig, type FnoConfig } from './fno.js';
export { Fno2d, FNO2D_DEFAULTS, resolveFno2dConfig, type Fno2dConfig } from './fno2d.js';
export { Fno3d, FNO3D_DEFAULTS, resolveFno3dConfig, type Fno3dConfig } from './fno3d.js';
export { getWeightData, setWeightData, type HasWeights } from '../engine/weights.js';
