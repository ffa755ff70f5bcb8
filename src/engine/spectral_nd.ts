/**
 * Complex mode mixing of a 2D/3D Fourier layer (Li et al. 2020, eq. 5; the reference code's
 * einsum("bixy,ioxy->boxy") and "bixyz,ioxyz->boxyz"), on the block layout of dft_nd.ts: per mode
 * block g (one (k_2, …, k_D)) and each of its K retained k_1 modes,
 *
 *   out[g, o, b, k] = Σ_i f[g, i, b, k] · w[g, i, o, k]   (complex)
 *
 * with f [G, cin, batch, 2K], w [G, cin, cout, 2, K] (real parts, then imaginary parts),
 * out [G, cout, batch, 2K] — planar complex rows as in spectral.ts.
 *
 * On wasm with the engine kernels (K ≥ 4) the forward and both gradients are one complex
 * multiply-accumulate kernel pass each, over all blocks (wasm_kernels.ts, `PdesComplexMac` with
 * blocks). Otherwise tfjs ops: broadcast products summed over cin (fine for tests and the cpu
 * backend; slow on wasm, where the kernels are the tuned path).
 */
import * as tf from '@tensorflow/tfjs';
import { EngineError } from './errors.js';
import { complexMacKernel, wasmKernelsActive } from './wasm_kernels.js';

interface Dims {
  g: number;
  cin: number;
  batch: number;
  k: number;
  cout: number;
}

function checkShapes(f: tf.Tensor, w: tf.Tensor): Dims {
  if (f.rank !== 4 || (f.shape[3] as number) % 2 !== 0) {
    throw new EngineError(`complexModeMixBlocks: f shape [${f.shape.join(', ')}] is not allowed: use [blocks, cin, batch, 2·nModes]`);
  }
  const [g, cin, batch, twoK] = f.shape as [number, number, number, number];
  const k = twoK / 2;
  if (w.rank !== 5 || w.shape[0] !== g || w.shape[1] !== cin || w.shape[3] !== 2 || w.shape[4] !== k) {
    throw new EngineError(
      `complexModeMixBlocks: w shape [${w.shape.join(', ')}] is not allowed with f [${f.shape.join(', ')}]: use [${g}, ${cin}, cout, 2, ${k}]`,
    );
  }
  return { g, cin, batch, k, cout: w.shape[2] as number };
}

function mixKernels(f: tf.Tensor4D, w: tf.Tensor, { g, cin, batch, k, cout }: Dims): tf.Tensor4D {
  const op = tf.customGrad((fi, wi, save) => {
    (save as tf.GradSaveFunc)([fi as tf.Tensor, wi as tf.Tensor]);
    // out[g, o, b] = Σ_i f[g, i, b] ⊗ w[g, i, o]  (u = o, v = b, w = i)
    const value = complexMacKernel(fi as tf.Tensor, wi as tf.Tensor, {
      m: k,
      conj: 'none',
      outShape: [g, cout, batch, 2 * k],
      aStrides: [0, 1, batch],
      bStrides: [1, 0, cout],
      counts: [cout, batch, cin],
      blocks: [g, cin * batch, cin * cout],
    }) as tf.Tensor4D;
    return {
      value,
      gradFunc: (dy: tf.Tensor, [sf, sw]: tf.Tensor[]) => [
        // df[g, i, b] = Σ_o dy[g, o, b] ⊗ conj(w[g, i, o])  (u = i, v = b, w = o)
        complexMacKernel(dy, sw, {
          m: k,
          conj: 'b',
          outShape: [g, cin, batch, 2 * k],
          aStrides: [0, 1, batch],
          bStrides: [cout, 0, 1],
          counts: [cin, batch, cout],
          blocks: [g, cout * batch, cin * cout],
        }),
        // dw[g, i, o] = Σ_b conj(f[g, i, b]) ⊗ dy[g, o, b]  (u = i, v = o, w = b)
        complexMacKernel(sf, dy, {
          m: k,
          conj: 'a',
          outShape: [g, cin, cout, 2, k],
          aStrides: [batch, 0, 1],
          bStrides: [0, batch, 1],
          counts: [cin, cout, batch],
          blocks: [g, cin * batch, cout * batch],
        }),
      ],
    };
  });
  return op(f, w) as tf.Tensor4D;
}

function mixOps(f: tf.Tensor4D, w: tf.Tensor, { g, cin, batch, k, cout }: Dims): tf.Tensor4D {
  return tf.tidy(() => {
    const [fr, fi] = tf.split(tf.reshape(f, [g, cin, 1, batch, 2, k]), 2, 4);
    const [wr, wi] = tf.split(tf.reshape(w, [g, cin, cout, 1, 2, k]), 2, 4);
    const re = tf.sum(tf.sub(tf.mul(fr, wr), tf.mul(fi, wi)), 1);
    const im = tf.sum(tf.add(tf.mul(fr, wi), tf.mul(fi, wr)), 1);
    return tf.reshape(tf.concat([re, im], 3), [g, cout, batch, 2 * k]) as tf.Tensor4D;
  });
}

/** Blockwise complex mode mixing: f [G, cin, batch, 2K], w [G, cin, cout, 2, K] → [G, cout, batch, 2K]. */
export function complexModeMixBlocks(f: tf.Tensor4D, w: tf.Tensor, opts: { kernels?: boolean } = {}): tf.Tensor4D {
  const dims = checkShapes(f, w);
  const useKernels = (opts.kernels ?? true) && dims.k >= 4 && wasmKernelsActive();
  return useKernels ? mixKernels(f, w, dims) : mixOps(f, w, dims);
}
