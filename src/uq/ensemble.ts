/**
 * Deep ensembles (Lakshminarayanan et al. 2017): M seeded runs of the one trainer. Member i is a
 * normal `train()` run with seed = base seed + i (its weights' initialisation, batch order and
 * dropout masks; a model seed given in the options is offset the same way), all members sharing
 * the base seed's data split (`splitSeed`). Each member trains in its own worker thread (one tfjs
 * instance each; at most `ensembleWorkers` at a time) into `<out>/member-<i>/`, a normal run
 * directory, so every member checkpoints and resumes like any run; `<out>/ensemble.json` records the
 * members, their seeds and the options. A member's numbers do not depend on which other members run
 * beside it: the same seed gives bit-identical weights in parallel or one after another.
 *
 * This module only orchestrates training and aggregates predictions (src/uq/aggregate.ts).
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { Worker } from 'node:worker_threads';
import { compiledModuleUrl, packageVersion } from '../../core/runtime.js';
import { H5Dataset, h5ready } from '../data/index.js';
import { lockOutput } from '../data/lock.js';
import { ENSEMBLE_FILE, LOCK_FILE, memberDir, writeJsonAtomic } from '../training/run_dir.js';
import { CHECKPOINT_FILE, loadCheckpoint, readCheckpoint, type EpochMetrics, type LoadedCheckpoint } from '../training/checkpoint.js';
import { TrainOptionsError } from '../training/errors.js';
import { firstDifference, resolveTrainOptions, RESUMABLE_CHANGES, type TrainOptions, type TrainOptionsInput } from '../training/options.js';
import { registerModelModules } from '../models/plugins.js';
import { predictPasses, type PredictOptions, type Prediction } from '../inference/rollout.js';
import { ProgressBar } from '../../core/progress.js';
import { aggregateSamples, type PredictiveMoments, type SampledValues } from './aggregate.js';
import type { MemberReply } from './ensemble_worker.js';
import { EnsembleInterrupted, UqError } from './errors.js';

export { ENSEMBLE_FILE, memberDir };
export const ENSEMBLE_FORMAT = 'pde-surrogate-ensemble';
export const ENSEMBLE_VERSION = 1;

/** Training options of an ensemble: the trainer's, plus the member count and the worker threads. */
export interface EnsembleOptionsInput extends TrainOptionsInput {
  /** Members M (>= 1). */
  ensemble: number;
  /**
   * Members trained at a time, each in its own worker thread (a member with `workers` > 1 starts
   * that many threads of its own). @default os.availableParallelism()
   */
  ensembleWorkers?: number;
  /**
   * When the members do not divide into the threads (5 members on 2 threads), the last round's
   * r members each train with ⌊threads / r⌋ data-parallel workers once every other member has
   * finished, instead of leaving threads idle. Their weights then equal a `workers: ⌊threads / r⌋`
   * run of that member (deterministic, but not bit-identical to a 1-worker run; data-parallel
   * gradients agree to ~1e-5). false keeps every member on one thread, bit-identical whatever
   * `ensembleWorkers` is. @default true
   */
  tailDataParallel?: boolean;
}

/** `<out>/ensemble.json`. */
export interface EnsembleManifest {
  format: typeof ENSEMBLE_FORMAT;
  version: number;
  packageVersion: string;
  /** Members M. */
  ensemble: number;
  /** Member i: its seed (base seed + i) and its run directory, relative to the ensemble's. */
  members: { index: number; seed: number; dir: string }[];
  seeds: number[];
  /** Seed of the data split every member shares. */
  splitSeed: number;
  /** The base options, resolved (member i differs in seed, model seed and out). */
  options: TrainOptions;
}

export interface EnsembleHooks {
  /** Abort to stop every running member after its current batch (each saves a checkpoint); `EnsembleInterrupted` is thrown. */
  signal?: AbortSignal;
  onMemberEpoch?(member: number, metrics: EpochMetrics): void;
  onMemberDone?(member: MemberResult): void;
  /** Called once every check has passed and the ensemble directory is held, before any member starts. */
  onStart?(): void;
  /** Where the progress bar (member epochs) goes; false for none. @default process.stderr */
  progress?: NodeJS.WriteStream | false;
}

