/**
 * Window (autoregressive) training: options and their checks against the file, which frames an
 * item holds, the pushforward gradient, rollouts against repeated application by hand, the
 * predictions of a window checkpoint with their frames and times, the errors for data that does
 * not fit, and resume.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { H5Dataset, h5ready, UnitGaussianNormalizer, type NormalizerJSON } from '../../src/data/index.js';
import { initBackend } from '../../src/engine/index.js';
import { createModel, modelKinds, registerModel } from '../../src/models/index.js';
import {
  loadCheckpoint,
  predictDataset,
  readCheckpoint,
  Replica,
  resolveTrainOptions,
  rollout,
  train,
  TrainOptionsError,
  type LoadedCheckpoint,
  type TrainOptionsInput,
} from '../../src/training/index.js';
import { fitPairNormalizers, pairLayout, PairSource } from '../../src/training/pairs.js';
import { resampleGrid } from '../../src/inference/predictor.js';
import { makeTmpDir, registerToy, removeTmpDirs, toyOptions, write2d } from './helpers.js';

const [NX, NY, NT] = [8, 8, 8];
let dir: string;
/** [12, 8, 8, 8] travelling waves. */
let data: string;
/** Values that name their place: i·1e5 + c·1e4 + f·100 + x·10 + y, [3, 12, 4, 3, 2]. */
let coded: string;

beforeAll(async () => {
  await initBackend('wasm');
  await h5ready();
  registerToy();
  // Config only (never built): a model kind whose output count is outFrames.
  if (!modelKinds().includes('test-out-frames')) {
    registerModel({
      kind: 'test-out-frames',
      summary: 'config-only model of the option tests',
      resolveConfig: (p) => ({ seed: 0, inChannels: 1, outFrames: 1, ...p }),
      create: () => {
        throw new Error('test-out-frames is config-only');
      },
    });
  }
  dir = makeTmpDir();
  data = write2d(path.join(dir, 'waves.h5'), { samples: 12, nt: NT, nx: NX, ny: NY });
  coded = write2d(path.join(dir, 'coded.h5'), {
    samples: 3,
    nt: 12,
    nx: 4,
    ny: 3,
    channels: 2,
    value: (i, f, x, y, c) => i * 1e5 + c * 1e4 + f * 100 + x * 10 + y,
  });
});

afterAll(removeTmpDirs);

const quiet = { progress: false } as const;
const BASE: TrainOptionsInput = { data: 'd.h5', model: { kind: 'fno' } };

