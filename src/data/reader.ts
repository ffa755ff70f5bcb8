/**
 * Lazy reader for datasets in the PDEBench layout (see layout.ts): opening reads only the
 * metadata, coordinates and attributes; samples are read by range as hyperslabs, so files
 * larger than memory are usable.
 */
import fs from 'node:fs';
import type { FieldBatch } from '../../core/field.js';
import { DataFormatError, DataInputError } from './errors.js';
import { WRITE_OPTIONS, h5, hdf5Reason, type HdfDataset, type HdfFile, type HdfGroup } from './h5.js';
import {
  ATTR,
  GENERATOR_NAME,
  HDF5_SIGNATURE,
  MAX_RANK,
  MIN_RANK,
  SAMPLES_DONE,
  TENSOR,
  T_COORDINATE,
  X_COORDINATE,
  Y_COORDINATE,
  axisNames,
  coordinateProblem,
  formatShape,
  framesTime,
  sampleSize,
} from './layout.js';

/** Anything samples can be read from by index range (an `H5Dataset`, or an in-memory stand-in). */
export interface SampleSource {
  /** [N, T, ...] */
  readonly shape: readonly number[];
  readonly nSamples: number;
  /** Row-major [end - start, T, ...]. */
  readSamples(start: number, end: number): Float32Array;
}

export type DatasetStatus = 'complete' | 'incomplete' | 'foreign';

export class H5Dataset implements SampleSource {
  readonly nSamples: number;
  readonly nt: number;
  /** [X] or [X, Y] */
  readonly spatialShape: number[];
  /** Last axis of a rank-5 tensor, else 1. */
  readonly nChannels: number;
  /** Values per sample: T * X (* Y * C). */
  readonly sampleSize: number;
  /** Entries of `t-coordinate` in the file: `nt`, or `nt + 1` in PDEBench's published files. */
  readonly tEntriesInFile: number;
  readonly recipe: Record<string, unknown> | null;
  /**
   * Per-sample float64 datasets besides `tensor` (see DatasetHeader.extras): name → the shape of
   * one sample's entry ([] for `parameter` [N], [T] for `mass` [N, T]). Empty for files without.
   */
  readonly extras: Record<string, number[]>;
  private file: HdfFile | null;
  private readonly tensor: HdfDataset;
  private readonly done: Uint8Array;
  private readonly nDone: number;

  private constructor(
    readonly path: string,
    file: HdfFile,
    tensor: HdfDataset,
    readonly shape: number[],
    readonly dtype: 'float32' | 'float64',
    readonly x: Float64Array,
    readonly y: Float64Array | undefined,
    readonly t: Float64Array,
    tEntries: number,
    readonly attrs: Record<string, number | string>,
    readonly status: DatasetStatus,
    done: Uint8Array,
    extras: Record<string, number[]>,
  ) {
    this.file = file;
    this.tensor = tensor;
    this.nSamples = shape[0];
    this.nt = shape[1];
    this.spatialShape = shape.slice(2, 4);
    this.nChannels = shape.length === 5 ? shape[4] : 1;
    this.sampleSize = sampleSize(shape);
    this.tEntriesInFile = tEntries;
    this.done = done;
    this.nDone = done.reduce((a, b) => a + (b === 1 ? 1 : 0), 0);
    this.recipe = parseRecipe(path, attrs);
    this.extras = extras;
  }

  /**
   * Opens and validates a dataset file; throws a one-line `DataFormatError` naming the file and
   * the problem (missing, not HDF5, truncated, no `tensor`, wrong rank or dtype, coordinates
   * that do not match the shape).
   */
  static open(path: string): H5Dataset {
    checkIsHdf5File(path);
    const file = openHdf5(path, 'r');
    try {
      return H5Dataset.fromOpenFile(path, file);
    } catch (err) {
      file.close();
      throw err;
    }
  }