export interface MemberResult {
  index: number;
  seed: number;
  /** The member's run directory. */
  dir: string;
  checkpoint: string;
  metrics: EpochMetrics[];
  /** Training time in this call (0 when it was already finished). */
  seconds: number;
  /** Finished before this call (a resumed ensemble). */
  alreadyFinished: boolean;
}

export interface EnsembleResult {
  dir: string;
  manifest: EnsembleManifest;
  members: MemberResult[];
  seconds: number;
}

/** Member i's training options: seed + i (and model seed + i when given), the base split seed, its own out. */
export function memberOptions(base: TrainOptionsInput, i: number, out: string): TrainOptionsInput {
  const seed = (base.seed ?? 0) + i;
  const model = { ...base.model };
  if (typeof model.seed === 'number') model.seed = model.seed + i;
  return { ...base, model, seed, splitSeed: base.splitSeed ?? base.seed ?? 0, out: nodePath.join(out, memberDir(i)) };
}

/**
 * Trains an ensemble of `input.ensemble` members into `input.out` (required); with `resume`,
 * continues the unfinished members of the ensemble there (finished ones are kept), with
 * `overwrite`, replaces it. Throws a one-line `TrainOptionsError` for bad options before any
 * member starts, `EnsembleInterrupted` after an abort.
 */
