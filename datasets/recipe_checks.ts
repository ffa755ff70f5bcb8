/**
 * The error type of recipe resolution and the option checks every recipe family shares, so the
 * Burgers, Navier–Stokes and GPME overrides give the same one-line messages for the same mistakes.
 */
import * as checks from '../core/checks.js';
import { InputError } from '../core/errors.js';

/** Error in a recipe name or override; the CLI maps it to exit code 2. */
export class RecipeError extends InputError {
  override name = 'RecipeError';
}

/** `v` as an integer >= min, or a RecipeError naming the flag. */
export function positiveInt(name: string, v: number, min = 1): number {
  return checks.checkInteger(RecipeError, `--${name}`, v, min);
}

/** `v` as a finite number > 0, or a RecipeError naming the flag. */
export function positiveReal(name: string, v: number): number {
  return checks.checkPositive(RecipeError, `--${name}`, v, 'a number > 0');
}

/** A seed: an integer in [0, 2^53). */
export function checkSeed(v: number): number {
  return checks.checkSeed(RecipeError, '--seed', v);
}
