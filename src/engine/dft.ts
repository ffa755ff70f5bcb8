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
 * transposed bases, cached as well, so no call is ever a transposed matmul (slow on wasm). On
 * wasm with the engine kernels one radix-2 step is folded in first (see `folds`): for nModes a
 * multiple of 8 fold, products and mode order are one fused kernel each way (wasm_dft.ts), else
 * separate kernels with the products on the engine's small-right GEMM (see `times`).
 */
import * as tf from '@tensorflow/tfjs';
import { cachedConstant } from './cache.js';
import { EngineError } from './errors.js';
import { foldedAnalysisKernel, foldedKernelsUsable, foldedSynthesisKernel } from './wasm_dft.js';
import { gemmSmallRightKernel, gemmSmallRightUsable } from './wasm_gemm_right.js';
import { deinterleaveKernel, foldHalvesKernel, interleaveKernel, unfoldHalvesKernel, wasmKernelsActive } from './wasm_kernels.js';

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
/** Which modes a basis covers: all of them over s points, or the even / odd ones over s/2 points. */
type Parity = 'all' | 'even' | 'odd';

/**
 * The cached basis: 'forward' [s, 2M] (x @ F = rdft), 'inverse' [2M, s] (g @ I = irdft) and their
 * transposes (for the gradients). With parity 'even' / 'odd': the even / odd modes only, over the
 * first s/2 points (the folded transforms, see rdft).
 */
export function dftBasis(s: number, nModes: number, kind: BasisKind, parity: Parity = 'all'): tf.Tensor2D {
  checkModes(s, nModes, 'dftBasis');
  const modes = Array.from({ length: nModes }, (_, k) => k).filter((k) => parity === 'all' || k % 2 === (parity === 'even' ? 0 : 1));
  const m = modes.length;
  const len = parity === 'all' ? s : s / 2;
  const rowsFirst = kind === 'forward' || kind === 'inverseT'; // [len, 2m] layouts
  const shape = rowsFirst ? [len, 2 * m] : [2 * m, len];
  return cachedConstant(`dft|${kind}|${parity}|${s}|${nModes}`, shape, () => {
    const out = new Float32Array(2 * m * len);
    const inverse = kind === 'inverse' || kind === 'inverseT';
    modes.forEach((k, i) => {
      const c = inverse ? (k === 0 || 2 * k === s ? 1 : 2) / s : 1;
      for (let n = 0; n < len; n++) {
        const a = angle(k, n, s);
        const re = c * Math.cos(a);
        const im = -c * Math.sin(a);
        if (rowsFirst) {
          out[n * 2 * m + i] = re;
          out[n * 2 * m + m + i] = im;
        } else {
          out[i * len + n] = re;
          out[(m + i) * len + n] = im;
        }
      }
    });
    return out;
  }) as tf.Tensor2D;
}

function check2d(x: tf.Tensor, what: string, cols: number, colsName: string): void {
  if (x.rank !== 2 || x.shape[1] !== cols) {
    throw new EngineError(`${what}: input shape [${x.shape.join(', ')}] is not allowed: use [rows, ${colsName}=${cols}]`);
  }
}

/**
 * Whether to fold (one radix-2 decimation-in-frequency step): X_k = Σ_{n<s/2} (x_n + (−1)^k
 * x_{n+s/2}) e^{−2πikn/s}, so the even modes are a DFT of u = x_lo + x_hi and the odd ones of
 * v = x_lo − x_hi, both over s/2 points — half the multiply-adds for one butterfly pass (an engine
 * kernel), plus reordering the modes (tf.stack/unstack are ~100× slower than a copy on wasm, so
 * that is an engine kernel too). The inverse is the same
 * step backwards: x_lo = e + o, x_hi = e − o with e, o the even- and odd-mode syntheses.
 */
function folds(s: number, nModes: number): boolean {
  return nModes >= 2 && s % 8 === 0 && wasmKernelsActive();
}

/**
 * x·basis inside the folded transforms: the engine's small-right GEMM where the basis has a
 * multiple of 4 columns (measured at the FNO-1D sizes, [1280, 512]·[512, 16] and
 * [1280, 16]·[16, 512]: 0.43 ms against XNNPACK's 0.57 ms, the same sums in the same order, bit
 * for bit), else tfjs's matmul (XNNPACK).
 */
function times(x: tf.Tensor2D, basis: tf.Tensor2D): tf.Tensor2D {
  return gemmSmallRightUsable(basis.shape[1]) ? gemmSmallRightKernel(x, basis) : tf.matMul(x, basis);
}

/** [fe (even modes, planar) | fo (odd modes)] → natural planar order [re_0 … re_{M−1}, im_0 …]. */
function interleaveModes(fe: tf.Tensor2D, fo: tf.Tensor2D, m: number): tf.Tensor2D {
  const rows = fe.shape[0];
  const me = Math.ceil(m / 2);
  const out = interleaveKernel(tf.reshape(fe, [2 * rows, me]), tf.reshape(fo, [2 * rows, m - me]));
  return tf.reshape(out, [rows, 2 * m]);
}

