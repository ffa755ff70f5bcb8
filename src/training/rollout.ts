/**
 * Inference helpers the evaluation code calls: autoregressive rollouts for next-step models and
 * predictions of a checkpoint over dataset samples, in physical units (normalizers applied).
 */
import * as tf from '@tensorflow/tfjs';
import { H5Dataset, h5ready, readGathered, type NormalizerJSON, type UnitGaussianNormalizer } from '../data/index.js';
import type { BackendName } from '../engine/backend.js';
import type { SurrogateModel } from '../models/model.js';
import { loadCheckpoint, type LoadedCheckpoint } from './checkpoint.js';
import { TrainOptionsError } from './errors.js';
import { extractFrame, pairLayout } from './pairs.js';
import { Predictor } from './replica.js';

export interface RolloutNormalizers {
  input: UnitGaussianNormalizer | NormalizerJSON | null;
  output: UnitGaussianNormalizer | NormalizerJSON | null;
}

/**
 * Autoregressive rollout u_{k+1} = model(u_k), k = 0 … steps−1, from u0 [batch, ...frame]
 * (the model's input layout, e.g. [batch, s, 1]); returns [batch, steps, ...frame] (u_1 … u_steps).
 * Each step runs in its own tf.tidy, so only the outputs stay in memory. With normalizers, each
 * step encodes its input and decodes its output, as in training.
 */
export function rollout(model: SurrogateModel, u0: tf.Tensor, steps: number, normalizers: RolloutNormalizers = { input: null, output: null }): tf.Tensor {
  if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError(`rollout steps=${steps} is not allowed: use an integer >= 1`);
  if (u0.rank < 2) throw new RangeError(`rollout u0 has shape [${u0.shape.join(', ')}]; expected [batch, ...frame]`);
  const toJson = (n: RolloutNormalizers['input']): NormalizerJSON | null => (n === null ? null : 'toJSON' in n ? n.toJSON() : n);
  const frame = u0.shape.slice(1);
  const predictor = new Predictor(model, { input: toJson(normalizers.input), output: toJson(normalizers.output) }, frame);
  try {
    return rolloutFlat(predictor, tf.tidy(() => u0.reshape([u0.shape[0], -1]) as tf.Tensor2D), steps, true);
  } finally {
    predictor.dispose();
  }
}

/** Rollout on flat frames [batch, frameSize] → [batch, steps, ...frame]; disposes `u0` if `own`. */
function rolloutFlat(predictor: Predictor, u0: tf.Tensor2D, steps: number, own: boolean): tf.Tensor {
  const outs: tf.Tensor2D[] = [];
  try {
    let u = u0;
    for (let k = 0; k < steps; k++) {
      const prev = u;
      u = tf.tidy(() => predictor.predict(prev));
      outs.push(u);
    }
    return tf.tidy(() => tf.stack(outs, 1).reshape([u0.shape[0], steps, ...predictor.frameShape]));
  } finally {
    tf.dispose(outs);
    if (own) u0.dispose();
  }
}

export interface PredictOptions {
  /** Spatial stride applied to the dataset. @default the checkpoint's training subsample */
  subsample?: number;
  /** Samples per forward pass. @default the checkpoint's training batch size */
  batchSize?: number;
  /** tfjs backend to initialise when `checkpoint` is a path. @default the active backend */
  backend?: BackendName;
}

export interface Prediction {
  /** Row-major [n, nt, ...spatial, channels] (float32, physical units). */
  pred: Float32Array;
  /** The dataset's frames at the same times and points. */
  truth: Float32Array;
  /**
   * n samples × nt predicted frames × nx points (plus the full spatial shape and channels).
   * initial-to-final: nt = 1 (the output frame); next-step with stride s: a rollout from
   * frame 0 over nt = floor((frames − 1)/s) steps, compared with frames s, 2s, … .
   */
  shape: { n: number; nt: number; nx: number; spatial: number[]; channels: number };
}

/**
 * Predictions of a checkpoint (loaded, or a path) on samples `indices` of a dataset, with the
 * ground truth they are compared with.
 */
export async function predictDataset(checkpoint: LoadedCheckpoint | string, datasetPath: string, indices: readonly number[], opts: PredictOptions = {}): Promise<Prediction> {
  const ckpt = typeof checkpoint === 'string' ? await loadCheckpoint(checkpoint, { backend: opts.backend }) : checkpoint;
  await h5ready();
  const ds = H5Dataset.open(datasetPath);
  try {
    const to = ckpt.meta.trainOptions;
    const subsample = opts.subsample ?? to.subsample;
    const batchSize = opts.batchSize ?? to.batchSize;
    if (!Number.isSafeInteger(subsample) || subsample < 1) throw new TrainOptionsError(`subsample=${subsample} is not allowed: use an integer >= 1`);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TrainOptionsError(`batchSize=${batchSize} is not allowed: use an integer >= 1`);
    const layout = pairLayout(ds, to.mapping, subsample);
    const frameShape = [...layout.spatial, layout.channels];
    const F = layout.frameSize;
    const mapping = to.mapping;
    const times = mapping.kind === 'initial-to-final' ? [layout.pairs[0][1]] : Array.from({ length: Math.floor((ds.nt - 1) / mapping.stride) }, (_, k) => (k + 1) * mapping.stride);
    const first = mapping.kind === 'initial-to-final' ? layout.pairs[0][0] : 0;
    const nt = times.length;
    const n = indices.length;
    const pred = new Float32Array(n * nt * F);
    const truth = new Float32Array(n * nt * F);
    const predictor = new Predictor(ckpt.model, { input: ckpt.meta.normalizer.input, output: ckpt.meta.normalizer.output }, frameShape);
    try {
      for (let a = 0; a < n; a += batchSize) {
        const idx = indices.slice(a, a + batchSize);
        const raw = readGathered(ds, idx, ds.sampleSize);
        const x = new Float32Array(idx.length * F);
        idx.forEach((_, q) => {
          const sample = raw.subarray(q * ds.sampleSize, (q + 1) * ds.sampleSize);
          extractFrame(sample, layout, first, x, q * F);
          times.forEach((f, k) => extractFrame(sample, layout, f, truth, ((a + q) * nt + k) * F));
        });
        const out = rolloutFlat(predictor, tf.tensor2d(x, [idx.length, F]), nt, true);
        pred.set(out.dataSync() as Float32Array, a * nt * F);
        out.dispose();
      }
    } finally {
      predictor.dispose();
    }
    return { pred, truth, shape: { n, nt, nx: layout.spatial[0], spatial: layout.spatial, channels: layout.channels } };
  } finally {
    ds.close();
    if (typeof checkpoint === 'string') ckpt.dispose();
  }
}
