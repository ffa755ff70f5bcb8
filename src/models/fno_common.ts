/**
 * What the FNO kinds (fno, fno2d, fno3d) share: config resolution with one set of messages, and
 * the PyTorch-default-style uniform initialisation of their weights.
 */
import * as tf from '@tensorflow/tfjs';
import { show } from '../../core/checks.js';
import type { Rng } from '../../core/random.js';
import type { ModelConfig } from './model.js';
import { ModelConfigError } from './registry.js';

/** A config value as it should read in an error: strings quoted. */
/**
 * Fills defaults and validates an FNO config (shared by fno, fno2d and fno3d): known fields only, seed,
 * the integer fields with their minima, booleans. Throws ModelConfigError naming field and value.
 */
export function resolveFnoFields<C extends ModelConfig>(
  kind: string, defaults: Omit<C, 'kind'>, intMinima: Record<string, number>, partial: { kind: string } & Record<string, unknown>,
): C {
  if (partial.kind !== kind) throw new ModelConfigError(`${kind} config: kind='${partial.kind}' is not allowed: use '${kind}'`);
  // `dropout` is optional: configs without it (all written before it existed) have none.
  const known = ['kind', ...Object.keys(defaults), 'dropout'];
  for (const key of Object.keys(partial)) {
    if (!known.includes(key)) throw new ModelConfigError(`${kind} config: unknown field '${key}': known fields are ${known.join(', ')}`);
  }
  const cfg = { ...defaults, ...partial } as unknown as C;
  const rec = cfg as unknown as Record<string, unknown>;
  if (typeof cfg.seed !== 'number' || !Number.isSafeInteger(cfg.seed) || cfg.seed < 0) {
    throw new ModelConfigError(`${kind} config: seed=${show(cfg.seed)} is not allowed: use an integer in [0, 2^53)`);
  }
  for (const [field, min] of Object.entries(intMinima)) {
    const v = rec[field];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > 1 << 20) {
      throw new ModelConfigError(`${kind} config: ${field}=${show(v)} is not allowed: use an integer in [${min}, 2^20]`);
    }
  }
  for (const [field, v] of Object.entries(defaults)) {
    if (typeof v === 'boolean' && typeof rec[field] !== 'boolean') {
      throw new ModelConfigError(`${kind} config: ${field}=${show(rec[field])} is not allowed: use true or false`);
    }
  }
  const dropout = rec.dropout;
  if (dropout !== undefined && (typeof dropout !== 'number' || !(dropout >= 0 && dropout < 1))) {
    throw new ModelConfigError(`${kind} config: dropout=${show(dropout)} is not allowed: use a rate in [0, 1)`);
  }
  return cfg;
}

export interface Dense {
  w: tf.Variable; // [cout, cin]
  b: tf.Variable; // [cout]
}

/** A variable of `shape` drawn from U(lo, hi) with `rng`, values in row-major order. */
export function uniformVariable(rng: Rng, shape: number[], lo: number, hi: number): tf.Variable {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = lo + (hi - lo) * rng.uniform();
  return tf.tidy(() => tf.variable(tf.tensor(data, shape, 'float32'), true));
}
