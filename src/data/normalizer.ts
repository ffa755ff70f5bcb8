/**
 * neuraloperator's `UnitGaussianNormalizer`: x ↦ (x − mean) / (std + eps), fitted on the
 * training split only, applied by the data pipeline (never inside a model).
 *
 * Modes: 'pointwise' — one mean/std per value of a sample ([T, X, ...], statistics over
 * samples; neuraloperator's default reduction over the batch dimension); 'scalar' — one
 * mean/std over every value; 'channel' — one per field of a rank-5 [N, T, X, Y, C] tensor.
 *
 * Fitting streams over samples and accumulates in float64 with Chan et al.'s pairwise update
 * (each sample's own mean and M2 merged into the running ones; for 'pointwise' a sample
 * contributes one value per point and this is Welford's update). std is the unbiased
 * estimate (n − 1 in the denominator, as `torch.std`); with a single value it is 0.
 *
 * eps (default 1e-7, neuraloperator's) is added to std, not to the variance: it only matters
 * where std ≈ 0 (e.g. points pinned by a boundary condition), where it keeps encode finite.
 */
import { DataInputError } from './errors.js';
import type { SampleSource } from './reader.js';

export type NormalizerMode = 'pointwise' | 'scalar' | 'channel';
const MODES: readonly NormalizerMode[] = ['pointwise', 'scalar', 'channel'];

export interface NormalizerOptions {
  /** @default 'pointwise' */
  mode?: NormalizerMode;
  /** Added to std in encode/decode. @default 1e-7 */
  eps?: number;
  /** Samples per read while fitting from a dataset. @default 16 */
  samplesPerRead?: number;
}

export interface FitSamplesOptions extends NormalizerOptions {
  /** Shape of one sample ('pointwise' stats take it). @default [sample length] */
  sampleShape?: readonly number[];
  /** Fields per point for 'channel' mode (innermost axis). @default 1 */
  nChannels?: number;
}

export interface NormalizerJSON {
  kind: 'unit-gaussian';
  version: 1;
  mode: NormalizerMode;
  eps: number;
  /** Shape of mean/std: the sample shape ('pointwise'), [] ('scalar') or [C] ('channel'). */
  shape: number[];
  /** Number of samples fitted on. */
  count: number;
  mean: number[];
  std: number[];
}

export class UnitGaussianNormalizer {
  private constructor(
    readonly mode: NormalizerMode,
    readonly eps: number,
    /** Shape of mean/std (see NormalizerJSON.shape). */
    readonly shape: number[],
    readonly count: number,
    readonly mean: Float64Array,
    readonly std: Float64Array,
  ) {}

  /** Fits on samples `indices` of `dataset` (the training split), reading a few at a time. */
  static fit(dataset: SampleSource, indices: readonly number[], opts: NormalizerOptions = {}): UnitGaussianNormalizer {
    const perRead = opts.samplesPerRead ?? 16;
    if (!Number.isSafeInteger(perRead) || perRead < 1) throw new DataInputError(`samplesPerRead=${perRead} is not allowed: use a positive integer`);
    for (const i of indices) {
      if (!Number.isSafeInteger(i) || i < 0 || i >= dataset.nSamples) {
        throw new DataInputError(`sample index ${i} is not allowed: the dataset has samples 0 to ${dataset.nSamples - 1}`);
      }
    }
    const sampleShape = dataset.shape.slice(1);
    const nChannels = dataset.shape.length === 5 ? dataset.shape[4] : 1;
    return UnitGaussianNormalizer.fitSamples(streamSamples(dataset, indices, perRead), { ...opts, sampleShape, nChannels });
  }

