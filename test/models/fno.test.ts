import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, irdft, rdft, setWasmKernelsEnabled } from '../../src/engine/index.js';
import { createModel, Fno, getWeightData, ModelConfigError, modelKinds, resolveModelConfig, setWeightData, type FnoConfig } from '../../src/models/index.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

const SMALL = { kind: 'fno', seed: 11, nModes: [6], width: 8, nLayers: 3, projectionChannels: 16 };

/** Smooth periodic inputs band-limited to mode 3 (< nModes), sampled at x_j = j/s. */
function smoothInput(batch: number, s: number, channels = 1): tf.Tensor3D {
  const v = new Float32Array(batch * s * channels);
  for (let b = 0; b < batch; b++) {
    for (let j = 0; j < s; j++) {
      for (let c = 0; c < channels; c++) {
        const x = j / s;
        v[(b * s + j) * channels + c] = Math.sin(2 * Math.PI * x + b + c) + 0.5 * Math.cos(2 * Math.PI * 3 * x - 0.7 * b);
      }
    }
  }
  return tf.tensor3d(v, [batch, s, channels]);
}

/** Every `stride`-th point of outputs [batch, s·stride, 1] flattened to [batch·s]. */
function subsample(fine: Float32Array, batch: number, s: number, stride: number): Float32Array {
  const out = new Float32Array(batch * s);
  for (let b = 0; b < batch; b++) for (let j = 0; j < s; j++) out[b * s + j] = fine[(b * s + j) * stride];
  return out;
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

/** Exact-erf GELU by tfjs ops. */
function geluRef(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
}

/**
 * The FNO written layer by layer as the paper and the reference code state it, channels-last with
 * tfjs ops (no folded maps): lift, nLayers × σ(W·v + b + F⁻¹(R·F v)), fc1 → GELU → fc2. The
 * truncated transforms are the engine's rdft/irdft (tested against float64 FFTs in dft.test.ts),
 * the mode mixing a broadcast complex product summed over the input channels.
 */
function referenceFno(m: Fno, x: tf.Tensor3D): tf.Tensor {
  const {
    nModes: [M],
    width,
    nLayers,
    liftChannels,
    positionalEmbedding,
    inChannels,
    outChannels,
  } = m.config;
  const [batch, s] = x.shape;
  const w = m.trainableWeights();
  let k = 0;
  const next = () => w[k++];
  const dense = (h: tf.Tensor, wt: tf.Tensor, b: tf.Tensor) => tf.add(tf.matMul(h as tf.Tensor2D, wt as tf.Tensor2D, false, true), b);
  let h: tf.Tensor = tf.reshape(x, [batch * s, inChannels]);
  if (positionalEmbedding) {
    const grid = tf.tile(tf.reshape(tf.div(tf.range(0, s), s), [1, s, 1]), [batch, 1, 1]);
    h = tf.concat([h, tf.reshape(grid, [batch * s, 1])], 1);
  }
  for (let i = 0; i < (liftChannels > 0 ? 2 : 1); i++) {
    h = dense(h, next(), next());
    if (liftChannels > 0 && i === 0) h = geluRef(h);
  }
  for (let l = 0; l < nLayers; l++) {
    const [r, pw, pb] = [next(), next(), next()];
    const rows = tf.reshape(tf.transpose(tf.reshape(h, [batch, s, width]), [0, 2, 1]), [batch * width, s]) as tf.Tensor2D;
    const f = tf.reshape(rdft(rows, M), [batch, width, 1, 2, M]);
    const [fr, fi] = tf.split(f, 2, 3);
    const [rr, ri] = tf.split(tf.reshape(r, [1, width, width, 2, M]), 2, 3);
    const re = tf.sum(tf.sub(tf.mul(fr, rr), tf.mul(fi, ri)), 1);
    const im = tf.sum(tf.add(tf.mul(fr, ri), tf.mul(fi, rr)), 1);
    const spectral = irdft(tf.reshape(tf.concat([re, im], 2), [batch * width, 2 * M]) as tf.Tensor2D, s);
    const z = tf.add(tf.reshape(tf.transpose(tf.reshape(spectral, [batch, width, s]), [0, 2, 1]), [batch * s, width]), dense(h, pw, pb));
    h = l < nLayers - 1 ? geluRef(z) : z;
  }
  const y = dense(geluRef(dense(h, next(), next())), next(), next());
  return tf.reshape(y, [batch, s, outChannels]);
}

describe('FNO config and registry', () => {
  it('is registered and fills the reference defaults', () => {
    expect(modelKinds()).toContain('fno');
    const cfg = resolveModelConfig({ kind: 'fno' }) as FnoConfig;
    expect(cfg).toEqual({
      kind: 'fno',
      seed: 0,
      nModes: [16],
      width: 64,
      nLayers: 4,
      inChannels: 1,
      outChannels: 1,
      liftChannels: 0,
      projectionChannels: 128,
      positionalEmbedding: true,
    });
  });

  it('lists the known kinds for an unknown one', () => {
    expect(() => createModel({ kind: 'fnoo' })).toThrow(ModelConfigError);
    expect(() => createModel({ kind: 'fnoo' })).toThrow(/unknown model 'fnoo': known models are .*\bfno\b/);
  });

  it('takes nModes as one number too, as every fno config written before the array', () => {
    expect(resolveModelConfig({ kind: 'fno', nModes: 12 })).toMatchObject({ nModes: [12] });
    expect(resolveModelConfig({ kind: 'fno', nModes: [12] })).toMatchObject({ nModes: [12] });
  });

  it.each([
    [{ nModes: 0 }, 'fno config: nModes=0 is not allowed: use an integer in [1, 2^20]'],
    [{ nModes: [0] }, 'fno config: nModes=[0] is not allowed: use one integer in [1, 2^20] in an array, one per axis (e.g. [16])'],
    [{ nModes: [8, 8] }, 'fno config: nModes=[8, 8] is not allowed: use one integer in [1, 2^20] in an array, one per axis (e.g. [16])'],
    [{ nModes: '8' }, "fno config: nModes='8' is not allowed: use one integer in [1, 2^20] in an array, one per axis (e.g. [16])"],
    [
      { modes1: 8 },
      "fno config: unknown field 'modes1': known fields are kind, seed, nModes, width, nLayers, inChannels, outChannels, liftChannels, projectionChannels, positionalEmbedding",
    ],
    [{ width: 2.5 }, 'fno config: width=2.5 is not allowed: use an integer in [1, 2^20]'],
    [{ liftChannels: -1 }, 'fno config: liftChannels=-1 is not allowed: use an integer in [0, 2^20]'],
    [{ nLayers: '4' }, "fno config: nLayers='4' is not allowed: use an integer in [1, 2^20]"],
    [{ positionalEmbedding: 'yes' }, "fno config: positionalEmbedding='yes' is not allowed: use true or false"],
    [{ seed: -3 }, 'fno config: seed=-3 is not allowed: use an integer in [0, 2^53)'],
    [
      { modes: 16 },
      "fno config: unknown field 'modes': known fields are kind, seed, nModes, width, nLayers, inChannels, outChannels, liftChannels, projectionChannels, positionalEmbedding",
    ],
  ])('rejects %j with a message naming the field and value', (bad, message) => {
    expect(() => createModel({ kind: 'fno', ...bad })).toThrow(ModelConfigError);
    expect(() => createModel({ kind: 'fno', ...bad })).toThrow(message);
  });
});

describe('FNO-1D on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => setWasmKernelsEnabled(true));

  it('maps [batch, s, in] to [batch, s, out], with or without a lifting MLP', () => {
    const m = createModel(SMALL);
    expect(m).toBeInstanceOf(Fno);
    expect(m.apply(smoothInput(3, 32)).shape).toEqual([3, 32, 1]);
    const multi = createModel({ ...SMALL, inChannels: 2, outChannels: 3, liftChannels: 12 });
    const y = multi.apply(smoothInput(2, 24, 2));
    expect(y.shape).toEqual([2, 24, 3]);
    expect(multi.trainableWeights().length).toBe(4 + 3 * 3 + 4);
    m.dispose();
    multi.dispose();
  });

  it('names the grid size when it is too small for nModes, and the expected input shape', () => {
    const m = createModel(SMALL);
    expect(() => m.apply(smoothInput(2, 10))).toThrow('fno: grid size s=10 is too small for nModes=6: use s >= 12 (nModes must be <= s/2)');
    expect(() => m.apply(smoothInput(2, 16, 2))).toThrow('fno: input shape [2, 16, 2] is not allowed: use [batch, s, 1]');
    expect(() => m.apply(tf.zeros([16, 1]))).toThrow('fno: input shape [16, 1] is not allowed: use [batch, s, 1]');
    m.dispose();
  });

  it('gives every weight a non-zero, finite gradient', () => {
    for (const cfg of [SMALL, { ...SMALL, liftChannels: 6, inChannels: 2, outChannels: 2 }]) {
      const m = createModel(cfg);
      const x = smoothInput(2, 32, (cfg as { inChannels?: number }).inChannels ?? 1);
      const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(m.apply(x), 0.3))) as tf.Scalar, m.trainableWeights());
      const names = m.trainableWeights().map((v) => v.name);
      expect(Object.keys(grads).sort()).toEqual([...names].sort());
      for (const name of names) {
        const g = grads[name].dataSync();
        expect(g.every(Number.isFinite), name).toBe(true);
        expect(maxAbs(g), name).toBeGreaterThan(0);
      }
      m.dispose();
    }
  });

  it('evaluates at s, 2s and s/2: band-limited inputs give the same outputs to float32 rounding (no positional channel)', () => {
    const m = createModel({ ...SMALL, positionalEmbedding: false });
    const s = 48;
    const ys = m.apply(smoothInput(2, s)).dataSync() as Float32Array;
    const y2 = m.apply(smoothInput(2, 2 * s)).dataSync() as Float32Array;
    const yh = m.apply(smoothInput(2, s / 2)).dataSync() as Float32Array;
    const scale = maxAbs(ys);
    expect(scale).toBeGreaterThan(1e-3);
    expect(maxDiff(subsample(y2, 2, s, 2), ys)).toBeLessThan(2e-6 * scale);
    expect(maxDiff(subsample(ys, 2, s / 2, 2), yh)).toBeLessThan(2e-6 * scale);
    m.dispose();
  });

  it('with the positional channel x = j/s, outputs across resolutions converge at first order', () => {
    // The sampled sawtooth x ∈ [0, 1) has DFT coefficients within O(1/s) of its Fourier series,
    // so outputs at s and 2s differ by O(1/s), halving with every doubling.
    const m = createModel(SMALL);
    const outs = [24, 48, 96, 192].map((s) => m.apply(smoothInput(2, s)).dataSync() as Float32Array);
    const d = [0, 1, 2].map((i) => maxDiff(subsample(outs[i + 1], 2, 24 * 2 ** i, 2), outs[i]));
    const scale = maxAbs(outs[0]);
    expect(d[0]).toBeLessThan(3e-2 * scale);
    expect(d[0] / d[1]).toBeGreaterThan(1.6);
    expect(d[1] / d[2]).toBeGreaterThan(1.6);
    m.dispose();
  });

  it('initialises from the seed: same seed, same bits (on wasm and cpu); another seed, other weights', async () => {
    const a = createModel(SMALL);
    const b = createModel(SMALL);
    const c = createModel({ ...SMALL, seed: 12 });
    expect(sameBits(getWeightData(a), getWeightData(b))).toBe(true);
    expect(sameBits(getWeightData(a), getWeightData(c))).toBe(false);
    getWeightData(a).forEach((w, i) => expect(maxDiff(w, getWeightData(c)[i]), `weight ${i}`).toBeGreaterThan(0));
    await initBackend('cpu');
    const onCpu = createModel(SMALL);
    expect(sameBits(getWeightData(a), getWeightData(onCpu))).toBe(true);
    onCpu.dispose();
    await initBackend('wasm');
    for (const m of [a, b, c]) m.dispose();
  });

  it('follows PyTorch initialisation bounds: dense U(±1/√fan_in), spectral U(0, 1/(width²))', () => {
    const m = createModel({ ...SMALL, seed: 5 });
    const w = getWeightData(m);
    const within = (v: Float32Array, lo: number, hi: number) => v.every((x) => x >= lo && x < hi);
    expect(within(w[0], -1 / Math.sqrt(2), 1 / Math.sqrt(2))).toBe(true); // lift weight, fan_in 2
    expect(within(w[2], 0, 1 / 64)).toBe(true); // spectral, width 8
    expect(maxAbs(w[2])).toBeGreaterThan(0.8 / 64);
    expect(within(w[3], -1 / Math.sqrt(8), 1 / Math.sqrt(8))).toBe(true); // pointwise
    expect(maxAbs(w[3])).toBeGreaterThan(0.8 / Math.sqrt(8));
    m.dispose();
  });

  it('save → load reproduces the outputs bit for bit', () => {
    const a = createModel(SMALL);
    const b = createModel({ ...SMALL, seed: 99 });
    const x = smoothInput(2, 32);
    const ya = a.apply(x).dataSync() as Float32Array;
    expect(sameBits([ya], [b.apply(x).dataSync() as Float32Array])).toBe(false);
    setWeightData(b, getWeightData(a));
    expect(sameBits([ya], [b.apply(x).dataSync() as Float32Array])).toBe(true);
    expect(() => setWeightData(b, getWeightData(a).slice(1))).toThrow('setWeightData: got 14 arrays for 15 weights: pass one array per trainable weight');
    a.dispose();
    b.dispose();
  });

  it('agrees with the tfjs-ops path (kernels off) and the cpu backend: outputs and gradients', async () => {
    const m = createModel(SMALL);
    const x = smoothInput(2, 32);
    const run = () => {
      const y = m.apply(x).dataSync() as Float32Array;
      const { grads } = tf.variableGrads(() => tf.sum(tf.square(m.apply(x))) as tf.Scalar, m.trainableWeights());
      return [y, ...m.trainableWeights().map((v) => grads[v.name].dataSync() as Float32Array)];
    };
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

  it('is the layer-by-layer FNO (lift and fc1 folded into the neighbouring maps): outputs and gradients, on wasm and cpu', async () => {
    const configs = [
      SMALL,
      { ...SMALL, nLayers: 1 },
      { ...SMALL, liftChannels: 6, inChannels: 2, outChannels: 2 },
      { ...SMALL, positionalEmbedding: false, nModes: [8] },
    ];
    for (const backend of ['wasm', 'cpu'] as const) {
      await initBackend(backend);
      for (const cfg of configs) {
        const m = createModel(cfg) as Fno;
        const x = smoothInput(2, 32, m.config.inChannels);
        const vars = m.trainableWeights();
        const run = (f: () => tf.Tensor) => {
          const y = f().dataSync() as Float32Array;
          const { grads } = tf.variableGrads(() => tf.sum(tf.square(tf.sub(f(), 0.2))) as tf.Scalar, vars);
          return [y, ...vars.map((v) => grads[v.name].dataSync() as Float32Array)];
        };
        const got = run(() => m.apply(x));
        const ref = run(() => referenceFno(m, x));
        got.forEach((v, i) => expect(maxDiff(v, ref[i]), `${backend} ${JSON.stringify(cfg)} array ${i}`).toBeLessThan(1e-5 * maxAbs(ref[i])));
        m.dispose();
      }
    }
    await initBackend('wasm');
  });

  it('leaks no tensors over a forward + backward + Adam step', () => {
    const m = createModel(SMALL);
    const opt = tf.train.adam(1e-3);
    const x = smoothInput(4, 32);
    const y = tf.tidy(() => tf.sin(x));
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() => tf.mean(tf.square(tf.sub(m.apply(x), y))) as tf.Scalar, false, m.trainableWeights());
      });
    step(); // creates Adam's moments and the cached DFT bases
    const before = tf.memory().numTensors;
    step();
    step();
    expect(tf.memory().numTensors).toBe(before);
    opt.dispose();
    m.dispose();
  });

  it('learns: Adam lowers the loss on a smooth operator-learning problem', () => {
    const m = createModel({ ...SMALL, seed: 2 });
    const opt = tf.train.adam(3e-3);
    const x = smoothInput(4, 32);
    const target = tf.tidy(() => tf.add(tf.mul(x, 0.5), 0.2));
    const loss = () => tf.tidy(() => tf.mean(tf.square(tf.sub(m.apply(x), target))).dataSync()[0]);
    const first = loss();
    for (let i = 0; i < 40; i++) {
      tf.tidy(() => {
        opt.minimize(() => tf.mean(tf.square(tf.sub(m.apply(x), target))) as tf.Scalar, false, m.trainableWeights());
      });
    }
    expect(loss()).toBeLessThan(0.2 * first);
    opt.dispose();
    m.dispose();
  });

  it('runs a training step on tuned paths only: rank-2 untransposed matmuls, no gather, no large transposes', async () => {
    const m = createModel({ ...SMALL, width: 12 });
    const opt = tf.train.adam(1e-3);
    const x = smoothInput(3, 40);
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() => tf.mean(tf.square(m.apply(x))) as tf.Scalar, false, m.trainableWeights());
      });
    step();
    for (const kernels of [true, false]) {
      setWasmKernelsEnabled(kernels);
      const info = await tf.profile(step);
      const names = new Set(info.kernels.map((k) => k.name));
      for (const bad of ['GatherV2', 'Einsum', 'FFT', 'IFFT', 'Complex', 'UnsortedSegmentSum']) expect(names.has(bad), bad).toBe(false);
      for (const k of info.kernels.filter((k) => k.name === 'BatchMatMul')) {
        const [a, b] = k.inputShapes;
        expect(a.length === 2 && b.length === 2 && a[1] === b[0], `${kernels} ${JSON.stringify(k.inputShapes)}`).toBe(true);
      }
      if (kernels) {
        for (const k of ['PdesGemmSmallLeft', 'PdesGemmReduce', 'PdesComplexMac', 'PdesGeluTrain']) expect(names.has(k), k).toBe(true);
        for (const k of info.kernels.filter((k) => k.name === 'Transpose')) expect(k.inputShapes[0].reduce((p, q) => p * q, 1)).toBeLessThan(4096);
      }
    }
    opt.dispose();
    m.dispose();
  });
});
