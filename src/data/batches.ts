/**
 * Mini-batches read lazily from a dataset file. The order is a pure function of
 * (indices, seed, epoch), so a resumed training run sees the same batches.
 */
import { Rng } from '../../core/random.js';
import { checkBoolean, checkInteger, checkSeed } from '../../core/checks.js';
import { DataInputError } from './errors.js';
import type { SampleSource } from './reader.js';
import { shuffleInPlace } from './splits.js';

export interface BatchOptions {
  /** Samples per batch, a positive integer. */
  batchSize: number;
  /** Shuffle the order each epoch. @default false */
  shuffle?: boolean;
  /** Seed of the shuffle. @default 0 */
  seed?: number;
  /** Epoch number; selects the shuffle's stream, so each epoch has its own order. @default 0 */
  epoch?: number;
  /** Drop a last batch smaller than `batchSize`. @default false */
  dropLast?: boolean;
}

export interface Batch {
  /** Sample indices in this batch, in batch order. */
  indices: number[];
  /** Row-major [indices.length, T, ...]. */
  data: Float32Array;
  shape: number[];
}

/**
 * The epoch's sample order: `indices` as given, or permuted by a Fisher–Yates shuffle drawn
 * from `new Rng(seed, epoch)`.
 */
export function batchOrder(indices: readonly number[], opts: Pick<BatchOptions, 'shuffle' | 'seed' | 'epoch'> = {}): number[] {
  const { shuffle, seed, epoch } = resolveOrderOptions(opts);
  const order = indices.slice();
  if (shuffle) shuffleInPlace(order, new Rng(seed, epoch));
  return order;
}

/** Number of batches an epoch of `n` samples gives. */
export function countBatches(n: number, batchSize: number, dropLast = false): number {
  return dropLast ? Math.floor(n / batchSize) : Math.ceil(n / batchSize);
}

/**
 * Yields the batches of one epoch. Each batch is read with one hyperslab per run of consecutive
 * sample indices it contains. Indices may repeat (e.g. bootstrap resampling). Options and
 * indices are validated when called, not on the first `next()`.
 */
export function iterateBatches(dataset: SampleSource, indices: readonly number[], opts: BatchOptions): Generator<Batch, void, undefined> {
  const batchSize = opts.batchSize;
  checkInteger(DataInputError, 'batchSize', batchSize, 1, 'a positive integer');
  const dropLast = opts.dropLast ?? false;
  checkBoolean(DataInputError, 'dropLast', dropLast);
  const n = dataset.nSamples;
  if (!Array.isArray(indices)) throw new DataInputError(`indices must be an array of sample indices, got ${typeof indices}`);
  for (const i of indices) {
    if (!Number.isSafeInteger(i) || i < 0 || i >= n) throw new DataInputError(`sample index ${i} is not allowed: the dataset has samples 0 to ${n - 1}`);
  }
  const order = batchOrder(indices, opts);
  const sampleShape = dataset.shape.slice(1);
  return generate(dataset, order, batchSize, countBatches(order.length, batchSize, dropLast), sampleShape);
}

function* generate(dataset: SampleSource, order: number[], batchSize: number, nBatches: number, sampleShape: number[]): Generator<Batch, void, undefined> {
  const size = sampleShape.reduce((a, b) => a * b, 1);
  for (let b = 0; b < nBatches; b++) {
    const indices = order.slice(b * batchSize, (b + 1) * batchSize);
    yield { indices, data: readGathered(dataset, indices, size), shape: [indices.length, ...sampleShape] };
  }
}

/** Reads samples `indices` (any order, repeats allowed) into one array, one read per run. */
export function readGathered(dataset: SampleSource, indices: readonly number[], size: number): Float32Array {
  const out = new Float32Array(indices.length * size);
  const positions = [...indices.keys()].sort((p, q) => indices[p] - indices[q]);
  let k = 0;
  while (k < positions.length) {
    const start = indices[positions[k]];
    let end = start + 1;
    let m = k + 1;
    while (m < positions.length && indices[positions[m]] <= end) {
      end = indices[positions[m]] + 1;
      m++;
    }
    const block = dataset.readSamples(start, end);
    for (let p = k; p < m; p++) {
      const offset = (indices[positions[p]] - start) * size;
      out.set(block.subarray(offset, offset + size), positions[p] * size);
    }
    k = m;
  }
  return out;
}

function resolveOrderOptions(opts: Pick<BatchOptions, 'shuffle' | 'seed' | 'epoch'>): { shuffle: boolean; seed: number; epoch: number } {
  const shuffle = opts.shuffle ?? false;
  const seed = opts.seed ?? 0;
  const epoch = opts.epoch ?? 0;
  checkBoolean(DataInputError, 'shuffle', shuffle);
  checkSeed(DataInputError, 'seed', seed);
  checkInteger(DataInputError, 'epoch', epoch, 0);
  return { shuffle, seed, epoch };
}
