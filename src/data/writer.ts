/**
 * Writers for datasets in the PDEBench layout (see layout.ts).
 *
 * Generation writes sample by sample through a `ProgressiveWriter` (resumable after a crash);
 * the final file is then written by `writeCanonical`, whose bytes depend only on the header and
 * the sample values — not on the order samples were generated in, on interruptions or on the
 * clock — so a resumed or shard-merged run gives the same file as an uninterrupted one.
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { DataInputError } from './errors.js';
import { h5, hdf5Reason, withFixedClock, type HdfDataset, type HdfFile, type HdfGroup } from './h5.js';
import {
  ATTR,
  GENERATOR_NAME,
  SAMPLES_DONE,
  TENSOR,
  T_COORDINATE,
  X_COORDINATE,
  Y_COORDINATE,
  coordinateProblem,
  formatShape,
  sampleSize,
  shapeProblem,
} from './layout.js';
import { H5Dataset, getDataset, openHdf5 } from './reader.js';

export interface DatasetHeader {
  /** [N, T, X] or [N, T, X, Y] or [N, T, X, Y, C] */
  shape: number[];
  coordinates: { x: Float64Array; y?: Float64Array; t: Float64Array };
  /**
   * Root attributes other than `complete` (numbers or strings), written in sorted key order.
   * `generator` = 'pde-surrogate' is added if absent. Numbers that are safe integers are stored
   * as int64, other numbers as float64, strings as variable-length UTF-8.
   */
  attrs: Record<string, number | string>;
}

export interface CreateOptions {
  /** Replace an existing file at `path`. @default false */
  overwrite?: boolean;
}

/**
 * A file being generated sample by sample. It is a valid HDF5 file at all times (flushed after
 * every sample): `tensor` preallocated at full shape (chunked, unwritten chunks cost no space),
 * coordinates, attrs, and a uint8 dataset `samples-done` [N]; no `complete` attribute.
 */
export class ProgressiveWriter {
  private file: HdfFile | null;
  private readonly tensor: HdfDataset;
  private readonly doneSet: HdfDataset;
  private readonly doneFlags: Uint8Array;
  private readonly size: number;

  private constructor(
    readonly path: string,
    file: HdfFile,
    readonly header: DatasetHeader,
    doneFlags: Uint8Array,
  ) {
    this.file = file;
    this.tensor = requireDataset(file, TENSOR);
    this.doneSet = requireDataset(file, SAMPLES_DONE);
    this.doneFlags = doneFlags;
    this.size = sampleSize(header.shape);
  }

  /** Creates a new file; refuses to replace an existing one unless `{ overwrite: true }`. */
  static create(path: string, header: DatasetHeader, opts: CreateOptions = {}): ProgressiveWriter {
    h5();
    const norm = normalizeHeader(header);
    if (fs.existsSync(path) && opts.overwrite !== true) {
      throw new DataInputError(`${path} already exists: pass { overwrite: true } to replace it`);
    }
    const n = norm.shape[0];
    const file = withFixedClock(() => {
      const f = createFile(path);
      createTensor(f, norm.shape);
      writeCoordinates(f, norm.coordinates);
      f.create_dataset({ name: SAMPLES_DONE, data: new Uint8Array(n), shape: [n], dtype: '<B' });
      writeAttrs(f, norm.attrs);
      f.flush();
      return f;
    });
    return new ProgressiveWriter(path, file, norm, new Uint8Array(n));
  }

  /** Reopens an incomplete file to resume it; throws if it is complete or was not written by us. */
  static open(path: string): ProgressiveWriter {
    h5();
    if (!fs.existsSync(path)) throw new DataInputError(`cannot resume ${path}: no such file`);
    const probe = H5Dataset.open(path);
    const { status, shape, x, y, t, attrs } = probe;
    const done = probe.samplesDone();
    probe.close();
    if (status === 'complete') throw new DataInputError(`cannot resume ${path}: it is complete (attribute \`${ATTR.complete}\` = 1)`);
    if (status === 'foreign') {
      throw new DataInputError(`cannot resume ${path}: not written by ${GENERATOR_NAME} (attribute \`${ATTR.generator}\` is ${JSON.stringify(attrs[ATTR.generator] ?? null)})`);
    }
    const header: DatasetHeader = { shape, coordinates: y === undefined ? { x, t } : { x, y, t }, attrs };
    return new ProgressiveWriter(path, openHdf5(path, 'a'), header, done);
  }

