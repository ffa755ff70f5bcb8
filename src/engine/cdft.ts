/**
 * Truncated complex DFT along rows and its inverse, as matmuls with cached bases: the inner axes of
 * the 2D/3D transforms (dft_nd.ts), where the data are already complex after the real DFT of the
 * last axis. A row holds n complex values planar, [Re z_0 … Re z_{n−1}, Im z_0 … Im z_{n−1}]; the
 * kept frequencies are the 2m lowest |k| on both sides, in the order of the reference FNO's
 * x_ft[:m] and x_ft[−m:]:
 *
 *   k_j = j (j < m),  k_j = j − 2m (m ≤ j < 2m; i.e. −m … −1)
 *   cdft:  Z_j = Σ_n z_n e^{−2πi k_j n/n}       (row [Re Z_0 … Re Z_{2m−1}, Im Z_0 … Im Z_{2m−1}])
 *   icdft: z_n = (1/n) Σ_j Z_j e^{2πi k_j n/n}  (numpy.fft.ifft of Z zero-filled to n points)
 *
 * Each is one real product with the block basis [[C, −S], [S, C]] (forward) or [[C, S], [−S, C]]/n
 * (inverse), and each gradient one product with the transposed basis, cached too: on wasm the
 * engine's small-right GEMM kernel (wasm_gemm_right.ts), else a rank-2 untransposed matmul.
 */
import * as tf from '@tensorflow/tfjs';
import { cachedConstant } from './cache.js';
import { EngineError } from './errors.js';
import { basisProduct } from './wasm_gemm_right.js';

function checkModes(n: number, m: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new EngineError(`${what}: grid size n=${n} is not allowed: use an integer >= 1`);
  if (!Number.isInteger(m) || m < 1 || 2 * m > n) {
    throw new EngineError(`${what}: nModes=${m} is not allowed for n=${n}: use an integer in [1, ${Math.floor(n / 2)}] (2·nModes <= n)`);
  }
}

/** The kept frequencies k_j as residues mod n: 0 … m−1, n−m … n−1. */
export function keptFrequencies(n: number, m: number): number[] {
  checkModes(n, m, 'keptFrequencies');
  return Array.from({ length: 2 * m }, (_, j) => (j < m ? j : n - 2 * m + j));
}

type BasisKind = 'forward' | 'forwardT' | 'inverse' | 'inverseT';

/**
 * The cached basis: 'forward' [2n, 4m] (x @ F = cdft), 'inverse' [4m, 2n] (g @ I = icdft) and their
 * transposes (for the gradients).
 */
export function cdftBasis(n: number, m: number, kind: BasisKind): tf.Tensor2D {
  const ks = keptFrequencies(n, m);
  const kk = 2 * m;
  const inverse = kind === 'inverse' || kind === 'inverseT';
  // [2n, 2K] layouts: rows are (input part, point), columns (output part, frequency).
  const pointsFirst = kind === 'forward' || kind === 'inverseT';
  const shape = pointsFirst ? [2 * n, 2 * kk] : [2 * kk, 2 * n];
  return cachedConstant(`cdft|${kind}|${n}|${m}`, shape, () => {
    const out = new Float32Array(4 * n * kk);
    const scale = inverse ? 1 / n : 1;
    // Rows (part, point), columns (part, frequency) in the pointsFirst layout. The forward map
    // Z = Σ (x + iy)(cos − i sin) has Re ← x·cos + y·sin, Im ← −x·sin + y·cos; the inverse map
    // z = Σ (X + iY)(cos + i sin)/n is its transpose over n (re ← X·cos − Y·sin, im ← X·sin +
    // Y·cos), so both are the same entries, scaled.
    const put = (pPt: number, pt: number, pK: number, j: number, v: number) => {
      if (pointsFirst) out[(pPt * n + pt) * 2 * kk + pK * kk + j] = v;
      else out[(pK * kk + j) * 2 * n + pPt * n + pt] = v;
    };
    ks.forEach((k, j) => {
      for (let pt = 0; pt < n; pt++) {
        const a = (2 * Math.PI * ((k * pt) % n)) / n;
        const c = scale * Math.cos(a);
        const s = scale * Math.sin(a);
        put(0, pt, 0, j, c);
        put(1, pt, 0, j, s);
        put(0, pt, 1, j, -s);
        put(1, pt, 1, j, c);
      }
    });
    return out;
  }) as tf.Tensor2D;
}

/** Truncated DFT of every complex row of x [rows, 2n]: [rows, 4m] (see module comment). */
export function cdft(x: tf.Tensor2D, m: number): tf.Tensor2D {
  if (x.rank !== 2 || x.shape[1] % 2 !== 0) throw new EngineError(`cdft: input shape [${x.shape.join(', ')}] is not allowed: use [rows, 2·n]`);
  const n = x.shape[1] / 2;
  checkModes(n, m, 'cdft');
  return basisProduct(x, cdftBasis(n, m, 'forward'), cdftBasis(n, m, 'forwardT'));
}

/** Inverse of the truncated DFT onto n points: g [rows, 4m] → [rows, 2n] (see module comment). */
export function icdft(g: tf.Tensor2D, n: number): tf.Tensor2D {
  if (g.rank !== 2 || g.shape[1] % 4 !== 0) throw new EngineError(`icdft: input shape [${g.shape.join(', ')}] is not allowed: use [rows, 4·nModes]`);
  const m = g.shape[1] / 4;
  checkModes(n, m, 'icdft');
  return basisProduct(g, cdftBasis(n, m, 'inverse'), cdftBasis(n, m, 'inverseT'));
}
