import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { engineCacheSize, initBackend } from '../../src/engine/index.js';
import { createModel } from '../../src/models/index.js';
import { DataParallel, readCheckpoint, Replica, shardSizes, train, type TrainOptionsInput } from '../../src/training/index.js';
import { moduleUrls } from '../../src/models/plugins.js';
import type { ReplicaSpec } from '../../src/training/parallel.js';
import { makeBurgers, makeTmpDir, registerToy, removeTmpDirs, TOY_MODULE } from './helpers.js';

// Workers run the compiled dist/ code: `npm test` builds it first (npx tsc -p tsconfig.build.json).

const S = 32;
const MODEL = { kind: 'toy-conv', seed: 3, width: 8, kernel: 5 };
let data: string;
let dir: string;

beforeAll(async () => {
  await initBackend('wasm');
  registerToy();
  dir = makeTmpDir();
  data = await makeBurgers(dir, { samples: 16, nx: 32, frames: 5, tEnd: 0.2 });
});

afterAll(removeTmpDirs);

function batch(n: number, seed: number): { x: Float32Array; y: Float32Array } {
  const rng = new Rng(seed);
  return { x: Float32Array.from({ length: n * S }, () => rng.normal()), y: Float32Array.from({ length: n * S }, () => rng.normal()) };
}

function spec(extra: Partial<ReplicaSpec> = {}): ReplicaSpec {
  return {
    modelConfig: MODEL,
    normalizers: { input: null, output: null },
    loss: 'rel-l2',
    frameShape: [S, 1],
    stack: { history: 1, future: 1, stride: 1, pushforward: 0 },
    backend: 'wasm',
    modelModules: moduleUrls([TOY_MODULE]),
    ...extra,
  };
}

function flat(ts: tf.Tensor[]): Float32Array {
  return Float32Array.from(ts.flatMap((t) => Array.from(t.dataSync())));
}

describe('shardSizes', () => {
  it('cuts n into contiguous near-equal shards', () => {
    expect(shardSizes(5, 2)).toEqual([2, 3]);
    expect(shardSizes(7, 3)).toEqual([2, 2, 3]);
    expect(shardSizes(1, 3)).toEqual([0, 0, 1]);
  });
});

describe('DataParallel', () => {
  for (const threads of [2, 3]) {
    it(`${threads} threads give the full batch's gradient (relative 1e-5) without leaking tensors here`, async () => {
      const model = createModel(MODEL);
      const replica = new Replica(model, { input: null, output: null }, 'rel-l2', [S, 1]);
      const weights = model.trainableWeights();
      const dp = await DataParallel.start(
        threads,
        spec(),
        weights.map((w) => w.shape),
      );
      try {
        for (const n of [5, 2]) {
          const { x, y } = batch(n, n);
          const one = replica.gradients(x, y, n, n);
          const par = await dp.gradients(replica, weights, x, y, n);
          expect(par.loss).toBeCloseTo(one.loss, 6);
          const a = flat(one.grads);
          const b = flat(par.grads);
          const scale = Math.max(...a.map(Math.abs));
          expect(scale).toBeGreaterThan(1e-3);
          expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale).toBeLessThan(1e-5);
          tf.dispose([...one.grads, ...par.grads]);
        }
        // Workers follow the weights they are given: change them and compare again, counting tensors.
        tf.tidy(() => weights.forEach((w) => w.assign(tf.mul(w, 1.5))));
        const { x, y } = batch(4, 9);
        const before = tf.memory().numTensors;
        for (let k = 0; k < 3; k++) {
          const one = replica.gradients(x, y, 4, 4);
          const par = await dp.gradients(replica, weights, x, y, 4);
          const a = flat(one.grads);
          const b = flat(par.grads);
          expect(Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / Math.max(...a.map(Math.abs))).toBeLessThan(1e-5);
          tf.dispose([...one.grads, ...par.grads]);
        }
        expect(tf.memory().numTensors).toBe(before);
      } finally {
        await dp.close();
        replica.dispose();
        model.dispose();
      }
    });
  }

  it('reports a worker that cannot build its replica', async () => {
    await expect(DataParallel.start(2, spec({ modelModules: [] }), [])).rejects.toThrow("training worker 1: unknown model 'toy-conv': known models are");
  });
});

describe('train with workers', () => {
  // The built-in 'fno' kind: workers register it by loading src/models (no modelModules).
  const FNO = { kind: 'fno', seed: 1, nModes: 4, width: 8, nLayers: 2, projectionChannels: 16 };
  const mappings: [string, TrainOptionsInput['mapping']][] = [
    ['next-step', 'next-step'],
    ['window with pushforward', { kind: 'window', history: 2, future: 1, pushforward: 1 }],
  ];
  for (const [name, mapping] of mappings) {
    const opts = (workers: number): TrainOptionsInput => ({
      data,
      model: FNO,
      split: { val: 2, test: 2 },
      workers,
      mapping,
      epochs: 2,
      batchSize: 5,
      optimizer: { lr: 3e-3 },
      out: `${dir}/${name}-w${workers}`,
    });

    it(`${name}: 2 workers reach 1 worker's weights to a small tolerance, with a constant tensor count`, async () => {
      const counts: number[] = [];
      const r1 = await train(opts(1), { progress: false });
      // The engine caches constants per shape (ones vectors, DFT bases): they are not leaks.
      const r2 = await train(opts(2), { progress: false, onBatch: () => counts.push(tf.memory().numTensors - engineCacheSize()) });
      r1.model.dispose();
      r2.model.dispose();
      const w1 = readCheckpoint(r1.checkpoint as string).weights;
      const w2 = readCheckpoint(r2.checkpoint as string).weights;
      const w0 = createModel(r1.options.model);
      const init = w0.trainableWeights().map((w) => w.dataSync() as Float32Array);
      let moved = 0;
      let diff = 0;
      w1.forEach((w, i) =>
        w.forEach((v, j) => {
          moved = Math.max(moved, Math.abs(v - init[i][j]));
          diff = Math.max(diff, Math.abs(v - w2[i][j]));
        }),
      );
      w0.dispose();
      expect(moved).toBeGreaterThan(1e-2);
      expect(diff / moved).toBeLessThan(1e-4);
      expect(counts.length).toBeGreaterThan(8);
      expect(new Set(counts).size).toBe(1);
      expect(r2.metrics[1].trainLoss).toBeCloseTo(r1.metrics[1].trainLoss, 4);
    });
  }
});
