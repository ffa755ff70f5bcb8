/**
 * The `pdes` command: a thin layer over library functions that scripts and notebooks call the
 * same way. Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted (work kept).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { RecipeError, recipeJson, recipeSummaries, resolveRecipe, RECIPE_NAMES, type RecipeOverrides } from '../../datasets/recipes.js';
import {
  generateDataset,
  GenerationInterrupted,
  GenerationUsageError,
  mergeShards,
  parseShard,
} from '../../datasets/generate.js';
import { describeDataset, formatSummary, h5ready } from '../data/index.js';
import { plotDatasetSamples } from '../report/dataset_plot.js';
import { ProgressBar } from '../util/progress.js';
import { packageVersion } from '../../datasets/version.js';
import { SolverInputError } from '../../solvers/errors.js';

/** A usage error: exit code 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

interface Command {
  summary: string;
  usage: string;
  options: Options;
  help: string;
  run(values: Record<string, string | boolean | undefined>, positionals: string[]): Promise<number>;
}

const GENERATE_OPTIONS: Options = {
  samples: { type: 'string' },
  nx: { type: 'string' },
  'solve-nx': { type: 'string' },
  nu: { type: 'string' },
  seed: { type: 'string' },
  frames: { type: 'string' },
  't-end': { type: 'string' },
  method: { type: 'string' },
  scheme: { type: 'string' },
  flux: { type: 'string' },
  cfl: { type: 'string' },
  dt: { type: 'string' },
  ic: { type: 'string' },
  workers: { type: 'string' },
  out: { type: 'string', short: 'o' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  shard: { type: 'string' },
  'dry-run': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
};

function num(name: string, v: string | boolean | undefined, integer = false): number | undefined {
  if (v === undefined) return undefined;
  const s = String(v).trim();
  const x = Number(s);
  if (s === '' || !Number.isFinite(x) || (integer && !Number.isInteger(x))) {
    throw new CliUsageError(`--${name}=${s} is not ${integer ? 'an integer' : 'a number'}`);
  }
  return x;
}

function str(v: string | boolean | undefined): string | undefined {
  return v === undefined ? undefined : String(v);
}

function overridesFrom(v: Record<string, string | boolean | undefined>): RecipeOverrides {
  return {
    samples: num('samples', v.samples, true),
    nx: num('nx', v.nx, true),
    solveNx: num('solve-nx', v['solve-nx'], true),
    nu: num('nu', v.nu),
    seed: num('seed', v.seed, true),
    frames: num('frames', v.frames, true),
    tEnd: num('t-end', v['t-end']),
    method: str(v.method),
    scheme: str(v.scheme),
    flux: str(v.flux),
    cfl: num('cfl', v.cfl),
    dt: num('dt', v.dt),
    ic: str(v.ic),
  };
}

/** Runs `fn` with SIGINT/SIGTERM turned into an abort (finished work is kept). */
async function withInterrupts<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

async function runGenerate(v: Record<string, string | boolean | undefined>, pos: string[], log: (s: string) => void): Promise<string> {
  if (pos.length !== 1) throw new CliUsageError(`pdes generate takes one recipe name (known: ${RECIPE_NAMES.join(', ')}), got ${pos.length}`);
  const recipe = resolveRecipe(pos[0], overridesFrom(v));
  if (v['dry-run']) {
    process.stdout.write(`${JSON.stringify(JSON.parse(recipeJson(recipe)), null, 2)}\n`);
    return '';
  }
  const out = str(v.out);
  if (!out) throw new CliUsageError('pdes generate needs an output file: -o FILE.h5');
  const shard = v.shard !== undefined ? parseShard(String(v.shard)) : undefined;
  const workers = num('workers', v.workers, true);
  fs.mkdirSync(path.dirname(path.resolve(out)), { recursive: true });
  const showBar = !v.quiet;
  let barTotal = -1;
  let progress: ProgressBar | null = null;
  log(`generate ${recipe.name}: ${recipe.samples} samples${shard ? ` (shard ${shard.index}/${shard.count})` : ''}, nx=${recipe.nx} (solved on ${recipe.solveNx}), ${recipe.nFrames} frames to t=${recipe.tEnd} -> ${out}`);
  const res = await withInterrupts((signal) =>
    generateDataset({
      recipe,
      out,
      workers,
      resume: Boolean(v.resume),
      force: Boolean(v.force),
      shard,
      signal,
      onProgress: (p) => {
        if (!showBar) return;
        if (p.total !== barTotal) {
          barTotal = p.total;
          progress = new ProgressBar({ label: `generate ${recipe.name}`, total: p.total });
        }
        progress?.update(p.done);
      },
    }).finally(() => (progress as ProgressBar | null)?.end()),
  );
  if (res.alreadyComplete) return `${out} is already complete (${res.samples} samples); nothing to do`;
  return `wrote ${out}: ${res.samples} samples in ${res.seconds.toFixed(1)} s`;
}

