/**
 * Training pairs (input frame, output frame) built from a dataset's samples per the mapping,
 * streamed from the file: pair p of sample i is pair index i·P + p, and a `PairSource` reads
 * only the samples a batch needs (with a small cache, as a shuffled next-step batch touches
 * several pairs of the same sample).
 */
import { UnitGaussianNormalizer, type H5Dataset, type SampleSource } from '../data/index.js';
import { TrainOptionsError } from './errors.js';
import type { Mapping, NormalizeMode } from './options.js';

/** How frames map to pairs and how a frame is subsampled. */
export interface PairLayout {
  /** (input frame, output frame) of each pair of a sample; P = pairs.length. */
  pairs: [number, number][];
  /** Frames per sample in the file. */
  nt: number;
  /** Spatial shape in the file, [X] or [X, Y]. */
  fileSpatial: number[];
  /** Spatial shape after subsampling: ceil(n / subsample) per axis (Python's x[::s]). */
  spatial: number[];
  /** Fields per point (1 unless the file is [N, T, X, Y, C]). */
  channels: number;
  subsample: number;
  /** Values per subsampled frame: product(spatial) · channels. */
  frameSize: number;
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
  const nt = ds.nt;
  let pairs: [number, number][];
  if (mapping.kind === 'initial-to-final') {
    const frame = (field: string, f: number): number => {
      if (f < -nt || f >= nt) throw new TrainOptionsError(`mapping.${field}=${f} is not allowed for ${ds.path} with ${nt} frames: use -${nt} to ${nt - 1}`);
      return f < 0 ? nt + f : f;
    };
    const a = frame('inFrame', mapping.inFrame);
    const b = frame('outFrame', mapping.outFrame);
    if (a === b) throw new TrainOptionsError(`mapping inFrame=${mapping.inFrame} and outFrame=${mapping.outFrame} are the same frame of ${ds.path}: use two different frames`);
    pairs = [[a, b]];
  } else {
    if (mapping.stride >= nt) throw new TrainOptionsError(`mapping.stride=${mapping.stride} is not allowed for ${ds.path} with ${nt} frames: use 1 to ${nt - 1}`);
    pairs = Array.from({ length: nt - mapping.stride }, (_, k) => [k, k + mapping.stride]);
  }
  const spatial = ds.spatialShape.map((n) => Math.ceil(n / subsample));
  return {
    pairs,
    nt,
    fileSpatial: ds.spatialShape.slice(),
    spatial,
    channels: ds.nChannels,
    subsample,
    frameSize: spatial.reduce((a, b) => a * b, 1) * ds.nChannels,
  };
}

/** Pair indices of the given samples (sample i → i·P ... i·P + P − 1), in sample order. */
export function pairIndices(layout: PairLayout, samples: readonly number[]): number[] {
  const p = layout.pairs.length;
  const out: number[] = [];
  for (const i of samples) for (let k = 0; k < p; k++) out.push(i * p + k);
  return out;
}

/** Copies frame `f` of a row-major sample [T, ...fileSpatial, C], subsampled, into `out` at `offset`. */
export function extractFrame(sample: Float32Array, layout: PairLayout, f: number, out: Float32Array, offset: number): void {
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
 * The pairs of a dataset as a `SampleSource` of shape [N·P, 2, frameSize] (input frame, then
 * output frame), so the data layer's seeded batching applies to pairs unchanged.
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
    this.nSamples = dataset.nSamples * layout.pairs.length;
    this.shape = [this.nSamples, 2, layout.frameSize];
    this.cacheLimit = Math.max(1, Math.floor(cacheBytes / (4 * dataset.sampleSize)));
  }

  readSamples(start: number, end: number): Float32Array {
    const p = this.layout.pairs.length;
    const size = this.layout.frameSize;
    const out = new Float32Array((end - start) * 2 * size);
    if (end <= start) return out;
    const first = Math.floor(start / p);
    const last = Math.floor((end - 1) / p);
    const samples = this.samples(first, last + 1);
    for (let q = start; q < end; q++) {
      const [a, b] = this.layout.pairs[q % p];
      const sample = samples[Math.floor(q / p) - first];
      const o = (q - start) * 2 * size;
      extractFrame(sample, this.layout, a, out, o);
      extractFrame(sample, this.layout, b, out, o + size);
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

/** Splits batch data [n, 2, frameSize] into inputs and targets [n, frameSize] each. */
export function splitPairs(data: Float32Array, n: number, frameSize: number): { x: Float32Array; y: Float32Array } {
  const x = new Float32Array(n * frameSize);
  const y = new Float32Array(n * frameSize);
  for (let i = 0; i < n; i++) {
    x.set(data.subarray(2 * i * frameSize, (2 * i + 1) * frameSize), i * frameSize);
    y.set(data.subarray((2 * i + 1) * frameSize, (2 * i + 2) * frameSize), i * frameSize);
  }
  return { x, y };
}

export interface FittedNormalizers {
  input: UnitGaussianNormalizer | null;
  output: UnitGaussianNormalizer | null;
}

/**
 * Input and output normalizers fitted on the training samples only (each pair's input frame,
 * resp. output frame, is one observation), streamed a few samples at a time; nulls for 'none'.
 */
export function fitPairNormalizers(
  dataset: Pick<H5Dataset, 'sampleSize' | 'readSamples'>,
  layout: PairLayout,
  trainSamples: readonly number[],
  mode: NormalizeMode,
): FittedNormalizers {
  if (mode === 'none') return { input: null, output: null };
  const sampleShape = layout.channels > 1 ? [...layout.spatial, layout.channels] : layout.spatial.slice();
  const fit = (side: 0 | 1): UnitGaussianNormalizer =>
    UnitGaussianNormalizer.fitSamples(framesOf(dataset, layout, trainSamples, side), { mode, sampleShape });
  return { input: fit(0), output: fit(1) };
}

function* framesOf(dataset: Pick<H5Dataset, 'sampleSize' | 'readSamples'>, layout: PairLayout, samples: readonly number[], side: 0 | 1): Generator<Float32Array> {
  const perRead = 16;
  const size = dataset.sampleSize;
  let k = 0;
  while (k < samples.length) {
    let m = k + 1;
    while (m < samples.length && m - k < perRead && samples[m] === samples[m - 1] + 1) m++;
    const block = dataset.readSamples(samples[k], samples[m - 1] + 1);
    for (let q = 0; q < m - k; q++) {
      const sample = block.subarray(q * size, (q + 1) * size);
      for (const pair of layout.pairs) {
        const frame = new Float32Array(layout.frameSize);
        extractFrame(sample, layout, pair[side], frame, 0);
        yield frame;
      }
    }
    k = m;
  }
}
