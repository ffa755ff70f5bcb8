/**
 * Training items built from a dataset's samples per the mapping, streamed from the file. An item
 * is the model's input frames and its target frames, both stacked as channels oldest first in
 * the model's layout [...spatial, frames·C] (point-major: value (point p, frame j, field c) at
 * p·frames·C + j·C + c); the pair mappings have one frame each side, so an item is two frames.
 * Item q of sample i is item index i·I + q, and a `PairSource` reads only the samples a batch
 * needs (with a small cache, as a shuffled batch touches several items of the same sample).
 */
import { DataFormatError, UnitGaussianNormalizer, type H5Dataset, type SampleSource } from '../data/index.js';
import type { Mapping, NormalizeMode } from './options.js';
import { extractFrame, extractStacked, subsampledShape } from '../data/frames.js';
import { mappingItems } from '../inference/mapping.js';

export { extractFrame, extractStacked, subsampledShape, unstackFrames, type FrameGeometry } from '../data/frames.js';
export { mappingItems } from '../inference/mapping.js';

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
  const fit = (frames: number[]): UnitGaussianNormalizer =>
    UnitGaussianNormalizer.fitSamples(framesOf(dataset, layout, trainSamples, frames), { mode, sampleShape });
  if (mappingKind === 'window') {
    const frame = fit(Array.from({ length: layout.nt }, (_, f) => f));
    return { input: frame, output: frame };
  }
  return { input: fit(layout.items.map((item) => item[0])), output: fit(layout.items.map((item) => item[item.length - 1])) };
}

/** Frames `frames` (repeats allowed) of each sample, in sample order, as separate arrays. */
function* framesOf(
  dataset: Pick<H5Dataset, 'sampleSize' | 'readSamples'>,
  layout: PairLayout,
  samples: readonly number[],
  frames: readonly number[],
): Generator<Float32Array> {
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
          throw new DataFormatError(
            `${where}: sample ${samples[k + q]}, frame ${f} holds ${frame[bad]} at point ${bad}: training data must be finite (regenerate or drop that sample)`,
          );
        }
        yield frame;
      }
    }
    k = m;
  }
}
