/**
 * Truncated real DFT and its inverse along the last axis, as matmuls with cached cos/sin bases.
 *
 * An FNO keeps a few modes (16 of 512), so a dense [s, 2M] basis costs s·2M multiply-adds per row
 * — one XNNPACK GEMM, differentiable on every backend — where tfjs's FFT ops have no gradient and
 * the wasm backend has no complex kernels at all. Spectra are stored planar per row: the M real
 * parts, then the M imaginary parts, with numpy.fft.rfft's conventions:
 *
 *   X_k = Σ_n x_n e^{−2πikn/s}        (rdft: row [Re X_0 … Re X_{M−1}, Im X_0 … Im X_{M−1}])
 *   x_n = (1/s) Σ_k c_k Re(X_k e^{2πikn/s}),  c_0 = c_{s/2} = 1, else 2
 *
 * i.e. irdft(g, s) = numpy.fft.irfft(g zero-padded to s/2 + 1 modes, s), the imaginary parts of
 * the DC and Nyquist modes being ignored as numpy does. Both gradients are matmuls with the
 * transposed bases, cached as well, so no call is ever a transposed matmul (slow on wasm).
 */
import * as tf from '@tensorflow/tfjs';
import { cachedConstant } from './cache.js';
import { EngineError } from './errors.js';

function checkModes(s: number, nModes: number, what: string): void {
  if (!Number.isInteger(s) || s < 1) throw new EngineError(`${what}: grid size s=${s} is not allowed: use an integer >= 1`);
  const max = Math.floor(s / 2) + 1;
  if (!Number.isInteger(nModes) || nModes < 1 || nModes > max) {
    throw new EngineError(`${what}: nModes=${nModes} is not allowed for s=${s}: use an integer in [1, ${max}]`);
  }
}

/** cos and sin of 2π·k·n/s with k·n reduced mod s exactly, so large k·n lose no accuracy. */
function angle(k: number, n: number, s: number): number {
  return (2 * Math.PI * ((k * n) % s)) / s;
}

type BasisKind = 'forward' | 'forwardT' | 'inverse' | 'inverseT';

/**
 * The cached basis: 'forward' [s, 2M] (x @ F = rdft), 'inverse' [2M, s] (g @ I = irdft) and their
 * transposes (for the gradients).
 */
export function dftBasis(s: number, nModes: number, kind: BasisKind): tf.Tensor2D {
  checkModes(s, nModes, 'dftBasis');
  const m = nModes;
  const rowsFirst = kind === 'forward' || kind === 'inverseT'; // [s, 2M] layouts
  const shape = rowsFirst ? [s, 2 * m] : [2 * m, s];
  return cachedConstant(`dft|${kind}|${s}|${m}`, shape, () => {
    const out = new Float32Array(2 * m * s);
    for (let k = 0; k < m; k++) {
      const inverse = kind === 'inverse' || kind === 'inverseT';
      const c = inverse ? (k === 0 || 2 * k === s ? 1 : 2) / s : 1;
      for (let n = 0; n < s; n++) {
        const a = angle(k, n, s);
        const re = c * Math.cos(a);
        const im = -c * Math.sin(a);
        if (rowsFirst) {
          out[n * 2 * m + k] = re;
          out[n * 2 * m + m + k] = im;
        } else {
          out[k * s + n] = re;
          out[(m + k) * s + n] = im;
        }
      }
    }
    return out;
  }) as tf.Tensor2D;
}

function check2d(x: tf.Tensor, what: string, cols: number, colsName: string): void {
  if (x.rank !== 2 || x.shape[1] !== cols) {
    throw new EngineError(`${what}: input shape [${x.shape.join(', ')}] is not allowed: use [rows, ${colsName}=${cols}]`);
  }
}

/** Truncated rfft of every row of x [rows, s]: [rows, 2·nModes] planar (see module comment). */
export function rdft(x: tf.Tensor2D, nModes: number): tf.Tensor2D {
  const s = x.shape[1];
  checkModes(s, nModes, 'rdft');
  const op = tf.customGrad((xi, save) => {
    const input = xi as tf.Tensor2D;
    (save as tf.GradSaveFunc)([]);
    return {
      value: tf.matMul(input, dftBasis(s, nModes, 'forward')),
      gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, dftBasis(s, nModes, 'forwardT'))],
    };
  });
  return op(x) as tf.Tensor2D;
}

/** irfft of every row of g [rows, 2·nModes] (planar, higher modes zero) onto s points: [rows, s]. */
export function irdft(g: tf.Tensor2D, s: number): tf.Tensor2D {
  if (g.rank !== 2 || g.shape[1] % 2 !== 0) throw new EngineError(`irdft: input shape [${g.shape.join(', ')}] is not allowed: use [rows, 2·nModes]`);
  const nModes = g.shape[1] / 2;
  checkModes(s, nModes, 'irdft');
  check2d(g, 'irdft', 2 * nModes, '2·nModes');
  const op = tf.customGrad((gi, save) => {
    (save as tf.GradSaveFunc)([]);
    return {
      value: tf.matMul(gi as tf.Tensor2D, dftBasis(s, nModes, 'inverse')),
      gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, dftBasis(s, nModes, 'inverseT'))],
    };
  });
  return op(g) as tf.Tensor2D;
}
