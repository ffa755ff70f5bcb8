import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, setWasmKernelsEnabled } from '../../src/engine/index.js';
import {
  createModel,
  Fno3d,
  getWeightData,
  ModelConfigError,
  modelKinds,
  resolveModelConfig,
  setWeightData,
  type Fno3dConfig,
} from '../../src/models/index.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

// The 3D truncated DFT (rdftNd over three axes) is checked against the float64 direct sum, with
// gradients, in fno2d.test.ts together with the 2D one.

const SMALL = { kind: 'fno3d', seed: 7, nModes: [3, 2, 3], width: 6, nLayers: 2, inChannels: 3, outFrames: 4, timePadding: 2, projectionChannels: 8 };

/** Input frames band-limited to |kx| ≤ 2, |ky| ≤ 1 (inside the kept modes), at x_i = i/X, y_j = j/Y. */
function smoothInput(batch: number, sx: number, sy: number, channels = 3): tf.Tensor4D {
  const v = new Float32Array(batch * sx * sy * channels);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < sx; i++) {
      for (let j = 0; j < sy; j++) {
        for (let c = 0; c < channels; c++) {
          const [x, y] = [i / sx, j / sy];
          v[((b * sx + i) * sy + j) * channels + c] = Math.sin(2 * Math.PI * (2 * x + y) + b + 0.3 * c) + 0.5 * Math.cos(2 * Math.PI * (x - y) - 0.7 * b + c);
        }
      }
    }
  }
  return tf.tensor4d(v, [batch, sx, sy, channels]);
}

function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return (
    a.length === b.length &&
    a.every(
      (x, i) =>
        x.length === b[i].length && Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)),
    )
  );
}

function weightGrads(m: { apply: (x: tf.Tensor) => tf.Tensor; trainableWeights: () => tf.Variable[] }, x: tf.Tensor): Float32Array[] {
  const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(m.apply(x), 0.3))) as tf.Scalar, m.trainableWeights());
  return m.trainableWeights().map((v) => grads[v.name].dataSync() as Float32Array);
}

describe('FNO-3D config and registry', () => {
  it('is registered and fills the reference defaults (fourier_3d: modes 8, width 20, 10 → 10 frames, time padding 6)', () => {
    expect(modelKinds()).toContain('fno3d');
    expect(resolveModelConfig({ kind: 'fno3d' }) as Fno3dConfig).toEqual({
      kind: 'fno3d',
      seed: 0,
      nModes: [8, 8, 8],
      width: 20,
      nLayers: 4,
      inChannels: 10,
      outFrames: 10,
      timePadding: 6,
      projectionChannels: 128,
      positionalEmbedding: true,
    });
  });

  it('takes modes1, modes2, modes3 as written before the nModes array', () => {
    const cfg = resolveModelConfig({ kind: 'fno3d', modes1: 3, modes2: 2, modes3: 4 });
    expect(cfg.nModes).toEqual([3, 2, 4]);
    expect(Object.keys(cfg).filter((k) => k.startsWith('modes'))).toEqual([]);
  });

  it.each([
    [{ modes3: 0 }, 'fno3d config: modes3=0 is not allowed: use an integer in [1, 2^20]'],
    [{ nModes: [8, 8] }, 'fno3d config: nModes=[8, 8] is not allowed: use 3 integers in [1, 2^20] in an array, one per axis (e.g. [8, 8, 8])'],
    [
      { nModes: [8, 8, 9] },
      'fno3d config: nModes[2]=9 is not allowed with outFrames=10 and timePadding=6: use nModes[2] <= 8 (outFrames + timePadding >= 2·nModes[2])',
    ],
    [{ timePadding: -6 }, 'fno3d config: timePadding=-6 is not allowed: use an integer in [0, 2^20]'],
    [{ outFrames: 1.5 }, 'fno3d config: outFrames=1.5 is not allowed: use an integer in [1, 2^20]'],
    [
      { modes3: 9 },
      'fno3d config: nModes[2]=9 is not allowed with outFrames=10 and timePadding=6: use nModes[2] <= 8 (outFrames + timePadding >= 2·nModes[2])',
    ],
    [
      { timePadding: 0, modes3: 6 },
      'fno3d config: nModes[2]=6 is not allowed with outFrames=10 and timePadding=0: use nModes[2] <= 5 (outFrames + timePadding >= 2·nModes[2])',
    ],
    [{ positionalEmbedding: 1 }, 'fno3d config: positionalEmbedding=1 is not allowed: use true or false'],
    [
      { outChannels: 1 },
      "fno3d config: unknown field 'outChannels': known fields are kind, seed, nModes, width, nLayers, inChannels, outFrames, timePadding, projectionChannels, positionalEmbedding",
    ],
  ])('rejects %j with a message naming the field and value', (bad, message) => {
    expect(() => createModel({ kind: 'fno3d', ...bad })).toThrow(ModelConfigError);
    expect(() => createModel({ kind: 'fno3d', ...bad })).toThrow(message);
  });
});