export async function trainEnsemble(input: EnsembleOptionsInput, hooks: EnsembleHooks = {}): Promise<EnsembleResult> {
  const t0 = performance.now();
  if (input === null || typeof input !== 'object') throw new TrainOptionsError(`ensemble options ${String(input)} are not allowed: use an object`);
  const { ensemble: M, ensembleWorkers, tailDataParallel, ...base } = input;
  if (typeof M !== 'number' || !Number.isSafeInteger(M) || M < 1)
    throw new TrainOptionsError(`ensemble=${String(M)} is not allowed: use an integer >= 1 (members)`);
  const lanes = ensembleWorkers ?? os.availableParallelism();
  if (typeof lanes !== 'number' || !Number.isSafeInteger(lanes) || lanes < 1)
    throw new TrainOptionsError(`ensembleWorkers=${String(lanes)} is not allowed: use an integer >= 1`);
  const modules = Array.isArray(base.modelModules) ? base.modelModules.filter((m) => typeof m === 'string' && m !== '') : [];
  await registerModelModules(modules);
  const opts = resolveTrainOptions(base);
  if (opts.out === null) throw new TrainOptionsError('an ensemble needs out: its members are written to <out>/member-<i>/');
  const out = opts.out;
  // Every member's options against the data before any member starts.
  await h5ready();
  const ds = H5Dataset.open(opts.data);
  try {
    for (let i = 0; i < M; i++) resolveTrainOptions(memberOptions(base, i, out), ds);
  } finally {
    ds.close();
  }

  // One trainer per ensemble directory (members also lock their own folders).
  const created = !fs.existsSync(out);
  fs.mkdirSync(out, { recursive: true });
  const lock = lockOutput(nodePath.join(out, LOCK_FILE), `ensemble directory ${out}`);
  try {
    const manifestPath = nodePath.join(out, ENSEMBLE_FILE);
    if (opts.resume) {
      if (!fs.existsSync(manifestPath)) throw new TrainOptionsError(`resume: ${out} holds no ensemble (${ENSEMBLE_FILE}): train it without resume first`);
      const old = readEnsembleManifest(out);
      if (old.ensemble !== M)
        throw new TrainOptionsError(`resume: ${out} holds an ensemble of ${old.ensemble} members, not ${M}: use ensemble ${old.ensemble} or another out`);
      const diff = firstDifference(old.options, opts, [...RESUMABLE_CHANGES, 'out']);
      if (diff !== null)
        throw new TrainOptionsError(
          `resume: the ensemble in ${out} was trained with other options (${diff}, then vs now); use the same options or another out`,
        );
    } else {
      const existing = fs.existsSync(out) ? fs.readdirSync(out).filter((f) => f === ENSEMBLE_FILE || /^member-\d+$/.test(f)) : [];
      if (existing.length > 0) {
        if (!opts.overwrite)
          throw new TrainOptionsError(
            `out=${out} already holds an ensemble (${existing.sort()[0]}): pass resume: true to continue it or overwrite: true to replace it`,
          );
        for (const f of existing) fs.rmSync(nodePath.join(out, f), { recursive: true, force: true });
      }
    }
    fs.mkdirSync(out, { recursive: true });
    const splitSeed = opts.splitSeed ?? opts.seed;
    const manifest: EnsembleManifest = {
      format: ENSEMBLE_FORMAT,
      version: ENSEMBLE_VERSION,
      packageVersion: packageVersion(),
      ensemble: M,
      members: Array.from({ length: M }, (_, i) => ({ index: i, seed: opts.seed + i, dir: memberDir(i) })),
      seeds: Array.from({ length: M }, (_, i) => opts.seed + i),
      splitSeed,
      options: opts,
    };
    writeJsonAtomic(manifestPath, manifest);

    // What each member still needs: nothing (finished), a resume from its checkpoint, or a fresh run.
    const results: (MemberResult | null)[] = Array.from({ length: M }, () => null);
    const todo: { index: number; input: TrainOptionsInput }[] = [];
    let epochsDone = 0;
    for (let i = 0; i < M; i++) {
      const member = memberOptions(base, i, out);
      const dir = member.out as string;
      const ckpt = nodePath.join(dir, CHECKPOINT_FILE);
      if (opts.resume && fs.existsSync(ckpt)) {
        const meta = readCheckpoint(ckpt).meta;
        epochsDone += Math.min(meta.epoch, opts.epochs);
        if (meta.epoch >= opts.epochs && meta.batch === 0) {
          results[i] = { index: i, seed: opts.seed + i, dir, checkpoint: ckpt, metrics: meta.metrics, seconds: 0, alreadyFinished: true };
          continue;
        }
        todo.push({ index: i, input: { ...member, resume: true, overwrite: false } });
      } else {
        todo.push({ index: i, input: { ...member, resume: false, overwrite: true } });
      }
    }

    hooks.onStart?.();
    const bar =
      hooks.progress === false || todo.length === 0
        ? null
        : new ProgressBar({ label: `ensemble of ${M}`, total: M * opts.epochs, unit: 'member epochs', stream: hooks.progress });
    bar?.update(epochsDone);
    const stop = new AbortController();
    const onAbort = (): void => stop.abort();
    hooks.signal?.addEventListener('abort', onAbort);
    if (hooks.signal?.aborted) stop.abort();
    let failure: Error | null = null;
    const queue = todo.slice();
    const tail: typeof todo = [];
    const lane = async (): Promise<void> => {
      for (;;) {
        if (stop.signal.aborted) return;
        const job = queue.shift();
        if (job === undefined) return;
        try {
          const r = await runMember(job.index, job.input, stop.signal, (m) => {
            epochsDone++;
            bar?.update(epochsDone);
            hooks.onMemberEpoch?.(job.index, m);
          });
          if (r === null) continue;
          const res: MemberResult = {
            index: job.index,
            seed: opts.seed + job.index,
            dir: job.input.out as string,
            checkpoint: r.checkpoint as string,
            metrics: r.metrics,
            seconds: r.seconds,
            alreadyFinished: false,
          };
          results[job.index] = res;
          hooks.onMemberDone?.(res);
        } catch (err) {
          failure ??= err as Error;
          stop.abort();
        }
      }
    };
    // The last, incomplete round: its r members share all the threads (see `tailDataParallel`).
    const r = lanes > 1 ? todo.length % lanes : 0;
    const split = (tailDataParallel ?? true) && r > 0 && Math.floor(lanes / r) > 1 && todo.length > r;
    if (split) {
      const perMember = Math.floor(lanes / r);
      for (const job of queue.splice(todo.length - r)) tail.push({ ...job, input: { ...job.input, workers: perMember * (job.input.workers ?? 1) } });
    }
    try {
      await Promise.all(Array.from({ length: Math.min(lanes, queue.length) }, lane));
      if (failure === null && !stop.signal.aborted && tail.length > 0) {
        queue.push(...tail);
        await Promise.all(Array.from({ length: tail.length }, lane));
      }
    } finally {
      hooks.signal?.removeEventListener('abort', onAbort);
      bar?.end();
    }
    if (failure !== null) throw failure;
    const finished = results.filter((r): r is MemberResult => r !== null);
    if (finished.length < M) throw new EnsembleInterrupted(out, finished.length, M);
    return { dir: out, manifest, members: finished, seconds: (performance.now() - t0) / 1000 };
  } finally {
    lock.release();
    if (created && fs.existsSync(out) && fs.readdirSync(out).length === 0) fs.rmdirSync(out);
  }
}

