/**
 * Training items built from a dataset's samples per the mapping, streamed from the file. An item
 * is the model's input frames and its target frames, both stacked as channels oldest first in
 * the model's layout [...spatial, frames·C] (point-major: value (point p, frame j, field c) at
 * p·frames·C + j·C + c); the pair mappings have one frame each side, so an item is two frames.
 * Item q of sample i is item index i·I + q, and a `PairSource` reads only the samples a batch
 * needs (with a small cache, as a shuffled batch touches several items of the same sample).
 */
import { DataFormatError, UnitGaussianNormalizer, type H5Dataset, type SampleSource } from '../data/index.js';
import { TrainOptionsError } from './errors.js';
import type { Mapping, NormalizeMode } from './options.js';

/** How frames map to items and how a frame is subsampled. */
export interface PairLayout {
  /**
   * File frames of each item of a sample, oldest first: `history` input frames, then `future`
   * target frames (with pushforward, the frames unrolled over in between are not read).
   */
  items: number[][];
  /** Input frames per item k. */
  history: number;
  /** Target frames per item m. */
  future: number;
  /** Frames per sample in the file. */
  nt: number;
  /** Spatial shape in the file, [X] or [X, Y]. */
  fileSpatial: number[];
  /** Spatial shape after subsampling: ceil(n / subsample) per axis (Python's x[::s]). */
  spatial: number[];
  /** Fields per point C (1 unless the file is [N, T, X, Y, C]). */
  channels: number;
  subsample: number;
  /** Values per subsampled frame: product(spatial) · channels. */
  frameSize: number;
  /** Values of an item's input (history · frameSize) and target (future · frameSize). */
  inputSize: number;
  outputSize: number;
}

/** The frames a dataset holds, as `pairLayout` needs them. */
export interface FrameInfo {
  path: string;
  nt: number;
  spatialShape: number[];
  nChannels: number;
}

/**
 * File frames of each item of one sample under `mapping` (see PairLayout.items); throws naming
 * the mapping fields and the frames allowed when the mapping does not fit in `nt` frames.
 */
export function mappingItems(mapping: Mapping, nt: number, path: string): number[][] {
  if (mapping.kind === 'initial-to-final') {
    const frame = (field: string, f: number): number => {
      if (f < -nt || f >= nt) throw new TrainOptionsError(`mapping.${field}=${f} is not allowed for ${path} with ${nt} frames: use -${nt} to ${nt - 1}`);
      return f < 0 ? nt + f : f;
    };
    const a = frame('inFrame', mapping.inFrame);
    const b = frame('outFrame', mapping.outFrame);
    if (a === b) throw new TrainOptionsError(`mapping inFrame=${mapping.inFrame} and outFrame=${mapping.outFrame} are the same frame of ${path}: use two different frames`);
    return [[a, b]];
  }
  if (mapping.kind === 'next-step') {
    if (mapping.stride >= nt) throw new TrainOptionsError(`mapping.stride=${mapping.stride} is not allowed for ${path} with ${nt} frames: use 1 to ${nt - 1}`);
    return Array.from({ length: nt - mapping.stride }, (_, k) => [k, k + mapping.stride]);
  }
  const { history: k, future: m, stride: s, pushforward: p } = mapping;
  const length = k + p * m + m;
  const span = (length - 1) * s + 1;
  if (span > nt) {
    throw new TrainOptionsError(
      `mapping.history=${k}, future=${m}, pushforward=${p} at stride ${s} span ${span} frames but ${path} has ${nt}: use history + (pushforward + 1) × future <= ${Math.floor((nt - 1) / s) + 1}`,
    );
  }
  return Array.from({ length: nt - span + 1 }, (_, f) => [
    ...Array.from({ length: k }, (_, j) => f + j * s),
    ...Array.from({ length: m }, (_, j) => f + (k + p * m + j) * s),
  ]);
}

/** Spatial shape after subsampling: ceil(n / subsample) per axis. */
export function subsampledShape(spatial: readonly number[], subsample: number): number[] {
  return spatial.map((n) => Math.ceil(n / subsample));
}

/** Resolves `mapping` against the file's frames; throws naming the mapping field when it does not fit. */
export function pairLayout(ds: FrameInfo, mapping: Mapping, subsample: number): PairLayout {
  const items = mappingItems(mapping, ds.nt, ds.path);
  const history = mapping.kind === 'window' ? mapping.history : 1;
  const future = mapping.kind === 'window' ? mapping.future : 1;
  const spatial = subsampledShape(ds.spatialShape, subsample);
  const frameSize = spatial.reduce((a, b) => a * b, 1) * ds.nChannels;
  return {
    items,
    history,
    future,
    nt: ds.nt,
    fileSpatial: ds.spatialShape.slice(),
    spatial,
    channels: ds.nChannels,
    subsample,
    frameSize,
    inputSize: history * frameSize,
    outputSize: future * frameSize,
  };
}

