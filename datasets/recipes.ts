/**
 * Named dataset recipes: which PDE, its parameters, the initial-condition sampler, the solve and
 * storage grids, the output times, the solver and the seed. A recipe plus overrides resolves to a
 * `ResolvedRecipe`, which is stored verbatim (as JSON) in every file it produces: the file says
 * exactly how it was made, and `--resume` / `pdes merge` refuse files from a different recipe.
 * The recipes themselves live with their PDE family (datasets/families/); this module is the public
 * lookup across the family registry.
 */
import { RecipeError } from './recipe_checks.js';
import { findRecipe, familyOf, recipeNames } from './families/index.js';
import type { RecipeBase, RecipeOverrides } from './families/family.js';
import type { BurgersRecipe } from './families/burgers.js';
import type { NsRecipe } from './families/ns2d.js';
import type { GpmeRecipe } from './families/gpme.js';

export type { BurgersRecipe, BurgersSolverConfig } from './families/burgers.js';
export { PDEBENCH_BURGERS_NU } from './families/burgers.js';
export type { NsRecipe, NsSolverConfig } from './families/ns2d.js';
export type { GpmeCase, GpmeParameterSpec, GpmeRecipe, GpmeSolverConfig } from './families/gpme.js';
export type { RecipeBase, RecipeOverrides } from './families/family.js';
export { RecipeError } from './recipe_checks.js';

/** A recipe of a built-in family. */
export type ResolvedRecipe = BurgersRecipe | NsRecipe | GpmeRecipe;

/** The names of the built-in recipes (`recipeNames()` in ./families/index.ts adds registered families). */
export const RECIPE_NAMES = recipeNames();

export function recipeSummaries(): { name: string; summary: string }[] {
  return recipeNames().map((name) => ({ name, summary: (findRecipe(name) as NonNullable<ReturnType<typeof findRecipe>>).entry.summary }));
}

/**
 * The recipe type a name resolves to: a literal 'gpme-…' name gives a GpmeRecipe, another literal
 * a Burgers or Navier–Stokes recipe, a non-literal string any recipe.
 */
export type RecipeFor<N extends string> = string extends N ? ResolvedRecipe : N extends `gpme-${string}` ? GpmeRecipe : BurgersRecipe | NsRecipe;

/** Resolves a named recipe with overrides into a fully specified, validated recipe. */
export function resolveRecipe<N extends string>(name: N, overrides: RecipeOverrides = {}): RecipeFor<N> {
  const found = findRecipe(name);
  if (!found) throw new RecipeError(`unknown recipe '${name}': known recipes are ${recipeNames().join(', ')}`);
  return found.family.applyOverrides(found.entry.build(), overrides) as unknown as RecipeFor<N>;
}

/** The stored output times (for most families nFrames equally spaced on [0, tEnd]; a single frame is t = tEnd). */
export function outputTimes(r: RecipeBase): Float64Array {
  return familyOf(r).outputTimes(r);
}

/** Canonical JSON of a recipe (stable key order), as stored in files and compared on resume/merge. */
export function recipeJson(r: RecipeBase): string {
  return stableStringify(r);
}

export function stableStringify(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    const keys = Object.keys(v as Record<string, unknown>).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableStringify((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Names the first field where two recipes differ, for resume/merge errors. */
export function recipeDifference(a: unknown, b: unknown, prefix = ''): string | null {
  if (stableStringify(a) === stableStringify(b)) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    for (const k of keys) {
      const d = recipeDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k);
      if (d) return d;
    }
  }
  return `${prefix || 'recipe'}: ${stableStringify(a)} vs ${stableStringify(b)}`;
}
