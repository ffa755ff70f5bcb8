/**
 * A reshape that records nothing for the gradient.
 *
 * Why: tfjs's Reshape gradient saves its input, and the engine clones every tensor saved for the
 * backward pass — on wasm a full copy (a 20×81920 activation: ~0.4 ms) — so each tf.reshape of an
 * activation under a gradient tape costs a copy. Here the gradient reshapes dy to the input shape
 * known when the op was recorded; without a tape it is tf.reshape itself.
 */
import * as tf from '@tensorflow/tfjs';

/** x reshaped to `shape` (same data, no copy, none under a gradient tape either). */
export function view<T extends tf.Tensor = tf.Tensor>(x: tf.Tensor, shape: number[]): T {
  if (!tf.engine().isTapeOn()) return tf.reshape(x, shape) as T;
  const inShape = x.shape;
  const op = tf.customGrad((xi, save) => {
    (save as tf.GradSaveFunc)([]);
    return { value: tf.reshape(xi as tf.Tensor, shape), gradFunc: (dy: tf.Tensor) => [tf.reshape(dy, inShape)] };
  });
  return op(x) as T;
}
