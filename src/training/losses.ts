/**
 * Training losses in tfjs. Every reduction is over the innermost axis (fast on the wasm backend;
 * a sum over a non-innermost axis is ~100× slower there).
 */
import * as tf from '@tensorflow/tfjs';
import { headVariance, VARIANCE_FLOOR } from '../inference/predictor.js';
import type { LossKind } from './options.js';

export { headVariance, VARIANCE_FLOOR };

/**
 * Loss of each sample, shape [batch]. `pred` and `truth` are [batch, ...] of equal shape.
 * - 'rel-l2': ‖pred − truth‖₂ / ‖truth‖₂ over all non-batch axes (neuraloperator's LpLoss with
 *   p = 2, relative; its quadrature weights cancel in the ratio on a uniform grid). A sample
 *   whose truth is identically zero gives Infinity (no epsilon, as LpLoss).
 * - 'mse': mean of (pred − truth)² over all non-batch axes.
 * - 'gaussian-nll': mean over all non-batch axes of ½(log 2πσ² + (truth − pred)²/σ²) with
 *   σ² = softplus(`rawVariance`) + 1e-6 (`rawVariance`: the noise head's raw output, the shape of
 *   pred). The trainer takes it in normalised units (pred, truth and σ² of the encoded data); a
 *   variance σ² in normalised units is σ²·(std + eps)² in physical units (σ_phys = σ·std).
 */
export function perSampleLoss(kind: LossKind, pred: tf.Tensor, truth: tf.Tensor, rawVariance?: tf.Tensor): tf.Tensor1D {
  if (!tf.util.arraysEqual(pred.shape, truth.shape)) {
    throw new RangeError(`loss: prediction shape [${pred.shape.join(', ')}] differs from target shape [${truth.shape.join(', ')}]`);
  }
  if (kind === 'gaussian-nll' && (rawVariance === undefined || !tf.util.arraysEqual(rawVariance.shape, pred.shape))) {
    throw new RangeError(
      `loss 'gaussian-nll' needs the noise head's raw variance of shape [${pred.shape.join(', ')}]${rawVariance === undefined ? '' : `, got [${rawVariance.shape.join(', ')}]`}`,
    );
  }
  return tf.tidy(() => {
    const b = pred.shape[0];
    const p = pred.reshape([b, -1]);
    const t = truth.reshape([b, -1]);
    if (kind === 'gaussian-nll') {
      const v = headVariance((rawVariance as tf.Tensor).reshape([b, -1]));
      const terms = tf.add(tf.log(v), tf.div(tf.square(tf.sub(p, t)), v));
      return tf.add(tf.mul(tf.mean(terms, 1), 0.5), 0.5 * Math.log(2 * Math.PI)) as tf.Tensor1D;
    }
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
export function shardLoss(kind: LossKind, pred: tf.Tensor, truth: tf.Tensor, batchTotal: number = pred.shape[0], rawVariance?: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.sum(perSampleLoss(kind, pred, truth, rawVariance)), batchTotal) as tf.Scalar);
}
