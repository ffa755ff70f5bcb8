/**
 * The `pdes` command: a thin layer over library functions that scripts and notebooks call the
 * same way. Exit codes: 0 success, 1 failure, 2 usage error, 130 interrupted (work kept).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { exitCodeOf, InputError } from '../../core/errors.js';
import { escapeControl, fieldsToFlags } from './flags.js';
import { removeOwnTemps } from '../../core/atomic.js';
import { recipeJson, recipeSummaries, resolveRecipe, RECIPE_NAMES, type RecipeOverrides } from '../../datasets/recipes.js';
import { generateDataset, mergeShards, parseShard } from '../../datasets/generate.js';
import { gridLabel } from '../../datasets/families/index.js';
import { describeDataset, formatSummary, h5ready } from '../data/index.js';
import { plotDatasetSamples } from '../evaluate/dataset_page.js';
import { ProgressBar } from '../../core/progress.js';
import { packageVersion } from '../../core/runtime.js';
import { initBackend, describeBackend } from '../engine/backend.js';
import { modelKinds } from '../models/registry.js';
import { train, resolveTrainOptions, type TrainOptionsInput } from '../training/index.js';
import { registerModelModules } from '../models/plugins.js';
import { ENSEMBLE_FILE, EnsembleInterrupted, trainEnsemble } from '../uq/index.js';
import { evaluateRun, reportRun, type EvaluateOptions, type SplitName } from '../evaluate/evaluate_run.js';
import { evaluateUqRun, parseConserve, reportUqRun, type UqEvaluateOptions, type UqGroupResult } from '../evaluate/evaluate_uq.js';
import { type MetricsReport } from '../metrics/index.js';

/** A usage error: exit code 2. */
export class CliUsageError extends InputError {
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
  forcing: { type: 'string' },
  drag: { type: 'string' },
  'spin-up': { type: 'string' },
  parameter: { type: 'string' },
  'parameter-range': { type: 'string' },
  workers: { type: 'string' },
  out: { type: 'string', short: 'o' },
  'skip-resource-check': { type: 'boolean' },
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
    forcing: str(v.forcing),
    drag: num('drag', v.drag),
    spinUp: num('spin-up', v['spin-up']),
    parameter: str(v.parameter),
    parameterRange: str(v['parameter-range']),
  };
}

/** withInterrupts calls running: while one is, a signal aborts it instead of stopping the process. */
let abortable = 0;