  private static fromOpenFile(path: string, file: HdfFile): H5Dataset {
    const tensor = getDataset(file, TENSOR);
    if (tensor === null) {
      const names = file.keys();
      throw new DataFormatError(`${path}: no \`${TENSOR}\` dataset (found: ${names.length > 0 ? names.join(', ') : 'nothing'})`);
    }
    const shape = tensor.shape ?? [];
    if (shape.length < MIN_RANK || shape.length > MAX_RANK) {
      throw new DataFormatError(
        `${path}: \`${TENSOR}\` has rank ${shape.length} (shape ${formatShape(shape)}); expected rank 3 to 5: [N, T, X], [N, T, X, Y] or [N, T, X, Y, C]`,
      );
    }
    const dtypeName = tensor.dtype;
    const dtype = dtypeName === '<f' ? 'float32' : dtypeName === '<d' ? 'float64' : null;
    if (dtype === null) {
      throw new DataFormatError(`${path}: \`${TENSOR}\` has dtype ${describeDtype(dtypeName)}; expected little-endian float32 or float64`);
    }
    const x = readCoordinate(path, file, X_COORDINATE);
    const t = readCoordinate(path, file, T_COORDINATE);
    const y = shape.length >= 4 ? readCoordinate(path, file, Y_COORDINATE) : undefined;
    const problem = coordinateProblem(shape, { x: x.length, y: y?.length, t: t.length }, true);
    if (problem !== null) throw new DataFormatError(`${path}: ${problem}`);
    const attrs = readAttrs(file);
    const { status, done } = readStatus(path, file, attrs, shape[0]);
    const extras = findExtras(file, shape[0]);
    return new H5Dataset(path, file, tensor, shape, dtype, x, y, framesTime(t, shape[1]), t.length, attrs, status, done, extras);
  }

  /** Axis letters, e.g. ['N', 'T', 'X']. */
  get axes(): string[] {
    return axisNames(this.shape.length);
  }

  /** Number of finished samples (N for complete and foreign files). */
  get samplesDoneCount(): number {
    return this.nDone;
  }

  /** 1 for each finished sample (all ones for complete and foreign files). A copy. */
  samplesDone(): Uint8Array {
    return this.done.slice();
  }

  /**
   * Samples `start` (inclusive) to `end` (exclusive) as row-major float32 [end - start, T, ...],
   * read as one hyperslab. Throws if a sample in the range has not been written yet.
   */
  readSamples(start: number, end: number): Float32Array {
    const tensor = this.openTensor();
    this.checkRange('readSamples', start, end);
    if (start === end) return new Float32Array(0);
    let raw: unknown;
    try {
      raw = tensor.slice([[start, end]]);
    } catch (err) {
      throw new DataFormatError(`${this.path}: cannot read samples ${start} to ${end - 1} (HDF5: ${hdf5Reason(err)})`);
    }
    if (raw instanceof Float32Array) return raw;
    if (raw instanceof Float64Array) return Float32Array.from(raw);
    throw new DataFormatError(`${this.path}: reading \`${TENSOR}\` gave ${describeValue(raw)}, not float data`);
  }

  /**
   * Entries `start` to `end` (exclusive) of the extra dataset `name`, row-major float64
   * [end - start, ...extras[name]], read as one hyperslab; the same range and unwritten-sample
   * checks as readSamples.
   */
  readExtra(name: string, start: number, end: number): Float64Array {
    const file = this.openFile();
    const names = Object.keys(this.extras);
    if (!names.includes(name)) {
      throw new DataInputError(`${this.path} has no extra dataset "${name}" (${names.length > 0 ? `extras: ${names.join(', ')}` : 'the file has no extras'})`);
    }
    this.checkRange('readExtra', start, end);
    const size = this.extras[name].reduce((a, b) => a * b, 1);
    if (start === end) return new Float64Array(0);
    const ds = getDataset(file, name) as HdfDataset;
    let raw: unknown;
    try {
      raw = ds.slice([[start, end]]);
    } catch (err) {
      throw new DataFormatError(`${this.path}: cannot read \`${name}\` ${start} to ${end - 1} (HDF5: ${hdf5Reason(err)})`);
    }
    const out = raw instanceof Float64Array ? raw : raw instanceof Float32Array ? Float64Array.from(raw) : null;
    if (out === null || out.length !== (end - start) * size) throw new DataFormatError(`${this.path}: reading \`${name}\` gave ${describeValue(raw)}, not float data`);
    return out;
  }