const COMMANDS: Record<string, Command> = {
  generate: {
    summary: 'generate a PDE dataset (HDF5, PDEBench layout) from a named recipe',
    usage: 'pdes generate <recipe> -o FILE.h5 [options]',
    options: GENERATE_OPTIONS,
    help: `Recipes: ${RECIPE_NAMES.join(', ')} (see 'pdes recipes').
Options (each overrides the recipe):
  --samples N        number of samples
  --nx N             stored grid points
  --solve-nx N       grid points the solver uses (a multiple of --nx)
  --nu X             viscosity (burgers-pdebench: PDEBench's Nu, the solver uses Nu/pi)
  --seed N           seed; sample i draws from stream (seed, i)
  --frames N         stored frames, equally spaced on [0, t-end]
  --t-end X          final time
  --method M         spectral | fv
  --scheme S         spectral: etdrk4 | imex-cnrk; fv: weno5 | muscl-minmod | muscl-vanleer
  --flux F           fv flux: godunov | rusanov
  --cfl X            CFL number in (0, 1]
  --dt X             fixed time step instead of the adaptive CFL step
  --ic KIND          initial-condition sampler: grf | sum-of-sines
  --workers N        worker threads (default: all cores)
  --shard i/N        generate the i-th of N deterministic slices (merge with 'pdes merge')
  --resume           complete a file that was cut short (same options required)
  --force            overwrite an existing file
  --dry-run          print the resolved recipe as JSON and exit
  -q, --quiet        no progress bar`,
    run: async (v, pos) => {
      const msg = await runGenerate(v, pos, (s) => {
        if (!v.quiet) process.stderr.write(`${s}\n`);
      });
      if (msg) process.stdout.write(`${msg}\n`);
      return 0;
    },
  },
  merge: {
    summary: 'join shard files (from --shard i/N) into the file a single run writes',
    usage: 'pdes merge -o OUT.h5 SHARD.h5 [SHARD.h5 ...] [--force]',
    options: { out: { type: 'string', short: 'o' }, force: { type: 'boolean' } },
    help: 'Every shard must be complete and from the same recipe; together they must cover all samples.',
    run: async (v, pos) => {
      const out = str(v.out);
      if (!out) throw new CliUsageError('pdes merge needs an output file: -o OUT.h5');
      if (pos.length === 0) throw new CliUsageError('pdes merge needs the shard files to join');
      const res = await mergeShards({ shards: pos, out, force: Boolean(v.force) });
      process.stdout.write(`wrote ${res.path}: ${res.samples} samples from ${pos.length} shards\n`);
      return 0;
    },
  },
  info: {
    summary: 'print shapes, coordinates, attributes and value ranges of a dataset file',
    usage: 'pdes info FILE.h5 [--json] [--max-samples N]',
    options: { json: { type: 'boolean' }, 'max-samples': { type: 'string' } },
    help: 'Value ranges stream over all samples (or the first --max-samples).',
    run: async (v, pos) => {
      if (pos.length !== 1) throw new CliUsageError(`pdes info takes one file, got ${pos.length}`);
      await h5ready();
      const summary = describeDataset(pos[0], { maxSamples: num('max-samples', v['max-samples'], true) });
      process.stdout.write(v.json ? `${JSON.stringify(summary, null, 2)}\n` : `${formatSummary(summary)}\n`);
      return 0;
    },
  },
  plot: {
    summary: 'write an HTML page plotting a few samples of a 1D dataset',
    usage: 'pdes plot FILE.h5 -o PAGE.html [--samples 0,1,2]',
    options: { out: { type: 'string', short: 'o' }, samples: { type: 'string' } },
    help: 'The page is self-contained (plotly inlined) and works offline.',
    run: async (v, pos) => {
      if (pos.length !== 1) throw new CliUsageError(`pdes plot takes one file, got ${pos.length}`);
      const out = str(v.out);
      if (!out) throw new CliUsageError('pdes plot needs an output page: -o PAGE.html');
      const samples = v.samples === undefined ? undefined : String(v.samples).split(',').map((s) => num('samples', s, true) as number);
      await h5ready();
      plotDatasetSamples(pos[0], out, { samples });
      process.stdout.write(`wrote ${out}\n`);
      return 0;
    },
  },
  recipes: {
    summary: 'list the dataset recipes',
    usage: 'pdes recipes [--json]',
    options: { json: { type: 'boolean' } },
    help: "'pdes generate <recipe> --dry-run' prints a recipe fully resolved.",
    run: async (v) => {
      const list = recipeSummaries();
      process.stdout.write(v.json ? `${JSON.stringify(list, null, 2)}\n` : list.map((r) => `${r.name.padEnd(18)} ${r.summary}`).join('\n') + '\n');
      return 0;
    },
  },
  demo: {
    summary: 'the main job on an embedded default: generate a small Burgers dataset, describe it, plot samples',
    usage: 'pdes demo [--out DIR] [--workers N]',
    options: { out: { type: 'string', short: 'o' }, workers: { type: 'string' }, quiet: { type: 'boolean', short: 'q' } },
    help: 'Writes DIR/burgers.h5 and DIR/samples.html (default DIR: runs/demo).',
    run: async (v) => {
      const dir = str(v.out) ?? path.join('runs', 'demo');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'burgers.h5');
      const page = path.join(dir, 'samples.html');
      const say = (s: string): void => {
        process.stdout.write(`${s}\n`);
      };
      say(`pde-surrogate ${packageVersion()} demo: small FNO-style Burgers dataset (nu = 0.1, GRF initial data)`);
      const msg = await runGenerate(
        { samples: '32', nx: '256', 'solve-nx': '1024', frames: '21', out: file, force: true, workers: str(v.workers), quiet: v.quiet },
        ['burgers-fno'],
        (s) => say(s),
      );
      say(msg);
      await h5ready();
      say(formatSummary(describeDataset(file)));
      plotDatasetSamples(file, page, { samples: [0, 1, 2], title: 'pde-surrogate demo: Burgers (burgers-fno, nu = 0.1)' });
      say(`plots of samples 0-2: ${page}`);
      return 0;
    },
  },
};

