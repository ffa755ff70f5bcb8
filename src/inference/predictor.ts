/**
 * A model with its normalizers: predictions in physical units (src/training's `Replica` adds the
 * loss). Normalization is the data processor's job (neuraloperator): inputs are encoded before the
 * model, outputs decoded after it. Window models take several frames stacked as channels and
 * return several; rollouts feed decoded outputs back as inputs (re-encoded), so training and
 * evaluation see the same units.
 */
import * as tf from '@tensorflow/tfjs';
import { UnitGaussianNormalizer, type NormalizerJSON } from '../data/index.js';
import type { SurrogateModel } from '../models/model.js';

/** How flat frames [batch, values] are laid out: a grid, and frames stacked per point. */
export interface StackedLayout {
  /** Spatial shape of a frame, [X] or [X, Y]. */
  spatial: readonly number[];
  /** Frames stacked as channels per point (oldest first). @default 1 */
  frames?: number;
}

/**
 * A fitted frame `UnitGaussianNormalizer` as float32 tensors, applied to flat data [batch, values]
 * of one or more frames stacked per point ([...spatial, frames·C], see pairs.ts): every stacked
 * frame gets the same per-point (or scalar) statistics.
 *
 * A pointwise normalizer fitted at one resolution applies at another (resolution-independent
 * models are evaluated at s/2 and 2s): its mean and std, seen as periodic functions of the grid
 * coordinates sampled on the training grid, are re-sampled by periodic linear interpolation along
 * each axis (exactly a stride when coarsening by a whole factor).
 */
export class TensorNormalizer {
  private readonly byLayout = new Map<string, { mean: tf.Tensor1D; scale: tf.Tensor1D }>();

  private constructor(
    private readonly meanValues: Float32Array,
    /** std + eps, as `UnitGaussianNormalizer` uses it. */
    private readonly scaleValues: Float32Array,
    readonly mode: string,
    /** Fields per point C. */
    private readonly channels: number,
    /** Grid the pointwise stats were fitted on (their shape less the field axis). */
    private readonly fitSpatial: number[],
  ) {}

  static from(n: UnitGaussianNormalizer | NormalizerJSON, channels = 1): TensorNormalizer {
    const json = n instanceof UnitGaussianNormalizer ? n.toJSON() : UnitGaussianNormalizer.fromJSON(n).toJSON();
    const fitSpatial = channels > 1 && json.shape[json.shape.length - 1] === channels ? json.shape.slice(0, -1) : json.shape.slice();
    return new TensorNormalizer(Float32Array.from(json.mean), Float32Array.from(json.std.map((s) => s + json.eps)), json.mode, channels, fitSpatial);
  }

  /** Values per frame the stats cover (1 for scalar). */
  get size(): number {
    return this.meanValues.length;
  }

  /**
   * (x − mean) / (std + eps). `layout` defaults to one frame on a 1D grid of
   * x.shape[1] / channels points.
   */
  encode(x: tf.Tensor2D, layout?: StackedLayout): tf.Tensor2D {
    const { mean, scale } = this.stats(x, layout);
    return tf.tidy(() => tf.div(tf.sub(x, mean), scale) as tf.Tensor2D);
  }

  /** x · (std + eps) + mean */
  decode(x: tf.Tensor2D, layout?: StackedLayout): tf.Tensor2D {
    const { mean, scale } = this.stats(x, layout);
    return tf.tidy(() => tf.add(tf.mul(x, scale), mean) as tf.Tensor2D);
  }

  /** A variance of encoded values in physical units: v · (std + eps)². */
  decodeVariance(v: tf.Tensor2D, layout?: StackedLayout): tf.Tensor2D {
    const { scale } = this.stats(v, layout);
    return tf.tidy(() => tf.mul(v, tf.square(scale)) as tf.Tensor2D);
  }

  dispose(): void {
    for (const t of this.byLayout.values()) {
      t.mean.dispose();
      t.scale.dispose();
    }
    this.byLayout.clear();
  }