/** Natural planar order → [even modes (planar), odd modes (planar)]. */
function splitModes(g: tf.Tensor2D, m: number): [tf.Tensor2D, tf.Tensor2D] {
  const rows = g.shape[0];
  const me = Math.ceil(m / 2);
  const [e, o] = deinterleaveKernel(tf.reshape(g, [2 * rows, m]), me);
  return [tf.reshape(e, [rows, 2 * me]), tf.reshape(o, [rows, 2 * (m - me)])];
}

/** Truncated rfft of every row of x [rows, s]: [rows, 2·nModes] planar (see module comment). */
export function rdft(x: tf.Tensor2D, nModes: number): tf.Tensor2D {
  const s = x.shape[1];
  checkModes(s, nModes, 'rdft');
  const b = (kind: BasisKind, parity: Parity) => dftBasis(s, nModes, kind, parity);
  const folded = folds(s, nModes);
  const fused = folded && foldedKernelsUsable(s, nModes);
  const op = tf.customGrad((xi, save) => {
    (save as tf.GradSaveFunc)([]);
    if (!folded) {
      return {
        value: tf.matMul(xi as tf.Tensor2D, b('forward', 'all')),
        gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, b('forwardT', 'all'))],
      };
    }
    if (fused) {
      return {
        value: foldedAnalysisKernel(xi as tf.Tensor2D, b('forward', 'even'), b('forward', 'odd')),
        gradFunc: (dy: tf.Tensor) => [foldedSynthesisKernel(dy as tf.Tensor2D, b('forwardT', 'even'), b('forwardT', 'odd'))],
      };
    }
    const [u, v] = foldHalvesKernel(xi as tf.Tensor2D);
    return {
      value: interleaveModes(times(u, b('forward', 'even')), times(v, b('forward', 'odd')), nModes),
      gradFunc: (dy: tf.Tensor) => {
        const [de, dO] = splitModes(dy as tf.Tensor2D, nModes);
        return [unfoldHalvesKernel(times(de, b('forwardT', 'even')), times(dO, b('forwardT', 'odd')))];
      },
    };
  });
  return op(x) as tf.Tensor2D;
}

/**
 * irfft of every row of g [rows, 2·nModes] (planar, higher modes zero) onto s points: [rows, s],
 * plus `addend` [rows, s] when given (a residual branch, summed in the same pass on wasm).
 */
export function irdft(g: tf.Tensor2D, s: number, addend: tf.Tensor2D | null = null): tf.Tensor2D {
  if (g.rank !== 2 || g.shape[1] % 2 !== 0) throw new EngineError(`irdft: input shape [${g.shape.join(', ')}] is not allowed: use [rows, 2·nModes]`);
  const nModes = g.shape[1] / 2;
  checkModes(s, nModes, 'irdft');
  check2d(g, 'irdft', 2 * nModes, '2·nModes');
  if (addend && (addend.rank !== 2 || addend.shape[0] !== g.shape[0] || addend.shape[1] !== s)) {
    throw new EngineError(`irdft: addend shape [${addend.shape.join(', ')}] is not allowed: use [${g.shape[0]}, ${s}]`);
  }
  const b = (kind: BasisKind, parity: Parity) => dftBasis(s, nModes, kind, parity);
  const folded = folds(s, nModes);
  const fused = folded && foldedKernelsUsable(s, nModes);
  const residual = (dy: tf.Tensor) => (addend ? [tf.reshape(dy, dy.shape)] : []);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    (args[args.length - 1] as tf.GradSaveFunc)([]);
    const gi = args[0] as tf.Tensor2D;
    const zi = addend ? (args[1] as tf.Tensor2D) : undefined;
    if (!folded) {
      return {
        value: tf.tidy(() => {
          const y = tf.matMul(gi, b('inverse', 'all'));
          return zi ? tf.add(y, zi) : y;
        }),
        gradFunc: (dy: tf.Tensor) => [tf.matMul(dy as tf.Tensor2D, b('inverseT', 'all')), ...residual(dy)],
      };
    }
    if (fused) {
      return {
        value: foldedSynthesisKernel(gi, b('inverse', 'even'), b('inverse', 'odd'), zi),
        gradFunc: (dy: tf.Tensor) => [foldedAnalysisKernel(dy as tf.Tensor2D, b('inverseT', 'even'), b('inverseT', 'odd')), ...residual(dy)],
      };
    }
    const [ge, go] = splitModes(gi, nModes);
    return {
      value: unfoldHalvesKernel(times(ge, b('inverse', 'even')), times(go, b('inverse', 'odd')), zi),
      gradFunc: (dy: tf.Tensor) => {
        const [de, dO] = foldHalvesKernel(dy as tf.Tensor2D);
        return [interleaveModes(times(de, b('inverseT', 'even')), times(dO, b('inverseT', 'odd')), nModes), ...residual(dy)];
      },
    };
  });
  return (addend ? op(g, addend) : op(g)) as tf.Tensor2D;
}
