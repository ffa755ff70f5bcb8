import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import {
  cdft,
  checkGradients,
  complexModeMixBlocks,
  cropColumns,
  EngineError,
  icdft,
  initBackend,
  irdftNd,
  modesToBack,
  modesToFront,
  padColumns,
  rdftNd,
  repeatColumns,
  setWasmKernelsEnabled,
  spectrumShape,
} from '../../src/engine/index.js';
import { gemmSmallRightKernel } from '../../src/engine/wasm_gemm_right.js';
import {
  createModel,
  Fno2d,
  getWeightData,
  ModelConfigError,
  modelKinds,
  resolveModelConfig,
  setWeightData,
  type Fno2dConfig,
} from '../../src/models/index.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

function randn(rng: Rng, shape: number[]): tf.Tensor {
  const v = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tf.tensor(v, shape, 'float32');
}

/** Signed frequency of kept index j on an axis with m modes per side. */
const kOf = (j: number, m: number) => (j < m ? j : j - 2 * m);

/** The kept modes of numpy.fft.rfftn over `dims` in float64 by the direct sum, in rdftNd's layout [G, R, 4·m_1]. */
function directRdftNd(h: ArrayLike<number>, rows: number, dims: number[], modes: number[]): Float64Array {
  const d = dims.length;
  const size = dims.reduce((p, q) => p * q, 1);
  // Mode blocks (k_2 … k_D), k_2 outermost; the last axis keeps 0 … m_D − 1.
  const blockAxes = dims.slice(1).map((_, i) => (i + 1 === d - 1 ? modes[d - 1] : 2 * modes[i + 1]));
  const nBlocks = blockAxes.reduce((p, q) => p * q, 1);
  const k1 = 2 * modes[0];
  const out = new Float64Array(nBlocks * rows * 2 * k1);
  const idx = new Array<number>(d).fill(0);
  for (let g = 0; g < nBlocks; g++) {
    const ks = new Array<number>(d).fill(0);
    let rest = g;
    for (let a = d - 1; a >= 1; a--) {
      const n = blockAxes[a - 1];
      const j = rest % n;
      rest = Math.floor(rest / n);
      ks[a] = a === d - 1 ? j : kOf(j, modes[a]);
    }
    for (let j1 = 0; j1 < k1; j1++) {
      ks[0] = kOf(j1, modes[0]);
      for (let r = 0; r < rows; r++) {
        let re = 0;
        let im = 0;
        for (let p = 0; p < size; p++) {
          let rem = p;
          for (let a = d - 1; a >= 0; a--) {
            idx[a] = rem % dims[a];
            rem = Math.floor(rem / dims[a]);
          }
          let phase = 0;
          for (let a = 0; a < d; a++) phase += ((((ks[a] * idx[a]) % dims[a]) + dims[a]) % dims[a]) / dims[a];
          const v = h[r * size + p];
          re += v * Math.cos(2 * Math.PI * phase);
          im -= v * Math.sin(2 * Math.PI * phase);
        }
        out[(g * rows + r) * 2 * k1 + j1] = re;
        out[(g * rows + r) * 2 * k1 + k1 + j1] = im;
      }
    }
  }
  return out;
}

/**
 * numpy.fft.irfftn of the kept modes (zero elsewhere) in float64: u = (1/N) Σ c_{k_D} Re(Z e^{2πi k·n/d}),
 * c = 1 at the last axis' DC and Nyquist modes, else 2. Input in rdftNd's layout.
 */