  /** Which samples are finished (1) — a copy. */
  done(): Uint8Array {
    return this.doneFlags.slice();
  }

  /** Writes tensor[i], flushes, then marks samples-done[i] = 1 and flushes again. */
  writeSample(i: number, data: Float32Array): void {
    const file = this.openFile();
    this.checkIndex(i);
    checkSampleData(data, this.size, i, this.header.shape);
    withFixedClock(() => {
      this.tensor.write_slice([[i, i + 1]], data);
      // Data before flag: a crash between the two flushes leaves the sample unmarked, never
      // marked-but-missing.
      file.flush();
      this.doneSet.write_slice([[i, i + 1]], Uint8Array.of(1));
      file.flush();
    });
    this.doneFlags[i] = 1;
  }

  readSample(i: number): Float32Array {
    this.openFile();
    this.checkIndex(i);
    if (this.doneFlags[i] !== 1) throw new DataInputError(`sample ${i} of ${this.path} has not been written yet`);
    const raw = this.tensor.slice([[i, i + 1]]);
    if (!(raw instanceof Float32Array)) throw new DataInputError(`${this.path}: \`${TENSOR}\` did not read back as float32`);
    return raw;
  }

  close(): void {
    if (this.file !== null) {
      withFixedClock(() => this.file?.close());
      this.file = null;
    }
  }

  private openFile(): HdfFile {
    if (this.file === null) throw new DataInputError(`writer for ${this.path} is closed`);
    return this.file;
  }

  private checkIndex(i: number): void {
    const n = this.header.shape[0];
    if (!Number.isSafeInteger(i) || i < 0 || i >= n) {
      throw new DataInputError(`sample index ${i} is out of range for ${this.path}: use an integer in [0, ${n})`);
    }
  }
}

/**
 * Writes the final file canonically: to `${path}.tmp-<pid>`, with fixed clock, tensor created at
 * full shape chunked [1, T, ...], samples written in index order from `getSample(i)` (streamed: one
 * sample in memory at a time), coordinates, attrs in sorted order, `complete` = 1 last; closes,
 * fsyncs and renames over `path` atomically. Same inputs → same bytes.
 */
