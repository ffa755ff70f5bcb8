/**
 * The model registry (pdearena's MODEL_REGISTRY): one place that knows every model kind, so the
 * CLI, checkpoints and registry-wide tests can build any model from its saved config. The kinds
 * this package ships are registered on the first lookup (registerBuiltinModels), not by importing
 * their files; plug-ins add theirs through registerModel (see plugins.ts).
 */
import { BUILTIN_MODELS } from './builtin.js';
import { ModelConfigError } from './errors.js';
import type { ModelConfig, SurrogateModel } from './model.js';

export { ModelConfigError };

export interface ModelEntry<C extends ModelConfig = ModelConfig> {
  kind: string;
  summary: string;
  /** Fills defaults and validates; throws ModelConfigError naming the field and value. */
  resolveConfig(partial: Partial<C> & { kind: string }): C;
  /** Builds a model from a resolved config (weights initialised from config.seed). */
  create(config: C): SurrogateModel<C>;
}

const REGISTRY = new Map<string, ModelEntry>();
let builtinsRegistered = false;

/** Registers the built-in kinds (fno, fno2d, fno3d) once; every lookup calls it first. */
export function registerBuiltinModels(): void {
  if (builtinsRegistered) return;
  builtinsRegistered = true;
  for (const entry of BUILTIN_MODELS) registerModel(entry);
}

export function registerModel<C extends ModelConfig>(entry: ModelEntry<C>): void {
  registerBuiltinModels();
  if (REGISTRY.has(entry.kind)) throw new ModelConfigError(`model kind '${entry.kind}' is registered twice`);
  REGISTRY.set(entry.kind, entry as unknown as ModelEntry);
}

export function modelKinds(): string[] {
  registerBuiltinModels();
  return [...REGISTRY.keys()].sort();
}

export function modelEntry(kind: string): ModelEntry {
  registerBuiltinModels();
  const e = REGISTRY.get(kind);
  if (!e) throw new ModelConfigError(`unknown model '${kind}': known models are ${modelKinds().join(', ') || '(none registered)'}`);
  return e;
}

export function resolveModelConfig(partial: { kind: string } & Record<string, unknown>): ModelConfig {
  return modelEntry(partial.kind).resolveConfig(partial);
}

/** Builds any registered model from its (partial) config; throws listing the known kinds. */
export function createModel(partial: { kind: string } & Record<string, unknown>): SurrogateModel {
  const entry = modelEntry(partial.kind);
  return entry.create(entry.resolveConfig(partial));
}
