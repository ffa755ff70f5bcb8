/** `pdes generate`: a dataset from a named recipe, every recipe field overridable. */
import { recipeJson, resolveRecipe, RECIPE_NAMES, type RecipeOverrides } from '../../../datasets/recipes.js';
import { generateDataset, parseShard } from '../../../datasets/generate.js';
import { ProgressBar } from '../../../core/progress.js';
import { gridLabel } from '../../../datasets/families/index.js';
import { CONFIG_OPTION } from '../config_file.js';
import { CliUsageError, libraryOptions, type OptionDecl } from '../options.js';
import { QUIET, withInterrupts, type Command } from './command.js';

/** The recipe overrides (datasets/recipes.ts RecipeOverrides): flag, field, type, help. */
const RECIPE_OPTIONS: OptionDecl[] = [
  { flag: 'samples', field: 'samples', type: 'int', value: 'N', help: 'number of samples' },
  { flag: 'nx', field: 'nx', type: 'int', value: 'N', help: 'stored grid points (per side for Navier-Stokes)' },
  {
    flag: 'solve-nx',
    field: 'solveNx',
    type: 'int',
    value: 'N',
    help: 'grid points the solver uses (a multiple of --nx; Navier-Stokes: stored by spectral truncation)',
  },
  { flag: 'nu', field: 'nu', type: 'number', value: 'X', help: "viscosity (burgers-pdebench: PDEBench's Nu, the solver uses Nu/pi)" },
  { flag: 'seed', field: 'seed', type: 'int', value: 'N', help: 'seed; sample i draws from stream (seed, i)' },
  { flag: 'frames', field: 'frames', type: 'int', value: 'N', help: 'stored frames, equally spaced on [0, t-end]' },
  { flag: 't-end', field: 'tEnd', type: 'number', value: 'X', help: 'final time' },
  { flag: 'method', field: 'method', type: 'string', value: 'M', help: 'spectral | fv' },
  {
    flag: 'scheme',
    field: 'scheme',
    type: 'string',
    value: 'S',
    help: "spectral: etdrk4 | imex-cnrk; fv: weno5 | muscl-minmod | muscl-vanleer;\nNavier-Stokes: cn-rk3 | cn-euler (the FNO script's scheme);\nGPME: bdf2 | crank-nicolson | backward-euler",
  },
  { flag: 'flux', field: 'flux', type: 'string', value: 'F', help: 'fv flux: godunov | rusanov; GPME face diffusivity: kirchhoff | arithmetic' },
  { flag: 'cfl', field: 'cfl', type: 'number', value: 'X', help: 'CFL number in (0, 1]' },
  { flag: 'dt', field: 'dt', type: 'number', value: 'X', help: 'fixed time step instead of the adaptive CFL step (GPME: the largest implicit step)' },
  { flag: 'ic', field: 'ic', type: 'string', value: 'KIND', help: 'initial-condition sampler: grf | sum-of-sines' },
  { flag: 'forcing', field: 'forcing', type: 'string', value: 'F', help: 'Navier-Stokes forcing: fno | kolmogorov | none' },
  { flag: 'drag', field: 'drag', type: 'number', value: 'X', help: 'Navier-Stokes linear drag alpha (>= 0)' },
  { flag: 'spin-up', field: 'spinUp', type: 'number', value: 'X', help: 'Navier-Stokes time run before the first stored frame (discarded)' },
  { flag: 'parameter', field: 'parameter', type: 'string', value: 'A,B', help: 'GPME: samples cycle through these values of k / m / p* (held-out tests)' },
  { flag: 'parameter-range', field: 'parameterRange', type: 'string', value: 'a:b', help: 'GPME: draw k / m / p* uniformly from [a, b] per sample' },
];