/**
 * Trains one member in a worker thread. Resolves with its outcome, or null when it was
 * interrupted (its checkpoint saved); rejects when it failed.
 */
function runMember(
  index: number,
  input: TrainOptionsInput,
  signal: AbortSignal,
  onEpoch: (m: EpochMetrics) => void,
): Promise<{ metrics: EpochMetrics[]; checkpoint: string | null; seconds: number } | null> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(compiledModuleUrl(import.meta.url, './ensemble_worker.js'), { workerData: { input } });
    const abort = (): void => worker.postMessage({ type: 'abort' });
    let settled = false;
    const finish = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', abort);
      void worker.terminate();
      fn();
    };
    signal.addEventListener('abort', abort);
    if (signal.aborted) abort();
    worker.on('message', (r: MemberReply) => {
      if (r.type === 'epoch') onEpoch(r.metrics);
      else if (r.type === 'done') finish(() => resolve({ metrics: r.metrics, checkpoint: r.checkpoint, seconds: r.seconds }));
      else if (r.name === 'TrainingInterrupted') finish(() => resolve(null));
      else if (r.name === 'TrainOptionsError') finish(() => reject(new TrainOptionsError(`ensemble member ${index}: ${r.message}`)));
      else finish(() => reject(new Error(`ensemble member ${index} (${input.out}): ${r.message}`)));
    });
    worker.on('error', (err) => finish(() => reject(new Error(`ensemble member ${index} (${input.out}) failed: ${err.message}`))));
    worker.on('exit', (code) => finish(() => reject(new Error(`ensemble member ${index}'s worker exited with code ${code}`))));
  });
}

/** Reads and checks `<dir>/ensemble.json`. */
export function readEnsembleManifest(dir: string): EnsembleManifest {
  const file = nodePath.join(dir, ENSEMBLE_FILE);
  if (!fs.existsSync(file)) throw new UqError(`no ensemble in ${dir} (no ${ENSEMBLE_FILE}): train one with pdes train … --ensemble M --out ${dir}`);
  let m: EnsembleManifest;
  try {
    m = JSON.parse(fs.readFileSync(file, 'utf8')) as EnsembleManifest;
  } catch (err) {
    throw new UqError(`${file} is not JSON: ${(err as Error).message}`);
  }
  if (m.format !== ENSEMBLE_FORMAT || !Array.isArray(m.members))
    throw new UqError(`${file} is not a pde-surrogate ensemble manifest (format ${JSON.stringify(m.format)})`);
  if (m.version > ENSEMBLE_VERSION)
    throw new UqError(`${file}: ensemble format ${m.version} is newer than this pde-surrogate supports (${ENSEMBLE_VERSION}); upgrade pde-surrogate`);
  return m;
}

/** An ensemble's members, loaded. */
export interface LoadedEnsemble {
  dir: string;
  manifest: EnsembleManifest;
  /** Member i's checkpoint and model. */
  members: LoadedCheckpoint[];
  /** The members have a noise head (trained with the 'gaussian-nll' loss). */
  noiseHead: boolean;
  /** Disposes every member's model. */
  dispose(): void;
}

export interface LoadEnsembleOptions {
  /** Initialise this tfjs backend first. @default the active one */
  backend?: PredictOptions['backend'];
  /**
   * Modules registering the members' model kind. Only these are imported: module paths recorded in
   * the ensemble's files are never loaded from there (no code runs because a data folder says so).
   * @default []
   */
  modelModules?: string[];
}

/**
 * Loads every member of the ensemble in `dir`; throws a one-line `UqError` when there is no
 * ensemble or a member is missing or unfinished.
 */
