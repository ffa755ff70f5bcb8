/**
 * The one trainer (neuraloperator's Trainer): every model kind trains through `train`. It reads
 * items (input and target frames) lazily from the dataset file, fits normalizers on the training split, steps a
 * hand-written Adam/AdamW over seeded batch orders (a pure function of seed and epoch), validates
 * every epoch, logs metrics.jsonl, checkpoints atomically and resumes bit-identically.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { batchOrder, countBatches, H5Dataset, h5ready, readGathered, splitIndices, UnitGaussianNormalizer, type Splits } from '../data/index.js';
import { removeStaleTemps } from '../../core/atomic.js';
import { makeDataRef } from '../data/fingerprint.js';
import { lockOutput, type OutputLock } from '../data/lock.js';
import { initBackend } from '../engine/backend.js';
import type { SurrogateModel } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { ProgressBar, type ProgressOptions } from '../../core/progress.js';
import { getWeights, readCheckpoint, setWeights, writeCheckpoint, type CheckpointFile, type CheckpointMetaInput, type EpochMetrics } from './checkpoint.js';
import { TrainingDiverged, TrainingInterrupted, TrainOptionsError } from './errors.js';
import { AdamOptimizer } from './optimizers.js';
import { firstDifference, frameStack, resolveTrainOptions, RESUMABLE_CHANGES, type TrainOptions, type TrainOptionsInput } from './options.js';
import { fitPairNormalizers, pairIndices, pairLayout, PairSource, splitPairs } from './pairs.js';
import { moduleUrls, registerModelModules } from '../models/plugins.js';
import { DataParallel } from './parallel.js';
import { mixSeed, type ReplicaNormalizers } from '../inference/predictor.js';
import { Replica } from './replica.js';
import { resolveModelConfig } from '../models/registry.js';
import { lrAt } from './schedules.js';
import { checkTrainingMemory } from './resources.js';
import { CHECKPOINT_FILE, CONFIG_FILE, LOCK_FILE, METRICS_FILE, readRunMetrics, RUN_FILES, writeRunConfig, writeRunMetrics } from './run_dir.js';

export { CONFIG_FILE, LOCK_FILE, METRICS_FILE, readRunMetrics };
/** A training loss this many times its first epoch's stops the run as diverged. */
export const DIVERGENCE_FACTOR = 1e6;

/** The run directory's lock file (held while a trainer writes it). */

export interface BatchInfo {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based batch within the epoch. */
  batch: number;
  batches: number;
  /** The batch's mean loss (before this step's update). */
  loss: number;
  lr: number;
}

export interface TrainHooks {
  /** Abort to stop after the current batch: a checkpoint is saved, then `TrainingInterrupted` is thrown. */
  signal?: AbortSignal;
  onBatch?(info: BatchInfo): void;
  onEpoch?(metrics: EpochMetrics): void;
  /** Called once every check has passed and the run directory is held, before the first batch. */
  onStart?(): void;
  /** Where the progress bar goes; false for none. @default process.stderr */
  progress?: NodeJS.WriteStream | false;
}

export interface TrainResult {
  options: TrainOptions;
  /** The trained model (the caller disposes it). */
  model: SurrogateModel;
  normalizers: { input: UnitGaussianNormalizer | null; output: UnitGaussianNormalizer | null };
  metrics: EpochMetrics[];
  splits: Splits;
  /** The final checkpoint, or null without `out`. */
  checkpoint: string | null;
  seconds: number;
}

