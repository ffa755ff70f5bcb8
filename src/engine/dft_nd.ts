/**
 * Truncated real DFT over the last D ≥ 2 axes and its inverse — numpy.fft.rfftn / irfftn restricted
 * to the modes an FNO keeps (Li et al. 2020, fourier_2d.py / fourier_3d.py): on the last axis the
 * lowest m_D non-negative frequencies of the rfft, on every other axis the 2·m_j lowest |k| on both
 * sides (the reference's corner weight blocks x_ft[:m], x_ft[−m:]).
 *
 * Layout. The input is h [R, d_1·…·d_D] (R rows, e.g. channels·batch, each a row-major grid); the
 * spectrum is f [G, R, 4·m_1] with G = (2m_2)·…·(2m_{D−1})·m_D mode blocks, ordered
 * (k_2, …, k_D) with k_2 outermost, and each row the 2m_1 kept k_1 frequencies, planar (real parts,
 * then imaginary parts; order k = 0 … m_1−1, −m_1 … −1 as in cdft.ts). For D = 2: f [m_2, R, 4m_1];
 * for D = 3: f [2m_2·m_3, R, 4m_1]. The mode mixing of a Fourier layer is then independent per
 * block (spectral_nd.ts).
 *
 * How (every product x·basis runs on the engine's small-right GEMM kernel on wasm,
 * wasm_gemm_right.ts, else as a rank-2 untransposed matmul; layout changes are one SIMD pass):
 *   1. rdft of the last axis (dft.ts's bases): [R·d_1…d_{D−1}, d_D] → [·, 2m_D], the big product,
 *      on the full data;
 *   2. for j = D−1 … 1: move the modes just computed to the front and axis j to the back
 *      (modesToFront, wasm_transpose.ts: [A, d_j, 2, M] → [M, A, 2, d_j]), so every row is one
 *      complex line along axis j, then cdft of that axis (cdft.ts) on the truncated data.
 * The inverse runs the same steps backwards: icdft of axes 1 … D−1, each followed by modesToBack,
 * then the irdft of the last axis (which ignores the imaginary parts of its DC and Nyquist modes,
 * as numpy's irfftn does), adding an optional residual in the same pass.
 */
import * as tf from '@tensorflow/tfjs';
import { cdft, icdft } from './cdft.js';
import { dftBasis } from './dft.js';
import { EngineError } from './errors.js';
import { view } from './view.js';
import { basisProduct } from './wasm_gemm_right.js';
import { modesToBack, modesToFront } from './wasm_transpose.js';

const prod = (xs: number[]) => xs.reduce((p, q) => p * q, 1);

function checkPlan(dims: number[], modes: number[], what: string): void {
  if (dims.length < 2 || modes.length !== dims.length) {
    throw new EngineError(`${what}: dims [${dims.join(', ')}] and modes [${modes.join(', ')}] are not allowed: use D >= 2 of each`);
  }
  dims.forEach((d, j) => {
    const m = modes[j];
    const last = j === dims.length - 1;
    const max = last ? Math.floor(d / 2) + 1 : Math.floor(d / 2);
    if (!Number.isInteger(d) || d < 1 || !Number.isInteger(m) || m < 1 || m > max) {
      throw new EngineError(`${what}: modes[${j}]=${m} is not allowed for an axis of ${d} points: use an integer in [1, ${max}]`);
    }
  });
}

/** The spectrum's shape [G, R, 4·m_1] for rows R (see the module comment). */
export function spectrumShape(rows: number, modes: number[]): [number, number, number] {
  const d = modes.length;
  const g = prod(modes.slice(1, d - 1).map((m) => 2 * m)) * modes[d - 1];
  return [g, rows, 4 * modes[0]];
}

/** Truncated rfftn of every row of h [R, Π dims] over the grid `dims`: [G, R, 4·m_1] (module comment). */
export function rdftNd(h: tf.Tensor2D, dims: number[], modes: number[]): tf.Tensor3D {
  checkPlan(dims, modes, 'rdftNd');
  const d = dims.length;
  if (h.rank !== 2 || h.shape[1] !== prod(dims)) {
    throw new EngineError(`rdftNd: input shape [${h.shape.join(', ')}] is not allowed: use [rows, ${dims.join('·')}=${prod(dims)}]`);
  }
  const rows = h.shape[0];
  return tf.tidy(() => {
    const [s, md] = [dims[d - 1], modes[d - 1]];
    let t: tf.Tensor = basisProduct(view(h, [rows * prod(dims.slice(0, d - 1)), s]) as tf.Tensor2D, dftBasis(s, md, 'forward'), dftBasis(s, md, 'forwardT'));
    let m = modes[d - 1];
    let lead = 1;
    for (let j = d - 2; j >= 0; j--) {
      const a = lead * rows * prod(dims.slice(0, j));
      t = modesToFront(t, a, dims[j], 2, m);
      lead *= m;
      t = cdft(view(t, [lead * rows * prod(dims.slice(0, j)), 2 * dims[j]]) as tf.Tensor2D, modes[j]);
      m = 2 * modes[j];
    }
    return view(t, spectrumShape(rows, modes)) as tf.Tensor3D;
  });
}

/**
 * Inverse of rdftNd: f [G, R, 4·m_1] → [R, Π dims] (numpy.fft.irfftn of the kept modes, zero
 * elsewhere), plus `addend` [R, Π dims] when given (summed in the last pass on wasm).
 */
export function irdftNd(f: tf.Tensor3D, dims: number[], modes: number[], addend: tf.Tensor2D | null = null): tf.Tensor2D {
  checkPlan(dims, modes, 'irdftNd');
  const d = dims.length;
  const rows = f.shape[1];
  const want = spectrumShape(rows, modes);
  if (f.rank !== 3 || f.shape[0] !== want[0] || f.shape[2] !== want[2]) {
    throw new EngineError(`irdftNd: input shape [${f.shape.join(', ')}] is not allowed: use [${want[0]}, rows, ${want[2]}]`);
  }
  if (addend && (addend.rank !== 2 || addend.shape[0] !== rows || addend.shape[1] !== prod(dims))) {
    throw new EngineError(`irdftNd: addend shape [${addend.shape.join(', ')}] is not allowed: use [${rows}, ${prod(dims)}]`);
  }
  return tf.tidy(() => {
    let t: tf.Tensor = f;
    let lead = want[0];
    for (let j = 0; j < d - 1; j++) {
      t = icdft(view(t, [lead * rows * prod(dims.slice(0, j)), 4 * modes[j]]) as tf.Tensor2D, dims[j]);
      const m = j < d - 2 ? 2 * modes[j + 1] : modes[d - 1];
      lead /= m;
      t = modesToBack(t, lead * rows * prod(dims.slice(0, j)), dims[j], 2, m);
    }
    const lines = rows * prod(dims.slice(0, d - 1));
    const z = addend ? (view(addend, [lines, dims[d - 1]]) as tf.Tensor2D) : null;
    const [s, md] = [dims[d - 1], modes[d - 1]];
    const y = basisProduct(view(t, [lines, 2 * md]) as tf.Tensor2D, dftBasis(s, md, 'inverse'), dftBasis(s, md, 'inverseT'), z);
    return view(y, [rows, prod(dims)]) as tf.Tensor2D;
  });
}
