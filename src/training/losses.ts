/**
 * Training losses in tfjs. Every reduction is over the innermost axis (fast on the wasm backend;
 * a sum over a non-innermost axis is ~100× slower there).
 */
import * as tf from '@tensorflow/tfjs';
import type { LossKind } from './options.js';

/**
 * Loss of each sample, shape [batch]. `pred` and `truth` are [batch, ...] of equal shape.
 * - 'rel-l2': ‖pred − truth‖₂ / ‖truth‖₂ over all non-batch axes (neuraloperator's LpLoss with
 *   p = 2, relative; its quadrature weights cancel in the ratio on a uniform grid). A sample
 *   whose truth is identically zero gives Infinity (no epsilon, as LpLoss).
 * - 'mse': mean of (pred − truth)² over all non-batch axes.
 */
export function perSampleLoss(kind: LossKind, pred: tf.Tensor, truth: tf.Tensor): tf.Tensor1D {
  if (!tf.util.arraysEqual(pred.shape, truth.shape)) {
    throw new RangeError(`loss: prediction shape [${pred.shape.join(', ')}] differs from target shape [${truth.shape.join(', ')}]`);
  }
  return tf.tidy(() => {
    const b = pred.shape[0];
    const p = pred.reshape([b, -1]);
    const t = truth.reshape([b, -1]);
    const diff2 = tf.sum(tf.square(tf.sub(p, t)), 1);
    if (kind === 'mse') return tf.div(diff2, p.shape[1] as number) as tf.Tensor1D;
    return tf.div(tf.sqrt(diff2), tf.sqrt(tf.sum(tf.square(t), 1))) as tf.Tensor1D;
  });
}

/**
 * Σ_i loss_i / `batchTotal`. With `batchTotal` = the batch size this is the batch mean (the
 * reduction used everywhere: train and validation losses are per-sample means). With a shard of
 * a batch and `batchTotal` = the whole batch's size, the shards' losses — and their gradients —
 * sum to the full batch's mean loss and gradient (data-parallel training).
 */
export function shardLoss(kind: LossKind, pred: tf.Tensor, truth: tf.Tensor, batchTotal: number = pred.shape[0]): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(perSampleLoss(kind, pred, truth)), batchTotal) as tf.Scalar);
}
