/**
 * The model registry (pdearena's MODEL_REGISTRY): one place that knows every model kind, so the
 * CLI, checkpoints and registry-wide tests can build any model from its saved config.
 */
import { InputError } from '../../core/errors.js';
import type { ModelConfig, SurrogateModel } from './model.js';

export class ModelConfigError extends InputError {
  override name = 'ModelConfigError';
}

export interface ModelEntry<C extends ModelConfig = ModelConfig> {
  kind: string;
  summary: string;
  /** Fills defaults and validates; throws ModelConfigError naming the field and value. */
  resolveConfig(partial: Partial<C> & { kind: string }): C;
  /** Builds a model from a resolved config (weights initialised from config.seed). */
  create(config: C): SurrogateModel<C>;
}

const REGISTRY = new Map<string, ModelEntry>();

export function registerModel<C extends ModelConfig>(entry: ModelEntry<C>): void {
  if (REGISTRY.has(entry.kind)) throw new ModelConfigError(`model kind '${entry.kind}' is registered twice`);
  REGISTRY.set(entry.kind, entry as unknown as ModelEntry);
}

export function modelKinds(): string[] {
  return [...REGISTRY.keys()].sort();
}

export function modelEntry(kind: string): ModelEntry {
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
