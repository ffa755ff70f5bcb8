/**
 * Constant tensors the primitives reuse across calls (DFT bases, ones vectors), kept out of
 * tf.tidy and keyed by backend so a backend switch never hands a tensor to the wrong backend.
 * Reusing the same tensor also lets the wasm backend keep XNNPACK's packed copy of it: its
 * matmul caches the packed right-hand operand per tensor.
 */
import * as tf from '@tensorflow/tfjs';

const CACHE = new Map<string, tf.Tensor>();

/** The cached tensor for `key` on the active backend, built by `make` (in float64 → float32) once. */
export function cachedConstant(key: string, shape: number[], make: () => Float32Array): tf.Tensor {
  const full = `${tf.getBackend()}|${key}`;
  let t = CACHE.get(full);
  if (!t || t.isDisposed) {
    t = tf.keep(tf.tensor(make(), shape, 'float32'));
    CACHE.set(full, t);
  }
  return t;
}

/** A [rows, cols] tensor of ones. */
export function onesConstant(rows: number, cols: number): tf.Tensor2D {
  return cachedConstant(`ones|${rows}|${cols}`, [rows, cols], () => new Float32Array(rows * cols).fill(1)) as tf.Tensor2D;
}

/** Disposes every cached constant (they are rebuilt on demand). */
export function clearEngineCaches(): void {
  for (const t of CACHE.values()) t.dispose();
  CACHE.clear();
}

/** How many constants are cached (for leak tests). */
export function engineCacheSize(): number {
  return CACHE.size;
}