  /** Fits on any sequence of equally sized samples. */
  static fitSamples(samples: Iterable<Float32Array>, opts: FitSamplesOptions = {}): UnitGaussianNormalizer {
    const mode = opts.mode ?? 'pointwise';
    const eps = opts.eps ?? 1e-7;
    const nChannels = opts.nChannels ?? 1;
    if (!MODES.includes(mode)) throw new DataInputError(`normalizer mode "${String(mode)}" is not allowed: use ${MODES.join(', ')}`);
    checkEps(eps);
    if (!Number.isSafeInteger(nChannels) || nChannels < 1) throw new DataInputError(`nChannels=${nChannels} is not allowed: use a positive integer`);
    let acc: Accumulator | null = null;
    let size = -1;
    let count = 0;
    for (const sample of samples) {
      if (acc === null) {
        size = sample.length;
        if (size === 0) throw new DataInputError('cannot fit a normalizer on empty samples');
        if (opts.sampleShape !== undefined && opts.sampleShape.reduce((a, b) => a * b, 1) !== size) {
          throw new DataInputError(`sampleShape [${opts.sampleShape.join(', ')}] does not match samples of ${size} values`);
        }
        if (mode === 'channel' && size % nChannels !== 0) throw new DataInputError(`samples of ${size} values do not split into nChannels=${nChannels} fields`);
        acc = new Accumulator(mode === 'pointwise' ? size : mode === 'channel' ? nChannels : 1);
      } else if (sample.length !== size) {
        throw new DataInputError(`sample ${count} has ${sample.length} values; the first had ${size}`);
      }
      if (mode === 'pointwise') acc.addPointwise(sample);
      else acc.addGrouped(sample);
      count++;
    }
    if (acc === null) throw new DataInputError('cannot fit a normalizer on zero samples: the training split is empty');
    const shape = mode === 'pointwise' ? [...(opts.sampleShape ?? [size])] : mode === 'channel' ? [nChannels] : [];
    return new UnitGaussianNormalizer(mode, eps, shape, count, acc.mean, acc.std());
  }

  /** Number of mean/std entries. */
  get nStats(): number {
    return this.mean.length;
  }

  /** (x − mean) / (std + eps); `x` holds one or more samples (or, for 'channel', points). */
  encode(x: Float32Array): Float32Array {
    this.checkLength(x, 'encode');
    const out = new Float32Array(x.length);
    const m = this.mean.length;
    for (let j = 0, g = 0; j < x.length; j++) {
      out[j] = (x[j] - this.mean[g]) / (this.std[g] + this.eps);
      if (++g === m) g = 0;
    }
    return out;
  }

  /** x · (std + eps) + mean, the inverse of encode. */
  decode(x: Float32Array): Float32Array {
    this.checkLength(x, 'decode');
    const out = new Float32Array(x.length);
    const m = this.mean.length;
    for (let j = 0, g = 0; j < x.length; j++) {
      out[j] = x[j] * (this.std[g] + this.eps) + this.mean[g];
      if (++g === m) g = 0;
    }
    return out;
  }

  toJSON(): NormalizerJSON {
    return {
      kind: 'unit-gaussian',
      version: 1,
      mode: this.mode,
      eps: this.eps,
      shape: this.shape.slice(),
      count: this.count,
      mean: Array.from(this.mean),
      std: Array.from(this.std),
    };
  }

  /** Rebuilds from `toJSON()` output (e.g. a checkpoint), validating every field. */
  static fromJSON(json: unknown): UnitGaussianNormalizer {
    if (json === null || typeof json !== 'object') throw new DataInputError(`normalizer JSON ${String(json)} is not an object`);
    const j = json as Partial<Record<keyof NormalizerJSON, unknown>>;
    if (j.kind !== 'unit-gaussian') throw new DataInputError(`normalizer kind ${JSON.stringify(j.kind)} is not allowed: expected "unit-gaussian"`);
    if (j.version !== 1) throw new DataInputError(`normalizer version ${JSON.stringify(j.version)} is not supported: expected 1`);
    const mode = j.mode as NormalizerMode;
    if (!MODES.includes(mode)) throw new DataInputError(`normalizer mode ${JSON.stringify(j.mode)} is not allowed: use ${MODES.join(', ')}`);
    checkEps(j.eps);
    const shape = j.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 1)) {
      throw new DataInputError(`normalizer shape ${JSON.stringify(shape)} is not allowed: use an array of positive integers`);
    }
    const nStats = shape.reduce((a: number, b: number) => a * b, 1);
    if (mode === 'scalar' && shape.length !== 0) throw new DataInputError(`normalizer shape ${JSON.stringify(shape)} is not allowed in scalar mode: use []`);
    if (mode === 'channel' && shape.length !== 1) throw new DataInputError(`normalizer shape ${JSON.stringify(shape)} is not allowed in channel mode: use [C]`);
    if (!Number.isSafeInteger(j.count) || (j.count as number) < 1) throw new DataInputError(`normalizer count ${JSON.stringify(j.count)} is not allowed: use a positive integer`);
    const mean = statsArray('mean', j.mean, nStats, false);
    const std = statsArray('std', j.std, nStats, true);
    return new UnitGaussianNormalizer(mode, j.eps as number, shape.slice(), j.count as number, mean, std);
  }

  private checkLength(x: Float32Array, what: string): void {
    if (!(x instanceof Float32Array)) throw new DataInputError(`${what}: input is ${typeof x}, not a Float32Array`);
    if (x.length % this.mean.length !== 0) {
      throw new DataInputError(`${what}: ${x.length} values are not a whole number of ${this.mode} blocks of ${this.mean.length} (stats shape [${this.shape.join(', ')}])`);
    }
  }
}

