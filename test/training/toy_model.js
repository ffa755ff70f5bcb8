/**
 * A tiny convolutional surrogate for the trainer's tests, in plain JavaScript so that training
 * worker threads (which cannot load .ts) can import it through `modelModules`:
 * a pointwise MLP on a periodic stencil of `kernel` neighbours — [u(x−h·r) … u(x+h·r)] →
 * dense(width) → tanh → dense(1) — built from slices, concat and 2D matmuls (the wasm backend has
 * no Conv2DBackpropFilter kernel). Weights are seeded normals (tfjs treats seed 0 as "no seed" and
 * draws from Math.random, hence the odd offsets).
 */
import * as tf from '@tensorflow/tfjs';

const KEYS = ['kind', 'seed', 'width', 'kernel'];

export const toyConvEntry = {
  kind: 'toy-conv',
  summary: 'test-only two-layer 1D convolution',
  resolveConfig(partial) {
    for (const key of Object.keys(partial)) {
      if (!KEYS.includes(key)) throw new Error(`toy-conv: unknown field ${key}`);
    }
    return { kind: 'toy-conv', seed: 0, width: 8, kernel: 5, ...partial };
  },
  create(config) {
    const { seed, width, kernel } = config;
    const variable = (make) => {
      const t = make();
      const v = tf.variable(t);
      t.dispose();
      return v;
    };
    const w1 = variable(() => tf.randomNormal([kernel, width], 0, 1 / Math.sqrt(kernel), 'float32', 2 * seed + 1));
    const b1 = variable(() => tf.zeros([width]));
    const w2 = variable(() => tf.randomNormal([width, 1], 0, 1 / Math.sqrt(width), 'float32', 2 * seed + 2));
    const b2 = variable(() => tf.zeros([1]));
    const weights = [w1, b1, w2, b2];
    return {
      kind: 'toy-conv',
      config,
      apply(x) {
        return tf.tidy(() => {
          const [b, s] = x.shape;
          const u = x.reshape([b, s]);
          const half = (kernel - 1) >> 1;
          const shifted = [];
          for (let d = -half; d < kernel - half; d++) {
            const r = ((d % s) + s) % s;
            shifted.push(r === 0 ? u : tf.concat([u.slice([0, r], [b, s - r]), u.slice([0, 0], [b, r])], 1));
          }
          const features = tf.stack(shifted, 2).reshape([b * s, kernel]);
          const h = tf.tanh(tf.add(tf.matMul(features, w1), b1));
          return tf.add(tf.matMul(h, w2), b2).reshape([b, s, 1]);
        });
      },
      trainableWeights: () => weights,
      dispose: () => weights.forEach((w) => w.dispose()),
    };
  },
};

export const modelEntries = [toyConvEntry];
