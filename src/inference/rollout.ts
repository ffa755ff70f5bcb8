/**
 * Inference helpers the evaluation code calls: autoregressive rollouts for next-step and window
 * models and predictions of a checkpoint over dataset samples, in physical units (normalizers
 * applied), with the frames and times they stand for.
 */
import * as tf from '@tensorflow/tfjs';
import { H5Dataset, h5ready, readGathered, type NormalizerJSON, type UnitGaussianNormalizer } from '../data/index.js';
import type { BackendName } from '../engine/backend.js';
import type { SurrogateModel } from '../models/model.js';
import { extractFrame, extractStacked, subsampledShape, type FrameGeometry } from '../data/frames.js';
import type { CheckpointMeta } from './checkpoint_format.js';
import { loadCheckpoint, type LoadedCheckpoint } from './checkpoint_reader.js';
import { TrainOptionsError } from './errors.js';
import { frameStack, mappingItems, type Mapping } from './mapping.js';
import { mixSeed, Predictor } from './predictor.js';

export interface RolloutNormalizers {
  input: UnitGaussianNormalizer | NormalizerJSON | null;
  output: UnitGaussianNormalizer | NormalizerJSON | null;
}

export interface RolloutOptions {
  /** Frames k stacked as channels in u0 (oldest first). @default 1 */
  history?: number;
  /** Frames m the model returns per call, stacked as channels. @default 1 */
  future?: number;
  /** The model has a noise head (a 'gaussian-nll' model): the mean channels are rolled out. @default false */
  noiseHead?: boolean;
}

/**
 * Autoregressive rollout from u0 [batch, ...spatial, history·C] (the model's input layout, frames
 * stacked as channels oldest first): each model call yields `future` frames, and the last
 * `history` frames feed the next call. Returns the first `steps` predicted frames,
 * [batch, steps, ...spatial, C]; with history = future = 1 that is u_{k+1} = model(u_k).
 * Each call runs in its own tf.tidy, so only the outputs stay in memory. With normalizers, each
 * call encodes its input and decodes its output, as in training.
 */
export function rollout(
  model: SurrogateModel,
  u0: tf.Tensor,
  steps: number,
  normalizers: RolloutNormalizers = { input: null, output: null },
  opts: RolloutOptions = {},
): tf.Tensor {
  if (!Number.isSafeInteger(steps) || steps < 1) throw new RangeError(`rollout steps=${steps} is not allowed: use an integer >= 1`);
  if (u0.rank < 2) throw new RangeError(`rollout u0 has shape [${u0.shape.join(', ')}]; expected [batch, ...spatial, history·channels]`);
  const history = opts.history ?? 1;
  const future = opts.future ?? 1;
  const stacked = u0.shape[u0.rank - 1];
  if (!Number.isSafeInteger(history) || history < 1 || stacked % history !== 0) {
    throw new RangeError(`rollout history=${history} is not allowed for u0 with ${stacked} channels: use a divisor of the channel count`);
  }
  if (!Number.isSafeInteger(future) || future < 1) throw new RangeError(`rollout future=${future} is not allowed: use an integer >= 1`);
  const toJson = (n: RolloutNormalizers['input']): NormalizerJSON | null => (n === null ? null : 'toJSON' in n ? n.toJSON() : n);
  const frame = [...u0.shape.slice(1, -1), stacked / history];
  const predictor = new Predictor(model, { input: toJson(normalizers.input), output: toJson(normalizers.output) }, frame, {
    history,
    future,
    noiseHead: opts.noiseHead ?? false,
  });
  const x0 = tf.tidy(() => u0.reshape([u0.shape[0], -1]) as tf.Tensor2D);
  try {
    const out = predictor.rollout(x0, steps);
    const shaped = out.reshape([u0.shape[0], steps, ...frame]);
    out.dispose();
    return shaped;
  } finally {
    x0.dispose();
    predictor.dispose();
  }
}

export interface PredictOptions {
  /** Spatial stride applied to the dataset. @default the checkpoint's training subsample */
  subsample?: number;
  /** Samples per forward pass. @default the checkpoint's training batch size */
  batchSize?: number;
  /** tfjs backend to initialise when `checkpoint` is a path. @default the active backend */
  backend?: BackendName;
  /**
   * Frames to predict by rollout (next-step and window mappings), at most the frames the samples
   * hold after the first input window. @default all of them
   */
  rolloutSteps?: number;
  /**
   * Accept a grid (after subsampling) other than the one trained on, for resolution-independent
   * models. @default true for 1D data (FNO-1D is evaluated at s/2, 2s), false for 2D data
   */
  otherGrid?: boolean;
}