function directIrdftNd(f: ArrayLike<number>, rows: number, dims: number[], modes: number[]): Float64Array {
  const d = dims.length;
  const size = dims.reduce((p, q) => p * q, 1);
  const blockAxes = dims.slice(1).map((_, i) => (i + 1 === d - 1 ? modes[d - 1] : 2 * modes[i + 1]));
  const nBlocks = blockAxes.reduce((p, q) => p * q, 1);
  const k1 = 2 * modes[0];
  const out = new Float64Array(rows * size);
  const idx = new Array<number>(d).fill(0);
  for (let p = 0; p < size; p++) {
    let rem = p;
    for (let a = d - 1; a >= 0; a--) {
      idx[a] = rem % dims[a];
      rem = Math.floor(rem / dims[a]);
    }
    for (let g = 0; g < nBlocks; g++) {
      const ks = new Array<number>(d).fill(0);
      let rest = g;
      for (let a = d - 1; a >= 1; a--) {
        const n = blockAxes[a - 1];
        const j = rest % n;
        rest = Math.floor(rest / n);
        ks[a] = a === d - 1 ? j : kOf(j, modes[a]);
      }
      const kd = ks[d - 1];
      const c = kd === 0 || 2 * kd === dims[d - 1] ? 1 : 2;
      for (let j1 = 0; j1 < k1; j1++) {
        ks[0] = kOf(j1, modes[0]);
        let phase = 0;
        for (let a = 0; a < d; a++) phase += ((((ks[a] * idx[a]) % dims[a]) + dims[a]) % dims[a]) / dims[a];
        const cs = Math.cos(2 * Math.PI * phase);
        const sn = Math.sin(2 * Math.PI * phase);
        for (let r = 0; r < rows; r++) {
          const zr = f[(g * rows + r) * 2 * k1 + j1];
          const zi = f[(g * rows + r) * 2 * k1 + k1 + j1];
          out[r * size + p] += (c * (zr * cs - zi * sn)) / size;
        }
      }
    }
  }
  return out;
}

const ENGINE_MODES = [
  ['wasm', true],
  ['wasm', false],
  ['cpu', false],
] as const;

