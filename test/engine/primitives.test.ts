import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { maxAbs } from '../helpers/numeric.js';
import {
  checkGradients,
  EngineError,
  gelu,
  geluLinear,
  initBackend,
  linearChannelsFirst,
  linearChannelsLast,
  setWasmKernelsEnabled,
  sumColumns,
  sumRows,
  wasmKernelsActive,
} from '../../src/engine/index.js';

/** erf in float64 by the series erf(x) = 2/√π·e^{−x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)) (no cancellation). */
function erf64(x: number): number {
  if (Math.abs(x) >= 6) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17 * Math.abs(sum); n++) {
    term *= (2 * x * x) / (2 * n + 1);
    sum += term;
  }
  return (2 / Math.sqrt(Math.PI)) * Math.exp(-x * x) * sum;
}
const gelu64 = (x: number) => 0.5 * x * (1 + erf64(x / Math.SQRT2));
const geluGrad64 = (x: number) => 0.5 * (1 + erf64(x / Math.SQRT2)) + (x * Math.exp(-0.5 * x * x)) / Math.sqrt(2 * Math.PI);

function randn(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = scale * rng.normal();
  return tf.tensor(v, shape, 'float32');
}

/** Shapes of every BatchMatMul that `fn` runs. */
async function matmulShapes(fn: () => void): Promise<{ a: number[]; b: number[]; out: number[] }[]> {
  const info = await tf.profile(() => {
    fn();
  });
  return info.kernels.filter((k) => k.name === 'BatchMatMul').map((k) => ({ a: k.inputShapes[0], b: k.inputShapes[1], out: k.outputShapes[0] as number[] }));
}

/** True when a product's shapes show a rank-2 call with neither operand transposed. */
function untransposed2d(c: { a: number[]; b: number[]; out: number[] }): boolean {
  return c.a.length === 2 && c.b.length === 2 && c.a[1] === c.b[0] && c.out[0] === c.a[0] && c.out[1] === c.b[1];
}

const MODES = [
  ['wasm', true],
  ['wasm', false],
  ['cpu', false],
] as const;