export interface Prediction {
  /** Row-major [n, nt, ...spatial, channels] (float32, physical units). */
  pred: Float32Array;
  /**
   * A noise-head ('gaussian-nll') model's predicted variance at the same points, physical units
   * (σ²·(std + eps)² of the output normalizer); per model call given the fed-back means, not
   * propagated through a rollout. Absent for other models.
   */
  variance?: Float32Array;
  /** The dataset's frames at the same times and points. */
  truth: Float32Array;
  /**
   * n samples × nt predicted frames × nx points (plus the full spatial shape and channels).
   * initial-to-final: nt = 1 (the output frame); next-step with stride s: a rollout from frame 0
   * compared with frames s, 2s, …; window (history k, stride s): a rollout from frames 0, s, …,
   * (k−1)s compared with frames ks, (k+1)s, … .
   */
  shape: { n: number; nt: number; nx: number; spatial: number[]; channels: number };
  /** File frame of each predicted frame (nt entries). */
  frames: number[];
  /** The first predicted frame, frames[0] (k·s for a window, s for next-step). */
  firstFrame: number;
  /** The file's t-coordinate of each predicted frame (nt entries). */
  times: number[];
  /** File frames the model was given as its first input, oldest first. */
  inputFrames: number[];
  /** The file's t-coordinate of each input frame. */
  inputTimes: number[];
  /** Model calls per sample: ceil(nt / future) for rollouts, 1 for initial-to-final. */
  modelCalls: number;
  /** The file's x-coordinate (and y on 2D data) at the predicted points (after subsampling). */
  x: number[];
  y?: number[];
}

/** What a predicted frame sequence of one mapping covers in a file of `nt` frames. */
export interface RolloutPlan {
  inputFrames: number[];
  frames: number[];
  modelCalls: number;
}

/**
 * The frames a checkpoint's mapping predicts in a file of `nt` frames; throws a one-line
 * `TrainOptionsError` naming the frames needed when the file is too short or `rolloutSteps` does
 * not fit.
 */
export function rolloutPlan(mapping: Mapping, nt: number, path: string, rolloutSteps?: number): RolloutPlan {
  if (mapping.kind === 'initial-to-final') {
    if (rolloutSteps !== undefined) {
      throw new TrainOptionsError(
        `rolloutSteps=${rolloutSteps} is not allowed for an initial-to-final checkpoint: rollouts need a next-step or window mapping`,
      );
    }
    const [[a, b]] = mappingItems(mapping, nt, path);
    return { inputFrames: [a], frames: [b], modelCalls: 1 };
  }
  const { history: k, future: m, stride: s } = frameStack(mapping);
  const available = Math.floor((nt - 1) / s) - k + 1;
  if (available < 1) {
    const what = mapping.kind === 'window' ? `mapping.history=${k} at stride ${s}` : `mapping.stride=${s}`;
    throw new TrainOptionsError(
      `${path} has ${nt} frames; the checkpoint's ${what} needs at least ${k * s + 1} (history + 1 frames): evaluate on data with more frames`,
    );
  }
  if (rolloutSteps !== undefined && (!Number.isSafeInteger(rolloutSteps) || rolloutSteps < 1 || rolloutSteps > available)) {
    throw new TrainOptionsError(`rolloutSteps=${rolloutSteps} is not allowed for ${path} with ${nt} frames (history ${k}, stride ${s}): use 1 to ${available}`);
  }
  const n = rolloutSteps ?? available;
  return {
    inputFrames: Array.from({ length: k }, (_, j) => j * s),
    frames: Array.from({ length: n }, (_, j) => (k + j) * s),
    modelCalls: Math.ceil(n / m),
  };
}

/**
 * Checks that a dataset fits a checkpoint before anything is predicted: the same grid rank and
 * fields per point, and the training grid after subsampling unless `otherGrid`. Throws a
 * one-line `TrainOptionsError` naming both values.
 */