  /**
   * Samples `start` to `end` (exclusive) as a FieldBatch: readSamples' data with the file's grid
   * (x, and y for 2D) and frame times.
   */
  readBatch(start: number, end: number): FieldBatch {
    const data = this.readSamples(start, end);
    const grid = { axes: this.y === undefined ? [this.x] : [this.x, this.y] };
    return { data, n: end - start, nt: this.nt, spatial: this.spatialShape.slice(), channels: this.nChannels, grid, times: this.t };
  }

  readSample(i: number): Float32Array {
    if (!Number.isSafeInteger(i) || i < 0 || i >= this.nSamples) {
      throw new DataInputError(`sample index ${i} is out of range for ${this.path}: use an integer in [0, ${this.nSamples})`);
    }
    return this.readSamples(i, i + 1);
  }

  close(): void {
    if (this.file !== null) {
      this.file.close();
      this.file = null;
    }
  }

  private openTensor(): HdfDataset {
    this.openFile();
    return this.tensor;
  }

  private openFile(): HdfFile {
    if (this.file === null) throw new DataInputError(`${this.path} is closed`);
    return this.file;
  }

  private checkRange(what: string, start: number, end: number): void {
    if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end > this.nSamples || start > end) {
      throw new DataInputError(`${what}(${start}, ${end}) is out of range for ${this.path}: use integers 0 <= start <= end <= ${this.nSamples}`);
    }
    if (this.nDone < this.nSamples) {
      for (let i = start; i < end; i++) {
        if (this.done[i] !== 1) {
          throw new DataInputError(`sample ${i} of ${this.path} has not been written (incomplete file: ${this.nDone}/${this.nSamples} samples done)`);
        }
      }
    }
  }
}

/**
 * Checks that `path` is an existing, non-empty file carrying the HDF5 signature at offset 0 or
 * at one of the user-block offsets 512, 1024, 2048, ...
 */
export function checkIsHdf5File(path: string): void {
  let size: number;
  try {
    const st = fs.statSync(path);
    if (!st.isFile()) throw new DataFormatError(`${path}: not a regular file`);
    size = st.size;
  } catch (err) {
    // A path that names nothing is the caller's mistake (exit 2), not a bad file.
    if (isNodeError(err) && err.code === 'ENOENT') throw new DataInputError(`${path}: no such file`);
    throw err;
  }
  if (size < HDF5_SIGNATURE.length) throw new DataFormatError(`${path}: not an HDF5 file (${size} bytes, too short for the HDF5 signature)`);
  const fd = fs.openSync(path, 'r');
  try {
    const buf = new Uint8Array(HDF5_SIGNATURE.length);
    for (let offset = 0; offset + buf.length <= size; offset = offset === 0 ? 512 : offset * 2) {
      fs.readSync(fd, buf, 0, buf.length, offset);
      if (buf.every((b, k) => b === HDF5_SIGNATURE[k])) return;
    }
  } finally {
    fs.closeSync(fd);
  }
  throw new DataFormatError(`${path}: not an HDF5 file (no HDF5 signature at offset 0 or any user-block offset)`);
}

/** Opens with h5wasm, turning HDF5's error stack into a one-line DataFormatError. */
export function openHdf5(path: string, mode: 'r' | 'a'): HdfFile {
  const lib = h5();
  try {
    return mode === 'r' ? new lib.File(path, mode) : new lib.File(path, mode, WRITE_OPTIONS);
  } catch (err) {
    throw new DataFormatError(`${path}: truncated or unreadable HDF5 file (HDF5: ${hdf5Reason(err)})`);
  }
}

export function getDataset(group: HdfGroup, name: string): HdfDataset | null {
  const entity = group.get(name);
  if (entity === null || !(entity instanceof h5().Dataset)) return null;
  return entity;
}