/** Item indices of the given samples (sample i → i·I ... i·I + I − 1), in sample order. */
export function pairIndices(layout: PairLayout, samples: readonly number[]): number[] {
  const p = layout.items.length;
  const out: number[] = [];
  for (const i of samples) for (let k = 0; k < p; k++) out.push(i * p + k);
  return out;
}

/** The geometry `extractFrame` needs. */
export type FrameGeometry = Pick<PairLayout, 'fileSpatial' | 'spatial' | 'channels' | 'subsample'>;

/** Copies frame `f` of a row-major sample [T, ...fileSpatial, C], subsampled, into `out` at `offset`. */
export function extractFrame(sample: Float32Array, layout: FrameGeometry, f: number, out: Float32Array, offset: number): void {
  const c = layout.channels;
  const s = layout.subsample;
  const fs = layout.fileSpatial;
  if (fs.length === 1) {
    const base = f * fs[0] * c;
    if (s === 1) {
      out.set(sample.subarray(base, base + fs[0] * c), offset);
      return;
    }
    for (let i = 0, o = offset; i < layout.spatial[0]; i++) for (let k = 0; k < c; k++) out[o++] = sample[base + i * s * c + k];
    return;
  }
  const [nx, ny] = fs;
  const base = f * nx * ny * c;
  for (let i = 0, o = offset; i < layout.spatial[0]; i++) {
    for (let j = 0; j < layout.spatial[1]; j++) {
      const src = base + (i * s * ny + j * s) * c;
      for (let k = 0; k < c; k++) out[o++] = sample[src + k];
    }
  }
}

/**
 * Copies `frames` of a sample, subsampled and stacked as channels oldest first ([...spatial,
 * frames.length·C], point-major), into `out` at `offset`.
 */
export function extractStacked(sample: Float32Array, layout: FrameGeometry, frames: readonly number[], out: Float32Array, offset: number): void {
  if (frames.length === 1) {
    extractFrame(sample, layout, frames[0], out, offset);
    return;
  }
  const c = layout.channels;
  const points = layout.spatial.reduce((a, b) => a * b, 1);
  const size = points * c;
  const frame = new Float32Array(size);
  const stride = frames.length * c;
  frames.forEach((f, j) => {
    extractFrame(sample, layout, f, frame, 0);
    for (let p = 0; p < points; p++) for (let k = 0; k < c; k++) out[offset + p * stride + j * c + k] = frame[p * c + k];
  });
}

/**
 * Frames stacked as channels [batch, points, m·C] to frames one after another [batch, m, points, C]
 * (the inverse layout of `extractStacked`).
 */
export function unstackFrames(stacked: Float32Array, batch: number, frames: number, frameSize: number, channels: number): Float32Array {
  if (frames === 1) return stacked;
  const out = new Float32Array(stacked.length);
  const points = frameSize / channels;
  for (let b = 0; b < batch; b++) {
    const base = b * frames * frameSize;
    for (let p = 0; p < points; p++) {
      for (let j = 0; j < frames; j++) {
        for (let k = 0; k < channels; k++) out[base + j * frameSize + p * channels + k] = stacked[base + (p * frames + j) * channels + k];
      }
    }
  }
  return out;
}

/**
 * The items of a dataset as a `SampleSource` of shape [N·I, inputSize + outputSize] (the stacked
 * input frames, then the stacked target frames), so the data layer's seeded batching applies to
 * items unchanged.
 */
export class PairSource implements SampleSource {
  readonly shape: number[];
  readonly nSamples: number;
  private readonly cache = new Map<number, Float32Array>();
  private readonly cacheLimit: number;

  /** `cacheBytes`: raw samples kept for reuse (least recently used dropped first). @default 64 MiB */
  constructor(
    readonly dataset: Pick<H5Dataset, 'nSamples' | 'sampleSize' | 'readSamples'>,
    readonly layout: PairLayout,
    cacheBytes = 64 * 2 ** 20,
  ) {
    this.nSamples = dataset.nSamples * layout.items.length;
    this.shape = [this.nSamples, layout.inputSize + layout.outputSize];
    this.cacheLimit = Math.max(1, Math.floor(cacheBytes / (4 * dataset.sampleSize)));
  }

  /** Values per item. */
  get itemSize(): number {
    return this.layout.inputSize + this.layout.outputSize;
  }

  readSamples(start: number, end: number): Float32Array {
    const { items, history, inputSize } = this.layout;
    const p = items.length;
    const size = this.itemSize;
    const out = new Float32Array(Math.max(0, end - start) * size);
    if (end <= start) return out;
    const first = Math.floor(start / p);
    const last = Math.floor((end - 1) / p);
    const samples = this.samples(first, last + 1);
    for (let q = start; q < end; q++) {
      const frames = items[q % p];
      const sample = samples[Math.floor(q / p) - first];
      const o = (q - start) * size;
      extractStacked(sample, this.layout, frames.slice(0, history), out, o);
      extractStacked(sample, this.layout, frames.slice(history), out, o + inputSize);
    }
    return out;
  }