  private stats(x: tf.Tensor2D, layout?: StackedLayout): { mean: tf.Tensor1D; scale: tf.Tensor1D } {
    const c = this.channels;
    const frames = layout?.frames ?? 1;
    const spatial = layout?.spatial.slice() ?? [x.shape[1] / (c * frames)];
    const n = this.meanValues.length;
    const key = n === 1 ? 'scalar' : `${spatial.join('x')}/${frames}`;
    let t = this.byLayout.get(key);
    if (t) return t;
    if (n !== 1) {
      const points = spatial.reduce((a, b) => a * b, 1);
      if (points * c * frames !== x.shape[1] || !spatial.every(Number.isInteger)) {
        throw new RangeError(`data of ${x.shape[1]} values per row is not ${frames} frame(s) of ${c} field(s) on a [${spatial.join(', ')}] grid`);
      }
      const size = points * c;
      if (n !== size && (this.mode !== 'pointwise' || n % c !== 0)) {
        throw new RangeError(
          `a ${this.mode} normalizer fitted on frames of ${n} values cannot be applied to frames of ${size} values: train with normalize: 'scalar' or 'none' to evaluate at other resolutions`,
        );
      }
      if (this.fitSpatial.length !== spatial.length) {
        throw new RangeError(`a pointwise normalizer fitted on a [${this.fitSpatial.join(', ')}] grid cannot be applied to a [${spatial.join(', ')}] grid`);
      }
    }
    const prepare = (v: Float32Array): Float32Array => (n === 1 ? v : repeatPerPoint(resampleGrid(v, this.fitSpatial, spatial, c), c, frames));
    t = tf.tidy(() => ({ mean: tf.tensor1d(prepare(this.meanValues), 'float32'), scale: tf.tensor1d(prepare(this.scaleValues), 'float32') }));
    tf.keep(t.mean);
    tf.keep(t.scale);
    this.byLayout.set(key, t);
    return t;
  }
}

/** Per-point values [points, C] repeated for `frames` stacked frames: [points, frames·C]. */
function repeatPerPoint(v: Float32Array, channels: number, frames: number): Float32Array {
  if (frames === 1) return v;
  const points = v.length / channels;
  const out = new Float32Array(v.length * frames);
  for (let p = 0; p < points; p++) for (let j = 0; j < frames; j++) out.set(v.subarray(p * channels, (p + 1) * channels), (p * frames + j) * channels);
  return out;
}

/**
 * Periodic linear re-sampling of values on a grid `from` ([...from, channels] row-major) onto the
 * grid `to` of the same period and rank, one axis at a time (separable).
 */