describe.each(ENGINE_MODES)('2D and 3D truncated DFT on %s (engine kernels %s)', (backend, kernels) => {
  beforeAll(async () => {
    await initBackend(backend);
  });
  beforeEach(() => setWasmKernelsEnabled(kernels));
  afterEach(() => setWasmKernelsEnabled(true));

  it.each([
    [8, 8, 2, 3],
    [16, 12, 4, 4],
    [12, 10, 3, 6],
    [6, 9, 3, 2],
  ])('rdftNd over [%i, %i] with modes (%i, %i) matches the float64 direct sum, and irdftNd its irfftn', (nx, ny, m1, m2) => {
    const rows = 3;
    const rng = new Rng(nx, ny);
    const h = randn(rng, [rows, nx * ny]) as tf.Tensor2D;
    const hv = h.dataSync();
    const f = rdftNd(h, [nx, ny], [m1, m2]);
    expect(f.shape).toEqual([m2, rows, 4 * m1]);
    const ref = directRdftNd(hv, rows, [nx, ny], [m1, m2]);
    expect(maxDiff(f.dataSync(), ref)).toBeLessThan(3e-6 * maxAbs(ref));
    const g = randn(rng, f.shape) as tf.Tensor3D;
    const back = irdftNd(g, [nx, ny], [m1, m2]).dataSync();
    const refBack = directIrdftNd(g.dataSync(), rows, [nx, ny], [m1, m2]);
    expect(maxDiff(back, refBack)).toBeLessThan(3e-6 * maxAbs(refBack));
  });

  it.each([
    [8, 8, 6, 2, 2, 3],
    [8, 12, 16, 4, 3, 8],
    [6, 10, 7, 3, 2, 4],
  ])('3D: rdftNd over [%i, %i, %i] with modes (%i, %i, %i) matches the float64 direct sum, and irdftNd its irfftn', (nx, ny, nt, m1, m2, m3) => {
    const rows = 2;
    const dims = [nx, ny, nt];
    const modes = [m1, m2, m3];
    const rng = new Rng(nx + nt, m3);
    const h = randn(rng, [rows, nx * ny * nt]) as tf.Tensor2D;
    const f = rdftNd(h, dims, modes);
    expect(f.shape).toEqual(spectrumShape(rows, modes));
    expect(f.shape).toEqual([2 * m2 * m3, rows, 4 * m1]);
    const ref = directRdftNd(h.dataSync(), rows, dims, modes);
    expect(maxDiff(f.dataSync(), ref)).toBeLessThan(3e-6 * maxAbs(ref));
    const g = randn(rng, f.shape) as tf.Tensor3D;
    const refBack = directIrdftNd(g.dataSync(), rows, dims, modes);
    expect(maxDiff(irdftNd(g, dims, modes).dataSync(), refBack)).toBeLessThan(3e-6 * maxAbs(refBack));
  });

  it('gives exact gradients (finite differences) for rdftNd, irdftNd with a residual, cdft, icdft and the layout changes', () => {
    const rng = new Rng(5, 6);
    const dims = [8, 12];
    const modes = [3, 4];
    const tol = 2e-3;
    const check = (f: (...xs: tf.Tensor[]) => tf.Tensor, xs: tf.Tensor[]) => {
      for (const r of checkGradients(f, xs)) expect(r.relError, `input ${r.input}`).toBeLessThan(tol);
    };
    check((x) => rdftNd(x as tf.Tensor2D, dims, modes), [randn(rng, [2, 96])]);
    check((g, z) => irdftNd(g as tf.Tensor3D, dims, modes, z as tf.Tensor2D), [randn(rng, [4, 2, 12]), randn(rng, [2, 96])]);
    check((x) => cdft(x as tf.Tensor2D, 3), [randn(rng, [5, 16])]);
    check((g) => icdft(g as tf.Tensor2D, 10), [randn(rng, [5, 12])]);
    check((x) => modesToFront(x, 3, 8, 2, 4), [randn(rng, [3 * 8 * 2 * 4])]);
    check((x) => modesToBack(x, 3, 5, 2, 3), [randn(rng, [3 * 5 * 2 * 3])]);
    check((x) => rdftNd(x as tf.Tensor2D, [4, 6, 8], [2, 2, 3]), [randn(rng, [2, 192])]);
    check((x) => padColumns(x as tf.Tensor2D, 7), [randn(rng, [6, 5])]);
    check((x) => cropColumns(x as tf.Tensor2D, 3), [randn(rng, [6, 8])]);
    check((x) => repeatColumns(x as tf.Tensor2D, 4), [randn(rng, [6, 1])]);
  });

  it('2D and 3D spectral layers (rdftNd → block mode mixing → irdftNd + residual) pass a finite-difference gradient check', () => {
    const rng = new Rng(8, 9);
    for (const [dims, modes] of [
      [
        [8, 6],
        [3, 2],
      ],
      [
        [6, 4, 8],
        [2, 2, 3],
      ],
    ]) {
      const [cin, cout, batch] = [3, 2, 2];
      const points = dims.reduce((p, q) => p * q, 1);
      const [g, , twoK] = spectrumShape(cin * batch, modes);
      const layer = (h: tf.Tensor, w: tf.Tensor, z: tf.Tensor) => {
        const f = tf.reshape(rdftNd(h as tf.Tensor2D, dims, modes), [g, cin, batch, twoK]) as tf.Tensor4D;
        const mixed = tf.reshape(complexModeMixBlocks(f, w), [g, cout * batch, twoK]) as tf.Tensor3D;
        return irdftNd(mixed, dims, modes, z as tf.Tensor2D);
      };
      const inputs = [randn(rng, [cin * batch, points]), randn(rng, [g, cin, cout, 2, twoK / 2]), randn(rng, [cout * batch, points])];
      for (const r of checkGradients(layer, inputs)) expect(r.relError, `${dims.length}D input ${r.input}`).toBeLessThan(2e-3);
    }
  });

  it('the column helpers repeat, pad and crop', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    expect(Array.from(padColumns(x, 5).dataSync())).toEqual([1, 2, 3, 0, 0, 4, 5, 6, 0, 0]);
    expect(Array.from(cropColumns(x, 2).dataSync())).toEqual([1, 2, 4, 5]);
    expect(Array.from(repeatColumns(tf.tensor2d([7, 8], [2, 1]), 3).dataSync())).toEqual([7, 7, 7, 8, 8, 8]);
  });

  it.each([
    [3, 8, 2, 4],
    [5, 64, 2, 12],
    [2, 7, 3, 5],
  ])('modesToFront / modesToBack move [A=%i, N=%i, P=%i, M=%i] as tf.transpose does, and undo each other', (a, n, p, m) => {
    const x = randn(new Rng(a, n), [a * n * p * m]);
    const front = modesToFront(x, a, n, p, m);
    expect(front.shape).toEqual([m, a, p, n]);
    const ref = tf.transpose(tf.reshape(x, [a, n, p, m]), [3, 0, 2, 1]);
    expect(maxDiff(front.dataSync(), ref.dataSync())).toBe(0);
    expect(maxDiff(modesToBack(front, a, n, p, m).dataSync(), x.dataSync())).toBe(0);
  });

  it.each([
    [1, 2, 3, 2, 4],
    [3, 4, 2, 5, 6],
    [12, 5, 3, 4, 24],
  ])('complexModeMixBlocks matches the float64 einsum per block (G=%i, cin %i, batch %i, cout %i, K=%i), gradients included', (g, cin, batch, cout, k) => {
    const rng = new Rng(g, k);
    const f = randn(rng, [g, cin, batch, 2 * k]) as tf.Tensor4D;
    const w = randn(rng, [g, cin, cout, 2, k]);
    const fv = f.dataSync();
    const wv = w.dataSync();
    const got = complexModeMixBlocks(f, w).dataSync();
    let err = 0;
    let scale = 0;
    for (let b0 = 0; b0 < g; b0++) {
      for (let o = 0; o < cout; o++) {
        for (let b = 0; b < batch; b++) {
          for (let j = 0; j < k; j++) {
            let re = 0;
            let im = 0;
            for (let i = 0; i < cin; i++) {
              const fo = ((b0 * cin + i) * batch + b) * 2 * k;
              const wo = ((b0 * cin + i) * cout + o) * 2 * k;
              re += fv[fo + j] * wv[wo + j] - fv[fo + k + j] * wv[wo + k + j];
              im += fv[fo + j] * wv[wo + k + j] + fv[fo + k + j] * wv[wo + j];
            }
            const oo = ((b0 * cout + o) * batch + b) * 2 * k;
            err = Math.max(err, Math.abs(got[oo + j] - re), Math.abs(got[oo + k + j] - im));
            scale = Math.max(scale, Math.abs(re), Math.abs(im));
          }
        }
      }
    }
    expect(err).toBeLessThan(2e-6 * scale);
    for (const r of checkGradients((a, b) => complexModeMixBlocks(a as tf.Tensor4D, b), [f, w])) expect(r.relError).toBeLessThan(2e-3);
  });

  it('names the axis and mode count when the modes do not fit', () => {
    expect(() => rdftNd(tf.zeros([2, 64]) as tf.Tensor2D, [8, 8], [5, 2])).toThrow(EngineError);
    expect(() => rdftNd(tf.zeros([2, 64]) as tf.Tensor2D, [8, 8], [5, 2])).toThrow(
      'rdftNd: modes[0]=5 is not allowed for an axis of 8 points: use an integer in [1, 4]',
    );
    expect(() => rdftNd(tf.zeros([2, 60]) as tf.Tensor2D, [8, 8], [2, 2])).toThrow('rdftNd: input shape [2, 60] is not allowed: use [rows, 8·8=64]');
  });
});