describe('window mapping options', () => {
  it('fills the documented defaults', () => {
    expect(resolveTrainOptions({ ...BASE, mapping: 'window' }).mapping).toEqual({ kind: 'window', history: 10, future: 1, stride: 1, pushforward: 0 });
  });

  it('fills the model channels from the mapping and the fields per point', () => {
    const o = resolveTrainOptions({ ...BASE, mapping: { kind: 'window', history: 3, future: 2 } }, { path: 'd.h5', nt: 20, nChannels: 2 });
    expect([o.model.inChannels, o.model.outChannels]).toEqual([6, 4]);
    // A model with one output channel per frame (as fno3d) names them outFrames.
    const frames = resolveTrainOptions(
      { ...BASE, model: { kind: 'test-out-frames' }, mapping: { kind: 'window', history: 3, future: 5 } },
      { path: 'd.h5', nt: 20, nChannels: 1 },
    );
    expect(frames.model).toEqual({ kind: 'test-out-frames', seed: 0, inChannels: 3, outFrames: 5 });
    expect(() =>
      resolveTrainOptions(
        { ...BASE, model: { kind: 'test-out-frames', outFrames: 4 }, mapping: { kind: 'window', history: 3, future: 5 } },
        { path: 'd.h5', nt: 20, nChannels: 1 },
      ),
    ).toThrow('model outFrames=4 does not match mapping.future=5 × 1 field: set --out-frames 5 or --future 4');
    // Without the file nothing is filled (the registry's defaults stay).
    expect(resolveTrainOptions({ ...BASE, mapping: { kind: 'window', history: 3 } }).model.inChannels).toBe(1);
  });

  const bad: [string, Partial<TrainOptionsInput>, string][] = [
    ['history', { mapping: { kind: 'window', history: 0 } }, 'mapping.history=0 is not allowed: use an integer >= 1'],
    ['pushforward', { mapping: { kind: 'window', pushforward: -1 } }, 'mapping.pushforward=-1 is not allowed: use an integer >= 0'],
    [
      'field of another mapping',
      { mapping: { kind: 'window', inFrame: 0 } },
      'unknown training option mapping.inFrame: known mapping fields are kind, history, future, stride, pushforward',
    ],
    [
      'in channels',
      { model: { kind: 'fno', inChannels: 1 }, mapping: { kind: 'window', history: 10 } },
      'model inChannels=1 does not match mapping.history=10 × 1 field: set --in-channels 10 or --history 1',
    ],
    [
      'out channels',
      { model: { kind: 'fno', outChannels: 3 }, mapping: { kind: 'window', history: 2, future: 2 } },
      'model outChannels=3 does not match mapping.future=2 × 1 field: set --out-channels 2 or --future 3',
    ],
    [
      'pair mapping channels',
      { model: { kind: 'fno', inChannels: 2 }, mapping: 'next-step' },
      "model inChannels=2 does not match the next-step mapping's 1 frame × 1 field: set --in-channels 1",
    ],
    [
      'window longer than the file',
      { mapping: { kind: 'window', history: 10, pushforward: 1 } },
      'mapping.history=10, future=1, pushforward=1 at stride 1 span 12 frames but d.h5 has 11: use history + (pushforward + 1) × future <= 11',
    ],
    [
      'stride',
      { mapping: { kind: 'window', history: 3, stride: 4 } },
      'at stride 4 span 13 frames but d.h5 has 11: use history + (pushforward + 1) × future <= 3',
    ],
  ];
  for (const [name, patch, message] of bad) {
    it(`names the fields and values: ${name}`, () => {
      const call = (): unknown => resolveTrainOptions({ ...BASE, ...patch }, { path: 'd.h5', nt: 11, nChannels: 1 });
      expect(call).toThrow(TrainOptionsError);
      expect(call).toThrow(message);
    });
  }
});

describe('window items', () => {
  const value = (i: number, c: number, f: number, x: number, y: number): number => i * 1e5 + c * 1e4 + f * 100 + x * 10 + y;

  it('stack history then target frames as channels, oldest first, after the unrolled frames', () => {
    const ds = H5Dataset.open(coded);
    try {
      // k = 2, m = 2, stride 2, pushforward 1: a window spans (2 + 2 + 2 − 1)·2 + 1 = 11 of 12 frames.
      for (const subsample of [1, 2]) {
        const layout = pairLayout(ds, { kind: 'window', history: 2, future: 2, stride: 2, pushforward: 1 }, subsample);
        expect(layout.items).toEqual([
          [0, 2, 8, 10],
          [1, 3, 9, 11],
        ]);
        const [gx, gy] = layout.spatial;
        expect(layout.spatial).toEqual(subsample === 1 ? [4, 3] : [2, 2]);
        const source = new PairSource(ds, layout);
        expect(source.shape).toEqual([6, 2 * 2 * gx * gy * 2]);
        const got = source.readSamples(3, 4); // sample 1, item 1
        const frames = layout.items[1];
        for (let x = 0; x < gx; x++) {
          for (let y = 0; y < gy; y++) {
            const p = x * gy + y;
            for (let j = 0; j < 2; j++) {
              for (let c = 0; c < 2; c++) {
                expect(got[(p * 2 + j) * 2 + c]).toBe(value(1, c, frames[j], x * subsample, y * subsample));
                expect(got[layout.inputSize + (p * 2 + j) * 2 + c]).toBe(value(1, c, frames[2 + j], x * subsample, y * subsample));
              }
            }
          }
        }
      }
    } finally {
      ds.close();
    }
  });

  it('one frame normalizer, fitted on every frame of the training samples only, for both sides', () => {
    const ds = H5Dataset.open(coded);
    try {
      const layout = pairLayout(ds, { kind: 'window', history: 2, future: 1, stride: 1, pushforward: 0 }, 1);
      const n = fitPairNormalizers(ds, layout, [0, 2], 'scalar', 'window');
      expect(n.output).toBe(n.input);
      const all = [0, 2].flatMap((i) => Array.from(ds.readSample(i)));
      expect(n.input?.count).toBe(2 * 12);
      expect(n.input?.mean[0]).toBeCloseTo(all.reduce((a, b) => a + b, 0) / all.length, 6);
      const pointwise = fitPairNormalizers(ds, layout, [0, 2], 'pointwise', 'window').input as UnitGaussianNormalizer;
      expect(pointwise.shape).toEqual([4, 3, 2]);
      // Point (1, 2), field 1: mean over samples 0, 2 and all 12 frames.
      expect(pointwise.mean[(1 * 3 + 2) * 2 + 1]).toBeCloseTo(1e5 + 1e4 + 550 + 12, 6);
    } finally {
      ds.close();
    }
  });
});

