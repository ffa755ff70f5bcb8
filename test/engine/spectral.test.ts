import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { checkGradients, complexModeMix, EngineError, initBackend, setWasmKernelsEnabled } from '../../src/engine/index.js';

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tf.tensor(v, shape, 'float32');
}

/** out[o, b, k] = Σ_i f[i, b, k]·w[i, o, k] in float64 complex arithmetic (planar layouts). */
function mix64(f: Float32Array, w: Float32Array, cin: number, batch: number, cout: number, m: number): Float64Array {
  const out = new Float64Array(cout * batch * 2 * m);
  for (let o = 0; o < cout; o++) {
    for (let b = 0; b < batch; b++) {
      for (let k = 0; k < m; k++) {
        let re = 0;
        let im = 0;
        for (let i = 0; i < cin; i++) {
          const fr = f[(i * batch + b) * 2 * m + k];
          const fi = f[(i * batch + b) * 2 * m + m + k];
          const wr = w[((i * cout + o) * 2 + 0) * m + k];
          const wi = w[((i * cout + o) * 2 + 1) * m + k];
          re += fr * wr - fi * wi;
          im += fr * wi + fi * wr;
        }
        out[(o * batch + b) * 2 * m + k] = re;
        out[(o * batch + b) * 2 * m + m + k] = im;
      }
    }
  }
  return out;
}

const MODES = [
  ['wasm', true],
  ['wasm', false],
  ['cpu', false],
] as const;

describe.each(MODES)('complexModeMix on %s (engine kernels %s)', (backend, kernels) => {
  beforeAll(async () => {
    await initBackend(backend);
  });
  afterEach(() => setWasmKernelsEnabled(true));

  it.each([
    [1, 3, 2, 4],
    [3, 5, 4, 2],
    [4, 6, 3, 7],
    [5, 2, 5, 3],
    [16, 8, 3, 9],
    [19, 6, 7, 5],
  ])('matches the float64 einsum("bix,iox->box") for nModes=%i (cin %i, batch %i, cout %i)', (m, cin, batch, cout) => {
    setWasmKernelsEnabled(kernels);
    const rng = new Rng(m, cin);
    const f = randn(rng, [cin, batch, 2 * m]) as tf.Tensor3D;
    const w = randn(rng, [cin, cout, 2, m]) as tf.Tensor4D;
    const got = complexModeMix(f, w).dataSync();
    const ref = mix64(f.dataSync() as Float32Array, w.dataSync() as Float32Array, cin, batch, cout, m);
    expect(got.length).toBe(ref.length);
    for (let j = 0; j < ref.length; j++) expect(Math.abs(got[j] - ref[j])).toBeLessThan(1e-5 * (1 + Math.abs(ref[j])) * Math.sqrt(cin));
  });

  it.each([
    [3, 4, 3, 5],
    [8, 5, 4, 3],
    [6, 3, 2, 2],
  ])('has finite-difference gradients for nModes=%i', (m, cin, batch, cout) => {
    setWasmKernelsEnabled(kernels);
    const rng = new Rng(100 + m);
    const f = randn(rng, [cin, batch, 2 * m]);
    const w = randn(rng, [cin, cout, 2, m]);
    for (const r of checkGradients((a, b) => complexModeMix(a as tf.Tensor3D, b as tf.Tensor4D), [f, w])) expect(r.relError).toBeLessThan(1e-3);
  });
});

describe('complexModeMix checks', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('names the shapes it does not accept', () => {
    expect(() => complexModeMix(tf.zeros([4, 2, 7]) as tf.Tensor3D, tf.zeros([4, 4, 2, 3]) as tf.Tensor4D)).toThrow(EngineError);
    expect(() => complexModeMix(tf.zeros([4, 2, 7]) as tf.Tensor3D, tf.zeros([4, 4, 2, 3]) as tf.Tensor4D)).toThrow(
      'complexModeMix: f shape [4, 2, 7] is not allowed: use [cin, batch, 2·nModes]',
    );
    expect(() => complexModeMix(tf.zeros([4, 2, 8]) as tf.Tensor3D, tf.zeros([3, 4, 2, 4]) as tf.Tensor4D)).toThrow(
      'complexModeMix: w shape [3, 4, 2, 4] is not allowed with f [4, 2, 8]: use [4, cout, 2, 4]',
    );
  });

  it('without the kernels, runs only rank-2 untransposed matmuls (one per mode and product)', async () => {
    setWasmKernelsEnabled(false);
    const rng = new Rng(4);
    const f = randn(rng, [3, 5, 8]);
    const w = randn(rng, [3, 2, 2, 4]);
    const info = await tf.profile(() => {
      tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(complexModeMix(a as tf.Tensor3D, b as tf.Tensor4D))))([f, w]);
    });
    setWasmKernelsEnabled(true);
    const calls = info.kernels.filter((k) => k.name === 'BatchMatMul');
    expect(calls.length).toBe(3 * 4);
    for (const c of calls) {
      const [a, b] = c.inputShapes;
      expect(a.length === 2 && b.length === 2 && a[1] === b[0], JSON.stringify(c.inputShapes)).toBe(true);
    }
  });
});