const OPTIONS: OptionDecl[] = [
  CONFIG_OPTION,
  { flag: 'out', short: 'o', field: 'out', type: 'string', value: 'FILE.h5', help: 'the dataset file to write' },
  ...RECIPE_OPTIONS,
  { flag: 'workers', field: 'workers', type: 'int', value: 'N', help: 'worker threads (default: all cores)' },
  { flag: 'shard', field: 'shard', type: 'string', value: 'i/N', help: "generate the i-th of N deterministic slices (merge with 'pdes merge')" },
  { flag: 'resume', field: 'resume', type: 'boolean', help: 'complete a file that was cut short (same options required)' },
  { flag: 'overwrite', field: 'overwrite', type: 'boolean', aliases: ['force'], fieldAliases: ['force'], help: 'overwrite an existing file' },
  {
    flag: 'skip-resource-check',
    field: 'skipResourceCheck',
    type: 'boolean',
    help: 'start even when the file looks larger than the free disk, or the run than the memory',
  },
  { flag: 'dry-run', field: null, type: 'boolean', help: 'print the resolved recipe as JSON and exit' },
  QUIET,
];

/** Generates the dataset; returns the closing line ('' after --dry-run). `log` gets the banner. */
async function runGenerate(opts: Record<string, unknown>, dryRun: boolean, showBar: boolean, log: (s: string) => void): Promise<string> {
  const name = String(opts.recipe);
  const overrides: Record<string, unknown> = {};
  for (const d of RECIPE_OPTIONS) if (opts[d.field as string] !== undefined) overrides[d.field as string] = opts[d.field as string];
  const recipe = resolveRecipe(name, overrides as RecipeOverrides);
  if (dryRun) {
    process.stdout.write(`${JSON.stringify(JSON.parse(recipeJson(recipe)), null, 2)}\n`);
    return '';
  }
  const out = opts.out as string | undefined;
  if (!out) throw new CliUsageError('pdes generate needs an output file: -o FILE.h5');
  const shard = opts.shard !== undefined ? parseShard(String(opts.shard)) : undefined;
  let barTotal = -1;
  let progress: ProgressBar | null = null;
  // Printed once the run has passed its checks (at its first progress report): an error is then the only line.
  const banner = (): void =>
    log(
      `generate ${recipe.name}: ${recipe.samples} samples${shard ? ` (shard ${shard.index}/${shard.count})` : ''}, ${gridLabel(recipe)}, ${recipe.nFrames} frames to t=${recipe.tEnd} -> ${out}`,
    );
  const res = await withInterrupts((signal) =>
    generateDataset({
      recipe,
      out,
      workers: opts.workers as number | undefined,
      resume: Boolean(opts.resume),
      overwrite: Boolean(opts.overwrite),
      skipResourceCheck: Boolean(opts.skipResourceCheck),
      shard,
      signal,
      onProgress: (p) => {
        if (barTotal === -1) banner();
        if (showBar && p.total !== barTotal) progress = new ProgressBar({ label: `generate ${recipe.name}`, total: p.total });
        barTotal = p.total;
        progress?.update(p.done);
      },
    }).finally(() => (progress as ProgressBar | null)?.end()),
  );
  if (res.alreadyComplete) return `${out} is already complete (${res.samples} samples); nothing to do`;
  return `wrote ${out}: ${res.samples} samples in ${res.seconds.toFixed(1)} s`;
}

export const generate: Command = {
  summary: 'generate a PDE dataset (HDF5, PDEBench layout) from a named recipe',
  usage: 'pdes generate <recipe> -o FILE.h5 [options]',
  intro: `Recipes: ${RECIPE_NAMES.join(', ')} (see 'pdes recipes').
A --config file holds these fields (the recipe name as "recipe"); each option overrides the recipe.`,
  options: OPTIONS,
  fileKeys: ['recipe'],
  run: async ({ values, positionals, file }) => {
    const opts = libraryOptions(OPTIONS, values, file);
    if (positionals.length === 1) opts.recipe = positionals[0];
    if (positionals.length > 1 || typeof opts.recipe !== 'string') {
      throw new CliUsageError(`pdes generate takes one recipe name (known: ${RECIPE_NAMES.join(', ')}), got ${positionals.length}`);
    }
    const quiet = Boolean(values.quiet);
    const msg = await runGenerate(opts, Boolean(values['dry-run']), !quiet, (s) => {
      if (!quiet) process.stderr.write(`${s}\n`);
    });
    if (msg) process.stdout.write(`${msg}\n`);
    return 0;
  },
};