/** A scalar frame normalizer (mean 0.3, std 1.7) as checkpoints store it. */
const SCALAR: NormalizerJSON = { kind: 'unit-gaussian', version: 1, mode: 'scalar', eps: 1e-7, shape: [], count: 10, mean: [0.3], std: [1.7] };

function randomData(n: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => rng.normal());
}

function flat(ts: tf.Tensor[]): Float32Array {
  return Float32Array.from(ts.flatMap((t) => Array.from(t.dataSync())));
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
  }
  return diff / scale;
}

describe('pushforward', () => {
  it('takes the gradient of a one-call loss from the unrolled input, held constant', () => {
    const frame = [6, 5, 1];
    const size = 30;
    const k = 2;
    const n = 3;
    const model = createModel({ kind: 'toy-conv', seed: 4, width: 8, kernel: 3, inChannels: k, outChannels: 1 });
    const norms = { input: SCALAR, output: SCALAR };
    const pushed = new Replica(model, norms, 'rel-l2', frame, { history: k, future: 1, pushforward: 1 });
    const forced = new Replica(model, norms, 'rel-l2', frame, { history: k, future: 1 });
    try {
      const x = randomData(n * k * size, 1);
      const y = randomData(n * size, 2);
      // Warm up: the normalizers cache their stats as tensors on first use.
      const lossSum = pushed.lossSum(x, y, n);
      forced.lossSum(x, y, n);
      const before = tf.memory().numTensors;
      const pf = pushed.gradients(x, y, n, n);
      // The input after one call by hand: the window's last frame, then the prediction.
      const unrolled = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, k * size]);
        const pred = forced.predict(xt, true);
        return tf
          .concat([xt.reshape([n, size, k]).slice([0, 0, 1], [n, size, 1]), pred.reshape([n, size, 1])], 2)
          .reshape([n, k * size])
          .dataSync() as Float32Array;
      });
      const constant = forced.gradients(unrolled, y, n, n);
      expect(pf.loss).toBe(constant.loss);
      expect(Buffer.from(flat(pf.grads).buffer).equals(Buffer.from(flat(constant.grads).buffer))).toBe(true);
      // It is neither teacher forcing nor the gradient through the unroll.
      const teacher = forced.gradients(x, y, n, n);
      expect(maxRelDiff(flat(teacher.grads), flat(pf.grads))).toBeGreaterThan(1e-2);
      const through = tf.tidy(() => {
        const xt = tf.tensor2d(x, [n, k * size]);
        const yt = tf.tensor2d(y, [n, size]);
        const { grads } = tf.variableGrads(() => {
          const x1 = forced.shift(xt, forced.predict(xt, true));
          const e = tf.sub(forced.predict(x1, true), yt);
          return tf.div(tf.sum(tf.div(tf.norm(e, 2, 1), tf.norm(yt, 2, 1))), n) as tf.Scalar;
        }, model.trainableWeights());
        return flat(model.trainableWeights().map((w) => grads[w.name]));
      });
      expect(maxRelDiff(through, flat(pf.grads))).toBeGreaterThan(1e-2);
      tf.dispose([...pf.grads, ...constant.grads, ...teacher.grads]);
      expect(tf.memory().numTensors).toBe(before);
      expect(lossSum).toBeCloseTo(pf.loss * n, 5);
    } finally {
      pushed.dispose();
      forced.dispose();
      model.dispose();
    }
  });
});