describe('engine small-right GEMM kernel (wasm)', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });

  it.each([
    [16, 8, 8],
    [7, 5, 12],
    [33, 64, 24],
    [2, 3, 4],
    [130, 128, 48],
  ])('x [%i, %i] · B [·, %i] (+ z) matches tf.matMul, tails of rows and columns included', (rows, k, n) => {
    const rng = new Rng(rows, n);
    const x = randn(rng, [rows, k]) as tf.Tensor2D;
    const b = randn(rng, [k, n]) as tf.Tensor2D;
    const z = randn(rng, [rows, n]) as tf.Tensor2D;
    const ref = tf.matMul(x, b).dataSync();
    const refZ = tf.add(tf.matMul(x, b), z).dataSync();
    expect(maxDiff(gemmSmallRightKernel(x, b).dataSync(), ref)).toBeLessThan(1e-5 * maxAbs(ref));
    expect(maxDiff(gemmSmallRightKernel(x, b, z).dataSync(), refZ)).toBeLessThan(1e-5 * maxAbs(refZ));
  });
});

// ------------------------------------------------------------------------------------------------
// The FNO-2D model
// ------------------------------------------------------------------------------------------------

const SMALL = { kind: 'fno2d', seed: 11, nModes: [4, 3], width: 8, nLayers: 3, inChannels: 2, projectionChannels: 16 };

