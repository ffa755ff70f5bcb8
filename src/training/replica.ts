/**
 * A model with its normalizers and loss: the unit of computation that the trainer runs in this
 * thread and each data-parallel worker runs on its shard. The loss is taken on decoded outputs
 * against raw targets (gaussian-nll: in normalised units); pushforward unrolls feed decoded
 * outputs back as inputs (re-encoded), as rollouts do (src/inference).
 */
import * as tf from '@tensorflow/tfjs';
import type { SurrogateModel } from '../models/model.js';
import { mixSeed, Predictor, type ForwardOptions, type ReplicaNormalizers } from '../inference/predictor.js';
import { perSampleLoss } from './losses.js';
import type { FrameStack, LossKind } from './options.js';

/**
 * A predictor with a loss: the unit of computation of training, in this thread and each worker.
 * With pushforward p, the input is first unrolled p model calls from the true window.
 */
export class Replica extends Predictor {
  readonly pushforward: number;

  constructor(
    model: SurrogateModel,
    normalizers: ReplicaNormalizers,
    readonly loss: LossKind,
    frameShape: number[],
    frames: Partial<Pick<FrameStack, 'history' | 'future' | 'pushforward'>> = {},
  ) {
    super(model, normalizers, frameShape, { history: frames.history ?? 1, future: frames.future ?? 1, noiseHead: loss === 'gaussian-nll' });
    this.pushforward = frames.pushforward ?? 0;
  }

  /**
   * The input after `pushforward` model calls from x, each fed its own decoded prediction (no
   * gradient: call it outside a gradient function). Returns x itself when pushforward is 0. In
   * training, unroll call k draws its dropout masks from mixSeed(seed, k + 1).
   */
  unroll(x: tf.Tensor2D, training = false, seed?: number): tf.Tensor2D {
    let u = x;
    for (let k = 0; k < this.pushforward; k++) {
      const prev = u;
      const opts: ForwardOptions = { training, ...(seed === undefined ? {} : { seed: mixSeed(seed, k + 1) }) };
      u = tf.tidy(() => this.shift(prev, this.predict(prev, opts)));
      if (prev !== x) prev.dispose();
    }
    return u;
  }

  /** Per-item losses [n] of inputs xt against physical targets yt (gaussian-nll: in normalised units). */
  private itemLosses(xt: tf.Tensor2D, yt: tf.Tensor2D, opts: ForwardOptions): tf.Tensor1D {
    if (this.loss !== 'gaussian-nll') return perSampleLoss(this.loss, this.predict(xt, opts), yt);
    const { mean, rawVariance } = this.outputs(xt, opts);
    return perSampleLoss(this.loss, mean, this.encodeOutput(yt), rawVariance ?? undefined);
  }

  /**
   * Loss Σ_i loss_i / `batchTotal` over this shard of `n` items (x: [n, inputSize], y: [n,
   * outputSize]) and its gradient for every trainable weight (in `trainableWeights()` order; the
   * caller disposes them).
   *
   * Pushforward: the unrolled input is computed before, not inside, the gradient function, so it
   * enters the loss as a constant — torch.no_grad() in Brandstetter et al. (tfjs has no
   * stop-gradient op); the gradient is that of a one-call loss from the unrolled input.
   *
   * `seed` seeds this shard's dropout masks (models with dropout): the trainer derives it from
   * the run's seed, the optimizer step and the shard, so runs and resumes are reproducible.
   */
  gradients(x: Float32Array, y: Float32Array, n: number, batchTotal: number, seed?: number): { loss: number; grads: tf.Tensor[] } {
    const weights = this.model.trainableWeights();
    const opts: ForwardOptions = { training: true, ...(seed === undefined ? {} : { seed }) };
    const out = tf.tidy(() => {
      const xt = this.unroll(tf.tensor2d(x, [n, this.inputSize]), true, seed);
      const yt = tf.tensor2d(y, [n, this.outputSize]);
      const { value, grads } = tf.variableGrads(() => tf.div(tf.sum(this.itemLosses(xt, yt, opts)), batchTotal) as tf.Scalar, weights);
      return [
        value,
        ...weights.map((w, i) => {
          const g = grads[w.name];
          if (g === undefined) throw new RangeError(`weight ${i} ('${w.name}') of model '${this.model.kind}' receives no gradient`);
          return g;
        }),
      ];
    });
    const loss = out[0].dataSync()[0];
    out[0].dispose();
    return { loss, grads: out.slice(1) };
  }

  /** Σ_i loss_i over `n` items (no gradient; with the same unroll as training), e.g. for validation. */
  lossSum(x: Float32Array, y: Float32Array, n: number): number {
    const t = tf.tidy(() => {
      const xt = this.unroll(tf.tensor2d(x, [n, this.inputSize]));
      return tf.sum(this.itemLosses(xt, tf.tensor2d(y, [n, this.outputSize]), {}));
    });
    const v = t.dataSync()[0];
    t.dispose();
    return v;
  }
}
