import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { irfft, isPowerOfTwo, rfft } from '../../core/fft/fft.js';
import { Rng } from '../../core/random.js';
import { checkGradients, dftBasis, EngineError, initBackend, irdft, rdft, setWasmKernelsEnabled } from '../../src/engine/index.js';
import { maxAbs } from '../helpers/numeric.js';

function randomRows(rng: Rng, rows: number, s: number): Float32Array {
  const v = new Float32Array(rows * s);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return v;
}

/** numpy.fft.rfft in float64: core/fft for powers of two, the O(n²) sum (exact angle reduction) otherwise. */
function rfft64(x: Float64Array): Float64Array {
  const n = x.length;
  if (isPowerOfTwo(n)) return rfft(x);
  const out = new Float64Array(2 * (Math.floor(n / 2) + 1));
  for (let k = 0; k <= n / 2; k++) {
    for (let j = 0; j < n; j++) {
      const a = (2 * Math.PI * ((j * k) % n)) / n;
      out[2 * k] += x[j] * Math.cos(a);
      out[2 * k + 1] -= x[j] * Math.sin(a);
    }
  }
  return out;
}

/** numpy.fft.irfft in float64 (imaginary parts of DC and, for even n, Nyquist ignored). */
function irfft64(c: Float64Array, n: number): Float64Array {
  if (isPowerOfTwo(n)) return irfft(c, n);
  const out = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let v = c[0];
    for (let k = 1; k < n / 2; k++) {
      const a = (2 * Math.PI * ((j * k) % n)) / n;
      v += 2 * (c[2 * k] * Math.cos(a) - c[2 * k + 1] * Math.sin(a));
    }
    if (n % 2 === 0) v += c[n] * Math.cos(Math.PI * j);
    out[j] = v / n;
  }
  return out;
}