export function resampleGrid(v: Float32Array, from: readonly number[], to: readonly number[], channels: number): Float32Array {
  if (from.every((n, i) => n === to[i])) return v;
  if (from.length === 1) return resamplePeriodic(v, channels, to[0]);
  // Along y for each x row (channels stay innermost), then along x with a row as the channels.
  const [nx, ny] = from;
  const rowFrom = ny * channels;
  const rowTo = to[1] * channels;
  const alongY = new Float32Array(nx * rowTo);
  for (let i = 0; i < nx; i++) alongY.set(resamplePeriodic(v.subarray(i * rowFrom, (i + 1) * rowFrom), channels, to[1]), i * rowTo);
  return resamplePeriodic(alongY, rowTo, to[0]);
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

/**
 * The model's frames per call: k stacked input frames, m stacked output frames; with `noiseHead`
 * the model returns 2m·C channels, the m·C means then m·C raw variances (the 'gaussian-nll' loss).
 */
export interface CallFrames {
  /** Input frames per model call k. */
  history: number;
  /** Output frames per model call m. */
  future: number;
  noiseHead?: boolean;
}

/**
 * Options of one model call. Models with dropout (fno's `dropout` rate) apply it when `dropout`
 * is on, with masks drawn from `seed` (the same seed gives the same masks); models without
 * dropout ignore both.
 */
export interface ForwardOptions {
  /** Training mode. @default false */
  training?: boolean;
  /** Dropout on: in training, or at inference for MC dropout. @default training */
  dropout?: boolean;
  /** Seed of this call's dropout masks; without one they come from tfjs's global RNG. */
  seed?: number;
}

/** A seed derived from a seed and an index (a 32-bit integer hash), for per-call dropout seeds. */
export function mixSeed(seed: number, index: number): number {
  let h = Math.imul(seed % 0x7fffffff ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

/** Floor of the noise head's variance: σ² = softplus(raw) + VARIANCE_FLOOR (keeps log σ² finite). */
export const VARIANCE_FLOOR = 1e-6;

/** The noise head's variance from its raw output: softplus(raw) + 1e-6 (elementwise, differentiable). */
export function headVariance(raw: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.softplus(raw), VARIANCE_FLOOR));
}

/** A model with its normalizers: predictions in physical units. */
export class Predictor {
  private readonly input: TensorNormalizer | null;
  private readonly output: TensorNormalizer | null;
  readonly history: number;
  readonly future: number;
  /** The model has a noise head (mean and variance channels). */
  readonly noiseHead: boolean;

  /**
   * `frameShape` is one frame, [...spatial, C]; the model takes `history` frames stacked as
   * channels, [batch, ...spatial, history·C], and returns `future`, [batch, ...spatial, future·C]
   * (twice that with a noise head). Between the data and the model they travel flat,
   * [batch, frames·frameSize] (point-major).
   */
  constructor(
    readonly model: SurrogateModel,
    normalizers: ReplicaNormalizers,
    readonly frameShape: number[],
    frames: CallFrames = { history: 1, future: 1 },
  ) {
    const c = frameShape[frameShape.length - 1];
    this.input = normalizers.input === null ? null : TensorNormalizer.from(normalizers.input, c);
    this.output = normalizers.output === null ? null : TensorNormalizer.from(normalizers.output, c);
    this.history = frames.history;
    this.future = frames.future;
    this.noiseHead = frames.noiseHead ?? false;
  }

  /** Values per frame. */
  get frameSize(): number {
    return this.frameShape.reduce((a, b) => a * b, 1);
  }

  /** Values per input (history frames) and per output (future frames). */
  get inputSize(): number {
    return this.history * this.frameSize;
  }

  get outputSize(): number {
    return this.future * this.frameSize;
  }

  private get spatial(): number[] {
    return this.frameShape.slice(0, -1);
  }

  private get channels(): number {
    return this.frameShape[this.frameShape.length - 1];
  }

  /**
   * The model's raw outputs for x [batch, inputSize], in normalised units: the mean channels and,
   * with a noise head, the raw variance channels (σ² = softplus(raw) + 1e-6), each
   * [batch, outputSize].
   */
  outputs(x: tf.Tensor2D, opts: boolean | ForwardOptions = false): { mean: tf.Tensor2D; rawVariance: tf.Tensor2D | null } {
    const o: ForwardOptions = typeof opts === 'boolean' ? { training: opts } : opts;
    const call: ForwardOptions = {
      training: o.training ?? false,
      dropout: o.dropout ?? o.training ?? false,
      ...(o.seed === undefined ? {} : { seed: o.seed }),
    };
    const out = tf.tidy(() => {
      const b = x.shape[0];
      const spatial = this.spatial;
      const enc = this.input === null ? x : this.input.encode(x, { spatial, frames: this.history });
      const inShape = [b, ...spatial, this.history * this.channels];
      const y = this.model.apply(enc.reshape(inShape), call);
      const heads = this.noiseHead ? 2 : 1;
      if (y.size !== b * this.outputSize * heads) {
        const what = this.noiseHead
          ? `2 × ${this.future} frame(s) of ${this.channels} field(s): means and variances`
          : `${this.future} frame(s) of ${this.channels} field(s)`;
        throw new RangeError(
          `model '${this.model.kind}' maps [${inShape.join(', ')}] to [${y.shape.join(', ')}]; the mapping needs [${[b, ...spatial, heads * this.future * this.channels].join(', ')}] (${what})`,
        );
      }
      if (!this.noiseHead) return [y.reshape([b, this.outputSize])];
      const mc = this.future * this.channels;
      const points = this.outputSize / mc;
      const y3 = y.reshape([b * points, 2 * mc]);
      return [y3.slice([0, 0], [b * points, mc]).reshape([b, this.outputSize]), y3.slice([0, mc], [b * points, mc]).reshape([b, this.outputSize])];
    });
    return { mean: out[0] as tf.Tensor2D, rawVariance: (out[1] as tf.Tensor2D | undefined) ?? null };
  }

  /** The model's prediction (its mean) in physical units: [batch, inputSize] → [batch, outputSize]. */
  predict(x: tf.Tensor2D, opts: boolean | ForwardOptions = false): tf.Tensor2D {
    return tf.tidy(() => this.decode(this.outputs(x, opts).mean));
  }

  /**
   * Mean and, with a noise head, variance in physical units (σ²·(std + eps)² of the output
   * normalizer), each [batch, outputSize]; variance null without a noise head.
   */
  predictMoments(x: tf.Tensor2D, opts: boolean | ForwardOptions = false): { mean: tf.Tensor2D; variance: tf.Tensor2D | null } {
    const out = tf.tidy(() => {
      const { mean, rawVariance } = this.outputs(x, opts);
      if (rawVariance === null) return [this.decode(mean)];
      const v = headVariance(rawVariance) as tf.Tensor2D;
      return [this.decode(mean), this.output === null ? v : this.output.decodeVariance(v, { spatial: this.spatial, frames: this.future })];
    });
    return { mean: out[0], variance: out[1] ?? null };
  }

  /** Targets [batch, outputSize] in physical units → normalised units (the output normalizer). */
  encodeOutput(y: tf.Tensor2D): tf.Tensor2D {
    return this.output === null ? y.clone() : this.output.encode(y, { spatial: this.spatial, frames: this.future });
  }

  /** Call inside a tidy: without a normalizer it returns `flat` itself. */
  private decode(flat: tf.Tensor2D): tf.Tensor2D {
    return this.output === null ? flat : this.output.decode(flat, { spatial: this.spatial, frames: this.future });
  }

  /**
   * The next model input: the last `history` frames of the input window followed by the
   * predicted frames y, both stacked as channels ([batch, inputSize] and [batch, outputSize]).
   */
  shift(x: tf.Tensor2D, y: tf.Tensor2D): tf.Tensor2D {
    const k = this.history;
    const m = this.future;
    if (k === m) return y.clone();
    return tf.tidy(() => {
      const b = x.shape[0];
      const points = this.frameSize / this.channels;
      const c = this.channels;
      const y3 = y.reshape([b, points, m * c]);
      const joined = m > k ? y3 : tf.concat([x.reshape([b, points, k * c]), y3], 2);
      const total = m > k ? m : k + m;
      return joined.slice([0, 0, (total - k) * c], [b, points, k * c]).reshape([b, this.inputSize]) as tf.Tensor2D;
    });
  }

  /**
   * Autoregressive rollout from x0 [batch, inputSize]: each model call yields `future` frames and
   * the last `history` frames feed the next call. Returns the first `nFrames` predicted frames one
   * after another, [batch, nFrames, frameSize]. Each call runs in its own tf.tidy.
   */
  rollout(x0: tf.Tensor2D, nFrames: number): tf.Tensor3D {
    const { mean, variance } = this.rolloutMoments(x0, nFrames);
    variance?.dispose();
    return mean;
  }

  /**
   * `rollout` with the noise head's variance of each predicted frame (physical units; null without
   * a noise head). The variance of a call is the model's one-call variance given the fed-back
   * means: it is not propagated through the rollout. With `dropoutSeed`, dropout is on and call k
   * draws its masks from mixSeed(dropoutSeed, k) (one MC-dropout sample of the rollout).
   */
  rolloutMoments(x0: tf.Tensor2D, nFrames: number, opts: { dropoutSeed?: number } = {}): { mean: tf.Tensor3D; variance: tf.Tensor3D | null } {
    const b = x0.shape[0];
    const calls = Math.ceil(nFrames / this.future);
    const outs: tf.Tensor[] = [];
    const vars: tf.Tensor[] = [];
    let x = x0;
    try {
      for (let k = 0; k < calls; k++) {
        const prev = x;
        const call: ForwardOptions = opts.dropoutSeed === undefined ? {} : { dropout: true, seed: mixSeed(opts.dropoutSeed, k) };
        const { mean: y, variance } = this.predictMoments(prev, call);
        outs.push(tf.tidy(() => this.unstack(y)));
        if (variance !== null) {
          vars.push(tf.tidy(() => this.unstack(variance)));
          variance.dispose();
        }
        x = k + 1 < calls ? this.shift(prev, y) : prev;
        y.dispose();
        if (prev !== x0 && prev !== x) prev.dispose();
      }
      const cut = (ts: tf.Tensor[]): tf.Tensor3D => tf.tidy(() => tf.concat(ts, 1).slice([0, 0, 0], [b, nFrames, this.frameSize]) as tf.Tensor3D);
      return { mean: cut(outs), variance: vars.length === 0 ? null : cut(vars) };
    } finally {
      tf.dispose(outs);
      tf.dispose(vars);
      if (x !== x0) x.dispose();
    }
  }

  /** Stacked frames [batch, points·m·C] → one after another [batch, m, frameSize]. */
  private unstack(y: tf.Tensor2D): tf.Tensor3D {
    const b = y.shape[0];
    const m = this.future;
    if (m === 1) return y.reshape([b, 1, this.frameSize]);
    const c = this.channels;
    const points = this.frameSize / c;
    return y.reshape([b, points, m, c]).transpose([0, 2, 1, 3]).reshape([b, m, this.frameSize]);
  }

  /** Disposes the normalizer tensors; the model stays (its owner disposes it). */
  dispose(): void {
    this.input?.dispose();
    this.output?.dispose();
  }
}
