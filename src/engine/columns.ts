/**
 * Column selections of a row-major [rows, n] tensor as products with small cached 0/1 matrices
 * (basisProduct: the engine's small-right GEMM kernel on wasm), differentiable through the
 * transposed matrix: repeating a column, zero-padding and cropping the innermost axis (FNO-3D's
 * time axis).
 *
 * Why: on tfjs-backend-wasm 4.22 `Tile`, `Slice` and `Pad` of such tensors are generic index loops
 * (measured on [327680, 16]: slice ~40 ms, tile of 1.6M values ~200 ms), while these products run
 * at memory speed.
 */
import type * as tf from '@tensorflow/tfjs';
import { cachedConstant } from './cache.js';
import { EngineError } from './errors.js';
import { basisProduct } from './wasm_gemm_right.js';

/** [n, total]: the identity on the first n columns, zero columns after them. */
function embedding(n: number, total: number, transposed: boolean): tf.Tensor2D {
  const shape = transposed ? [total, n] : [n, total];
  return cachedConstant(`embed|${n}|${total}|${transposed}`, shape, () => {
    const out = new Float32Array(n * total);
    for (let i = 0; i < n; i++) out[transposed ? i * n + i : i * total + i] = 1;
    return out;
  }) as tf.Tensor2D;
}

function ones(rows: number, cols: number): tf.Tensor2D {
  return cachedConstant(`ones|${rows}|${cols}`, [rows, cols], () => new Float32Array(rows * cols).fill(1)) as tf.Tensor2D;
}

function check(x: tf.Tensor, cols: number | null, what: string): void {
  if (x.rank !== 2 || (cols !== null && x.shape[1] !== cols)) {
    throw new EngineError(`${what}: input shape [${x.shape.join(', ')}] is not allowed: use [rows, ${cols ?? 'n'}]`);
  }
}

/** x [rows, 1] → [rows, n]: the column repeated n times. */
export function repeatColumns(x: tf.Tensor2D, n: number): tf.Tensor2D {
  check(x, 1, 'repeatColumns');
  return basisProduct(x, ones(1, n), ones(n, 1));
}

/** x [rows, n] → [rows, total]: zero columns appended (total ≥ n). */
export function padColumns(x: tf.Tensor2D, total: number): tf.Tensor2D {
  check(x, null, 'padColumns');
  const n = x.shape[1];
  if (total < n) throw new EngineError(`padColumns: total=${total} is not allowed for [${x.shape.join(', ')}]: use total >= ${n}`);
  return basisProduct(x, embedding(n, total, false), embedding(n, total, true));
}

/** x [rows, total] → [rows, n]: the first n columns. */
export function cropColumns(x: tf.Tensor2D, n: number): tf.Tensor2D {
  check(x, null, 'cropColumns');
  const total = x.shape[1];
  if (n > total || n < 1) throw new EngineError(`cropColumns: n=${n} is not allowed for [${x.shape.join(', ')}]: use n in [1, ${total}]`);
  return basisProduct(x, embedding(n, total, true), embedding(n, total, false));
}