describe('FNO-3D on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => setWasmKernelsEnabled(true));

  it('maps [batch, X, Y, inChannels] to [batch, X, Y, outFrames]; same parameter count as the PyTorch reference', () => {
    const m = createModel(SMALL);
    expect(m).toBeInstanceOf(Fno3d);
    expect(m.apply(smoothInput(2, 6, 8)).shape).toEqual([2, 6, 8, 4]);
    const unpadded = createModel({ ...SMALL, timePadding: 0, nModes: [3, 2, 2], positionalEmbedding: false });
    expect(unpadded.apply(smoothInput(1, 6, 4)).shape).toEqual([1, 6, 4, 4]);
    // fourier_3d: fc0 13→20, 4 × (4 complex [20, 20, 8, 8, 8] + Conv3d 20→20), fc1 20→128, fc2 128→1.
    const ref = createModel({ kind: 'fno3d' });
    expect(ref.trainableWeights().reduce((n, v) => n + v.size, 0)).toBe(
      13 * 20 + 20 + 4 * (4 * 2 * 20 * 20 * 8 * 8 * 8 + 20 * 20 + 20) + 20 * 128 + 128 + 128 + 1,
    );
    expect(ref.trainableWeights()[2].shape).toEqual([2 * 8 * 8, 20, 20, 2, 16]);
    for (const x of [m, unpadded, ref]) x.dispose();
  });

  it('names the grid size when it is too small for the modes, and the expected input shape', () => {
    const m = createModel(SMALL);
    expect(() => m.apply(smoothInput(1, 5, 8))).toThrow('fno3d: grid size X=5 is too small for nModes[0]=3: use X >= 6 (nModes[0] must be <= X/2)');
    expect(() => m.apply(smoothInput(1, 6, 3))).toThrow('fno3d: grid size Y=3 is too small for nModes[1]=2: use Y >= 4 (nModes[1] must be <= Y/2)');
    expect(() => m.apply(smoothInput(1, 6, 8, 2))).toThrow('fno3d: input shape [1, 6, 8, 2] is not allowed: use [batch, X, Y, 3]');
    m.dispose();
  });

  it('gives every weight a non-zero, finite gradient', () => {
    for (const cfg of [SMALL, { ...SMALL, timePadding: 0, nModes: [3, 2, 2], positionalEmbedding: false }]) {
      const m = createModel(cfg);
      const names = m.trainableWeights().map((v) => v.name);
      weightGrads(m, smoothInput(2, 6, 4)).forEach((g, i) => {
        expect(g.every(Number.isFinite), names[i]).toBe(true);
        expect(maxAbs(g), names[i]).toBeGreaterThan(0);
      });
      m.dispose();
    }
  });

  it('evaluates at X×Y and 2X×2Y: band-limited inputs give the same outputs to float32 rounding (no positional channels)', () => {
    const m = createModel({ ...SMALL, positionalEmbedding: false });
    const [sx, sy] = [24, 16];
    const y1 = m.apply(smoothInput(2, sx, sy)).dataSync() as Float32Array;
    const y2 = m.apply(smoothInput(2, 2 * sx, 2 * sy)).dataSync() as Float32Array;
    const frames = SMALL.outFrames;
    const even: number[] = [];
    for (let b = 0; b < 2; b++) {
      for (let i = 0; i < 2 * sx; i += 2)
        for (let j = 0; j < 2 * sy; j += 2) for (let t = 0; t < frames; t++) even.push(y2[((b * 2 * sx + i) * 2 * sy + j) * frames + t]);
    }
    const scale = maxAbs(y1);
    expect(scale).toBeGreaterThan(1e-3);
    expect(maxDiff(even, y1)).toBeLessThan(1e-5 * scale);
    m.dispose();
  });

  it('initialises from the seed (same bits on wasm and cpu) and save → load reproduces the outputs bit for bit', async () => {
    const a = createModel(SMALL);
    const b = createModel({ ...SMALL, seed: 8 });
    getWeightData(a).forEach((w, i) => expect(maxDiff(w, getWeightData(b)[i]), `weight ${i}`).toBeGreaterThan(0));
    const x = smoothInput(2, 6, 4);
    const ya = a.apply(x).dataSync() as Float32Array;
    expect(sameBits([ya], [b.apply(x).dataSync() as Float32Array])).toBe(false);
    setWeightData(b, getWeightData(a));
    expect(sameBits([ya], [b.apply(x).dataSync() as Float32Array])).toBe(true);
    await initBackend('cpu');
    const onCpu = createModel(SMALL);
    expect(sameBits(getWeightData(a), getWeightData(onCpu))).toBe(true);
    onCpu.dispose();
    await initBackend('wasm');
    a.dispose();
    b.dispose();
  });

  it('agrees with the tfjs-ops path (kernels off) and the cpu backend: outputs and gradients', async () => {
    const m = createModel(SMALL);
    const x = smoothInput(2, 6, 4);
    const run = () => [m.apply(x).dataSync() as Float32Array, ...weightGrads(m, x)];
    const fast = run();
    setWasmKernelsEnabled(false);
    const ops = run();
    setWasmKernelsEnabled(true);
    await initBackend('cpu');
    const cpu = run();
    await initBackend('wasm');
    fast.forEach((v, i) => {
      const tol = 1e-4 * maxAbs(v) + 1e-9;
      expect(maxDiff(v, ops[i]), `array ${i}`).toBeLessThan(tol);
      expect(maxDiff(v, cpu[i]), `array ${i}`).toBeLessThan(tol);
    });
    m.dispose();
  });

  it('leaks no tensors over a forward + backward + Adam step, and runs it without tile, slice, pad or transposes', async () => {
    const m = createModel(SMALL);
    const opt = tf.train.adam(1e-3);
    const x = smoothInput(2, 6, 4);
    const y = tf.tidy(() => tf.sin(tf.slice(x, [0, 0, 0, 0], [2, 6, 4, 1])));
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() => tf.mean(tf.square(tf.sub(m.apply(x), y))) as tf.Scalar, false, m.trainableWeights());
      });
    step();
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    const names = new Set((await tf.profile(step)).kernels.map((k) => k.name));
    for (const bad of ['Tile', 'Slice', 'PadV2', 'Transpose', 'GatherV2', 'Einsum', 'FFT']) expect(names.has(bad), bad).toBe(false);
    opt.dispose();
    m.dispose();
  });
});