export function writeCanonical(path: string, header: DatasetHeader, getSample: (i: number) => Float32Array): void {
  h5();
  const norm = normalizeHeader(header);
  const tmp = `${path}.tmp-${process.pid}`;
  const size = sampleSize(norm.shape);
  // Holder object rather than a `let`: assigned inside the closure, read in the catch.
  const state: { file: HdfFile | null } = { file: null };
  try {
    withFixedClock(() => {
      fs.rmSync(tmp, { force: true });
      const f = createFile(tmp);
      state.file = f;
      const tensor = createTensor(f, norm.shape);
      for (let i = 0; i < norm.shape[0]; i++) {
        const data = getSample(i);
        checkSampleData(data, size, i, norm.shape);
        tensor.write_slice([[i, i + 1]], data);
      }
      writeCoordinates(f, norm.coordinates);
      writeAttrs(f, norm.attrs);
      writeAttr(f, ATTR.complete, 1);
      state.file = null;
      f.close();
    });
    fsyncPath(tmp);
    fs.renameSync(tmp, path);
    if (process.platform !== 'win32') fsyncPath(nodePath.dirname(nodePath.resolve(path)));
  } catch (err) {
    const open = state.file;
    if (open !== null) withFixedClock(() => open.close());
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Validates a header and returns a copy with `generator` added and attrs in sorted key order. */
export function normalizeHeader(header: DatasetHeader): DatasetHeader {
  if (header === null || typeof header !== 'object') throw new DataInputError(`header ${String(header)} is not an object: give { shape, coordinates, attrs }`);
  const problem = shapeProblem(header.shape);
  if (problem !== null) throw new DataInputError(problem);
  const c = header.coordinates ?? {};
  for (const [name, arr] of [['x', c.x], ['t', c.t], ['y', c.y]] as const) {
    if (arr === undefined && name === 'y') continue;
    if (!(arr instanceof Float64Array)) throw new DataInputError(`coordinates.${name} is ${describe(arr)}: use a Float64Array`);
  }
  const coordProblem = coordinateProblem(header.shape, { x: c.x.length, y: c.y?.length, t: c.t.length }, false);
  if (coordProblem !== null) throw new DataInputError(coordProblem);
  const attrs: Record<string, number | string> = {};
  const input = { ...header.attrs };
  if (input[ATTR.generator] === undefined) input[ATTR.generator] = GENERATOR_NAME;
  for (const key of Object.keys(input).sort()) {
    const value = input[key];
    if (key === '') throw new DataInputError('attribute name "" is not allowed: use a non-empty name');
    if (key === ATTR.complete) throw new DataInputError(`attribute \`${ATTR.complete}\` is not allowed in a header: it is written last by writeCanonical`);
    if (key === ATTR.generator && value !== GENERATOR_NAME) {
      throw new DataInputError(`attribute \`${ATTR.generator}\` = ${JSON.stringify(value)} is not allowed: it must be ${JSON.stringify(GENERATOR_NAME)} or absent`);
    }
    if (typeof value === 'number') {
      if (!Number.isFinite(value)) throw new DataInputError(`attribute \`${key}\` = ${value} is not allowed: use a finite number or a string`);
    } else if (typeof value !== 'string') {
      throw new DataInputError(`attribute \`${key}\` is ${describe(value)}: use a number or a string`);
    }
    attrs[key] = value;
  }
  const coordinates = c.y === undefined ? { x: c.x.slice(), t: c.t.slice() } : { x: c.x.slice(), y: c.y.slice(), t: c.t.slice() };
  return { shape: header.shape.slice(), coordinates, attrs };
}

/**
 * Creates `tensor` chunked one sample per chunk at full shape without allocating it: created
 * empty along N with maxshape = shape, then extended. Unwritten chunks read as 0.
 */
function createTensor(file: HdfFile, shape: number[]): HdfDataset {
  const rest = shape.slice(1);
  file.create_dataset({ name: TENSOR, data: new Float32Array(0), shape: [0, ...rest], maxshape: shape, chunks: [1, ...rest], dtype: '<f4' });
  const tensor = requireDataset(file, TENSOR);
  tensor.resize(shape);
  return tensor;
}

function writeCoordinates(file: HdfFile, c: DatasetHeader['coordinates']): void {
  file.create_dataset({ name: X_COORDINATE, data: c.x, dtype: '<d' });
  if (c.y !== undefined) file.create_dataset({ name: Y_COORDINATE, data: c.y, dtype: '<d' });
  file.create_dataset({ name: T_COORDINATE, data: c.t, dtype: '<d' });
}

function writeAttrs(group: HdfGroup, attrs: Record<string, number | string>): void {
  for (const key of Object.keys(attrs).sort()) writeAttr(group, key, attrs[key]);
}

/** Safe integers as int64 scalars, other numbers as float64 scalars, strings as vlen UTF-8. */
function writeAttr(group: HdfGroup, key: string, value: number | string): void {
  // 'S': variable-length, UTF-8 character set (stated rather than left to h5wasm's guess).
  if (typeof value === 'string') group.create_attribute(key, value, null, 'S');
  else if (Number.isSafeInteger(value)) group.create_attribute(key, value, null, '<q');
  else group.create_attribute(key, value, null, '<d');
}

/** Creates (truncating) an HDF5 file, with one-line errors for the usual causes. */
function createFile(path: string): HdfFile {
  const dir = nodePath.dirname(nodePath.resolve(path));
  if (!fs.existsSync(dir)) throw new DataInputError(`cannot create ${path}: directory ${dir} does not exist`);
  try {
    return new (h5().File)(path, 'w');
  } catch (err) {
    throw new DataInputError(`cannot create ${path} (HDF5: ${hdf5Reason(err)})`);
  }
}

function requireDataset(file: HdfFile, name: string): HdfDataset {
  const ds = getDataset(file, name);
  if (ds === null) throw new DataInputError(`${file.filename}: no \`${name}\` dataset`);
  return ds;
}

function checkSampleData(data: Float32Array, size: number, i: number, shape: number[]): void {
  if (!(data instanceof Float32Array)) throw new DataInputError(`sample ${i} is ${describe(data)}: use a Float32Array`);
  if (data.length !== size) {
    throw new DataInputError(`sample ${i} has ${data.length} values; expected ${size} (one sample of shape ${formatShape(shape.slice(1))})`);
  }
}

function fsyncPath(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
