/**
 * The registry of PDE families (pdearena's registries): a recipe's `pde` field names its family,
 * and a recipe name is looked up across every registered family. The built-in families are listed
 * here; `registerFamily` adds another (one file with a `PdeFamily` plus this call), after which
 * `resolveRecipe`, `computeSample` and `generateDataset` serve its recipes like the built-in ones.
 * Worker threads see only the built-in families: generate a registered family's recipes with
 * `workers: 1`.
 */
import { RecipeError } from '../recipe_checks.js';
import { burgersFamily } from './burgers.js';
import { gpmeFamily } from './gpme.js';
import { ns2dFamily } from './ns2d.js';
import type { PdeFamily, RecipeBase, RecipeEntry } from './family.js';

const BUILT_IN: readonly PdeFamily[] = [burgersFamily, ns2dFamily, gpmeFamily] as unknown as PdeFamily[];

const registry = new Map<string, PdeFamily>(BUILT_IN.map((f) => [f.pde, f]));

/** Adds a family; its key and recipe names must be new. */
export function registerFamily<R extends RecipeBase>(family: PdeFamily<R>): void {
  if (registry.has(family.pde)) throw new RecipeError(`family '${family.pde}' is already registered`);
  for (const name of Object.keys(family.recipes)) {
    const owner = findRecipe(name);
    if (owner) throw new RecipeError(`recipe '${name}' of family '${family.pde}' is already a recipe of '${owner.family.pde}'`);
  }
  registry.set(family.pde, family as unknown as PdeFamily);
}

/** Removes a family added by registerFamily (the built-in ones stay). */
export function unregisterFamily(pde: string): void {
  if (BUILT_IN.some((f) => f.pde === pde)) throw new RecipeError(`family '${pde}' is built in and cannot be removed`);
  registry.delete(pde);
}

/** Every registered family, built-in ones first. */
export function families(): PdeFamily[] {
  return [...registry.values()];
}

/** The family of a recipe (by its `pde` field) or of a family key; throws for an unknown one. */
export function familyOf(recipeOrPde: { pde: string } | string): PdeFamily {
  const pde = typeof recipeOrPde === 'string' ? recipeOrPde : recipeOrPde.pde;
  const f = registry.get(pde);
  if (!f) throw new RecipeError(`unknown PDE family '${pde}': known families are ${[...registry.keys()].join(', ')}`);
  return f;
}

/** The family of a recipe read from a file, or undefined when it names no registered family. */
export function findFamily(recipe: unknown): PdeFamily | undefined {
  const pde = recipe !== null && typeof recipe === 'object' ? (recipe as { pde?: unknown }).pde : undefined;
  return typeof pde === 'string' ? registry.get(pde) : undefined;
}

/** The named recipe and its family, or undefined. */
export function findRecipe(name: string): { family: PdeFamily; entry: RecipeEntry<RecipeBase> } | undefined {
  for (const family of registry.values()) {
    if (Object.hasOwn(family.recipes, name)) return { family, entry: family.recipes[name] };
  }
  return undefined;
}

/** Every recipe name, family by family. */
export function recipeNames(): string[] {
  return families().flatMap((f) => Object.keys(f.recipes));
}

/** The stored grid in words, e.g. 'nx=1024 (solved on 8192)' or '64x64 (solved on 256x256)'. */
export function gridLabel(r: RecipeBase): string {
  const dims = familyOf(r).dims;
  if (dims === 1) return `nx=${r.nx} (solved on ${r.solveNx})`;
  const side = (n: number): string => Array.from({ length: dims }, () => n).join('x');
  return `${side(r.nx)} (solved on ${side(r.solveNx)})`;
}

export type { ComputedSample, PdeFamily, RecipeBase, RecipeEntry, RecipeOverrides } from './family.js';
export { frameShape, SampleError } from './family.js';
