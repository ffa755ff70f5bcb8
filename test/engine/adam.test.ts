import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { initBackend, wasmKernelsActive } from '../../src/engine/index.js';
import { adamKernel, adamReference, type AdamDecay, type AdamScalars } from '../../src/engine/wasm_adam.js';

function values(rng: Rng, n: number, scale: number, positive = false): Float32Array {
  return Float32Array.from({ length: n }, () => {
    const x = scale * rng.normal();
    return positive ? x * x : x;
  });
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

const SCALARS: AdamScalars = {
  decay: 0.01,
  beta1: 0.9,
  oneMinusBeta1: 1 - 0.9,
  beta2: 0.999,
  oneMinusBeta2: 1 - 0.999,
  bc2Sqrt: Math.sqrt(1 - 0.999 ** 3),
  eps: 1e-8,
  stepSize: 1e-3 / (1 - 0.9 ** 3),
};

describe('PdesAdam (engine kernel)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
    expect(wasmKernelsActive()).toBe(true);
  });

  // Sizes: scalar tail only, vector body only, both; decay off, L2 (adam) and decoupled (adamw).
  for (const decay of ['none', 'l2', 'decoupled'] as AdamDecay[]) {
    it.each([1, 3, 4, 7, 130])(`${decay}: n=%i bit for bit the plain-JS twin, which differs from its inputs`, (n) => {
      const rng = new Rng(n, decay.length);
      const [w, g, m] = [values(rng, n, 1), values(rng, n, 0.1), values(rng, n, 0.01)];
      const v = values(rng, n, 0.01, true);
      const s = { ...SCALARS, decay: decay === 'decoupled' ? 1 - 0.01 * 0.05 : 0.05 };
      const want = adamReference(w, g, m, v, decay, s);
      const out = adamKernel(tf.tensor1d(w), tf.tensor1d(g), tf.tensor1d(m), tf.tensor1d(v), decay, s);
      const got = out.map((t) => t.dataSync() as Float32Array);
      tf.dispose(out);
      expect(sameBits(got[0], want.w)).toBe(true);
      expect(sameBits(got[1], want.m)).toBe(true);
      expect(sameBits(got[2], want.v)).toBe(true);
      // The update moves the weights far beyond rounding: the comparison has teeth.
      expect(Math.max(...Array.from(want.w, (x, i) => Math.abs(x - w[i])))).toBeGreaterThan(1e-5);
    });
  }

  it('names a shape mismatch', () => {
    const a = tf.zeros([4]);
    expect(() => adamKernel(a, tf.zeros([5]), a, a, 'none', SCALARS)).toThrow("adamKernel: g shape [5] is not the weight's [4]");
  });
});
