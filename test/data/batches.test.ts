import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataInputError, H5Dataset, batchOrder, h5ready, iterateBatches, readGathered, writeCanonical, type SampleSource } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, sampleSizeOf, sampleValues } from './helpers.js';

const SHAPE = [12, 2, 5];
const SIZE = sampleSizeOf(SHAPE);
let ds: H5Dataset;

beforeAll(async () => {
  await h5ready();
  const file = path.join(makeTmpDir(), 'b.h5');
  writeCanonical(file, makeHeader(SHAPE), (i) => sampleValues(i, SIZE));
  ds = H5Dataset.open(file);
  return () => ds.close();
});

afterAll(removeTmpDirs);

const TRAIN = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

function epochOrder(opts: { seed?: number; epoch?: number; shuffle?: boolean; dropLast?: boolean; batchSize?: number }): number[][] {
  return [...iterateBatches(ds, TRAIN, { batchSize: opts.batchSize ?? 3, ...opts })].map((b) => b.indices);
}

describe('iterateBatches', () => {
  it('covers every index exactly once per epoch with the right data and shapes', () => {
    const batches = [...iterateBatches(ds, TRAIN, { batchSize: 4, shuffle: true, seed: 11, epoch: 2 })];
    expect(batches.map((b) => b.shape)).toEqual([
      [4, 2, 5],
      [4, 2, 5],
      [2, 2, 5],
    ]);
    expect(batches.flatMap((b) => b.indices).sort((a, b) => a - b)).toEqual(TRAIN);
    for (const b of batches) {
      b.indices.forEach((i, k) => expect(b.data.subarray(k * SIZE, (k + 1) * SIZE)).toEqual(sampleValues(i, SIZE)));
    }
  });

  it('drops a short last batch when asked', () => {
    expect(epochOrder({ dropLast: true }).map((b) => b.length)).toEqual([3, 3, 3]);
    expect(epochOrder({ dropLast: false }).map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });

  it('orders by (seed, epoch) only', () => {
    const a = epochOrder({ shuffle: true, seed: 5, epoch: 1 });
    expect(epochOrder({ shuffle: true, seed: 5, epoch: 1 })).toEqual(a);
    expect(epochOrder({ shuffle: true, seed: 5, epoch: 2 })).not.toEqual(a);
    expect(epochOrder({ shuffle: true, seed: 6, epoch: 1 })).not.toEqual(a);
    expect(epochOrder({ shuffle: false, seed: 5, epoch: 1 }).flat()).toEqual(TRAIN);
    expect(a.flat()).not.toEqual(TRAIN);
    expect(batchOrder(TRAIN, { shuffle: true, seed: 5, epoch: 1 })).toEqual(a.flat());
  });

  it('reads each run of consecutive indices in one call, with repeats and any order', () => {
    const calls: [number, number][] = [];
    const counting: SampleSource = {
      shape: ds.shape,
      nSamples: ds.nSamples,
      readSamples: (start, end) => {
        calls.push([start, end]);
        return ds.readSamples(start, end);
      },
    };
    const indices = [9, 3, 4, 1, 5, 2, 4, 11];
    const data = readGathered(counting, indices, SIZE);
    expect(calls).toEqual([
      [1, 6],
      [9, 10],
      [11, 12],
    ]);
    indices.forEach((i, k) => expect(data.subarray(k * SIZE, (k + 1) * SIZE)).toEqual(sampleValues(i, SIZE)));
  });

  it('validates options and indices when called', () => {
    const cases: [() => unknown, string][] = [
      [() => iterateBatches(ds, TRAIN, { batchSize: 0 }), 'batchSize=0 is not allowed: use a positive integer'],
      [() => iterateBatches(ds, [0, 12], { batchSize: 2 }), 'sample index 12 is not allowed: the dataset has samples 0 to 11'],
      [() => iterateBatches(ds, TRAIN, { batchSize: 2, shuffle: true, epoch: -1 }), 'epoch=-1 is not allowed: use an integer >= 0'],
      [() => iterateBatches(ds, TRAIN, { batchSize: 2, seed: 0.5 }), 'seed=0.5 is not allowed: use an integer in [0, 2^53)'],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(DataInputError);
      expect(fn).toThrow(message);
    }
  });
});