/** Smooth periodic inputs band-limited to |kx| ≤ 3, |ky| ≤ 2 (inside the kept modes), at x_i = i/X, y_j = j/Y. */
function smoothInput(batch: number, sx: number, sy: number, channels = 2): tf.Tensor4D {
  const v = new Float32Array(batch * sx * sy * channels);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < sx; i++) {
      for (let j = 0; j < sy; j++) {
        for (let c = 0; c < channels; c++) {
          const [x, y] = [i / sx, j / sy];
          v[((b * sx + i) * sy + j) * channels + c] = Math.sin(2 * Math.PI * (x + 2 * y) + b + c) + 0.5 * Math.cos(2 * Math.PI * (3 * x - y) - 0.7 * b);
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

describe('FNO-2D config and registry', () => {
  it('is registered and fills the reference defaults (fourier_2d_time: 12 modes, width 20, 10 input steps)', () => {
    expect(modelKinds()).toContain('fno2d');
    expect(resolveModelConfig({ kind: 'fno2d' }) as Fno2dConfig).toEqual({
      kind: 'fno2d',
      seed: 0,
      nModes: [12, 12],
      width: 20,
      nLayers: 4,
      inChannels: 10,
      outChannels: 1,
      projectionChannels: 128,
      positionalEmbedding: true,
      padding: 0,
    });
  });

  it.each([
    [{ modes1: 4, modes2: 3 }, [4, 3]],
    [{ modes2: 3 }, [12, 3]],
    [{ nModes: 5 }, [5, 5]],
    [{ nModes: [6, 2], modes1: 4 }, [4, 2]],
  ])('takes the modes as written before the nModes array: %j is nModes %j', (given, nModes) => {
    const cfg = resolveModelConfig({ kind: 'fno2d', ...given });
    expect(cfg.nModes).toEqual(nModes);
    expect(Object.keys(cfg)).not.toContain('modes1');
    expect(Object.keys(cfg)).not.toContain('modes2');
  });

  it.each([
    [{ nModes: [0, 3] }, 'fno2d config: nModes=[0, 3] is not allowed: use 2 integers in [1, 2^20] in an array, one per axis (e.g. [12, 12])'],
    [{ nModes: [12] }, 'fno2d config: nModes=[12] is not allowed: use 2 integers in [1, 2^20] in an array, one per axis (e.g. [12, 12])'],
    [{ nModes: 0 }, 'fno2d config: nModes=0 is not allowed: use an integer in [1, 2^20]'],
    [{ modes1: 0 }, 'fno2d config: modes1=0 is not allowed: use an integer in [1, 2^20]'],
    [{ modes2: 2.5 }, 'fno2d config: modes2=2.5 is not allowed: use an integer in [1, 2^20]'],
    [{ padding: -1 }, 'fno2d config: padding=-1 is not allowed: use an integer in [0, 2^20]'],
    [{ width: '20' }, "fno2d config: width='20' is not allowed: use an integer in [1, 2^20]"],
    [{ positionalEmbedding: 'yes' }, "fno2d config: positionalEmbedding='yes' is not allowed: use true or false"],
    [{ seed: -3 }, 'fno2d config: seed=-3 is not allowed: use an integer in [0, 2^53)'],
    [
      { modes3: 2 },
      "fno2d config: unknown field 'modes3': known fields are kind, seed, nModes, width, nLayers, inChannels, outChannels, projectionChannels, positionalEmbedding, padding",
    ],
    [
      { modes: 12 },
      "fno2d config: unknown field 'modes': known fields are kind, seed, nModes, width, nLayers, inChannels, outChannels, projectionChannels, positionalEmbedding, padding",
    ],
  ])('rejects %j with a message naming the field and value', (bad, message) => {
    expect(() => createModel({ kind: 'fno2d', ...bad })).toThrow(ModelConfigError);
    expect(() => createModel({ kind: 'fno2d', ...bad })).toThrow(message);
  });
});

describe('FNO-2D on wasm', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => setWasmKernelsEnabled(true));

  it('maps [batch, X, Y, in] to [batch, X, Y, out], with and without padding; same parameter count as the PyTorch reference', () => {
    const m = createModel(SMALL);
    expect(m).toBeInstanceOf(Fno2d);
    expect(m.apply(smoothInput(3, 10, 8)).shape).toEqual([3, 10, 8, 1]);
    const padded = createModel({ ...SMALL, outChannels: 3, padding: 3 });
    expect(padded.apply(smoothInput(2, 8, 6)).shape).toEqual([2, 8, 6, 3]);
    expect(m.trainableWeights().length).toBe(2 + 3 * 3 + 4);
    // fourier_2d_time at the benchmark size: fc0 12→20, 4 × (2 complex [20, 20, 12, 12] + Conv2d 20→20), fc1 20→128, fc2 128→1.
    const ref = createModel({ kind: 'fno2d' });
    expect(ref.trainableWeights().reduce((n, v) => n + v.size, 0)).toBe(
      12 * 20 + 20 + 4 * (2 * 2 * 20 * 20 * 12 * 12 + 20 * 20 + 20) + 20 * 128 + 128 + 128 + 1,
    );
    for (const x of [m, padded, ref]) x.dispose();
  });

  it('names the grid size when it is too small for the modes, and the expected input shape', () => {
    const m = createModel(SMALL);
    expect(() => m.apply(smoothInput(2, 7, 8))).toThrow('fno2d: grid size X=7 is too small for nModes[0]=4: use X >= 8 (nModes[0] must be <= X/2)');
    expect(() => m.apply(smoothInput(2, 8, 5))).toThrow('fno2d: grid size Y=5 is too small for nModes[1]=3: use Y >= 6 (nModes[1] must be <= Y/2)');
    const padded = createModel({ ...SMALL, padding: 1 });
    expect(() => padded.apply(smoothInput(2, 6, 8))).toThrow(
      'fno2d: grid size X=6 + padding 1 is too small for nModes[0]=4: use X + padding 1 >= 8 (nModes[0] must be <= X/2)',
    );
    expect(padded.apply(smoothInput(1, 7, 5)).shape).toEqual([1, 7, 5, 1]);
    expect(() => m.apply(smoothInput(2, 8, 8, 3))).toThrow('fno2d: input shape [2, 8, 8, 3] is not allowed: use [batch, X, Y, 2]');
    expect(() => m.apply(tf.zeros([8, 8, 2]))).toThrow('fno2d: input shape [8, 8, 2] is not allowed: use [batch, X, Y, 2]');
    m.dispose();
    padded.dispose();
  });

  it('gives every weight a non-zero, finite gradient', () => {
    for (const cfg of [SMALL, { ...SMALL, padding: 2, outChannels: 2, positionalEmbedding: false }]) {
      const m = createModel(cfg);
      const names = m.trainableWeights().map((v) => v.name);
      const grads = weightGrads(m, smoothInput(2, 10, 8));
      grads.forEach((g, i) => {
        expect(g.every(Number.isFinite), names[i]).toBe(true);
        expect(maxAbs(g), names[i]).toBeGreaterThan(0);
      });
      m.dispose();
    }
  });

  it('evaluates at X×Y, 2X×2Y and X/2×Y/2: band-limited inputs give the same outputs to float32 rounding (no positional channels)', () => {
    const m = createModel({ ...SMALL, positionalEmbedding: false });
    const [sx, sy] = [32, 24];
    const at = (fx: number) => m.apply(smoothInput(2, sx * fx, sy * fx)).dataSync() as Float32Array;
    const [y1, y2, yh] = [at(1), at(2), at(0.5)];
    /** Every second point of outputs on a [2, X, Y] grid. */
    const even = (v: Float32Array, x: number, y: number) => {
      const out: number[] = [];
      for (let b = 0; b < 2; b++) for (let i = 0; i < x; i += 2) for (let j = 0; j < y; j += 2) out.push(v[(b * x + i) * y + j]);
      return out;
    };
    const scale = maxAbs(y1);
    expect(scale).toBeGreaterThan(1e-3);
    expect(maxDiff(even(y2, 2 * sx, 2 * sy), y1)).toBeLessThan(1e-5 * scale);
    expect(maxDiff(even(y1, sx, sy), yh)).toBeLessThan(1e-5 * scale);
    m.dispose();
  });

  it('initialises from the seed: same seed, same bits (on wasm and cpu); PyTorch bounds: dense U(±1/√fan_in), spectral U(0, 1/width²)', async () => {
    const a = createModel(SMALL);
    const b = createModel(SMALL);
    const c = createModel({ ...SMALL, seed: 12 });
    expect(sameBits(getWeightData(a), getWeightData(b))).toBe(true);
    getWeightData(a).forEach((w, i) => expect(maxDiff(w, getWeightData(c)[i]), `weight ${i}`).toBeGreaterThan(0));
    const w = getWeightData(a);
    const within = (v: Float32Array, lo: number, hi: number) => v.every((x) => x >= lo && x < hi);
    expect(within(w[0], -1 / 2, 1 / 2)).toBe(true); // lift, fan_in 2 + 2
    expect(within(w[2], 0, 1 / 64)).toBe(true); // spectral, width 8
    expect(maxAbs(w[2])).toBeGreaterThan(0.9 / 64);
    expect(a.trainableWeights()[2].shape).toEqual([3, 8, 8, 2, 8]);
    await initBackend('cpu');
    const onCpu = createModel(SMALL);
    expect(sameBits(getWeightData(a), getWeightData(onCpu))).toBe(true);
    onCpu.dispose();
    await initBackend('wasm');
    for (const m of [a, b, c]) m.dispose();
  });

  it('save → load reproduces the outputs bit for bit', () => {
    const a = createModel(SMALL);
    const b = createModel({ ...SMALL, seed: 99 });
    const x = smoothInput(2, 8, 8);
    const ya = a.apply(x).dataSync() as Float32Array;
    expect(sameBits([ya], [b.apply(x).dataSync() as Float32Array])).toBe(false);
    setWeightData(b, getWeightData(a));
    expect(sameBits([ya], [b.apply(x).dataSync() as Float32Array])).toBe(true);
    a.dispose();
    b.dispose();
  });

  it('agrees with the tfjs-ops path (kernels off) and the cpu backend: outputs and gradients', async () => {
    const m = createModel({ ...SMALL, padding: 1 });
    const x = smoothInput(2, 8, 8);
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

  it('leaks no tensors over a forward + backward + Adam step', () => {
    const m = createModel({ ...SMALL, padding: 1 });
    const opt = tf.train.adam(1e-3);
    const x = smoothInput(2, 8, 8);
    const y = tf.tidy(() => tf.sin(tf.slice(x, [0, 0, 0, 0], [2, 8, 8, 1])));
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() => tf.mean(tf.square(tf.sub(m.apply(x), y))) as tf.Scalar, false, m.trainableWeights());
      });
    step(); // creates Adam's moments and the cached bases
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
    const x = smoothInput(2, 8, 8);
    const target = tf.tidy(() => tf.add(tf.mul(tf.slice(x, [0, 0, 0, 0], [2, 8, 8, 1]), 0.5), 0.2));
    const lossOf = () => tf.tidy(() => tf.mean(tf.square(tf.sub(m.apply(x), target))).dataSync()[0]);
    const first = lossOf();
    for (let i = 0; i < 40; i++) {
      tf.tidy(() => {
        opt.minimize(() => tf.mean(tf.square(tf.sub(m.apply(x), target))) as tf.Scalar, false, m.trainableWeights());
      });
    }
    expect(lossOf()).toBeLessThan(0.2 * first);
    opt.dispose();
    m.dispose();
  });

  it('runs a training step on tuned paths only: engine kernels, rank-2 untransposed matmuls, no gather, tile, slice, pad or large transposes', async () => {
    const m = createModel({ ...SMALL, width: 12 });
    const opt = tf.train.adam(1e-3);
    const x = smoothInput(2, 16, 12);
    const step = () =>
      tf.tidy(() => {
        opt.minimize(() => tf.mean(tf.square(m.apply(x))) as tf.Scalar, false, m.trainableWeights());
      });
    step();
    const info = await tf.profile(step);
    const names = new Set(info.kernels.map((k) => k.name));
    for (const bad of ['GatherV2', 'Einsum', 'FFT', 'IFFT', 'Complex', 'UnsortedSegmentSum', 'Tile', 'Slice', 'PadV2', 'Transpose'])
      expect(names.has(bad), bad).toBe(false);
    for (const k of ['PdesGemmSmallRight', 'PdesTransposeBlocks', 'PdesComplexMac', 'PdesGemmSmallLeft', 'PdesGemmReduce', 'PdesGeluTrain'])
      expect(names.has(k), k).toBe(true);
    for (const k of info.kernels.filter((k) => k.name === 'BatchMatMul')) {
      const [a, b] = k.inputShapes;
      expect(a.length === 2 && b.length === 2 && a[1] === b[0], JSON.stringify(k.inputShapes)).toBe(true);
    }
    // No activation is copied for a reshape's gradient (view): the only copies are the tensors
    // saved by the 6 linear layers (x, w), the 3 mode mixings (f, w), the 3 GELUs, the input
    // concat (2) and the loss (2).
    const copies = info.kernels.filter((k) => k.name === 'Identity').length;
    expect(copies).toBeLessThanOrEqual(2 * 6 + 2 * 3 + 3 + 2 + 2);
    opt.dispose();
    m.dispose();
  });
});
