import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { initBackend } from '../../src/engine/backend.js';
import { setWasmKernelsEnabled } from '../../src/engine/index.js';
import { AdamOptimizer, lrAt, perSampleLoss, shardLoss, type OptimizerOptions } from '../../src/training/index.js';

beforeAll(() => initBackend('wasm'));

function normals(n: number, seed: number, stream: number): Float64Array {
  const rng = new Rng(seed, stream);
  return Float64Array.from({ length: n }, () => rng.normal());
}

/** torch.optim.Adam / AdamW, single-tensor path, in float64 on float32 inputs. */
function referenceSteps(o: OptimizerOptions, w0: Float64Array, grads: Float64Array[], lrs: number[]): Float64Array {
  const w = Float64Array.from(w0, (x) => Math.fround(x));
  const m = new Float64Array(w.length);
  const v = new Float64Array(w.length);
  grads.forEach((gRaw, k) => {
    const t = k + 1;
    const lr = lrs[k];
    for (let i = 0; i < w.length; i++) {
      let g = Math.fround(gRaw[i]);
      if (o.kind === 'adam') g += o.weightDecay * w[i];
      else w[i] *= 1 - lr * o.weightDecay;
      m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
      v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
      const denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(o.beta2, t)) + o.eps;
      w[i] -= (lr / (1 - Math.pow(o.beta1, t))) * (m[i] / denom);
    }
  });
  return w;
}

describe('AdamOptimizer', () => {
  const base: OptimizerOptions = { kind: 'adam', lr: 1e-3, weightDecay: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  for (const kind of ['adam', 'adamw'] as const) {
    it(`${kind}: three steps match a float64 hand computation to float32 tolerance`, () => {
      const n = 50;
      const o = { ...base, kind };
      const w0 = normals(n, 1, 0);
      const gs = [normals(n, 1, 1), normals(n, 1, 2).map((x) => 1e-3 * x), normals(n, 1, 3)];
      const lrs = [0.01, 0.02, 0.005];
      const w = tf.variable(tf.tensor1d(Float32Array.from(w0)));
      const opt = new AdamOptimizer(o, [w]);
      gs.forEach((g, k) => {
        const gt = tf.tensor1d(Float32Array.from(g));
        opt.apply([gt], lrs[k]);
        gt.dispose();
      });
      const got = w.dataSync();
      const want = referenceSteps(o, w0, gs, lrs);
      const maxErr = Math.max(...Array.from(got, (x, i) => Math.abs(x - want[i]) / Math.max(1, Math.abs(want[i]))));
      expect(maxErr).toBeLessThan(2e-7);
      // The updates are far larger than the tolerance: the comparison has teeth.
      const moved = Math.max(...Array.from(got, (x, i) => Math.abs(x - w0[i])));
      expect(moved).toBeGreaterThan(1e-3);
      expect(opt.step).toBe(3);
      opt.dispose();
      w.dispose();
    });
  }

  for (const [kind, weightDecay] of [
    ['adam', 0.05],
    ['adamw', 0.05],
    ['adam', 0],
  ] as const) {
    it(`${kind} (weight decay ${weightDecay}): the engine kernel and the tfjs ops give the same bits over three steps`, () => {
      const shapes = [[3, 5], [1], [64]];
      const run = (kernels: boolean): Float32Array[] => {
        setWasmKernelsEnabled(kernels);
        try {
          const ws = shapes.map((sh, j) =>
            tf.variable(
              tf.tensor(
                Float32Array.from(
                  normals(
                    sh.reduce((a, b) => a * b, 1),
                    5,
                    j,
                  ),
                ),
                sh,
              ),
            ),
          );
          const opt = new AdamOptimizer({ ...base, kind, weightDecay }, ws);
          for (let k = 0; k < 3; k++) {
            const gs = shapes.map((sh, j) =>
              tf.tensor(
                Float32Array.from(
                  normals(
                    sh.reduce((a, b) => a * b, 1),
                    6 + k,
                    j,
                  ),
                ),
                sh,
              ),
            );
            opt.apply(gs, 0.01 * (k + 1));
            tf.dispose(gs);
          }
          const state = opt.getState();
          const out = [...ws.map((w) => w.dataSync() as Float32Array), ...state.m, ...state.v];
          opt.dispose();
          tf.dispose(ws);
          return out;
        } finally {
          setWasmKernelsEnabled(true);
        }
      };
      const fast = run(true);
      const ops = run(false);
      fast.forEach((a, i) =>
        expect(Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(ops[i].buffer, ops[i].byteOffset, ops[i].byteLength)), `array ${i}`).toBe(
          true,
        ),
      );
    });
  }

  it('adam and adamw differ only through the weight decay', () => {
    const w0 = normals(8, 2, 0);
    const g = [normals(8, 2, 1)];
    const a = referenceSteps({ ...base, kind: 'adam' }, w0, g, [0.1]);
    const b = referenceSteps({ ...base, kind: 'adamw' }, w0, g, [0.1]);
    expect(Math.max(...a.map((x, i) => Math.abs(x - b[i])))).toBeGreaterThan(1e-4);
    const a0 = referenceSteps({ ...base, kind: 'adam', weightDecay: 0 }, w0, g, [0.1]);
    const b0 = referenceSteps({ ...base, kind: 'adamw', weightDecay: 0 }, w0, g, [0.1]);
    expect(a0).toEqual(b0);
  });

  it('state round-trips: a restored optimizer continues bit-identically', () => {
    const w0 = Float32Array.from(normals(16, 3, 0));
    const grads = [1, 2, 3, 4].map((s) => Float32Array.from(normals(16, 3, s)));
    const run = (split: boolean): Float32Array => {
      let w = tf.variable(tf.tensor1d(w0));
      let opt = new AdamOptimizer(base, [w]);
      grads.forEach((g, k) => {
        if (split && k === 2) {
          const state = opt.getState();
          const values = w.dataSync().slice();
          opt.dispose();
          w.dispose();
          w = tf.variable(tf.tensor1d(values));
          opt = new AdamOptimizer(base, [w]);
          opt.setState(state);
        }
        tf.tidy(() => opt.apply([tf.tensor1d(g)], 0.01));
      });
      const out = w.dataSync().slice() as Float32Array;
      opt.dispose();
      w.dispose();
      return out;
    };
    expect(Buffer.from(run(true).buffer)).toEqual(Buffer.from(run(false).buffer));
  });

  it('allocates no tensors per step', () => {
    const w = tf.variable(tf.ones([3, 4]));
    const opt = new AdamOptimizer(base, [w]);
    const g = tf.ones([3, 4]);
    opt.apply([g], 0.1);
    const before = tf.memory().numTensors;
    for (let k = 0; k < 5; k++) opt.apply([g], 0.1);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([g, w]);
    opt.dispose();
  });
});

