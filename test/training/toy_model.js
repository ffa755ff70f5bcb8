/**
 * A tiny convolutional surrogate for the trainer's tests, in plain JavaScript so that training
 * worker threads (which cannot load .ts) can import it through `modelModules`:
 * a pointwise MLP on a periodic stencil of `kernel` neighbours along the last grid axis (x in 1D,
 * y in 2D) — [u(·−h·r) … u(·+h·r)], inChannels each → dense(width) → tanh → dense(outChannels) —
 * built from slices, concat and 2D matmuls (the wasm backend has no Conv2DBackpropFilter kernel).
 * Inputs [batch, ...grid, inChannels] → [batch, ...grid, outChannels]. Weights are seeded normals
 * (tfjs treats seed 0 as "no seed" and draws from Math.random, hence the odd offsets).
 */
import * as tf from '@tensorflow/tfjs';

const KEYS = ['kind', 'seed', 'width', 'kernel', 'inChannels', 'outChannels'];

export const toyConvEntry = {
  kind: 'toy-conv',
  summary: 'test-only two-layer 1D convolution',
  resolveConfig(partial) {
    for (const key of Object.keys(partial)) {
      if (!KEYS.includes(key)) throw new Error(`toy-conv: unknown field ${key}`);
    }
    return { kind: 'toy-conv', seed: 0, width: 8, kernel: 5, inChannels: 1, outChannels: 1, ...partial };
  },
  create(config) {
    const { seed, width, kernel, inChannels: cin, outChannels: cout } = config;
    const variable = (make) => {
      const t = make();
      const v = tf.variable(t);
      t.dispose();
      return v;
    };
    const w1 = variable(() => tf.randomNormal([kernel * cin, width], 0, 1 / Math.sqrt(kernel * cin), 'float32', 2 * seed + 1));
    const b1 = variable(() => tf.zeros([width]));
    const w2 = variable(() => tf.randomNormal([width, cout], 0, 1 / Math.sqrt(width), 'float32', 2 * seed + 2));
    const b2 = variable(() => tf.zeros([cout]));
    const weights = [w1, b1, w2, b2];
    return {
      kind: 'toy-conv',
      config,
      apply(x) {
        return tf.tidy(() => {
          const grid = x.shape.slice(1, -1);
          if (x.shape[x.rank - 1] !== cin) throw new Error(`toy-conv: input has ${x.shape[x.rank - 1]} channels, not ${cin}`);
          const s = grid[grid.length - 1];
          const rows = x.size / (s * cin);
          const u = x.reshape([rows, s, cin]);
          const half = (kernel - 1) >> 1;
          const shifted = [];
          for (let d = -half; d < kernel - half; d++) {
            const r = ((d % s) + s) % s;
            shifted.push(r === 0 ? u : tf.concat([u.slice([0, r, 0], [rows, s - r, cin]), u.slice([0, 0, 0], [rows, r, cin])], 1));
          }
          const features = tf.stack(shifted, 2).reshape([rows * s, kernel * cin]);
          const h = tf.tanh(tf.add(tf.matMul(features, w1), b1));
          return tf.add(tf.matMul(h, w2), b2).reshape([x.shape[0], ...grid, cout]);
        });
      },
      trainableWeights: () => weights,
      dispose: () => weights.forEach((w) => w.dispose()),
    };
  },
};

export const modelEntries = [toyConvEntry];
