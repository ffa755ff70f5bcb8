/**
 * The Gaussian noise head: the NLL loss against a hand computation, its gradient, a toy fit that
 * recovers a known noise level, the doubled output channels the options fill, the variance in
 * physical units (σ²·std²), and a trainer run with the loss that predicts variances.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { H5Dataset, h5ready, type NormalizerJSON } from '../../src/data/index.js';
import { checkGradients, initBackend } from '../../src/engine/index.js';
import '../../src/models/index.js';
import type { SurrogateModel } from '../../src/models/model.js';
import { perSampleLoss, predictDataset, Predictor, resolveTrainOptions, train, TrainOptionsError } from '../../src/training/index.js';
import { makeBurgers, makeTmpDir, registerToy, removeTmpDirs, toyOptions } from '../training/helpers.js';

let dir: string;
let data: string;

beforeAll(async () => {
  await initBackend('wasm');
  registerToy();
  dir = makeTmpDir();
  data = await makeBurgers(dir, { samples: 12, nx: 32, frames: 3, tEnd: 0.2 });
});

afterAll(removeTmpDirs);

const softplus = (r: number): number => Math.log1p(Math.exp(r));

describe("loss 'gaussian-nll'", () => {
  it('is the mean over points of ½(log 2πσ² + (y − μ)²/σ²), σ² = softplus(raw) + 1e-6', () => {
    const mu = [
      [0.5, -1, 2],
      [0, 0, 0],
    ];
    const raw = [
      [0, 1, -2],
      [3, -1, 0.5],
    ];
    const y = [
      [1, -1, 0],
      [0.1, -0.2, 0.3],
    ];
    const got = tf.tidy(() => perSampleLoss('gaussian-nll', tf.tensor2d(mu), tf.tensor2d(y), tf.tensor2d(raw)).arraySync() as number[]);
    for (let b = 0; b < 2; b++) {
      let sum = 0;
      for (let j = 0; j < 3; j++) {
        const v = softplus(raw[b][j]) + 1e-6;
        sum += 0.5 * (Math.log(2 * Math.PI * v) + (y[b][j] - mu[b][j]) ** 2 / v);
      }
      expect(got[b]).toBeCloseTo(sum / 3, 5);
    }
  });

  it('has the gradient of its central differences (mean and raw variance)', () => {
    const rng = new Rng(3);
    const t = (n: number): tf.Tensor =>
      tf.tensor2d(
        Float32Array.from({ length: 2 * n }, () => rng.normal()),
        [2, n],
      );
    const [mu, raw, y] = [t(8), t(8), t(8)];
    const res = checkGradients((m, r) => perSampleLoss('gaussian-nll', m, y, r), [mu, raw]);
    for (const r of res) expect(r.relError, JSON.stringify(r)).toBeLessThan(2e-3);
    tf.dispose([mu, raw, y]);
  });

  it('needs the raw variance, of the prediction shape', () => {
    const p = tf.zeros([2, 4]);
    expect(() => perSampleLoss('gaussian-nll', p, p)).toThrow("loss 'gaussian-nll' needs the noise head's raw variance of shape [2, 4]");
    expect(() => perSampleLoss('gaussian-nll', p, p, tf.zeros([2, 3]))).toThrow('got [2, 3]');
  });

  it('fitted to y = 2x + 0.3·ε recovers the noise level σ = 0.3 (within 10%)', () => {
    const rng = new Rng(11);
    const n = 2000;
    const xs = Float32Array.from({ length: n }, () => rng.uniform());
    const ys = xs.map((x) => 2 * x + 0.3 * rng.normal());
    const x = tf.tensor2d(xs, [n, 1]);
    const y = tf.tensor2d(ys, [n, 1]);
    const a = tf.variable(tf.scalar(0));
    const b = tf.variable(tf.scalar(0));
    const c = tf.variable(tf.scalar(0));
    const opt = tf.train.adam(0.05);
    for (let step = 0; step < 600; step++) {
      opt.minimize(() => tf.mean(perSampleLoss('gaussian-nll', tf.add(tf.mul(x, a), b), y, tf.add(tf.zerosLike(x), c))) as tf.Scalar);
    }
    const sigma = Math.sqrt(softplus(c.dataSync()[0]) + 1e-6);
    expect(a.dataSync()[0]).toBeCloseTo(2, 1);
    expect(Math.abs(sigma - 0.3) / 0.3).toBeLessThan(0.1);
    tf.dispose([x, y, a, b, c]);
    opt.dispose();
  });
});

describe('the noise head', () => {
  it('doubles the model output channels the options fill (mean then variance channels), and checks given ones', async () => {
    await h5ready();
    const ds = H5Dataset.open(data);
    try {
      const nll = resolveTrainOptions({ data, model: { kind: 'fno' }, loss: 'gaussian-nll', mapping: { kind: 'window', history: 1, future: 2 } }, ds);
      expect(nll.model).toMatchObject({ inChannels: 1, outChannels: 4 });
      expect(resolveTrainOptions({ data, model: { kind: 'fno' } }, ds).model.outChannels).toBe(1);
      expect(() => resolveTrainOptions({ data, model: { kind: 'fno', outChannels: 1 }, loss: 'gaussian-nll' }, ds)).toThrow(
        "model outChannels=1 does not match loss='gaussian-nll': it needs 2 × 1 frame(s) × 1 field (mean and variance channels): set --out-channels 2 or leave it out",
      );
      expect(() => resolveTrainOptions({ data, model: { kind: 'fno' }, loss: 'nll' as never })).toThrow(
        "loss='nll' is not allowed: use 'rel-l2', 'mse', 'gaussian-nll'",
      );
      expect(() => resolveTrainOptions({ data, model: { kind: 'fno' }, splitSeed: -1 })).toThrow(TrainOptionsError);
    } finally {
      ds.close();
    }
  });

  it('gives variances in physical units: (softplus(raw) + 1e-6)·(std + eps)², means decoded', () => {
    const s = 4;
    // A stub model: mean channel 0.5 everywhere, raw variance channel j/s at point j.
    const out = new Float32Array(2 * s);
    for (let j = 0; j < s; j++) [out[2 * j], out[2 * j + 1]] = [0.5, j / s];
    const model: SurrogateModel = {
      kind: 'stub',
      config: { kind: 'stub', seed: 0 },
      apply: (x) => tf.tidy(() => tf.tile(tf.tensor3d(out, [1, s, 2]), [x.shape[0], 1, 1])),
      trainableWeights: () => [],
      dispose: () => undefined,
    };
    const norm: NormalizerJSON = {
      kind: 'unit-gaussian',
      version: 1,
      mode: 'pointwise',
      eps: 1e-5,
      shape: [s],
      count: 10,
      mean: [1, 2, 3, 4],
      std: [1, 2, 0.5, 3],
    };
    const p = new Predictor(model, { input: null, output: norm }, [s, 1], { history: 1, future: 1, noiseHead: true });
    const { mean, variance } = p.predictMoments(tf.zeros([2, s]));
    const m = mean.dataSync();
    const v = (variance as tf.Tensor).dataSync();
    for (let j = 0; j < s; j++) {
      const std = [1, 2, 0.5, 3][j] + 1e-5;
      expect(m[s + j]).toBeCloseTo(0.5 * std + [1, 2, 3, 4][j], 5);
      expect(v[s + j] / ((softplus(j / s) + 1e-6) * std * std)).toBeCloseTo(1, 5);
    }
    tf.dispose([mean, variance as tf.Tensor]);
    p.dispose();
  });

  it('trains through the trainer and predicts a positive variance of the prediction shape', async () => {
    const out = `${dir}/nll-run`;
    const res = await train(toyOptions(data, { loss: 'gaussian-nll', mapping: 'next-step', out, epochs: 2 }), { progress: false });
    expect(res.options.model.outChannels).toBe(2);
    expect(res.metrics.every((m) => Number.isFinite(m.trainLoss) && Number.isFinite(m.valLoss as number))).toBe(true);
    res.model.dispose();
    const pred = await predictDataset(out, data, res.splits.test);
    expect(pred.variance).toBeInstanceOf(Float32Array);
    expect(pred.variance?.length).toBe(pred.pred.length);
    expect(pred.pred.length).toBe(2 * 2 * 32);
    expect(Math.min(...(pred.variance as Float32Array))).toBeGreaterThan(0);
  });
});
