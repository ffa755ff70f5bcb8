import * as tf from '@tensorflow/tfjs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import {
  complexModeMix,
  EngineError,
  fourierLayer1d,
  gelu,
  initBackend,
  irdft,
  linearChannelsFirst,
  rdft,
  setWasmKernelsEnabled,
  wasmKernelsActive,
} from '../../src/engine/index.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

function randn(rng: Rng, shape: number[], scale = 1): tf.Tensor {
  return tf.tensor(
    Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
    shape,
    'float32',
  );
}

/** The layer written out with the primitives (module comment of fourier_layer.ts). */
function byPrimitives(
  x: tf.Tensor2D,
  r: tf.Tensor4D,
  w: tf.Tensor2D,
  b: tf.Tensor1D,
  batch: number,
  s: number,
  geluInput: boolean,
  spectrum?: tf.Tensor3D,
  map?: tf.Tensor2D,
): tf.Tensor {
  const [cs, cmid, , m] = r.shape;
  const cout = w.shape[0];
  const h = geluInput ? gelu(x) : x;
  const f = spectrum ?? (tf.reshape(rdft(tf.reshape(h, [h.shape[0] * batch, s]) as tf.Tensor2D, m), [cs, batch, 2 * m]) as tf.Tensor3D);
  let g: tf.Tensor = complexModeMix(f, r);
  if (map) g = linearChannelsFirst(tf.reshape(g, [cmid, batch * 2 * m]) as tf.Tensor2D, map);
  return irdft(tf.reshape(g, [cout * batch, 2 * m]) as tf.Tensor2D, s, tf.reshape(linearChannelsFirst(h, w, b), [cout * batch, s]) as tf.Tensor2D);
}

describe('fourierLayer1d', () => {
  beforeAll(async () => {
    await initBackend('wasm');
  });
  afterEach(() => setWasmKernelsEnabled(true));

  // [cin, cout, batch, s, nModes, geluInput, spectrum, modeMap]
  const cases: [number, number, number, number, number, boolean, boolean, boolean][] = [
    [8, 8, 3, 32, 8, true, false, false],
    [8, 8, 2, 64, 16, false, false, false],
    [6, 12, 2, 32, 8, true, false, true],
    [2, 8, 3, 32, 8, false, true, false],
    [2, 12, 2, 32, 8, false, true, true],
  ];
  it.each(cases)(
    'cin %i → cout %i (batch %i, s %i, %i modes, GELU input %s, given spectrum %s, mode map %s): the primitives bit for bit (values and gradients), on the engine kernels and off them',
    (cin, cout, batch, s, m, geluInput, withSpectrum, withMap) => {
      expect(wasmKernelsActive()).toBe(true);
      const rng = new Rng(cin * 31 + cout, s + m);
      const cmid = withMap ? 8 : cout;
      const cs = withSpectrum ? 8 : cin;
      const x = randn(rng, [cin, batch * s]) as tf.Tensor2D;
      const r = randn(rng, [cs, cmid, 2, m], 0.1) as tf.Tensor4D;
      const w = randn(rng, [cout, cin], 0.3) as tf.Tensor2D;
      const b = randn(rng, [cout]) as tf.Tensor1D;
      const spectrum = withSpectrum ? (randn(rng, [cs, batch, 2 * m]) as tf.Tensor3D) : undefined;
      const map = withMap ? (randn(rng, [cout, cmid], 0.3) as tf.Tensor2D) : undefined;
      const dz = randn(rng, [cout, batch * s]);
      const inputs = [x, r, w, b, ...(spectrum ? [spectrum] : []), ...(map ? [map] : [])];
      const run = (f: (t: tf.Tensor[]) => tf.Tensor) => {
        const y = f(inputs).dataSync() as Float32Array;
        const grads = tf.grads((...t: tf.Tensor[]) => tf.sum(tf.mul(tf.reshape(f(t), [cout, batch * s]), dz)))(inputs);
        return [y, ...grads.map((g) => g.dataSync() as Float32Array)];
      };
      const pick = (t: tf.Tensor[]) => ({
        spectrum: spectrum ? (t[4] as tf.Tensor3D) : undefined,
        map: map ? (t[spectrum ? 5 : 4] as tf.Tensor2D) : undefined,
      });
      const layer = (t: tf.Tensor[]) =>
        fourierLayer1d(t[0] as tf.Tensor2D, t[1] as tf.Tensor4D, t[2] as tf.Tensor2D, t[3] as tf.Tensor1D, {
          batch,
          s,
          geluInput,
          spectrum: pick(t).spectrum,
          modeMap: pick(t).map,
        });
      const prims = (t: tf.Tensor[]) =>
        byPrimitives(t[0] as tf.Tensor2D, t[1] as tf.Tensor4D, t[2] as tf.Tensor2D, t[3] as tf.Tensor1D, batch, s, geluInput, pick(t).spectrum, pick(t).map);
      const fused = run(layer);
      const separate = run(prims);
      fused.forEach((v, i) => expect(Buffer.from(v.buffer).equals(Buffer.from(separate[i].buffer)), `array ${i}`).toBe(true));
      setWasmKernelsEnabled(false);
      const ops = run(layer);
      fused.forEach((v, i) => expect(maxDiff(v, ops[i]), `array ${i}`).toBeLessThan(1e-4 * maxAbs(v)));
    },
  );

  it('names shapes it cannot take', () => {
    const x = tf.zeros([4, 64]) as tf.Tensor2D;
    expect(() =>
      fourierLayer1d(x, tf.zeros([4, 4, 2, 8]) as tf.Tensor4D, tf.zeros([5, 4]) as tf.Tensor2D, tf.zeros([5]) as tf.Tensor1D, { batch: 2, s: 32 }),
    ).toThrow(EngineError);
    expect(() =>
      fourierLayer1d(x, tf.zeros([4, 4, 2, 8]) as tf.Tensor4D, tf.zeros([5, 4]) as tf.Tensor2D, tf.zeros([5]) as tf.Tensor1D, { batch: 2, s: 32 }),
    ).toThrow('fourierLayer1d: shapes x [4, 64], r [4, 4, 2, 8], w [5, 4], b [5] are not allowed with batch 2, s 32');
  });
});
