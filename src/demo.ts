/**
 * The demo as a library function: generate Burgers data (burgers-fno at nx = 256), plot a few
 * samples, train FNO-1D u(0) -> u(1) on all cores, evaluate the test split and write the report.
 * `pdes demo` is this function with its lines printed.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveRecipe } from '../datasets/recipes.js';
import { generateDataset } from '../datasets/generate.js';
import { packageVersion } from '../core/runtime.js';
import { describeDataset, formatSummary, h5ready } from './data/index.js';
import { describeBackend, initBackend, type BackendName } from './engine/backend.js';
import { plotDatasetSamples } from './evaluate/dataset_page.js';
import { train, type TrainOptionsInput } from './training/index.js';
import { reportRun, type EvaluateResult } from './evaluate/evaluate_run.js';
import { ProgressBar } from '../core/progress.js';

export interface DemoOptions {
  /** Folder for burgers.h5, samples.html, run/ and report.html. @default 'runs/demo' */
  dir?: string;
  /** Samples generated. @default 300 */
  samples?: number;
  /** Training epochs. @default 120 */
  epochs?: number;
  /** Worker threads for generation and data-parallel training. @default min(2, cores) */
  workers?: number;
  /** tfjs backend. @default as initBackend chooses */
  backend?: BackendName;
  /** Progress bars on stderr. @default true */
  progress?: boolean;
  /** Receives each line of the demo's account. @default nothing */
  say?: (line: string) => void;
  /** Abort to interrupt generation or training (finished work is kept). */
  signal?: AbortSignal;
}

export interface DemoResult {
  dataset: string;
  run: string;
  report: string;
  evaluation: EvaluateResult;
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const dir = opts.dir ?? path.join('runs', 'demo');
  const say = opts.say ?? ((): void => {});
  const showBar = opts.progress ?? true;
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'burgers.h5');
  const runDir = path.join(dir, 'run');
  const samples = opts.samples ?? 300;
  const epochs = opts.epochs ?? 120;
  const workers = opts.workers ?? Math.min(2, os.availableParallelism());
  const nTest = Math.max(2, Math.round(samples / 12));
  say(`pde-surrogate ${packageVersion()} demo: Burgers (nu = 0.1, GRF initial data) -> FNO-1D -> report`);
  say('1/4 generate');
  const recipe = resolveRecipe('burgers-fno', { samples, nx: 256, solveNx: 1024, frames: 11 });
  let barTotal = -1;
  let progress: ProgressBar | null = null;
  const gen = await generateDataset({
    recipe,
    out: file,
    workers,
    overwrite: true,
    signal: opts.signal,
    onProgress: (p) => {
      if (barTotal === -1)
        say(
          `generate ${recipe.name}: ${recipe.samples} samples, nx=${recipe.nx} (solved on ${recipe.solveNx}), ${recipe.nFrames} frames to t=${recipe.tEnd} -> ${file}`,
        );
      if (showBar && p.total !== barTotal) progress = new ProgressBar({ label: `generate ${recipe.name}`, total: p.total });
      barTotal = p.total;
      progress?.update(p.done);
    },
  }).finally(() => (progress as ProgressBar | null)?.end());
  say(
    gen.alreadyComplete
      ? `${file} is already complete (${gen.samples} samples); nothing to do`
      : `wrote ${file}: ${gen.samples} samples in ${gen.seconds.toFixed(1)} s`,
  );
  await h5ready();
  say(formatSummary(describeDataset(file)).split('\n').slice(0, 7).join('\n'));
  plotDatasetSamples(file, path.join(dir, 'samples.html'), { samples: [0, 1, 2], title: 'pde-surrogate demo: Burgers (burgers-fno, nu = 0.1)' });
  say(`2/4 train FNO-1D (16 modes, width 64, 4 layers) on u(0) -> u(1), ${epochs} epochs, ${workers} worker(s)`);
  const input: TrainOptionsInput = {
    data: file,
    out: runDir,
    model: { kind: 'fno' },
    epochs,
    batchSize: 20,
    schedule: { kind: 'cosine' },
    split: { val: nTest, test: nTest },
    workers,
    overwrite: true,
  };
  const info = await initBackend(opts.backend);
  const onStart = (): void =>
    say(`backend: ${describeBackend()}${info.name === 'wasm' ? ' (install @tensorflow/tfjs-node or -node-gpu for the native backend)' : ''}`);
  const res = await train({ ...input, backend: info.name }, { signal: opts.signal, progress: showBar ? process.stderr : false, onStart });
  res.model.dispose();
  const last = res.metrics[res.metrics.length - 1];
  say(`trained ${last?.epoch ?? 0} epochs: train loss ${(last?.trainLoss ?? NaN).toPrecision(4)}, validation loss ${last?.valLoss?.toPrecision(4)}`);
  say('3/4 evaluate');
  say('4/4 report');
  const r = await reportRun({ run: runDir });
  const ev = r.evaluation;
  say(
    `test relative L2: ${ev.metrics.mean.relL2.toPrecision(4)} over ${ev.indices.length} test samples (nRMSE ${ev.metrics.mean.nrmse.toPrecision(4)}, max error ${ev.metrics.mean.maxErr.toPrecision(4)})`,
  );
  say(`relative L2 by resolution: ${ev.resolution.map((x) => `nx=${x.nx}: ${x.relL2.toPrecision(4)}`).join(', ')}`);
  say(`metrics: ${path.join(runDir, 'eval.json')}`);
  say(`report:  ${r.path}`);
  return { dataset: file, run: runDir, report: r.path, evaluation: ev };
}