/** Root float datasets with N rows other than the layout's own: the per-sample extras. */
function findExtras(file: HdfFile, n: number): Record<string, number[]> {
  const reserved = [TENSOR, X_COORDINATE, Y_COORDINATE, T_COORDINATE, SAMPLES_DONE];
  const out: Record<string, number[]> = {};
  for (const name of file.keys().slice().sort()) {
    if (reserved.includes(name)) continue;
    const ds = getDataset(file, name);
    const shape = ds?.shape ?? [];
    if (ds === null || shape.length < 1 || shape[0] !== n || (ds.dtype !== '<d' && ds.dtype !== '<f')) continue;
    out[name] = shape.slice(1);
  }
  return out;
}

function readCoordinate(path: string, file: HdfFile, name: string): Float64Array {
  const ds = getDataset(file, name);
  if (ds === null) throw new DataFormatError(`${path}: no \`${name}\` dataset`);
  const shape = ds.shape ?? [];
  if (shape.length !== 1) throw new DataFormatError(`${path}: \`${name}\` has shape ${formatShape(shape)}; expected one dimension`);
  const value = ds.value;
  if (value instanceof Float64Array) return value;
  if (value instanceof Float32Array) return Float64Array.from(value);
  throw new DataFormatError(`${path}: \`${name}\` has dtype ${describeDtype(ds.dtype)}; expected float64 or float32`);
}

/**
 * Root attributes as numbers or strings. Scalars map directly (integers of any width become
 * numbers); arrays and other types are kept as their JSON text.
 */
export function readAttrs(group: HdfGroup): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  const attrs = group.attrs;
  for (const name of Object.keys(attrs).sort()) {
    const value = attrs[name].value;
    if (typeof value === 'number' || typeof value === 'string') out[name] = value;
    else if (typeof value === 'bigint') out[name] = Number(value);
    else if (typeof value === 'boolean') out[name] = value ? 1 : 0;
    else out[name] = JSON.stringify(attrs[name].json_value);
  }
  return out;
}

function readStatus(path: string, file: HdfFile, attrs: Record<string, number | string>, n: number): { status: DatasetStatus; done: Uint8Array } {
  if (attrs[ATTR.generator] !== GENERATOR_NAME) return { status: 'foreign', done: new Uint8Array(n).fill(1) };
  if (attrs[ATTR.complete] === 1) return { status: 'complete', done: new Uint8Array(n).fill(1) };
  const ds = getDataset(file, SAMPLES_DONE);
  if (ds === null) {
    throw new DataFormatError(`${path}: written by ${GENERATOR_NAME} but has neither a \`${ATTR.complete}\` attribute nor a \`${SAMPLES_DONE}\` dataset`);
  }
  const value = ds.value;
  if (!(value instanceof Uint8Array) || value.length !== n) {
    throw new DataFormatError(`${path}: \`${SAMPLES_DONE}\` is ${describeValue(value)}; expected uint8 [${n}]`);
  }
  return { status: 'incomplete', done: value };
}

function parseRecipe(path: string, attrs: Record<string, number | string>): Record<string, unknown> | null {
  const text = attrs[ATTR.recipe];
  if (text === undefined) return null;
  if (typeof text !== 'string') throw new DataFormatError(`${path}: attribute \`${ATTR.recipe}\` is ${text}; expected a JSON string`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new DataFormatError(`${path}: attribute \`${ATTR.recipe}\` is not valid JSON (${(err as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new DataFormatError(`${path}: attribute \`${ATTR.recipe}\` is JSON ${Array.isArray(parsed) ? 'array' : typeof parsed}; expected an object`);
  }
  return parsed as Record<string, unknown>;
}

function describeDtype(dtype: unknown): string {
  return typeof dtype === 'string' ? dtype : JSON.stringify(dtype);
}

function describeValue(value: unknown): string {
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${(value as unknown as ArrayLike<number>).length})`;
  return typeof value;
}

function isNodeError(err: unknown): err is NodeJS.ErrnoException {
  return err instanceof Error && 'code' in err;
}