describe('window rollout', () => {
  it('re-samples 2D normalizer statistics axis by axis: exact strides when coarsening', () => {
    const v = Float32Array.from({ length: 4 * 4 * 2 }, (_, q) => q);
    const coarse = resampleGrid(v, [4, 4], [2, 2], 2);
    expect(Array.from(coarse)).toEqual([0, 1, 4, 5, 16, 17, 20, 21]);
    const fine = resampleGrid(Float32Array.from([0, 1, 2, 3]), [2, 2], [4, 4], 1);
    expect(Array.from(fine.subarray(0, 4))).toEqual([0, 0.5, 1, 0.5]);
    expect(Array.from(fine.subarray(4, 8))).toEqual([1, 1.5, 2, 1.5]);
  });

  /** One model call by hand: encode with the scalar stats, apply, decode. */
  function call(model: ReturnType<typeof createModel>, window: Float32Array[], points: number, m: number): Float32Array[] {
    const k = window.length;
    const scale = SCALAR.std[0] + SCALAR.eps;
    const stacked = new Float32Array(points * k);
    window.forEach((f, j) => f.forEach((v, p) => (stacked[p * k + j] = (v - SCALAR.mean[0]) / scale)));
    const out = tf.tidy(() => model.apply(tf.tensor4d(stacked, [1, NX, NY, k])).dataSync() as Float32Array);
    return Array.from({ length: m }, (_, j) => Float32Array.from({ length: points }, (_, p) => out[p * m + j] * scale + SCALAR.mean[0]));
  }

  for (const [k, m] of [
    [3, 2],
    [1, 2],
    [2, 2],
  ]) {
    it(`history ${k}, future ${m}: equals repeated application feeding the last ${k} frames back`, () => {
      const points = NX * NY;
      const model = createModel({ kind: 'toy-conv', seed: 2, width: 8, kernel: 3, inChannels: k, outChannels: m });
      const frames0 = Array.from({ length: k }, (_, j) => randomData(points, 10 + j));
      const u0 = tf.tensor4d(
        Float32Array.from({ length: points * k }, (_, q) => frames0[q % k][Math.floor(q / k)]),
        [1, NX, NY, k],
      );
      const before = tf.memory().numTensors;
      const out = rollout(model, u0, 5, { input: SCALAR, output: SCALAR }, { history: k, future: m });
      expect(out.shape).toEqual([1, 5, NX, NY, 1]);
      const got = out.dataSync() as Float32Array;
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
      u0.dispose();
      const seq = [...frames0];
      while (seq.length < k + 5) seq.push(...call(model, seq.slice(seq.length - k), points, m));
      for (let f = 0; f < 5; f++) expect(maxRelDiff(got.subarray(f * points, (f + 1) * points), seq[k + f])).toBeLessThan(1e-5);
      model.dispose();
    });
  }
});

