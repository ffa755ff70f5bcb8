import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { dftBasis, initBackend, wasmKernelsActive } from '../../src/engine/index.js';
import { foldedAnalysisKernel, foldedAnalysisReference, foldedSynthesisKernel, foldedSynthesisReference } from '../../src/engine/wasm_dft.js';

function normals(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

describe('fused folded DFT kernels', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    expect(wasmKernelsActive()).toBe(true);
  });

  // Rows: tiles of 4 and every remainder; s and nModes: the smallest allowed, and the FNO's.
  const cases: [number, number, number][] = [
    [1, 16, 8],
    [3, 16, 8],
    [6, 64, 16],
    [9, 32, 16],
    [5, 1024, 16],
    [4, 64, 24],
  ];

  it.each(cases)('analysis of %i rows (s=%i, %i modes) is bit for bit its plain-JS twin', (rows, s, nModes) => {
    const rng = new Rng(rows, s + nModes);
    const x = normals(rng, rows * s);
    const [e, o] = (['even', 'odd'] as const).map((p) => dftBasis(s, nModes, 'forward', p));
    const got = foldedAnalysisKernel(tf.tensor2d(x, [rows, s]), e, o).dataSync() as Float32Array;
    const want = foldedAnalysisReference(x, rows, e.dataSync() as Float32Array, o.dataSync() as Float32Array, s / 2, nModes / 2);
    expect(sameBits(got, want)).toBe(true);
  });

  it.each(cases)('synthesis of %i rows (s=%i, %i modes), with and without a residual and a multiplier, is bit for bit its plain-JS twin', (rows, s, nModes) => {
    const rng = new Rng(rows + 1, s + nModes);
    const g = normals(rng, rows * 2 * nModes);
    const z = normals(rng, rows * s);
    const [e, o] = (['even', 'odd'] as const).map((p) => dftBasis(s, nModes, 'inverse', p));
    const [ev, ov] = [e.dataSync() as Float32Array, o.dataSync() as Float32Array];
    const mul = normals(rng, rows * s);
    for (const [withZ, withMul] of [
      [false, false],
      [true, false],
      [true, true],
      [false, true],
    ]) {
      const zt = withZ ? tf.tensor2d(z, [rows, s]) : undefined;
      const mt = withMul ? tf.tensor2d(mul, [rows, s]) : undefined;
      const got = foldedSynthesisKernel(tf.tensor2d(g, [rows, 2 * nModes]), e, o, zt, mt).dataSync() as Float32Array;
      const want = foldedSynthesisReference(g, rows, ev, ov, s / 2, nModes / 2, withZ ? z : null, withMul ? mul : null);
      expect(sameBits(got, want)).toBe(true);
    }
  });

  it('names shapes it cannot take', () => {
    const e = dftBasis(64, 12, 'forward', 'even');
    expect(() => foldedAnalysisKernel(tf.zeros([2, 64]) as tf.Tensor2D, e, e)).toThrow(
      'foldedAnalysis: shapes x [2, 64], e [32, 12], o [32, 12] are not allowed: use [rows, 2h], [h, 2q], [h, 2q] with h, q multiples of 4',
    );
  });
});