/** Trains per `input` (see TrainOptions); `hooks` observe or interrupt it. */
export async function train(input: TrainOptionsInput, hooks: TrainHooks = {}): Promise<TrainResult> {
  const t0 = performance.now();
  // Model kinds from modelModules must be known before the options resolve the model config.
  const modules = Array.isArray(input.modelModules) ? input.modelModules.filter((m) => typeof m === 'string' && m !== '') : [];
  await registerModelModules(modules);
  // Cheap checks first; then again against the file's frames (model channels, window length).
  resolveTrainOptions(input);
  await h5ready();
  const ds = H5Dataset.open(input.data);
  let model: SurrogateModel | null = null;
  let replica: Replica | null = null;
  let optimizer: AdamOptimizer | null = null;
  let dp: DataParallel | null = null;
  let bar: ProgressBar | null = null;
  let out: RunDirClaim | null = null;
  try {
    const opts = resolveTrainOptions(input, ds);
    const backend = await initBackend(opts.backend ?? undefined);
    const ckptPath = opts.out === null ? null : nodePath.join(opts.out, CHECKPOINT_FILE);
    // One trainer per run directory: a second one stops here naming the holder.
    out = opts.out === null ? null : claimRunDir(opts.out);
    const resumed = prepareOut(opts, ckptPath);
    if (resumed !== null && JSON.stringify(resumed.meta.dataShape) !== JSON.stringify(ds.shape)) {
      throw new TrainOptionsError(
        `resume: ${opts.data} has shape [${ds.shape.join(', ')}] but ${resumed.path} was trained on data of shape [${resumed.meta.dataShape.join(', ')}]`,
      );
    }
    const dataRef = opts.out === null ? undefined : makeDataRef(opts.data, opts.out);
    const trainedOn = resumed?.meta.dataRef;
    if (
      trainedOn !== undefined &&
      dataRef !== undefined &&
      (dataRef.fingerprint.sha256 !== trainedOn.fingerprint.sha256 || dataRef.fingerprint.size !== trainedOn.fingerprint.size)
    ) {
      throw new TrainOptionsError(
        `resume: ${opts.data} is not the data ${resumed?.path} was trained on (${trainedOn.absolute} as it was then: size, attributes or samples differ); resume on that data or train into another --out`,
      );
    }
    const layout = pairLayout(ds, opts.mapping, opts.subsample);
    if (!opts.skipResourceCheck) checkTrainingMemory(opts, layout.spatial, layout.channels, backend.name);
    const stack = frameStack(opts.mapping);
    const splits = resumed?.meta.splits ?? makeSplits(ds.nSamples, opts);
    const normJson: ReplicaNormalizers = resumed?.meta.normalizer ?? toJson(fitPairNormalizers(ds, layout, splits.train, opts.normalize, opts.mapping.kind));
    model = createModel(opts.model);
    if (resumed !== null) setWeights(model, resumed.weights, resumed.path);
    const frameShape = [...layout.spatial, layout.channels];
    replica = new Replica(model, normJson, opts.loss, frameShape, stack);
    const weights = model.trainableWeights();
    optimizer = new AdamOptimizer(opts.optimizer, weights);
    if (resumed !== null) optimizer.setState(resumed.optimizer);
    if (opts.workers > 1) {
      const spec = {
        modelConfig: opts.model,
        normalizers: normJson,
        loss: opts.loss,
        frameShape,
        stack,
        backend: backend.name,
        modelModules: moduleUrls(opts.modelModules),
      };
      dp = await DataParallel.start(
        opts.workers,
        spec,
        weights.map((w) => w.shape.slice()),
      );
    }

    const source = new PairSource(ds, layout);
    const trainItems = pairIndices(layout, splits.train);
    const valItems = pairIndices(layout, splits.val);
    const metrics = resumed?.meta.metrics.slice() ?? [];
    writeRunFiles(opts, metrics);
    const nb = countBatches(trainItems.length, opts.batchSize);
    let epoch = resumed?.meta.epoch ?? 0;
    let startBatch = resumed?.meta.batch ?? 0;
    let partial = { ...(resumed?.meta.partial ?? { lossSum: 0, count: 0, seconds: 0 }) };
    let lastGood = resumed === null ? null : ckptPath;
    // The bar keeps this object: its label is updated with the losses after each epoch.
    hooks.onStart?.();
    const barOpts: ProgressOptions = {
      label: 'train',
      total: opts.epochs * nb,
      unit: 'batches',
      stream: hooks.progress === false ? undefined : hooks.progress,
    };
    if (hooks.progress !== false && epoch < opts.epochs) bar = new ProgressBar(barOpts);

    const save = (done: number, batch: number, part: typeof partial): string | null => {
      if (ckptPath === null || model === null || optimizer === null) return null;
      const meta: CheckpointMetaInput = {
        kind: model.kind,
        config: opts.model,
        backend: backend.detail,
        trainOptions: opts,
        normalizer: normJson,
        frameShape,
        dataShape: ds.shape.slice(),
        dataRef,
        splits,
        epoch: done,
        batch,
        partial: part,
        optimizer: { kind: opts.optimizer.kind, step: optimizer.step },
        schedule: { ...opts.schedule, lr: lrAt(opts.schedule, opts.optimizer.lr, done) },
        rng: { kind: 'batch-order', seed: opts.seed, epoch: done, batch },
        metrics,
      };
      const state = optimizer.getState();
      const weightValues = getWeights(model);
      const nonFinite = [...weightValues.map((w) => w.data), ...state.m, ...state.v].some((a) => a.some((x) => !Number.isFinite(x)));
      if (nonFinite) throw new TrainingDiverged(done, batch === 0 ? null : batch, NaN, lastGood, 'the weights or the optimizer state stopped being finite');
      writeCheckpoint(ckptPath, meta, weightValues, state);
      return ckptPath;
    };

    for (; epoch < opts.epochs; epoch++) {
      const lr = lrAt(opts.schedule, opts.optimizer.lr, epoch);
      const order = batchOrder(trainItems, { shuffle: true, seed: opts.seed, epoch });
      const tStart = performance.now();
      for (let b = startBatch; b <= nb; b++) {
        if (hooks.signal?.aborted) {
          bar?.end();
          const path = save(epoch, b, { ...partial, seconds: partial.seconds + (performance.now() - tStart) / 1000 });
          throw new TrainingInterrupted(epoch + 1, b, nb, path);
        }
        if (b === nb) break;
        const idx = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
        const n = idx.length;
        const { x, y } = splitPairs(readGathered(source, idx, source.itemSize), n, layout.inputSize, layout.outputSize);
        // Dropout masks: a pure function of (seed, optimizer step, shard), so a resume continues them.
        const stepSeed = mixSeed(opts.seed, optimizer.step);
        const { loss, grads } = dp === null ? replica.gradients(x, y, n, n, mixSeed(stepSeed, 0)) : await dp.gradients(replica, weights, x, y, n, stepSeed);
        if (!Number.isFinite(loss)) {
          tf.dispose(grads);
          bar?.end();
          throw new TrainingDiverged(epoch + 1, b + 1, loss, lastGood);
        }
        optimizer.apply(grads, lr);
        tf.dispose(grads);
        partial.lossSum += loss * n;
        partial.count += n;
        hooks.onBatch?.({ epoch: epoch + 1, batch: b + 1, batches: nb, loss, lr });
        bar?.update(epoch * nb + b + 1);
        // Lets an abort (a signal handler) run between batches.
        if (dp === null) await new Promise((resolve) => setImmediate(resolve));
      }
      const valLoss = valItems.length === 0 ? null : evaluate(replica, source, valItems, opts.batchSize);
      if (valLoss !== null && !Number.isFinite(valLoss)) {
        bar?.end();
        throw new TrainingDiverged(epoch + 1, null, valLoss, lastGood);
      }
      const m: EpochMetrics = {
        epoch: epoch + 1,
        trainLoss: partial.lossSum / partial.count,
        valLoss,
        lr,
        seconds: partial.seconds + (performance.now() - tStart) / 1000,
        steps: optimizer.step,
      };
      // A finite divergence (a far too large learning rate) stops like a NaN does, before it is saved.
      const first = metrics[0]?.trainLoss ?? m.trainLoss;
      if (m.trainLoss > DIVERGENCE_FACTOR * Math.max(first, Number.MIN_VALUE)) {
        bar?.end();
        throw new TrainingDiverged(
          epoch + 1,
          null,
          m.trainLoss,
          lastGood,
          `the training loss grew to ${m.trainLoss.toPrecision(3)}, past ${DIVERGENCE_FACTOR.toExponential(0)} × its first epoch's ${first.toPrecision(3)},`,
        );
      }
      metrics.push(m);
      if (opts.out !== null) writeRunMetrics(opts.out, metrics);
      partial = { lossSum: 0, count: 0, seconds: 0 };
      startBatch = 0;
      if ((epoch + 1) % opts.checkpointEvery === 0 || epoch + 1 === opts.epochs) lastGood = save(epoch + 1, 0, partial);
      barOpts.label = `train loss ${m.trainLoss.toPrecision(3)}${valLoss === null ? '' : ` val ${valLoss.toPrecision(3)}`}`;
      hooks.onEpoch?.(m);
    }
    bar?.end();
    const fromJson = (j: ReplicaNormalizers['input']): UnitGaussianNormalizer | null => (j === null ? null : UnitGaussianNormalizer.fromJSON(j));
    const result: TrainResult = {
      options: opts,
      model,
      normalizers: { input: fromJson(normJson.input), output: fromJson(normJson.output) },
      metrics,
      splits,
      checkpoint: ckptPath !== null && fs.existsSync(ckptPath) ? ckptPath : null,
      seconds: (performance.now() - t0) / 1000,
    };
    model = null;
    out?.succeeded();
    return result;
  } finally {
    out?.release();
    bar?.end();
    replica?.dispose();
    optimizer?.dispose();
    await dp?.close();
    model?.dispose();
    ds.close();
  }
}