describe('lrAt', () => {
  it('step: lr · gamma^floor(epoch / stepSize)', () => {
    const s = { kind: 'step', stepSize: 100, gamma: 0.5 } as const;
    expect([0, 99, 100, 199, 200, 450].map((e) => lrAt(s, 1e-3, e))).toEqual([1e-3, 1e-3, 5e-4, 5e-4, 2.5e-4, 1e-3 / 16]);
  });

  it('cosine: etaMin + (lr − etaMin)(1 + cos(π·epoch/tMax))/2', () => {
    const s = { kind: 'cosine', tMax: 10, etaMin: 1e-5 } as const;
    expect(lrAt(s, 1e-3, 0)).toBe(1e-3);
    expect(lrAt(s, 1e-3, 5)).toBeCloseTo(1e-5 + (1e-3 - 1e-5) / 2, 15);
    expect(lrAt(s, 1e-3, 10)).toBeCloseTo(1e-5, 15);
    expect(lrAt(s, 1e-3, 2)).toBeCloseTo(1e-5 + ((1e-3 - 1e-5) * (1 + Math.cos(Math.PI / 5))) / 2, 15);
  });

  it('constant, and rejects a bad epoch', () => {
    expect(lrAt({ kind: 'constant' }, 0.3, 77)).toBe(0.3);
    expect(() => lrAt({ kind: 'constant' }, 0.3, -1)).toThrow('epoch=-1 is not allowed');
  });
});

describe('losses', () => {
  const p = [
    [1, 2, 3, 4],
    [0, 0, 1, 1],
  ];
  const t = [
    [1, 2, 3, 5],
    [1, 0, 1, 0],
  ];
  it('rel-l2 per sample is ‖p − t‖ / ‖t‖ over the sample', () => {
    const got = perSampleLoss('rel-l2', tf.tensor(p).reshape([2, 2, 2]), tf.tensor(t).reshape([2, 2, 2])).arraySync();
    expect(got[0]).toBeCloseTo(1 / Math.sqrt(1 + 4 + 9 + 25), 6);
    expect(got[1]).toBeCloseTo(Math.sqrt(2) / Math.sqrt(2), 6);
  });

  it('mse per sample; shardLoss sums per-sample losses over the whole batch size', () => {
    const got = perSampleLoss('mse', tf.tensor(p), tf.tensor(t)).arraySync();
    expect(got).toEqual([0.25, 0.5]);
    expect(shardLoss('mse', tf.tensor(p), tf.tensor(t)).arraySync()).toBeCloseTo(0.375, 7);
    expect(shardLoss('mse', tf.tensor([p[0]]), tf.tensor([t[0]]), 2).arraySync()).toBeCloseTo(0.125, 7);
  });

  it('rejects mismatched shapes', () => {
    expect(() => perSampleLoss('mse', tf.zeros([2, 3]), tf.zeros([2, 4]))).toThrow('loss: prediction shape [2, 3] differs from target shape [2, 4]');
  });
});
