/**
 * A model with its normalizers and loss: the unit of computation that the trainer runs in this
 * thread and each data-parallel worker runs on its shard. Normalization is the data processor's
 * job (neuraloperator): inputs are encoded before the model, outputs decoded after it, and the
 * loss is taken on decoded outputs against raw targets.
 */
import * as tf from '@tensorflow/tfjs';
import { UnitGaussianNormalizer, type NormalizerJSON } from '../data/index.js';
import type { SurrogateModel } from '../models/model.js';
import { shardLoss, perSampleLoss } from './losses.js';
import type { LossKind } from './options.js';

/**
 * A fitted `UnitGaussianNormalizer` as float32 tensors, applied to frames [batch, frameSize].
 *
 * A pointwise normalizer fitted at one resolution applies at another (resolution-independent
 * models are evaluated at s/2 and 2s): its mean and std, seen as periodic functions of x sampled
 * on the training grid, are re-sampled by periodic linear interpolation (exactly a stride when
 * coarsening by a whole factor). Frames are [nx, channels] row-major; channels carry over.
 */
export class TensorNormalizer {
  private readonly bySize = new Map<number, { mean: tf.Tensor1D; scale: tf.Tensor1D }>();

  private constructor(
    private readonly meanValues: Float32Array,
    /** std + eps, as `UnitGaussianNormalizer` uses it. */
    private readonly scaleValues: Float32Array,
    readonly mode: string,
    /** Values per grid point (channels) for pointwise stats; frames re-sample along x only. */
    private readonly channels: number,
  ) {}

  static from(n: UnitGaussianNormalizer | NormalizerJSON, channels = 1): TensorNormalizer {
    const json = n instanceof UnitGaussianNormalizer ? n.toJSON() : UnitGaussianNormalizer.fromJSON(n).toJSON();
    return new TensorNormalizer(Float32Array.from(json.mean), Float32Array.from(json.std.map((s) => s + json.eps)), json.mode, channels);
  }

  /** Values per frame the stats cover (1 for scalar). */
  get size(): number {
    return this.meanValues.length;
  }

  /** (x − mean) / (std + eps) */
  encode(x: tf.Tensor2D): tf.Tensor2D {
    const { mean, scale } = this.stats(x);
    return tf.tidy(() => tf.div(tf.sub(x, mean), scale) as tf.Tensor2D);
  }

  /** x · (std + eps) + mean */
  decode(x: tf.Tensor2D): tf.Tensor2D {
    const { mean, scale } = this.stats(x);
    return tf.tidy(() => tf.add(tf.mul(x, scale), mean) as tf.Tensor2D);
  }

  dispose(): void {
    for (const t of this.bySize.values()) {
      t.mean.dispose();
      t.scale.dispose();
    }
    this.bySize.clear();
  }

  private stats(x: tf.Tensor2D): { mean: tf.Tensor1D; scale: tf.Tensor1D } {
    const n = this.meanValues.length;
    const size = n === 1 ? 1 : x.shape[1];
    let t = this.bySize.get(size);
    if (t) return t;
    if (n !== 1 && n !== size) {
      const c = this.channels;
      if (this.mode !== 'pointwise' || n % c !== 0 || size % c !== 0) {
        throw new RangeError(
          `a ${this.mode} normalizer fitted on frames of ${n} values cannot be applied to frames of ${size} values: train with normalize: 'scalar' or 'none' to evaluate at other resolutions`,
        );
      }
    }
    const resample = (v: Float32Array): Float32Array => (n === 1 || n === size ? v : resamplePeriodic(v, this.channels, size / this.channels));
    t = tf.tidy(() => ({ mean: tf.tensor1d(resample(this.meanValues), 'float32'), scale: tf.tensor1d(resample(this.scaleValues), 'float32') }));
    tf.keep(t.mean);
    tf.keep(t.scale);
    this.bySize.set(size, t);
    return t;
  }
}