/** Mean per-item loss over `items`, in order, `batchSize` at a time. */
function evaluate(replica: Replica, source: PairSource, items: number[], batchSize: number): number {
  const { inputSize, outputSize } = source.layout;
  let sum = 0;
  for (let a = 0; a < items.length; a += batchSize) {
    const idx = items.slice(a, a + batchSize);
    const { x, y } = splitPairs(readGathered(source, idx, source.itemSize), idx.length, inputSize, outputSize);
    sum += replica.lossSum(x, y, idx.length);
  }
  return sum / items.length;
}

function makeSplits(n: number, opts: TrainOptions): Splits {
  const { train, val, test, shuffle } = opts.split;
  return splitIndices(n, train === null ? { val, test } : { train, val, test }, { shuffle, seed: opts.splitSeed ?? opts.seed });
}

/**
 * A checkpoint's options as this version resolves them: fields added since it was written take
 * their defaults (`splitSeed`, new model config fields such as fno's `dropout`), so older runs
 * resume.
 */
function upgradeOptions(saved: TrainOptions): TrainOptions {
  return { ...saved, splitSeed: saved.splitSeed ?? null, model: resolveModelConfig(saved.model) };
}

function toJson(n: { input: UnitGaussianNormalizer | null; output: UnitGaussianNormalizer | null }): ReplicaNormalizers {
  return { input: n.input?.toJSON() ?? null, output: n.output?.toJSON() ?? null };
}