describe('window training and predictions (2D data)', () => {
  const options = (out: string, extra: Partial<TrainOptionsInput> = {}): TrainOptionsInput =>
    toyOptions(data, {
      model: { kind: 'toy-conv', width: 8, kernel: 3 },
      mapping: { kind: 'window', history: 2, future: 1, pushforward: 1 },
      split: { val: 2, test: 2 },
      batchSize: 8,
      epochs: 4,
      optimizer: { lr: 3e-3 },
      schedule: { kind: 'step', stepSize: 1, gamma: 0.7 },
      checkpointEvery: 1,
      out,
      ...extra,
    });
  let ckpt: LoadedCheckpoint;

  beforeAll(async () => {
    (await train(options(path.join(dir, 'straight')), quiet)).model.dispose();
    ckpt = await loadCheckpoint(path.join(dir, 'straight'));
  });

  afterAll(() => ckpt.dispose());

  it('fills the channels, stores one frame normalizer and resumes bit-identically', async () => {
    expect(ckpt.meta.config).toMatchObject({ inChannels: 2, outChannels: 1 });
    expect(ckpt.meta.frameShape).toEqual([NX, NY, 1]);
    expect(ckpt.meta.normalizer.output).toEqual(ckpt.meta.normalizer.input);
    expect(ckpt.meta.normalizer.input?.shape).toEqual([NX, NY]);
    // 8 training samples × 5 windows of 4 frames, batches of 8.
    expect(ckpt.meta.optimizer.step).toBe(4 * 5);
    const out = path.join(dir, 'resumed');
    (await train(options(out, { epochs: 2 }), quiet)).model.dispose();
    (await train(options(out, { resume: true }), quiet)).model.dispose();
    const a = readCheckpoint(path.join(dir, 'straight'));
    const b = readCheckpoint(out);
    const bytes = (ws: Float32Array[]): Buffer => Buffer.concat(ws.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength)));
    expect(bytes(b.weights).equals(bytes(a.weights))).toBe(true);
    expect(b.meta.metrics.map((m) => m.trainLoss)).toEqual(a.meta.metrics.map((m) => m.trainLoss));
    expect(a.meta.metrics[3].trainLoss).toBeLessThan(a.meta.metrics[0].trainLoss);
  });

  it('predicts by rollout from the first history frames: frames, times and values', async () => {
    const p = await predictDataset(ckpt, data, [10, 11]);
    expect(p.shape).toEqual({ n: 2, nt: NT - 2, nx: NX, spatial: [NX, NY], channels: 1 });
    expect(p.frames).toEqual([2, 3, 4, 5, 6, 7]);
    expect(p.firstFrame).toBe(2);
    expect(p.inputFrames).toEqual([0, 1]);
    expect(p.modelCalls).toBe(6);
    p.times.forEach((t, k) => expect(t).toBeCloseTo(0.1 * (k + 2), 12));
    const ds = H5Dataset.open(data);
    const sample = ds.readSample(11);
    ds.close();
    const F = NX * NY;
    expect(p.truth.slice((6 + 3) * F, (6 + 4) * F)).toEqual(sample.slice(5 * F, 6 * F));
    const u0 = tf.tensor4d(
      Float32Array.from({ length: 2 * F }, (_, q) => sample[(q % 2) * F + Math.floor(q / 2)]),
      [1, NX, NY, 2],
    );
    const r = rollout(ckpt.model, u0, 6, ckpt.normalizers, { history: 2 });
    expect(maxRelDiff(p.pred.subarray(6 * F), r.dataSync())).toBeLessThan(1e-6);
    tf.dispose([u0, r]);
    const short = await predictDataset(ckpt, data, [10], { rolloutSteps: 3 });
    expect(short.frames).toEqual([2, 3, 4]);
    expect(maxRelDiff(short.pred, p.pred.subarray(0, 3 * F))).toBeLessThan(1e-6);
  });

  it('refuses data that does not fit, naming both values, before predicting', async () => {
    const shortFile = write2d(path.join(dir, 'short.h5'), { samples: 12, nt: 2, nx: NX, ny: NY });
    const coarse = write2d(path.join(dir, 'coarse.h5'), { samples: 12, nt: NT, nx: 4, ny: 4 });
    const twoFields = write2d(path.join(dir, 'two-fields.h5'), { samples: 12, nt: NT, nx: NX, ny: NY, channels: 2 });
    const cases: [string, Parameters<typeof predictDataset>[3], string][] = [
      [
        shortFile,
        {},
        `${shortFile} has 2 frames; the checkpoint's mapping.history=2 at stride 1 needs at least 3 (history + 1 frames): evaluate on data with more frames`,
      ],
      [data, { rolloutSteps: 7 }, `rolloutSteps=7 is not allowed for ${data} with 8 frames (history 2, stride 1): use 1 to 6`],
      [
        coarse,
        {},
        `${coarse} gives a [4, 4] grid at subsample 1; the checkpoint was trained on [8, 8]: evaluate on the training grid, or ask for other resolutions explicitly (strides)`,
      ],
      [data, { subsample: 2 }, `${data} gives a [4, 4] grid at subsample 2; the checkpoint was trained on [8, 8]`],
      [twoFields, {}, `${twoFields} has 2 field(s) per point; the checkpoint was trained on 1: evaluate on data with the same fields`],
    ];
    for (const [file, opts, message] of cases) {
      const run = predictDataset(ckpt, file, [0], opts);
      await expect(run).rejects.toThrow(TrainOptionsError);
      await expect(run).rejects.toThrow(message);
    }
    // Asked for explicitly, another grid is evaluated (the pointwise stats re-sampled).
    const other = await predictDataset(ckpt, coarse, [0], { otherGrid: true });
    expect(other.shape.spatial).toEqual([4, 4]);
    expect(Array.from(other.pred).every(Number.isFinite)).toBe(true);
  });

  it('refuses to train a window longer than the file, writing nothing', async () => {
    const out = path.join(dir, 'too-long');
    await expect(train(options(out, { mapping: { kind: 'window', history: 7, pushforward: 1 } }), quiet)).rejects.toThrow(
      `mapping.history=7, future=1, pushforward=1 at stride 1 span 9 frames but ${data} has 8: use history + (pushforward + 1) × future <= 8`,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});