/** Runs `fn` with SIGINT/SIGTERM turned into an abort (finished work is kept). */
async function withInterrupts<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  abortable++;
  try {
    return await fn(ac.signal);
  } finally {
    abortable--;
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
  const showBar = !v.quiet;
  let barTotal = -1;
  let progress: ProgressBar | null = null;
  // Printed once the run has passed its checks (at its first progress report): an error is then the only line.
  const banner = (): void => log(`generate ${recipe.name}: ${recipe.samples} samples${shard ? ` (shard ${shard.index}/${shard.count})` : ''}, ${gridLabel(recipe)}, ${recipe.nFrames} frames to t=${recipe.tEnd} -> ${out}`);
  const res = await withInterrupts((signal) =>
    generateDataset({
      recipe,
      out,
      workers,
      resume: Boolean(v.resume),
      force: Boolean(v.force),
      skipResourceCheck: Boolean(v['skip-resource-check']),
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


const TRAIN_OPTIONS: Options = {
  data: { type: 'string' },
  out: { type: 'string', short: 'o' },
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  lr: { type: 'string' },
  'weight-decay': { type: 'string' },
  optimizer: { type: 'string' },
  schedule: { type: 'string' },
  'step-size': { type: 'string' },
  gamma: { type: 'string' },
  loss: { type: 'string' },
  normalize: { type: 'string' },
  mapping: { type: 'string' },
  stride: { type: 'string' },
  history: { type: 'string' },
  future: { type: 'string' },
  pushforward: { type: 'string' },
  modes: { type: 'string' },
  modes1: { type: 'string' },
  modes2: { type: 'string' },
  modes3: { type: 'string' },
  width: { type: 'string' },
  layers: { type: 'string' },
  'in-channels': { type: 'string' },
  'out-channels': { type: 'string' },
  'out-frames': { type: 'string' },
  'model-config': { type: 'string' },
  'model-module': { type: 'string', multiple: true },
  dropout: { type: 'string' },
  ensemble: { type: 'string' },
  'ensemble-workers': { type: 'string' },
  train: { type: 'string' },
  val: { type: 'string' },
  test: { type: 'string' },
  seed: { type: 'string' },
  workers: { type: 'string' },
  'checkpoint-every': { type: 'string' },
  subsample: { type: 'string' },
  backend: { type: 'string' },
  resume: { type: 'boolean' },
  force: { type: 'boolean' },
  'skip-resource-check': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
};

/** Builds the trainer's options from CLI flags (the trainer validates every value). */
export function trainInputFromFlags(kind: string, v: Record<string, string | boolean | undefined>): TrainOptionsInput {
  const data = str(v.data);
  if (!data) throw new CliUsageError('pdes train needs a dataset: --data FILE.h5');
  const out = str(v.out);
  if (!out) throw new CliUsageError('pdes train needs a run directory: --out DIR');
  const model: Record<string, unknown> = { ...modelConfigFlag(v['model-config']), kind };
  const modelFlags: [string, string][] = [
    ['modes', 'nModes'],
    ['modes1', 'modes1'],
    ['modes2', 'modes2'],
    ['modes3', 'modes3'],
    ['width', 'width'],
    ['layers', 'nLayers'],
    ['in-channels', 'inChannels'],
    ['out-channels', 'outChannels'],
    ['out-frames', 'outFrames'],
  ];
  for (const [flag, key] of modelFlags) if (v[flag] !== undefined) model[key] = num(flag, v[flag], true);
  if (v.dropout !== undefined) model.dropout = num('dropout', v.dropout);
  const optimizer: Record<string, unknown> = {};
  if (v.optimizer !== undefined) optimizer.kind = str(v.optimizer);
  if (v.lr !== undefined) optimizer.lr = num('lr', v.lr);
  if (v['weight-decay'] !== undefined) optimizer.weightDecay = num('weight-decay', v['weight-decay']);
  const schedule: Record<string, unknown> = {};
  if (v.schedule !== undefined) schedule.kind = str(v.schedule);
  if (v['step-size'] !== undefined) schedule.stepSize = num('step-size', v['step-size'], true);
  if (v.gamma !== undefined) schedule.gamma = num('gamma', v.gamma);
  const mapping: Record<string, unknown> = {};
  if (v.mapping !== undefined) mapping.kind = str(v.mapping);
  for (const k of ['stride', 'history', 'future', 'pushforward'] as const) if (v[k] !== undefined) mapping[k] = num(k, v[k], true);
  const split: Record<string, unknown> = {};
  for (const k of ['train', 'val', 'test'] as const) if (v[k] !== undefined) split[k] = num(k, v[k]);
  const input: Record<string, unknown> = { data, out, model };
  if (Object.keys(optimizer).length) input.optimizer = optimizer;
  if (Object.keys(schedule).length) input.schedule = schedule;
  if (Object.keys(mapping).length) input.mapping = mapping;
  if (Object.keys(split).length) input.split = split;
  const numeric: [string, string, boolean][] = [
    ['epochs', 'epochs', true],
    ['batch-size', 'batchSize', true],
    ['seed', 'seed', true],
    ['workers', 'workers', true],
    ['checkpoint-every', 'checkpointEvery', true],
    ['subsample', 'subsample', true],
  ];
  for (const [flag, key, integer] of numeric) if (v[flag] !== undefined) input[key] = num(flag, v[flag], integer);
  if (v.loss !== undefined) input.loss = str(v.loss);
  if (v.normalize !== undefined) input.normalize = str(v.normalize);
  if (v.backend !== undefined) input.backend = str(v.backend);
  if (v.resume) input.resume = true;
  if (v.force) input.overwrite = true;
  if (v['skip-resource-check']) input.skipResourceCheck = true;
  const modules = moduleFlag(v['model-module']);
  if (modules.length > 0) input.modelModules = modules;
  return input as unknown as TrainOptionsInput;
}

/** --model-config '{"field": value, …}': model config fields the per-field flags do not cover. */
function modelConfigFlag(v: string | boolean | undefined): Record<string, unknown> {
  if (v === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(String(v));
  } catch (err) {
    throw new CliUsageError(`--model-config is not JSON (${(err as Error).message}): give an object, e.g. '{"nModes": 12}'`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliUsageError(`--model-config=${String(v)} is not a JSON object: give e.g. '{"nModes": 12}'`);
  return parsed as Record<string, unknown>;
}

/** The paths of repeated --model-module flags (parseArgs gives an array for `multiple` options). */
function moduleFlag(v: unknown): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v.map(String) : [String(v)];
}

async function runTrain(
  kind: string | undefined,
  v: Record<string, string | boolean | undefined>,
  say: (s: string) => void,
): Promise<{ out: string; lastVal: number | null; lastTrain: number; epochs: number; members?: number }> {
  await registerModelModules(moduleFlag(v['model-module']));
  if (!kind) throw new CliUsageError(`pdes train takes a model kind (known: ${modelKinds().join(', ')})`);
  const input = trainInputFromFlags(kind, v);
  const members = num('ensemble', v.ensemble, true);
  const ensembleWorkers = num('ensemble-workers', v['ensemble-workers'], true);
  if (members === undefined && ensembleWorkers !== undefined) throw new CliUsageError('--ensemble-workers needs --ensemble N (members)');
  if (members !== undefined && members < 1) throw new CliUsageError(`--ensemble=${members} is not allowed: use an integer >= 1 (members)`);
  if (ensembleWorkers !== undefined && ensembleWorkers < 1) throw new CliUsageError(`--ensemble-workers=${ensembleWorkers} is not allowed: use an integer >= 1`);
  // Validate everything before touching the engine, so bad input gets its one line and nothing else.
  resolveTrainOptions(input);
  const info = await initBackend(input.backend ?? undefined);
  // The banner once the run has passed every check: an error is then the only line.
  const onStart = (): void => say(`backend: ${describeBackend()}${info.name === 'wasm' ? ' (install @tensorflow/tfjs-node or -node-gpu for the native backend)' : ''}`);
  if (members !== undefined) {
    const progress = v.quiet ? false : process.stderr;
    const ens = await withInterrupts((signal) => trainEnsemble({ ...input, backend: info.name, ensemble: members, ensembleWorkers }, { signal, progress, onStart }));
    const lasts = ens.members.map((m) => m.metrics[m.metrics.length - 1]);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const vals = lasts.map((l) => l?.valLoss).filter((x): x is number => typeof x === 'number');
    return { out: ens.dir, lastVal: vals.length === lasts.length ? mean(vals) : null, lastTrain: mean(lasts.map((l) => l?.trainLoss ?? NaN)), epochs: lasts[0]?.epoch ?? 0, members };
  }
  const res = await withInterrupts((signal) => train({ ...input, backend: info.name }, { signal, progress: v.quiet ? false : process.stderr, onStart }));
  res.model.dispose();
  const last = res.metrics[res.metrics.length - 1];
  return { out: String(input.out), lastVal: last?.valLoss ?? null, lastTrain: last?.trainLoss ?? NaN, epochs: last?.epoch ?? 0 };
}

const EVALUATE_OPTIONS: Options = {
  run: { type: 'string' },
  data: { type: 'string' },
  split: { type: 'string' },
  strides: { type: 'string' },
  'rollout-steps': { type: 'string' },
  'model-module': { type: 'string', multiple: true },
  backend: { type: 'string' },
  json: { type: 'boolean' },
  conserve: { type: 'string', multiple: true },
  covariance: { type: 'string' },
  'mc-dropout': { type: 'string' },
  seed: { type: 'string' },
  ood: { type: 'string' },
  recalibrate: { type: 'boolean' },
};

/** The probabilistic path (src/evaluate/evaluate_uq.ts): an ensemble directory, or any UQ flag. */
function wantsUq(run: string, v: Record<string, string | boolean | undefined>): boolean {
  const uqFlag = v.conserve !== undefined || v.covariance !== undefined || v['mc-dropout'] !== undefined || v.ood !== undefined || v.recalibrate !== undefined;
  return uqFlag || fs.existsSync(path.join(run, ENSEMBLE_FILE));
}

function uqOptionsFromFlags(run: string, v: Record<string, string | boolean | undefined>): UqEvaluateOptions {
  const conserveFlags = (v.conserve as unknown as string[] | undefined) ?? [];
  const conserve = conserveFlags.flatMap((c) => c.split(',')).map(parseConserve);
  const cov = str(v.covariance);
  if (cov !== undefined && cov !== 'diag' && cov !== 'lowrank') throw new CliUsageError(`--covariance=${cov} is not allowed: use diag or lowrank`);
  const mc = num('mc-dropout', v['mc-dropout'], true);
  if (mc !== undefined && mc < 2) throw new CliUsageError(`--mc-dropout=${mc} is not allowed: use at least 2 passes`);
  return {
    run,
    data: str(v.data),
    split: str(v.split) as SplitName | undefined,
    conserve,
    ...(cov !== undefined ? { covariance: cov } : {}),
    ...(mc !== undefined ? { mcDropout: mc } : {}),
    seed: num('seed', v.seed, true),
    ood: str(v.ood),
    recalibrate: Boolean(v.recalibrate),
    rolloutSteps: num('rollout-steps', v['rollout-steps'], true),
    modelModules: moduleFlag(v['model-module']),
  };
}

function formatUqGroup(label: string, g: UqGroupResult): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toPrecision(4) : 'n/a');
  const head = `${label}: ${g.indices.length} samples of ${g.data} (mass from ${g.massSource})\n  ${'variant'.padEnd(20)} ${['MSE', 'log-lik', 'CRPS', 'cov50', 'cov90', 'cov95', '|dM|/M max'].map((h) => h.padStart(10)).join(' ')}`;
  const rows = g.variants.map((r) => {
    const m = r.metrics;
    return `  ${r.name.padEnd(20)} ${[m.mse, m.logLik, m.crps, ...m.coverage, m.conservation.relMaxAbs].map((x) => f(x).padStart(10)).join(' ')}${m.front ? `  front error ${f(m.front.meanAbs)}` : ''}`;
  });
  return [head, ...rows].join('\n');
}

function evaluateOptionsFromFlags(run: string, v: Record<string, string | boolean | undefined>): EvaluateOptions {
  const strides = v.strides === undefined ? undefined : String(v.strides).split(',').map((x) => num('strides', x, true) as number);
  return {
    run,
    data: str(v.data),
    split: str(v.split) as SplitName | undefined,
    strides,
    rolloutSteps: num('rollout-steps', v['rollout-steps'], true),
    modelModules: moduleFlag(v['model-module']),
  };
}

function formatMetrics(m: MetricsReport): string {
  const rows = Object.entries(m.mean).map(([k, val]) => `  ${k.padEnd(8)} ${Number.isFinite(val) ? (val as number).toPrecision(4) : 'n/a'}`);
  return rows.join('\n');
}

const COMMANDS: Record<string, Command> = {
  generate: {
    summary: 'generate a PDE dataset (HDF5, PDEBench layout) from a named recipe',
    usage: 'pdes generate <recipe> -o FILE.h5 [options]',
    options: GENERATE_OPTIONS,
    help: `Recipes: ${RECIPE_NAMES.join(', ')} (see 'pdes recipes').
Options (each overrides the recipe):
  --samples N        number of samples
  --nx N             stored grid points (per side for Navier-Stokes)
  --solve-nx N       grid points the solver uses (a multiple of --nx; Navier-Stokes: stored by spectral truncation)
  --nu X             viscosity (burgers-pdebench: PDEBench's Nu, the solver uses Nu/pi)
  --seed N           seed; sample i draws from stream (seed, i)
  --frames N         stored frames, equally spaced on [0, t-end]
  --t-end X          final time
  --method M         spectral | fv
  --scheme S         spectral: etdrk4 | imex-cnrk; fv: weno5 | muscl-minmod | muscl-vanleer;
                     Navier-Stokes: cn-rk3 | cn-euler (the FNO script's scheme);
                     GPME: bdf2 | crank-nicolson | backward-euler
  --flux F           fv flux: godunov | rusanov; GPME face diffusivity: kirchhoff | arithmetic
  --cfl X            CFL number in (0, 1]
  --dt X             fixed time step instead of the adaptive CFL step (GPME: the largest implicit step)
  --ic KIND          initial-condition sampler: grf | sum-of-sines
  --forcing F        Navier-Stokes forcing: fno | kolmogorov | none
  --drag X           Navier-Stokes linear drag alpha (>= 0)
  --spin-up X        Navier-Stokes time run before the first stored frame (discarded)
  --parameter A,B    GPME: samples cycle through these values of k / m / p* (held-out tests)
  --parameter-range a:b  GPME: draw k / m / p* uniformly from [a, b] per sample
  --workers N        worker threads (default: all cores)
  --shard i/N        generate the i-th of N deterministic slices (merge with 'pdes merge')
  --resume           complete a file that was cut short (same options required)
  --force            overwrite an existing file
  --skip-resource-check  start even when the file looks larger than the free disk, or the run than the memory
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
  train: {
    summary: 'train a surrogate on a dataset (checkpoints, resume, data-parallel workers)',
    usage: 'pdes train <model> --data FILE.h5 --out DIR [options]',
    options: TRAIN_OPTIONS,
    help: `Models: ${modelKinds().join(', ')}. Writes DIR/config.json, DIR/metrics.jsonl (one line per epoch) and
DIR/checkpoint.safetensors (every --checkpoint-every epochs, at the end, and on Ctrl-C).
Options:
  --epochs N            epochs (default 500, the FNO paper)
  --batch-size N        samples per step (default 20)
  --optimizer K         adam (L2 weight decay, as the FNO code) | adamw (decoupled)
  --lr X                learning rate (default 1e-3)
  --weight-decay X      (default 1e-4)
  --schedule K          step (default: halve every 100 epochs) | cosine | constant
  --step-size N, --gamma X   step schedule parameters
  --loss K              rel-l2 (default) | mse | gaussian-nll (a noise head: mean and variance channels,
                        Gaussian negative log-likelihood in normalised units)
  --normalize K         pointwise (default) | scalar | none; fitted on the training split only
  --mapping K           initial-to-final (u(0) -> u(T), default) | next-step (u(t) -> u(t+dt), rollouts)
                        | window (k frames -> the next m, stacked as channels; rollouts)
  --stride N            frames between input and output (next-step), between window frames (window)
  --history N           window: input frames k per model call (default 10)
  --future N            window: output frames m per model call (default 1)
  --pushforward N       window: unroll the model N times without gradient before the loss
                        (Brandstetter et al. 2022; default 0)
  --modes N, --width N, --layers N   FNO size (default 16, 64, 4)
  --modes1 N, --modes2 N, --modes3 N Fourier modes along x, y (fno2d, fno3d) and t (fno3d)
  --in-channels N, --out-channels N  model channels (default: history x fields, future x fields)
  --out-frames N        output frames of models with one channel per frame (fno3d; default: future)
  --model-config JSON   other model config fields, e.g. '{"projectionChannels": 32}'
  --dropout X           fno: dropout rate after each Fourier layer (training; MC dropout at inference)
  --ensemble M          a deep ensemble of M members (seeds seed, seed+1, …; one data split): writes
                        DIR/ensemble.json and DIR/member-<i>/ (each a run directory; --resume continues
                        the unfinished members)
  --ensemble-workers N  members trained at a time, one worker thread each (default: all cores)
  --model-module FILE   import FILE and register the model kinds it exports as modelEntries
                        (repeatable; workers import it too)
  --train N, --val N, --test N       split by sample index: counts, or fractions < 1
  --subsample N         spatial stride of the data (FNO's sub)
  --seed N              seeds weights, split and batch order
  --workers N           threads for data-parallel training (default 1)
  --checkpoint-every N  (default 10)
  --backend NAME        tensorflow | wasm | cpu (or PDES_BACKEND)
  --resume              continue the run in DIR (same options)
  --force               replace a run already in DIR
  --skip-resource-check start even when the estimated memory exceeds what is available
  -q, --quiet           no progress bar`,
    run: async (v, pos) => {
      if (pos.length > 1) throw new CliUsageError(`pdes train takes one model kind, got ${pos.length}`);
      let r: Awaited<ReturnType<typeof runTrain>>;
      try {
        r = await runTrain(pos[0], v, (s) => process.stderr.write(`${s}\n`));
      } catch (e) {
        if (!(e instanceof EnsembleInterrupted)) throw e;
        process.stderr.write(`pdes train: ${e.message}\n`);
        return e.exitCode;
      }
      const losses = `train loss ${r.lastTrain.toPrecision(4)}${r.lastVal === null ? '' : `, validation loss ${r.lastVal.toPrecision(4)}`}`;
      if (r.members !== undefined) process.stdout.write(`trained an ensemble of ${r.members} members, ${r.epochs} epochs each: mean ${losses}; ensemble in ${r.out}\n`);
      else process.stdout.write(`trained ${r.epochs} epochs: ${losses}; run in ${r.out}\n`);
      return 0;
    },
  },
  evaluate: {
    summary: 'evaluate a trained run: relative L2, PDEBench RMSE/nRMSE/cRMSE/bRMSE/fRMSE, max error (JSON)',
    usage: 'pdes evaluate --run DIR [--data FILE.h5] [--split test] [--strides 1,2,4] [--rollout-steps N] [--json]',
    options: EVALUATE_OPTIONS,
    help: `Writes DIR/eval.json (per sample and aggregated). --data evaluates on another file (e.g. the same recipe at a finer --nx);
--strides sub-samples it for the error-vs-resolution curve (2D data: only when asked, also for a grid other than the training one).
Next-step and window runs are evaluated by rollout from the first input frames of each sample:
  --rollout-steps N     predict N frames (default: every frame after the first input window)
  --model-module FILE   import FILE to register the run's model kind (as for pdes train)
Probabilistic evaluation (an ensemble directory from --ensemble M, a --loss gaussian-nll run, or --mc-dropout K)
writes DIR/uq.json: MSE, Gaussian log-likelihood, CRPS, coverage of 50/90/95% intervals, calibration, conservation error:
  --conserve C          add a variant: exact (ProbConserv's projection, sigma = 0), noisy:SIGMA, or hard (HardC);
                        repeat or comma-separate (--conserve exact,hard)
  --covariance K        Sigma of the projection: diag (predictive variances, default) or lowrank (ensemble factor)
  --mc-dropout K        K seeded dropout passes of a run trained with --dropout (--seed S)
  --ood FILE            also evaluate every sample of FILE (e.g. held-out parameters)
  --recalibrate         scale every sigma so that 90% intervals cover 90% of the validation split (needs --val at training)`,
    run: async (v) => {
      const run = str(v.run);
      if (!run) throw new CliUsageError('pdes evaluate needs a run: --run DIR');
      await initBackend(str(v.backend));
      // The backend line comes with the results: an error is then the only line.
      const banner = (): boolean => process.stderr.write(`backend: ${describeBackend()}\n`);
      if (wantsUq(run, v)) {
        const u = await evaluateUqRun(uqOptionsFromFlags(run, v));
        banner();
        if (v.json) process.stdout.write(`${JSON.stringify(u, null, 2)}\n`);
        else {
          const rc = u.recalibration ? `; sigma x ${u.recalibration.sigmaScale.toPrecision(4)} from ${u.recalibration.samples} validation samples` : '';
          process.stdout.write(`${u.method}${u.members > 1 ? ` of ${u.members}` : ''}; frames ${u.frames[0]}-${u.frames[u.frames.length - 1]}${rc}\n${formatUqGroup('in distribution', u.inDistribution)}\n`);
          if (u.ood) process.stdout.write(`${formatUqGroup('out of distribution', u.ood)}\n`);
        }
        return 0;
      }
      const r = await evaluateRun(evaluateOptionsFromFlags(run, v));
      banner();
      if (v.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      else {
        process.stdout.write(`${r.split} set: ${r.indices.length} samples of ${r.data}\nmean over samples:\n${formatMetrics(r.metrics)}\n`);
        process.stdout.write(`relative L2 by resolution: ${r.resolution.map((x) => `${x.grid.length === 1 ? `nx=${x.nx}` : x.grid.join('x')}: ${x.relL2.toPrecision(4)}`).join(', ')}\n`);
        if (r.rollout !== null) {
          process.stdout.write(`rollout: ${r.rollout.nFrames} frames from t=${r.rollout.times[0]} to t=${r.rollout.times[r.rollout.nFrames - 1]}; relative L2 per frame ${r.metrics.perFrame.relL2.map((e) => e.toPrecision(3)).join(' ')}\n`);
        }
        const ns = r.metrics2d?.ns;
        if (ns) {
          const c = ns.correlation.mean;
          process.stdout.write(
            `vorticity correlation with the DNS: ${c[0].toPrecision(3)} at the first frame, ${c[c.length - 1].toPrecision(3)} at the last; time above ${ns.highCorrelationTime.threshold}: median ${ns.highCorrelationTime.median.toPrecision(3)}, mean ${ns.highCorrelationTime.mean.toPrecision(3)} (from the last input frame)\n`,
          );
        }
      }
      return 0;
    },
  },
  report: {
    summary: 'write the HTML report comparing a trained surrogate with the reference solver',
    usage: 'pdes report --run DIR [--data FILE.h5] [-o PAGE.html] [--rollout-steps N]',
    options: { ...EVALUATE_OPTIONS, out: { type: 'string', short: 'o' } },
    help: 'Self-contained page (plotly inlined): best/median/worst samples, errors, resolution, training curves, rollouts\n(2D data: the line through the middle of the y grid). Takes the options of pdes evaluate.',
    run: async (v) => {
      const run = str(v.run);
      if (!run) throw new CliUsageError('pdes report needs a run: --run DIR');
      await initBackend(str(v.backend));
      const banner = (): boolean => process.stderr.write(`backend: ${describeBackend()}\n`);
      if (wantsUq(run, v)) {
        const u = await reportUqRun({ ...uqOptionsFromFlags(run, v), out: str(v.out) });
        banner();
        process.stdout.write(`wrote ${u.path} (${u.evaluation.inDistribution.variants.map((x) => `${x.name} MSE ${x.metrics.mse.toPrecision(4)}`).join(', ')})\n`);
        return 0;
      }
      const r = await reportRun({ ...evaluateOptionsFromFlags(run, v), out: str(v.out) });
      banner();
      process.stdout.write(`wrote ${r.path} (test relative L2 ${r.evaluation.metrics.mean.relL2.toPrecision(4)})\n`);
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
      process.stdout.write(v.json ? `${JSON.stringify(summary, null, 2)}\n` : `${escapeControl(formatSummary(summary), true)}\n`);
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
    summary: 'the main job on an embedded default: generate Burgers data, train FNO-1D on both cores, evaluate, report',
    usage: 'pdes demo [--out DIR] [--workers N] [--epochs N] [--samples N]',
    options: {
      out: { type: 'string', short: 'o' },
      workers: { type: 'string' },
      epochs: { type: 'string' },
      samples: { type: 'string' },
      backend: { type: 'string' },
      quiet: { type: 'boolean', short: 'q' },
    },
    help: `Generates DIR/burgers.h5 (burgers-fno at nx=256, 300 samples), plots samples (DIR/samples.html),
trains FNO-1D u(0) -> u(1) for 120 epochs on all cores (DIR/run), evaluates the test split and writes
DIR/report.html. Default DIR: runs/demo. About 3-4 minutes on 2 cores.`,
    run: async (v) => {
      const dir = str(v.out) ?? path.join('runs', 'demo');
      fs.mkdirSync(dir, { recursive: true });
      const file = path.join(dir, 'burgers.h5');
      const runDir = path.join(dir, 'run');
      const say = (s: string): void => {
        process.stdout.write(`${s}\n`);
      };
      const samples = num('samples', v.samples, true) ?? 300;
      const epochs = num('epochs', v.epochs, true) ?? 120;
      const workers = str(v.workers) ?? String(Math.min(2, os.availableParallelism()));
      const nTest = Math.max(2, Math.round(samples / 12));
      say(`pde-surrogate ${packageVersion()} demo: Burgers (nu = 0.1, GRF initial data) -> FNO-1D -> report`);
      say('1/4 generate');
      const msg = await runGenerate(
        { samples: String(samples), nx: '256', 'solve-nx': '1024', frames: '11', out: file, force: true, workers, quiet: v.quiet },
        ['burgers-fno'],
        (s) => say(s),
      );
      say(msg);
      await h5ready();
      say(formatSummary(describeDataset(file)).split('\n').slice(0, 7).join('\n'));
      plotDatasetSamples(file, path.join(dir, 'samples.html'), { samples: [0, 1, 2], title: 'pde-surrogate demo: Burgers (burgers-fno, nu = 0.1)' });
      say(`2/4 train FNO-1D (16 modes, width 64, 4 layers) on u(0) -> u(1), ${epochs} epochs, ${workers} worker(s)`);
      const trained = await runTrain(
        'fno',
        {
          data: file,
          out: runDir,
          epochs: String(epochs),
          'batch-size': '20',
          schedule: 'cosine',
          test: String(nTest),
          val: String(nTest),
          workers,
          force: true,
          backend: str(v.backend),
          quiet: v.quiet,
        },
        say,
      );
      say(`trained ${trained.epochs} epochs: train loss ${trained.lastTrain.toPrecision(4)}, validation loss ${trained.lastVal?.toPrecision(4)}`);
      say('3/4 evaluate');
      say('4/4 report');
      const r = await reportRun({ run: runDir });
      const ev = r.evaluation;
      say(`test relative L2: ${ev.metrics.mean.relL2.toPrecision(4)} over ${ev.indices.length} test samples (nRMSE ${ev.metrics.mean.nrmse.toPrecision(4)}, max error ${ev.metrics.mean.maxErr.toPrecision(4)})`);
      say(`relative L2 by resolution: ${ev.resolution.map((x) => `nx=${x.nx}: ${x.relL2.toPrecision(4)}`).join(', ')}`);
      say(`metrics: ${path.join(runDir, 'eval.json')}`);
      say(`report:  ${r.path}`);
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
  const stopOnSignal = onSignalStop(name);
  try {
    const args = joinNegativeValues(rest, cmd.options);
    const { values, positionals } = parseArgs({ args, options: cmd.options, allowPositionals: true, strict: true });
    for (const [flag, value] of Object.entries(values)) {
      if (value === '' || (Array.isArray(value) && value.includes(''))) throw new CliUsageError(`--${flag} is empty: give it a value`);
    }
    return await cmd.run(values as Record<string, string | boolean | undefined>, positionals);
  } catch (e) {
    return reportError(name, e);
  } finally {
    stopOnSignal();
  }
}

/**
 * SIGINT and SIGTERM stop every command with exit code 130 and one line. Generate and train turn
 * them into an abort that keeps finished work (withInterrupts); any other command (evaluate,
 * report, merge, info, plot) stops at once: its outputs are written whole or not at all, so an
 * interruption leaves the previous file or none. Returns the uninstaller.
 */
function onSignalStop(cmd: string): () => void {
  const stop = (signal: NodeJS.Signals): void => {
    if (abortable > 0) return;
    removeOwnTemps();
    process.stderr.write(`pdes ${cmd}: interrupted by ${signal}; nothing was written\n`);
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
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

function reportError(cmd: string, e: unknown): number {
  const msg = escapeControl((e instanceof Error ? e.message : String(e)).split('\n')[0]);
  const code = exitCodeOf(e);
  process.stderr.write(`pdes ${cmd}: ${code === 2 ? fieldsToFlags(msg) : msg}\n`);
  if (process.env.PDES_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return code;
}