/**
 * Checks the run directory against resume/overwrite and returns the checkpoint to resume from.
 * A resumed run must use the same options as the checkpoint, except RESUMABLE_CHANGES and `out`.
 */
function prepareOut(opts: TrainOptions, ckptPath: string | null): CheckpointFile | null {
  if (opts.out === null || ckptPath === null) return null;
  const files = RUN_FILES.map((f) => nodePath.join(opts.out as string, f));
  if (opts.resume && opts.overwrite) throw new TrainOptionsError('resume: true and overwrite: true exclude each other: continue the run or replace it');
  // A run stopped before its first checkpoint has nothing to continue: resume starts it afresh.
  if (opts.resume && fs.existsSync(ckptPath)) {
    const ckpt = readCheckpoint(ckptPath);
    // The data is compared by content (its fingerprint, in train()), not by how its path is spelled.
    const diff = firstDifference(upgradeOptions(ckpt.meta.trainOptions), opts, [...RESUMABLE_CHANGES, 'out', 'data']);
    if (diff !== null) {
      throw new TrainOptionsError(`resume: ${ckptPath} was trained with other options (${diff}, checkpoint vs now); use the same options or another out`);
    }
    return ckpt;
  }
  const existing = files.filter((f) => fs.existsSync(f));
  if (existing.length > 0) {
    if (!opts.overwrite && !opts.resume) {
      throw new TrainOptionsError(
        `out=${opts.out} already holds a training run (${nodePath.basename(existing[0])}): pass resume: true to continue it or overwrite: true to replace it`,
      );
    }
    for (const f of existing) fs.rmSync(f);
  }
  fs.mkdirSync(opts.out, { recursive: true });
  return null;
}

/** config.json (the resolved options) and metrics.jsonl (the lines up to the checkpoint), atomically. */
function writeRunFiles(opts: TrainOptions, metrics: EpochMetrics[]): void {
  if (opts.out === null) return;
  writeRunConfig(opts.out, opts);
  writeRunMetrics(opts.out, metrics);
}

/** The run directory held by this trainer: its lock, and whether the trainer created it. */
interface RunDirClaim {
  /** Marks the run finished: the directory stays whatever happens next. */
  succeeded(): void;
  /** Releases the lock; a directory this run created and left empty (a late usage error) is removed. */
  release(): void;
}

/** Creates (if needed) and locks a run directory; removes stale temporary files of dead runs in it. */
function claimRunDir(dir: string): RunDirClaim {
  const created = !fs.existsSync(dir);
  fs.mkdirSync(dir, { recursive: true });
  let lock: OutputLock;
  try {
    lock = lockOutput(nodePath.join(dir, LOCK_FILE), `run directory ${dir}`);
  } catch (err) {
    if (created) fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  for (const f of RUN_FILES) removeStaleTemps(nodePath.join(dir, f));
  let done = false;
  return {
    succeeded: () => void (done = true),
    release() {
      lock.release();
      if (created && !done && fs.existsSync(dir) && fs.readdirSync(dir).length === 0) fs.rmdirSync(dir);
    },
  };
}