/** Running mean and M2 per group, merged sample by sample (Chan et al. 1979). */
class Accumulator {
  readonly mean: Float64Array;
  private readonly m2: Float64Array;
  /** Values seen per group. */
  private n = 0;

  constructor(readonly nGroups: number) {
    this.mean = new Float64Array(nGroups);
    this.m2 = new Float64Array(nGroups);
  }

  /** One value per group (Welford). */
  addPointwise(x: Float32Array): void {
    const n = ++this.n;
    for (let g = 0; g < this.nGroups; g++) {
      const delta = x[g] - this.mean[g];
      this.mean[g] += delta / n;
      this.m2[g] += delta * (x[g] - this.mean[g]);
    }
  }

  /** x.length / nGroups values per group, interleaved (value j belongs to group j mod nGroups). */
  addGrouped(x: Float32Array): void {
    const k = this.nGroups;
    const nb = x.length / k;
    const sum = new Float64Array(k);
    for (let j = 0; j < x.length; j++) sum[j % k] += x[j];
    const mb = sum.map((s) => s / nb);
    const m2b = new Float64Array(k);
    for (let j = 0; j < x.length; j++) {
      const d = x[j] - mb[j % k];
      m2b[j % k] += d * d;
    }
    const na = this.n;
    const total = na + nb;
    for (let g = 0; g < k; g++) {
      const delta = mb[g] - this.mean[g];
      this.mean[g] += (delta * nb) / total;
      this.m2[g] += m2b[g] + (delta * delta * na * nb) / total;
    }
    this.n = total;
  }

  /** Unbiased standard deviation per group (0 from a single value). */
  std(): Float64Array {
    const denom = this.n - 1;
    return this.m2.map((v) => (denom > 0 ? Math.sqrt(Math.max(v, 0) / denom) : 0));
  }
}

function* streamSamples(dataset: SampleSource, indices: readonly number[], perRead: number): Generator<Float32Array> {
  const size = dataset.shape.slice(1).reduce((a, b) => a * b, 1);
  let k = 0;
  while (k < indices.length) {
    // A run of consecutive indices, at most perRead long, is read as one hyperslab.
    let m = k + 1;
    while (m < indices.length && m - k < perRead && indices[m] === indices[m - 1] + 1) m++;
    const block = dataset.readSamples(indices[k], indices[m - 1] + 1);
    for (let p = 0; p < m - k; p++) yield block.subarray(p * size, (p + 1) * size);
    k = m;
  }
}

function checkEps(eps: unknown): void {
  if (typeof eps !== 'number' || !Number.isFinite(eps) || eps < 0) throw new DataInputError(`eps=${String(eps)} is not allowed: use a finite number >= 0`);
}

function statsArray(name: string, value: unknown, n: number, nonNegative: boolean): Float64Array {
  if (!Array.isArray(value) || value.length !== n) {
    throw new DataInputError(`normalizer ${name} has ${Array.isArray(value) ? value.length : 'no'} entries; expected ${n} (the product of its shape)`);
  }
  const bad = value.findIndex((v) => typeof v !== 'number' || !Number.isFinite(v) || (nonNegative && v < 0));
  if (bad >= 0) throw new DataInputError(`normalizer ${name}[${bad}] = ${JSON.stringify(value[bad])} is not allowed: use a finite number${nonNegative ? ' >= 0' : ''}`);
  return Float64Array.from(value as number[]);
}
