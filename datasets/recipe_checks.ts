/**
 * The error type of recipe resolution and the option checks every recipe family shares, so the
 * Burgers, Navier–Stokes and GPME overrides give the same one-line messages for the same mistakes.
 */
import { InputError } from '../core/errors.js';

/** Error in a recipe name or override; the CLI maps it to exit code 2. */
export class RecipeError extends InputError {
  override name = 'RecipeError';
}

/** `v` as an integer >= min, or a RecipeError naming the flag. */
export function positiveInt(name: string, v: number, min = 1): number {
  if (!Number.isInteger(v) || v < min) throw new RecipeError(`--${name}=${v} is not allowed: use an integer >= ${min}`);
  return v;
}

/** `v` as a finite number > 0, or a RecipeError naming the flag. */
export function positiveReal(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RecipeError(`--${name}=${v} is not allowed: use a number > 0`);
  return v;
}

/** A seed: an integer in [0, 2^53). */
export function checkSeed(v: number): number {
  if (!Number.isSafeInteger(v) || v < 0) throw new RecipeError(`--seed=${v} is not allowed: use an integer in [0, 2^53)`);
  return v;
}