export function checkDataFits(
  meta: Pick<CheckpointMeta, 'frameShape'>,
  ds: Pick<H5Dataset, 'path' | 'spatialShape' | 'nChannels'>,
  subsample: number,
  otherGrid: boolean,
): void {
  const trained = meta.frameShape.slice(0, -1);
  const fields = meta.frameShape[meta.frameShape.length - 1];
  if (ds.nChannels !== fields) {
    throw new TrainOptionsError(
      `${ds.path} has ${ds.nChannels} field(s) per point; the checkpoint was trained on ${fields}: evaluate on data with the same fields`,
    );
  }
  if (ds.spatialShape.length !== trained.length) {
    throw new TrainOptionsError(
      `${ds.path} has a ${ds.spatialShape.length}D grid [${ds.spatialShape.join(', ')}]; the checkpoint was trained on a ${trained.length}D grid [${trained.join(', ')}]: evaluate on ${trained.length}D data`,
    );
  }
  const grid = subsampledShape(ds.spatialShape, subsample);
  if (!otherGrid && grid.some((n, i) => n !== trained[i])) {
    throw new TrainOptionsError(
      `${ds.path} gives a [${grid.join(', ')}] grid at subsample ${subsample}; the checkpoint was trained on [${trained.join(', ')}]: evaluate on the training grid, or ask for other resolutions explicitly (strides)`,
    );
  }
}

/**
 * Predictions of a checkpoint (loaded, or a path) on samples `indices` of a dataset, with the
 * ground truth they are compared with. Nothing is predicted until the data is checked to fit
 * (fields, grid, frames; see `checkDataFits` and `rolloutPlan`).
 */
export async function predictDataset(
  checkpoint: LoadedCheckpoint | string,
  datasetPath: string,
  indices: readonly number[],
  opts: PredictOptions = {},
): Promise<Prediction> {
  const { prediction } = await predictPasses(checkpoint, datasetPath, indices, opts);
  return prediction;
}

/** One forward pass over the samples: mean (and a noise head's variance), [n, nt, ...spatial, C]. */
export interface PredictionPass {
  pred: Float32Array;
  variance?: Float32Array;
}

export interface PassOptions extends PredictOptions {
  /**
   * MC dropout: `samples` passes with dropout on; pass k's rollout call c on the batch starting at
   * sample a draws its masks from mixSeed(mixSeed(mixSeed(seed, k), a), c), so the same seed (and
   * batchSize) gives the same samples. Without it, one pass with dropout off.
   */
  dropout?: { samples: number; seed: number };
}

/**
 * `predictDataset` with several forward passes (MC dropout) over the same samples, each read once:
 * `passes[k]` is pass k; `prediction` is the first, with the truth, frames and coordinates.
 */