// On wasm with the engine kernels, s % 8 = 0 and nModes ≥ 2 take the folded path (one radix-2
// step, then half-length bases); otherwise a single matmul with the full basis.
describe.each([
  ['wasm', true],
  ['wasm', false],
  ['cpu', false],
] as const)('truncated real DFT on %s (engine kernels %s)', (backend, kernels) => {
  beforeAll(async () => {
    await initBackend(backend);
  });
  beforeEach(() => setWasmKernelsEnabled(kernels));
  afterEach(() => setWasmKernelsEnabled(true));

  it.each([
    [8, 1],
    [8, 5],
    [64, 16],
    [64, 32],
    [64, 33],
    [24, 7],
    [256, 16],
  ])('rdft matches numpy-convention rfft (float64: core/fft, or the O(n²) sum) for s=%i, nModes=%i', (s, m) => {
    const rows = 3;
    const x = randomRows(new Rng(s, m), rows, s);
    const got = rdft(tf.tensor2d(x, [rows, s]), m).dataSync();
    for (let r = 0; r < rows; r++) {
      const ref = rfft64(Float64Array.from(x.subarray(r * s, (r + 1) * s)));
      const scale = maxAbs(ref);
      for (let k = 0; k < m; k++) {
        expect(Math.abs(got[r * 2 * m + k] - ref[2 * k])).toBeLessThan(2e-6 * scale);
        expect(Math.abs(got[r * 2 * m + m + k] - ref[2 * k + 1])).toBeLessThan(2e-6 * scale);
      }
    }
  });

  it.each([
    [8, 3],
    [24, 2],
    [64, 16],
    [64, 33],
    [256, 20],
  ])('irdft matches irfft of the zero-padded spectrum for s=%i, nModes=%i', (s, m) => {
    const rows = 2;
    const g = randomRows(new Rng(7, s + m), rows, 2 * m);
    const got = irdft(tf.tensor2d(g, [rows, 2 * m]), s).dataSync();
    for (let r = 0; r < rows; r++) {
      const spec = new Float64Array(2 * (s / 2 + 1));
      for (let k = 0; k < m; k++) {
        spec[2 * k] = g[r * 2 * m + k];
        spec[2 * k + 1] = g[r * 2 * m + m + k];
      }
      const ref = irfft64(spec, s);
      const scale = maxAbs(ref);
      for (let j = 0; j < s; j++) expect(Math.abs(got[r * s + j] - ref[j])).toBeLessThan(2e-6 * scale);
    }
  });

  it('irdft inverts rdft for signals band-limited below nModes', () => {
    const s = 128;
    const m = 12;
    const x = new Float32Array(2 * s);
    for (let j = 0; j < s; j++) {
      x[j] = Math.sin((2 * Math.PI * 3 * j) / s) + 0.5;
      x[s + j] = Math.cos((2 * Math.PI * 11 * j) / s + 0.3) - 0.25 * Math.sin((2 * Math.PI * j) / s);
    }
    const back = irdft(rdft(tf.tensor2d(x, [2, s]), m), s).dataSync();
    for (let j = 0; j < 2 * s; j++) expect(Math.abs(back[j] - x[j])).toBeLessThan(2e-6);
  });

  it('irdft adds a residual branch, with its gradient', () => {
    const rng = new Rng(12);
    const g = tf.tensor2d(randomRows(rng, 3, 12), [3, 12]);
    const z = tf.tensor2d(randomRows(rng, 3, 40), [3, 40]);
    const sum = irdft(g as tf.Tensor2D, 40, z as tf.Tensor2D).dataSync();
    const plain = irdft(g as tf.Tensor2D, 40).dataSync();
    const zv = z.dataSync();
    for (let j = 0; j < 120; j++) expect(Math.abs(sum[j] - (plain[j] + zv[j]))).toBeLessThan(1e-6);
    for (const r of checkGradients((a, b) => irdft(a as tf.Tensor2D, 40, b as tf.Tensor2D), [g, z])) expect(r.relError).toBeLessThan(1e-3);
    expect(() => irdft(g as tf.Tensor2D, 40, tf.zeros([3, 41]) as tf.Tensor2D)).toThrow('irdft: addend shape [3, 41] is not allowed: use [3, 40]');
  });

  it('has exact gradients (directional finite differences)', () => {
    const rng = new Rng(3);
    const x = tf.tensor2d(randomRows(rng, 4, 32), [4, 32]);
    const g = tf.tensor2d(randomRows(rng, 4, 10), [4, 10]);
    for (const r of checkGradients((t) => rdft(t as tf.Tensor2D, 6), [x])) expect(r.relError).toBeLessThan(1e-3);
    for (const r of checkGradients((t) => irdft(t as tf.Tensor2D, 32), [g])) expect(r.relError).toBeLessThan(1e-3);
    // 16 modes: on wasm with the kernels, folded bases of 16 columns (the engine's small-right GEMM).
    const x64 = tf.tensor2d(randomRows(rng, 4, 64), [4, 64]);
    const g16 = tf.tensor2d(randomRows(rng, 4, 32), [4, 32]);
    const z64 = tf.tensor2d(randomRows(rng, 4, 64), [4, 64]);
    for (const r of checkGradients((t) => rdft(t as tf.Tensor2D, 16), [x64])) expect(r.relError).toBeLessThan(1e-3);
    for (const r of checkGradients((t, z) => irdft(t as tf.Tensor2D, 64, z as tf.Tensor2D), [g16, z64])) expect(r.relError).toBeLessThan(1e-3);
  });
});

describe('DFT errors', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it('names the grid size and the allowed mode range', () => {
    expect(() => rdft(tf.zeros([2, 16]) as tf.Tensor2D, 10)).toThrow(EngineError);
    expect(() => rdft(tf.zeros([2, 16]) as tf.Tensor2D, 10)).toThrow('rdft: nModes=10 is not allowed for s=16: use an integer in [1, 9]');
    expect(() => irdft(tf.zeros([2, 7]) as tf.Tensor2D, 16)).toThrow('irdft: input shape [2, 7] is not allowed: use [rows, 2·nModes]');
    expect(() => dftBasis(0, 1, 'forward')).toThrow('dftBasis: grid size s=0 is not allowed: use an integer >= 1');
  });

  it('caches one basis per (grid size, modes) and reuses it', () => {
    expect(dftBasis(64, 8, 'forward')).toBe(dftBasis(64, 8, 'forward'));
    expect(dftBasis(64, 8, 'forward')).not.toBe(dftBasis(128, 8, 'forward'));
    expect(dftBasis(64, 8, 'inverseT').shape).toEqual([64, 16]);
  });
});