  /** Raw samples [first, end), from the cache where possible, else read as one hyperslab. */
  private samples(first: number, end: number): Float32Array[] {
    const size = this.dataset.sampleSize;
    const hit = (i: number): Float32Array | undefined => {
      const s = this.cache.get(i);
      if (s !== undefined) {
        this.cache.delete(i);
        this.cache.set(i, s);
      }
      return s;
    };
    const out: (Float32Array | undefined)[] = [];
    for (let i = first; i < end; i++) out.push(hit(i));
    if (out.every((s) => s !== undefined)) return out as Float32Array[];
    const block = this.dataset.readSamples(first, end);
    const result: Float32Array[] = [];
    for (let i = first; i < end; i++) {
      const s = block.slice((i - first) * size, (i - first + 1) * size);
      result.push(s);
      if (end - first <= this.cacheLimit) {
        this.cache.delete(i);
        this.cache.set(i, s);
      }
    }
    while (this.cache.size > this.cacheLimit) this.cache.delete(this.cache.keys().next().value as number);
    return result;
  }
}

/** Splits batch data [n, inputSize + outputSize] into inputs [n, inputSize] and targets [n, outputSize]. */
export function splitPairs(data: Float32Array, n: number, inputSize: number, outputSize: number = inputSize): { x: Float32Array; y: Float32Array } {
  const size = inputSize + outputSize;
  const x = new Float32Array(n * inputSize);
  const y = new Float32Array(n * outputSize);
  for (let i = 0; i < n; i++) {
    x.set(data.subarray(i * size, i * size + inputSize), i * inputSize);
    y.set(data.subarray(i * size + inputSize, (i + 1) * size), i * outputSize);
  }
  return { x, y };
}

export interface FittedNormalizers {
  input: UnitGaussianNormalizer | null;
  output: UnitGaussianNormalizer | null;
}

/**
 * Normalizers fitted on the training samples only, streamed a few samples at a time; nulls for
 * 'none'. The pair mappings fit the input side on each item's input frame and the output side on
 * its target frame. A window mapping fits one frame normalizer on every frame of the training
 * samples and uses it for both sides and every stacked frame, so a rollout can feed decoded
 * outputs back as inputs.
 */
export function fitPairNormalizers(
  dataset: Pick<H5Dataset, 'sampleSize' | 'readSamples'>,
  layout: PairLayout,
  trainSamples: readonly number[],
  mode: NormalizeMode,
  mappingKind: Mapping['kind'] = 'initial-to-final',
): FittedNormalizers {
  if (mode === 'none') return { input: null, output: null };
  const sampleShape = layout.channels > 1 ? [...layout.spatial, layout.channels] : layout.spatial.slice();
  const fit = (frames: number[]): UnitGaussianNormalizer => UnitGaussianNormalizer.fitSamples(framesOf(dataset, layout, trainSamples, frames), { mode, sampleShape });
  if (mappingKind === 'window') {
    const frame = fit(Array.from({ length: layout.nt }, (_, f) => f));
    return { input: frame, output: frame };
  }
  return { input: fit(layout.items.map((item) => item[0])), output: fit(layout.items.map((item) => item[item.length - 1])) };
}

/** Frames `frames` (repeats allowed) of each sample, in sample order, as separate arrays. */
function* framesOf(dataset: Pick<H5Dataset, 'sampleSize' | 'readSamples'>, layout: PairLayout, samples: readonly number[], frames: readonly number[]): Generator<Float32Array> {
  const perRead = 16;
  const size = dataset.sampleSize;
  let k = 0;
  while (k < samples.length) {
    let m = k + 1;
    while (m < samples.length && m - k < perRead && samples[m] === samples[m - 1] + 1) m++;
    const block = dataset.readSamples(samples[k], samples[m - 1] + 1);
    for (let q = 0; q < m - k; q++) {
      const sample = block.subarray(q * size, (q + 1) * size);
      for (const f of frames) {
        const frame = new Float32Array(layout.frameSize);
        extractFrame(sample, layout, f, frame, 0);
        const bad = frame.findIndex((v) => !Number.isFinite(v));
        if (bad >= 0) {
          const where = (dataset as { path?: string }).path ?? 'the dataset';
          throw new DataFormatError(`${where}: sample ${samples[k + q]}, frame ${f} holds ${frame[bad]} at point ${bad}: training data must be finite (regenerate or drop that sample)`);
        }
        yield frame;
      }
    }
    k = m;
  }
}