export async function loadEnsemble(dir: string, opts: LoadEnsembleOptions = {}): Promise<LoadedEnsemble> {
  const manifest = readEnsembleManifest(dir);
  await registerModelModules(opts.modelModules ?? []);
  const members: LoadedCheckpoint[] = [];
  const disposeAll = (): void => members.forEach((m) => m.dispose());
  try {
    for (const m of manifest.members) {
      const memberPath = nodePath.join(dir, m.dir);
      if (!fs.existsSync(nodePath.join(memberPath, CHECKPOINT_FILE))) {
        throw new UqError(
          `ensemble member ${m.index} has no checkpoint in ${memberPath}: resume the ensemble (pdes train … --ensemble ${manifest.ensemble} --resume)`,
        );
      }
      const ckpt = await loadCheckpoint(memberPath, { backend: opts.backend });
      members.push(ckpt);
      const { epoch, batch, trainOptions } = ckpt.meta;
      if (epoch < trainOptions.epochs || batch !== 0) {
        throw new UqError(
          `ensemble member ${m.index} in ${memberPath} is unfinished (${epoch} of ${trainOptions.epochs} epochs): resume the ensemble (pdes train … --ensemble ${manifest.ensemble} --resume)`,
        );
      }
    }
  } catch (err) {
    disposeAll();
    throw err;
  }
  const heads = members.map((m) => m.meta.trainOptions.loss === 'gaussian-nll');
  return { dir, manifest, members, noiseHead: heads.every(Boolean), dispose: disposeAll };
}

/**
 * Sampled predictions aggregated (see aggregate.ts) with everything a `Prediction` holds, so it is
 * evaluated like one: `pred` is the predictive mean, `variance` the predictive variance.
 * Arrays are row-major [n, nt, ...spatial, C]; the low-rank factor is [n, P, rank] with
 * P = nt·points·C per sample.
 */
export type UqPrediction = Omit<Prediction, 'pred' | 'variance'> &
  PredictiveMoments & {
    /** The predictive mean (the same array as `mean`). */
    pred: Float32Array;
    /** Each member's (or MC-dropout pass's) prediction, with its noise-head variance. */
    samples: SampledValues[];
    method: 'ensemble' | 'mc-dropout';
  };

/** The error for an ensemble of 1 without a noise head. */
export const NO_ENSEMBLE_VARIANCE = 'an ensemble of 1 has no variance: use --ensemble ≥ 2 or a noise head (--loss gaussian-nll)';

/**
 * Predictions of every member of an ensemble (loaded, or its directory) on samples `indices` of a
 * dataset (as `predictDataset`, rollouts included), aggregated: predictive mean, variance
 * (across-member + mean aleatoric), low-rank covariance factor.
 */
export async function predictEnsemble(
  ensemble: LoadedEnsemble | string,
  datasetPath: string,
  indices: readonly number[],
  opts: PredictOptions = {},
): Promise<UqPrediction> {
  const ens = typeof ensemble === 'string' ? await loadEnsemble(ensemble, { backend: opts.backend }) : ensemble;
  try {
    if (ens.members.length === 1 && !ens.noiseHead) throw new UqError(NO_ENSEMBLE_VARIANCE);
    let first: Prediction | null = null;
    const samples: SampledValues[] = [];
    for (const member of ens.members) {
      const { prediction } = await predictPasses(member, datasetPath, indices, opts);
      first ??= prediction;
      samples.push({ pred: prediction.pred, ...(prediction.variance === undefined ? {} : { variance: prediction.variance }) });
    }
    return toUqPrediction(first as Prediction, samples, 'ensemble', NO_ENSEMBLE_VARIANCE);
  } finally {
    if (typeof ensemble === 'string') ens.dispose();
  }
}

/** A prediction's metadata with the aggregate of its samples. */
export function toUqPrediction(base: Prediction, samples: SampledValues[], method: UqPrediction['method'], noVariance: string): UqPrediction {
  const moments = aggregateSamples(samples, base.shape.n, { noVariance });
  const { pred: _pred, variance: _variance, ...meta } = base;
  return { ...meta, ...moments, pred: moments.mean, samples, method };
}