/** Periodic linear re-sampling of [nxFrom, channels] values onto nxTo points of the same period. */
export function resamplePeriodic(v: Float32Array, channels: number, nxTo: number): Float32Array {
  const nxFrom = v.length / channels;
  const out = new Float32Array(nxTo * channels);
  for (let j = 0; j < nxTo; j++) {
    const p = (j * nxFrom) / nxTo;
    const i0 = Math.floor(p);
    const w = p - i0;
    const a = i0 % nxFrom;
    const b = (i0 + 1) % nxFrom;
    for (let c = 0; c < channels; c++) {
      out[j * channels + c] = w === 0 ? v[a * channels + c] : (1 - w) * v[a * channels + c] + w * v[b * channels + c];
    }
  }
  return out;
}


export interface ReplicaNormalizers {
  input: NormalizerJSON | null;
  output: NormalizerJSON | null;
}

/** A model with its normalizers: predictions in physical units. */
export class Predictor {
  private readonly input: TensorNormalizer | null;
  private readonly output: TensorNormalizer | null;

  /**
   * `frameShape` is the model's view of one frame, [...spatial, channels]; frames travel flat as
   * [batch, frameSize] between the data and the model.
   */
  constructor(
    readonly model: SurrogateModel,
    normalizers: ReplicaNormalizers,
    readonly frameShape: number[],
  ) {
    this.input = normalizers.input === null ? null : TensorNormalizer.from(normalizers.input, frameShape[frameShape.length - 1]);
    this.output = normalizers.output === null ? null : TensorNormalizer.from(normalizers.output, frameShape[frameShape.length - 1]);
  }

  get frameSize(): number {
    return this.frameShape.reduce((a, b) => a * b, 1);
  }

  /** The model's prediction in physical units: frames [batch, frameSize] → [batch, frameSize]. */
  predict(x: tf.Tensor2D, training = false): tf.Tensor2D {
    return tf.tidy(() => {
      const b = x.shape[0];
      const enc = this.input === null ? x : this.input.encode(x);
      const y = this.model.apply(enc.reshape([b, ...this.frameShape]), { training });
      if (y.size !== x.size) {
        throw new RangeError(`model '${this.model.kind}' maps [${[b, ...this.frameShape].join(', ')}] to [${y.shape.join(', ')}]; the trainer needs an output of the input's shape`);
      }
      const flat = y.reshape([b, x.shape[1]]) as tf.Tensor2D;
      return this.output === null ? flat : this.output.decode(flat);
    });
  }

  /** Disposes the normalizer tensors; the model stays (its owner disposes it). */
  dispose(): void {
    this.input?.dispose();
    this.output?.dispose();
  }
}

/** A predictor with a loss: the unit of computation of training, in this thread and each worker. */
export class Replica extends Predictor {
  constructor(
    model: SurrogateModel,
    normalizers: ReplicaNormalizers,
    readonly loss: LossKind,
    frameShape: number[],
  ) {
    super(model, normalizers, frameShape);
  }

  /**
   * Loss Σ_i loss_i / `batchTotal` over this shard of `n` pairs and its gradient for every
   * trainable weight (in `trainableWeights()` order; the caller disposes them).
   */
  gradients(x: Float32Array, y: Float32Array, n: number, batchTotal: number): { loss: number; grads: tf.Tensor[] } {
    const weights = this.model.trainableWeights();
    const out = tf.tidy(() => {
      const xt = tf.tensor2d(x, [n, this.frameSize]);
      const yt = tf.tensor2d(y, [n, this.frameSize]);
      const { value, grads } = tf.variableGrads(() => shardLoss(this.loss, this.predict(xt, true), yt, batchTotal), weights);
      return [value, ...weights.map((w, i) => {
        const g = grads[w.name];
        if (g === undefined) throw new RangeError(`weight ${i} ('${w.name}') of model '${this.model.kind}' receives no gradient`);
        return g;
      })];
    });
    const loss = out[0].dataSync()[0];
    out[0].dispose();
    return { loss, grads: out.slice(1) };
  }

  /** Σ_i loss_i over `n` pairs (no gradient), e.g. for validation. */
  lossSum(x: Float32Array, y: Float32Array, n: number): number {
    const t = tf.tidy(() => tf.sum(perSampleLoss(this.loss, this.predict(tf.tensor2d(x, [n, this.frameSize])), tf.tensor2d(y, [n, this.frameSize]))));
    const v = t.dataSync()[0];
    t.dispose();
    return v;
  }
}