export async function predictPasses(
  checkpoint: LoadedCheckpoint | string,
  datasetPath: string,
  indices: readonly number[],
  opts: PassOptions = {},
): Promise<{ prediction: Prediction; passes: PredictionPass[] }> {
  const ckpt = typeof checkpoint === 'string' ? await loadCheckpoint(checkpoint, { backend: opts.backend }) : checkpoint;
  await h5ready();
  const ds = H5Dataset.open(datasetPath);
  try {
    const to = ckpt.meta.trainOptions;
    const subsample = opts.subsample ?? to.subsample;
    const batchSize = opts.batchSize ?? to.batchSize;
    if (!Number.isSafeInteger(subsample) || subsample < 1) throw new TrainOptionsError(`subsample=${subsample} is not allowed: use an integer >= 1`);
    if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw new TrainOptionsError(`batchSize=${batchSize} is not allowed: use an integer >= 1`);
    const nPasses = opts.dropout?.samples ?? 1;
    if (!Number.isSafeInteger(nPasses) || nPasses < 1) throw new TrainOptionsError(`samples=${nPasses} is not allowed: use an integer >= 1`);
    checkDataFits(ckpt.meta, ds, subsample, opts.otherGrid ?? ds.spatialShape.length === 1);
    const plan = rolloutPlan(to.mapping, ds.nt, ds.path, opts.rolloutSteps);
    const stack = frameStack(to.mapping);
    const spatial = subsampledShape(ds.spatialShape, subsample);
    const geometry: FrameGeometry = { fileSpatial: ds.spatialShape, spatial, channels: ds.nChannels, subsample };
    const frameShape = [...spatial, ds.nChannels];
    const F = frameShape.reduce((a, b) => a * b, 1);
    const nt = plan.frames.length;
    const n = indices.length;
    const noiseHead = to.loss === 'gaussian-nll';
    const passes: PredictionPass[] = Array.from({ length: nPasses }, () => ({
      pred: new Float32Array(n * nt * F),
      ...(noiseHead ? { variance: new Float32Array(n * nt * F) } : {}),
    }));
    const truth = new Float32Array(n * nt * F);
    const predictor = new Predictor(ckpt.model, ckpt.meta.normalizer, frameShape, { ...stack, noiseHead });
    try {
      for (let a = 0; a < n; a += batchSize) {
        const idx = indices.slice(a, a + batchSize);
        const raw = readGathered(ds, idx, ds.sampleSize);
        const x = new Float32Array(idx.length * predictor.inputSize);
        idx.forEach((_, q) => {
          const sample = raw.subarray(q * ds.sampleSize, (q + 1) * ds.sampleSize);
          extractStacked(sample, geometry, plan.inputFrames, x, q * predictor.inputSize);
          plan.frames.forEach((f, k) => extractFrame(sample, geometry, f, truth, ((a + q) * nt + k) * F));
        });
        const x0 = tf.tensor2d(x, [idx.length, predictor.inputSize]);
        try {
          passes.forEach((pass, k) => {
            const dropoutSeed = opts.dropout === undefined ? undefined : mixSeed(mixSeed(opts.dropout.seed, k), a);
            const out = predictor.rolloutMoments(x0, nt, dropoutSeed === undefined ? {} : { dropoutSeed });
            pass.pred.set(out.mean.dataSync() as Float32Array, a * nt * F);
            if (out.variance !== null) pass.variance?.set(out.variance.dataSync() as Float32Array, a * nt * F);
            out.mean.dispose();
            out.variance?.dispose();
          });
        } finally {
          x0.dispose();
        }
      }
    } finally {
      predictor.dispose();
    }
    const prediction: Prediction = {
      pred: passes[0].pred,
      ...(passes[0].variance === undefined ? {} : { variance: passes[0].variance }),
      truth,
      shape: { n, nt, nx: spatial[0], spatial, channels: ds.nChannels },
      frames: plan.frames,
      firstFrame: plan.frames[0],
      times: plan.frames.map((f) => ds.t[f]),
      inputFrames: plan.inputFrames,
      inputTimes: plan.inputFrames.map((f) => ds.t[f]),
      modelCalls: plan.modelCalls,
      x: Array.from({ length: spatial[0] }, (_, i) => ds.x[i * subsample]),
      ...(ds.y === undefined ? {} : { y: Array.from({ length: spatial[1] }, (_, j) => (ds.y as Float64Array)[j * subsample]) }),
    };
    return { prediction, passes };
  } finally {
    ds.close();
    if (typeof checkpoint === 'string') ckpt.dispose();
  }
}

/**
 * A 2D prediction as the flow metrics take it (src/metrics/ns.ts `NsFields`, when channels = 1):
 * fields [n, nt, nx, ny, channels], the time of each frame and the domain size.
 */
export interface Fields2d {
  pred: Float32Array;
  truth: Float32Array;
  n: number;
  nt: number;
  nx: number;
  ny: number;
  channels: number;
  /** t of each frame (nt entries). */
  times: number[];
  /** Period L along x of the (uniform, periodic) grid: nx·(x₁ − x₀), before any subsampling too. */
  length: number;
  /** Period along y: ny·(y₁ − y₀). */
  lengthY: number;
}

/** The fields of a prediction on 2D data (see Fields2d); throws for 1D data. */
export function fields2d(p: Prediction): Fields2d {
  if (p.shape.spatial.length !== 2 || p.y === undefined)
    throw new RangeError(`fields2d needs a prediction on 2D data; this one is on a [${p.shape.spatial.join(', ')}] grid`);
  const [nx, ny] = p.shape.spatial;
  const period = (c: number[]): number => (c.length > 1 ? c.length * (c[1] - c[0]) : 1);
  return {
    pred: p.pred,
    truth: p.truth,
    n: p.shape.n,
    nt: p.shape.nt,
    nx,
    ny,
    channels: p.shape.channels,
    times: p.times,
    length: period(p.x),
    lengthY: period(p.y),
  };
}