describe.each(MODES)('primitives on %s (engine kernels %s)', (backend, kernels) => {
  beforeAll(async () => {
    await initBackend(backend);
  });
  afterEach(() => setWasmKernelsEnabled(true));
  const setup = () => {
    setWasmKernelsEnabled(kernels);
    expect(wasmKernelsActive()).toBe(kernels);
  };

  it('gelu is the exact-erf GELU to float32 accuracy, values and derivative, any size', () => {
    setup();
    for (const size of [1, 3, 5, 7, 1001]) {
      const xs = new Float32Array(size);
      for (let i = 0; i < size; i++) xs[i] = -9 + (18 * i) / Math.max(1, size - 1) + 1e-3 * (i % 7);
      const x = tf.tensor1d(xs);
      const y = gelu(x).dataSync();
      const dy = tf
        .grad((t: tf.Tensor) => tf.sum(gelu(t)))(x)
        .dataSync();
      for (let i = 0; i < size; i++) {
        const tol = 2e-6 * Math.max(1, Math.abs(xs[i]));
        expect(Math.abs(y[i] - gelu64(xs[i]))).toBeLessThan(tol);
        expect(Math.abs(dy[i] - geluGrad64(xs[i]))).toBeLessThan(tol);
      }
    }
  });

  it('gelu keeps NaN and has gradients that pass finite differences', () => {
    setup();
    expect(Number.isNaN(gelu(tf.tensor1d([0, NaN, 1, 2, 3])).dataSync()[1])).toBe(true);
    const x = randn(new Rng(1), [6, 50], 2);
    for (const r of checkGradients((t) => gelu(t), [x])) expect(r.relError).toBeLessThan(1e-3);
  });

  it.each([
    [5, 7, 64],
    [64, 64, 40],
    [3, 9, 6],
    [2, 6, 30],
    [128, 1, 36],
    [1, 9, 20],
  ])('linearChannelsFirst (cin %i, cout %i, n %i): values in float64 and finite-difference gradients', (cin, cout, n) => {
    setup();
    const rng = new Rng(cin * 1000 + cout, n);
    const x = randn(rng, [cin, n]) as tf.Tensor2D;
    const w = randn(rng, [cout, cin], 1 / Math.sqrt(cin)) as tf.Tensor2D;
    const b = randn(rng, [cout]) as tf.Tensor1D;
    const z = randn(rng, [cout, n]) as tf.Tensor2D;
    const got = linearChannelsFirst(x, w, b, z).dataSync();
    const [xv, wv, bv, zv] = [x.dataSync(), w.dataSync(), b.dataSync(), z.dataSync()];
    for (let o = 0; o < cout; o++) {
      for (let j = 0; j < n; j++) {
        let ref = bv[o] + zv[o * n + j];
        for (let i = 0; i < cin; i++) ref += wv[o * cin + i] * xv[i * n + j];
        expect(Math.abs(got[o * n + j] - ref)).toBeLessThan(1e-5 * (1 + Math.abs(ref)));
      }
    }
    const fd = checkGradients(
      (xi, wi, bi, zi) => linearChannelsFirst(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D, zi as tf.Tensor2D),
      [x, w, b, z],
    );
    for (const r of fd) expect(r.relError).toBeLessThan(1e-3);
    const plain = checkGradients((xi, wi) => linearChannelsFirst(xi as tf.Tensor2D, wi as tf.Tensor2D), [x, w]);
    for (const r of plain) expect(r.relError).toBeLessThan(1e-3);
  });

  it.each([
    [128, 1, 64],
    [7, 3, 20],
    [16, 5, 36],
  ])('geluLinear (cin %i, cout %i, n %i) is linearChannelsFirst(gelu(x)) bit for bit, values and gradients', (cin, cout, n) => {
    setup();
    const rng = new Rng(cin, cout + n);
    const x = randn(rng, [cin, n], 2) as tf.Tensor2D;
    const w = randn(rng, [cout, cin], 1 / Math.sqrt(cin)) as tf.Tensor2D;
    const b = randn(rng, [cout]) as tf.Tensor1D;
    const dyv = randn(rng, [cout, n]);
    for (const bias of [b, null]) {
      const run = (f: (xi: tf.Tensor2D, wi: tf.Tensor2D, bi: tf.Tensor1D | null) => tf.Tensor) => {
        const y = f(x, w, bias).dataSync() as Float32Array;
        const inputs = bias ? [x, w, bias] : [x, w];
        const grads = tf.grads((...t: tf.Tensor[]) =>
          tf.sum(tf.mul(f(t[0] as tf.Tensor2D, t[1] as tf.Tensor2D, (t[2] as tf.Tensor1D | undefined) ?? null), dyv)),
        )(inputs);
        return [y, ...grads.map((g) => g.dataSync() as Float32Array)];
      };
      const fused = run((xi, wi, bi) => geluLinear(xi, wi, bi));
      const separate = run((xi, wi, bi) => linearChannelsFirst(gelu(xi), wi, bi));
      fused.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(separate[i].buffer)), `array ${i}`).toBe(true));
      expect(maxAbs(fused[1])).toBeGreaterThan(1e-3);
    }
  });

  it('linearChannelsLast: values and finite-difference gradients', () => {
    setup();
    const rng = new Rng(5);
    const x = randn(rng, [30, 6]) as tf.Tensor2D;
    const w = randn(rng, [6, 11]) as tf.Tensor2D;
    const b = randn(rng, [11]) as tf.Tensor1D;
    const got = linearChannelsLast(x, w, b).dataSync();
    const [xv, wv, bv] = [x.dataSync(), w.dataSync(), b.dataSync()];
    for (let j = 0; j < 30; j++) {
      for (let o = 0; o < 11; o++) {
        let ref = bv[o];
        for (let i = 0; i < 6; i++) ref += xv[j * 6 + i] * wv[i * 11 + o];
        expect(Math.abs(got[j * 11 + o] - ref)).toBeLessThan(1e-5 * (1 + Math.abs(ref)));
      }
    }
    for (const r of checkGradients((xi, wi, bi) => linearChannelsLast(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D), [x, w, b])) {
      expect(r.relError).toBeLessThan(1e-3);
    }
    const wide = randn(rng, [30, 13]) as tf.Tensor2D;
    const w2 = randn(rng, [13, 4]) as tf.Tensor2D;
    for (const r of checkGradients((xi, wi) => linearChannelsLast(xi as tf.Tensor2D, wi as tf.Tensor2D), [wide, w2])) {
      expect(r.relError).toBeLessThan(1e-3);
    }
  });

  it('sums over the long axis as ones-vector products', () => {
    setup();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(sumColumns(x).dataSync())).toEqual([6, 15]);
    expect(Array.from(sumRows(x).dataSync())).toEqual([5, 7, 9]);
  });

  it('never runs a transposed or batched matmul, forward or gradient', async () => {
    setup();
    const rng = new Rng(9);
    const x = randn(rng, [5, 44]) as tf.Tensor2D;
    const w = randn(rng, [7, 5]) as tf.Tensor2D;
    const b = randn(rng, [7]) as tf.Tensor1D;
    const xl = randn(rng, [44, 5]) as tf.Tensor2D;
    const wl = randn(rng, [5, 7]) as tf.Tensor2D;
    const calls = await matmulShapes(() => {
      tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) =>
        tf.sum(tf.square(linearChannelsFirst(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D))),
      )([x, w, b]);
      tf.grads((xi: tf.Tensor, wi: tf.Tensor, bi: tf.Tensor) => tf.sum(tf.square(linearChannelsLast(xi as tf.Tensor2D, wi as tf.Tensor2D, bi as tf.Tensor1D))))(
        [xl, wl, b],
      );
    });
    // channels-last always uses tfjs matmuls: forward, dx, dw, db.
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const c of calls) expect(untransposed2d(c), JSON.stringify(c)).toBe(true);
  });
});

describe('primitive errors', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('name the shapes and what is allowed', () => {
    const x = tf.zeros([4, 10]) as tf.Tensor2D;
    expect(() => linearChannelsFirst(x, tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(EngineError);
    expect(() => linearChannelsFirst(x, tf.zeros([3, 5]) as tf.Tensor2D)).toThrow(
      'linearChannelsFirst: shapes x [4, 10], w [3, 5] are not allowed: use x [cin, n], w [cout, cin], b [cout]',
    );
    expect(() => linearChannelsFirst(x, tf.zeros([3, 4]) as tf.Tensor2D, tf.zeros([4]) as tf.Tensor1D)).toThrow(
      'linearChannelsFirst: bias shape [4] is not allowed: use [3]',
    );
    expect(() => linearChannelsFirst(x, tf.zeros([3, 4]) as tf.Tensor2D, null, tf.zeros([3, 9]) as tf.Tensor2D)).toThrow(
      'linearChannelsFirst: addend shape [3, 9] is not allowed: use [3, 10]',
    );
    expect(() => linearChannelsLast(x, tf.zeros([5, 2]) as tf.Tensor2D)).toThrow(
      'linearChannelsLast: shapes x [4, 10], w [5, 2] are not allowed: use x [n, cin], w [cin, cout], b [cout]',
    );
  });
});