function mainHelp(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `pdes ${packageVersion()}: PDE datasets and neural surrogates\n\nUsage: pdes <command> [options]\n\nCommands:\n${lines.join('\n')}\n  help       show help for a command\n\nRun 'pdes <command> --help' for a command's options.`;
}

/** Entry point: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const c = rest[0] ? COMMANDS[rest[0]] : undefined;
    if (rest[0] && !c) return usageError(`unknown command '${rest[0]}': known commands are ${Object.keys(COMMANDS).join(', ')}`);
    process.stdout.write(c ? `Usage: ${c.usage}\n${c.summary}\n\n${c.help}\n` : `${mainHelp()}\n`);
    return 0;
  }
  const cmd = COMMANDS[name];
  if (!cmd) return usageError(`unknown command '${name}': known commands are ${Object.keys(COMMANDS).join(', ')}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`Usage: ${cmd.usage}\n${cmd.summary}\n\n${cmd.help}\n`);
    return 0;
  }
  try {
    const args = joinNegativeValues(rest, cmd.options);
    const { values, positionals } = parseArgs({ args, options: cmd.options, allowPositionals: true, strict: true });
    return await cmd.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (e) {
    return reportError(name, e);
  }
}

/** `--nu -0.5` → `--nu=-0.5`: node's parseArgs otherwise reads a negative number as an option. */
function joinNegativeValues(args: string[], options: Options): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null;
    if (name !== null && options[name]?.type === 'string' && i + 1 < args.length && /^-(\d|\.\d)/.test(args[i + 1])) {
      out.push(`${a}=${args[++i]}`);
    } else {
      out.push(a);
    }
  }
  return out;
}

function usageError(msg: string): number {
  process.stderr.write(`pdes: ${msg}\n`);
  return 2;
}

function isUsageError(e: unknown): boolean {
  if (e instanceof CliUsageError || e instanceof RecipeError || e instanceof GenerationUsageError || e instanceof SolverInputError) return true;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

function reportError(cmd: string, e: unknown): number {
  const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
  if (e instanceof GenerationInterrupted) {
    process.stderr.write(`pdes ${cmd}: ${msg}\n`);
    return 130;
  }
  process.stderr.write(`pdes ${cmd}: ${msg}\n`);
  if (process.env.PDES_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return isUsageError(e) ? 2 : 1;
}
