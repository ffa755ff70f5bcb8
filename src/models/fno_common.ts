/**
 * What the FNO kinds (fno, fno2d, fno3d) share: config resolution with one set of messages, and
 * the PyTorch-default-style uniform initialisation of their weights.
 */
import * as tf from '@tensorflow/tfjs';
import { show } from '../../core/checks.js';
import type { Rng } from '../../core/random.js';
import type { ModelConfig } from './model.js';
import { ModelConfigError } from './errors.js';

/** A config value as it should read in an error: strings quoted, arrays bracketed. */
function shown(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(shown).join(', ')}]`;
  return typeof v === 'string' ? `'${v}'` : String(v);
}

const MAX_INT = 1 << 20;

function checkInteger(kind: string, field: string, v: unknown, min: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_INT) {
    throw new ModelConfigError(`${kind} config: ${field}=${shown(v)} is not allowed: use an integer in [${min}, 2^20]`);
  }
}

/**
 * An FNO config with its Fourier modes as one `nModes` array, one entry per axis (neuraloperator's
 * `n_modes`: fno [16], fno2d [12, 12], fno3d [8, 8, 8]), from every spelling configs were written
 * in: `nModes` as an array; `nModes` as one number, kept on every axis (how fno configs were
 * written before the array); and `modes1` … `modesD` for axis 1 … D (how fno2d and fno3d configs
 * were written), which set their axis of `nModes` or of the defaults. The old fields are checked
 * under their own names, so a message names the field its caller wrote. Other `modesK` fields are
 * left for the unknown-field check.
 */
export function withModesArray(
  kind: string,
  defaults: readonly number[],
  partial: { kind: string } & Record<string, unknown>,
): { kind: string } & Record<string, unknown> {
  const out: { kind: string } & Record<string, unknown> = { ...partial };
  const axisFields = defaults.length > 1 ? defaults.map((_, k) => `modes${k + 1}`) : [];
  const given = partial.nModes;
  // Anything else in nModes is left for resolveFnoFields to refuse.
  if (given !== undefined && typeof given !== 'number' && !Array.isArray(given)) return out;
  if (typeof given !== 'number' && !axisFields.some((f) => f in partial)) return out;
  let modes: unknown[] = [...(Array.isArray(given) ? (given as unknown[]) : defaults)];
  if (typeof given === 'number') {
    checkInteger(kind, 'nModes', given, 1);
    modes = defaults.map(() => given);
  }
  axisFields.forEach((field, k) => {
    if (!(field in partial)) return;
    checkInteger(kind, field, partial[field], 1);
    modes[k] = partial[field];
    delete out[field];
  });
  out.nModes = modes;
  return out;
}

/**
 * Fills defaults and validates an FNO config (shared by fno, fno2d and fno3d): known fields only, seed,
 * the modes as one `nModes` array (old spellings upgraded: withModesArray), the integer fields with
 * their minima, booleans. Throws ModelConfigError naming field and value.
 */
export function resolveFnoFields<C extends ModelConfig>(
  kind: string,
  defaults: Omit<C, 'kind'>,
  intMinima: Record<string, number>,
  input: { kind: string } & Record<string, unknown>,
): C {
  if (input.kind !== kind) throw new ModelConfigError(`${kind} config: kind='${input.kind}' is not allowed: use '${kind}'`);
  const defaultModes = (defaults as unknown as { nModes: number[] }).nModes;
  const partial = withModesArray(kind, defaultModes, input);
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
  const axes = defaultModes.length;
  const modes = rec.nModes;
  if (!Array.isArray(modes) || modes.length !== axes || !modes.every((m) => typeof m === 'number' && Number.isInteger(m) && m >= 1 && m <= MAX_INT)) {
    const what = axes === 1 ? 'one integer' : `${axes} integers`;
    throw new ModelConfigError(
      `${kind} config: nModes=${shown(modes)} is not allowed: use ${what} in [1, 2^20] in an array, one per axis (e.g. [${defaultModes.join(', ')}])`,
    );
  }
  rec.nModes = [...modes];
  for (const [field, min] of Object.entries(intMinima)) checkInteger(kind, field, rec[field], min);
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
