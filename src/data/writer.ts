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
import { asWriteError, replaceFileAtomic } from '../../core/atomic.js';
import { DataInputError } from './errors.js';
import { SampleJournal } from './journal.js';
import { WRITE_OPTIONS, h5, hdf5Reason, withFixedClock, type HdfDataset, type HdfFile, type HdfGroup } from './h5.js';
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
  /**
   * Optional per-sample float64 datasets besides `tensor`, by name → the shape of one sample's
   * entry: e.g. `{ parameter: [], mass: [T] }` stores `parameter` [N] and `mass` [N, T]. Written
   * with each sample, so resumed, sharded and merged files keep them; canonical files store them
   * after `tensor`, in name order.
   */
  extras?: Record<string, number[]>;
}

/** One sample with its extras (as `writeCanonical`'s `getSample` may return). */
export interface SampleRecord {
  tensor: Float32Array;
  /** One entry per header extra, float64 of that extra's per-sample size. */
  extras: Record<string, Float64Array>;
}

/** Names an extra dataset may not take: the layout's own datasets. */
const RESERVED_NAMES = [TENSOR, X_COORDINATE, Y_COORDINATE, T_COORDINATE, SAMPLES_DONE];

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
  private readonly extraSets: Map<string, HdfDataset>;
  /** What --resume trusts (see journal.ts); null only for a writer whose journal was removed. */
  private journal: SampleJournal | null = null;

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
    this.extraSets = new Map(Object.keys(header.extras ?? {}).map((name) => [name, requireDataset(file, name)]));
  }

  /** Creates a new file; refuses to replace an existing one unless `{ overwrite: true }`. */
  static create(path: string, header: DatasetHeader, opts: CreateOptions = {}): ProgressiveWriter {
    h5();
    const norm = normalizeHeader(header);
    if (fs.existsSync(path) && opts.overwrite !== true) {
      throw new DataInputError(`${path} already exists: pass { overwrite: true } to replace it`);
    }
    const n = norm.shape[0];
    // Created whole at a temporary path and renamed into place: a kill during creation leaves no
    // half-made file at `path` (HDF5 writes its metadata in several pieces).
    createProgressive(path, norm, new Map());
    const writer = new ProgressiveWriter(path, openHdf5(path, 'a'), norm, new Uint8Array(n));
    writer.journal = SampleJournal.create(path, norm);
    return writer;
  }

  /**
   * Resumes from the sample journal of `path` when there is one for `header` (see journal.ts):
   * the progressive file is rebuilt from the journal's intact samples, whatever state a kill
   * left the HDF5 file in. Returns null when there is no usable journal (then `open` reads the
   * HDF5 file as it is).
   */
  static recover(path: string, header: DatasetHeader): ProgressiveWriter | null {
    h5();
    const norm = normalizeHeader(header);
    const found = SampleJournal.resume(path, norm);
    if (found === null) return null;
    try {
      createProgressive(path, norm, found.samples);
    } catch (err) {
      found.journal.close();
      throw err;
    }
    const done = new Uint8Array(norm.shape[0]);
    for (const i of found.samples.keys()) done[i] = 1;
    const writer = new ProgressiveWriter(path, openHdf5(path, 'a'), norm, done);
    writer.journal = found.journal;
    return writer;
  }

  /** Reopens an incomplete file to resume it; throws if it is complete or was not written by us. */
  static open(path: string): ProgressiveWriter {
    h5();
    if (!fs.existsSync(path)) throw new DataInputError(`cannot resume ${path}: no such file`);
    const probe = H5Dataset.open(path);
    const { status, shape, x, y, t, attrs, extras } = probe;
    const done = probe.samplesDone();
    probe.close();
    if (status === 'complete') throw new DataInputError(`cannot resume ${path}: it is complete (attribute \`${ATTR.complete}\` = 1)`);
    if (status === 'foreign') {
      throw new DataInputError(`cannot resume ${path}: not written by ${GENERATOR_NAME} (attribute \`${ATTR.generator}\` is ${JSON.stringify(attrs[ATTR.generator] ?? null)})`);
    }
    const header: DatasetHeader = { shape, coordinates: y === undefined ? { x, t } : { x, y, t }, attrs };
    if (Object.keys(extras).length > 0) header.extras = extras;
    const writer = new ProgressiveWriter(path, openHdf5(path, 'a'), header, done);
    // A file without a journal (written before journals existed): start one with its samples.
    try {
      writer.journal = SampleJournal.create(path, normalizeHeader(header));
      for (let i = 0; i < done.length; i++) if (done[i] === 1) writer.journal.append(i, writer.readSample(i), writer.readExtras(i));
    } catch (err) {
      writer.close();
      throw err;
    }
    return writer;
  }

  /** Which samples are finished (1) — a copy. */
  done(): Uint8Array {
    return this.doneFlags.slice();
  }

  /**
   * Writes tensor[i] and the sample's extras (required when the header has extras), flushes, then
   * marks samples-done[i] = 1 and flushes again.
   */
  writeSample(i: number, data: Float32Array, extras?: Record<string, Float64Array>): void {
    const file = this.openFile();
    this.checkIndex(i);
    checkSampleData(data, this.size, i, this.header.shape);
    checkExtras(extras, this.header.extras, i);
    // The journal first: it is what a resume after a kill trusts.
    this.journal?.append(i, data, extras ?? {});
    try {
      withFixedClock(() => {
        this.tensor.write_slice([[i, i + 1]], data);
        for (const [name, ds] of this.extraSets) ds.write_slice([[i, i + 1]], (extras as Record<string, Float64Array>)[name]);
        // Data before flag: a crash between the two flushes leaves the sample unmarked, never
        // marked-but-missing.
        file.flush();
        this.doneSet.write_slice([[i, i + 1]], Uint8Array.of(1));
        file.flush();
      });
    } catch (err) {
      // A full disk: one line naming the file; the samples already marked stay valid for --resume.
      throw asWriteError(this.path, err);
    }
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

  /** The extras written with sample i (empty when the header has none). */
  readExtras(i: number): Record<string, Float64Array> {
    this.openFile();
    this.checkIndex(i);
    if (this.doneFlags[i] !== 1) throw new DataInputError(`sample ${i} of ${this.path} has not been written yet`);
    const out: Record<string, Float64Array> = {};
    for (const [name, ds] of this.extraSets) out[name] = asFloat64(ds.slice([[i, i + 1]]), `${this.path}: \`${name}\``);
    return out;
  }

  /** Sample i with its extras, in the form `writeCanonical` takes. */
  readRecord(i: number): SampleRecord {
    return { tensor: this.readSample(i), extras: this.readExtras(i) };
  }

  close(): void {
    if (this.file !== null) {
      withFixedClock(() => this.file?.close());
      this.file = null;
    }
    this.journal?.close();
  }

  /** Deletes the sample journal: call once the canonical file has replaced the progressive one. */
  removeJournal(): void {
    this.journal?.remove();
    this.journal = null;
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
 * Writes the final file canonically, through the atomic writer (`${path}.tmp-<pid>`, fsync,
 * rename, fsync of the folder; on failure the temporary file is removed and `path` untouched):
 * fixed clock, tensor created at full shape chunked [1, T, ...], samples written in index order
 * from `getSample(i)` (streamed: one sample in memory at a time; `getSample` returns a
 * `SampleRecord` when the header has extras), the extras in name order, coordinates, attrs in
 * sorted order, `complete` = 1 last. Same inputs → same bytes. A full disk is reported as one line
 * ("cannot write PATH: no space left on device"), and a later resume finds the progressive file
 * as it was.
 */
export function writeCanonical(path: string, header: DatasetHeader, getSample: (i: number) => Float32Array | SampleRecord): void {
  h5();
  const norm = normalizeHeader(header);
  const size = sampleSize(norm.shape);
  replaceFileAtomic(path, (tmp) =>
    withFixedClock(() => {
      const f = createFile(tmp);
      try {
        const tensor = createTensor(f, norm.shape);
        const n = norm.shape[0];
        const extraSpec = norm.extras ?? {};
        const extraValues = new Map(Object.entries(extraSpec).map(([name, shape]) => [name, new Float64Array(n * sampleSize([n, ...shape]))]));
        for (let i = 0; i < n; i++) {
          const got = getSample(i);
          const isRecord = !(got instanceof Float32Array) && got !== null && typeof got === 'object' && 'tensor' in got;
          const record: { tensor: Float32Array; extras?: Record<string, Float64Array> } = isRecord ? got : { tensor: got as Float32Array };
          checkSampleData(record.tensor, size, i, norm.shape);
          tensor.write_slice([[i, i + 1]], record.tensor);
          checkExtras(record.extras, norm.extras, i);
          if (norm.extras !== undefined) {
            for (const [name, all] of extraValues) {
              const v = (record.extras as Record<string, Float64Array>)[name];
              all.set(v, i * v.length);
            }
          }
        }
        for (const [name, all] of extraValues) f.create_dataset({ name, data: all, shape: [n, ...extraSpec[name]], dtype: '<d' });
        writeCoordinates(f, norm.coordinates);
        writeAttrs(f, norm.attrs);
        writeAttr(f, ATTR.complete, 1);
      } catch (err) {
        closeAfterFailure(f);
        throw err;
      }
      // Closing flushes HDF5's caches: on a full disk this is where the write fails.
      f.close();
    }),
  );
}

/**
 * Closes a file whose writing already failed. HDF5 then tries to flush what it could not write
 * and fails again with the same cause; that second error says nothing new, and the first one is
 * the one the caller reports, so it is dropped here (the temporary file is removed next).
 */
function closeAfterFailure(f: HdfFile): void {
  try {
    f.close();
  } catch (secondary) {
    void secondary;
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
  const out: DatasetHeader = { shape: header.shape.slice(), coordinates, attrs };
  if (header.extras !== undefined) out.extras = normalizeExtras(header.extras);
  return out;
}

function normalizeExtras(extras: Record<string, number[]>): Record<string, number[]> {
  if (extras === null || typeof extras !== 'object' || Array.isArray(extras)) {
    throw new DataInputError(`extras ${describe(extras)} is not allowed: use { name: per-sample shape }, e.g. { mass: [T] }`);
  }
  const out: Record<string, number[]> = {};
  for (const name of Object.keys(extras).sort()) {
    if (name === '' || name.includes('/') || name.startsWith('.')) throw new DataInputError(`extra name ${JSON.stringify(name)} is not allowed: use a plain dataset name such as "mass"`);
    if (RESERVED_NAMES.includes(name)) throw new DataInputError(`extra name "${name}" is not allowed: it is one of the layout's datasets (${RESERVED_NAMES.join(', ')})`);
    const shape = extras[name];
    if (!Array.isArray(shape) || shape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
      throw new DataInputError(`extra "${name}" has per-sample shape ${JSON.stringify(shape)}: use an array of positive integers ([] for one number per sample)`);
    }
    out[name] = shape.slice();
  }
  return out;
}

/** Each header extra present, float64, of its per-sample size; nothing else. */
function checkExtras(extras: Record<string, Float64Array> | undefined, spec: Record<string, number[]> | undefined, i: number): void {
  const names = Object.keys(spec ?? {});
  if (names.length === 0) {
    if (extras !== undefined && Object.keys(extras).length > 0) {
      throw new DataInputError(`sample ${i} has extras ${Object.keys(extras).join(', ')} but the header declares none`);
    }
    return;
  }
  if (extras === null || typeof extras !== 'object') throw new DataInputError(`sample ${i} has no extras: the header declares ${names.join(', ')}`);
  for (const name of Object.keys(extras)) {
    if (!names.includes(name)) throw new DataInputError(`sample ${i} has extra "${name}" that the header does not declare (declared: ${names.join(', ')})`);
  }
  for (const name of names) {
    const v = extras[name];
    const want = sampleSize([0, ...(spec as Record<string, number[]>)[name]]);
    if (!(v instanceof Float64Array)) throw new DataInputError(`sample ${i}: extra "${name}" is ${describe(v)}: use a Float64Array`);
    if (v.length !== want) throw new DataInputError(`sample ${i}: extra "${name}" has ${v.length} values; expected ${want}`);
  }
}

/** Extras created at full shape [N, ...] float64 (contiguous: fixed size, written by sample). */
function createExtras(file: HdfFile, n: number, extras: Record<string, number[]> | undefined): void {
  for (const [name, shape] of Object.entries(extras ?? {})) {
    file.create_dataset({ name, data: new Float64Array(n * sampleSize([n, ...shape])), shape: [n, ...shape], dtype: '<d' });
  }
}

function asFloat64(raw: unknown, what: string): Float64Array {
  if (raw instanceof Float64Array) return raw;
  if (raw instanceof Float32Array) return Float64Array.from(raw);
  throw new DataInputError(`${what} did not read back as float data`);
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
/**
 * Writes a progressive file for `header` holding `samples` (marked done) at a temporary path and
 * renames it over `path` (replaceFileAtomic).
 */
function createProgressive(path: string, norm: DatasetHeader, samples: Map<number, SampleRecord>): void {
  const n = norm.shape[0];
  const dir = nodePath.dirname(nodePath.resolve(path));
  if (!fs.existsSync(dir)) throw new DataInputError(`cannot create ${path}: directory ${dir} does not exist`);
  replaceFileAtomic(path, (tmp) =>
    withFixedClock(() => {
      const f = createFile(tmp);
      try {
        const tensor = createTensor(f, norm.shape);
        createExtras(f, n, norm.extras);
        writeCoordinates(f, norm.coordinates);
        const done = new Uint8Array(n);
        for (const i of [...samples.keys()].sort((a, b) => a - b)) {
          const rec = samples.get(i) as SampleRecord;
          tensor.write_slice([[i, i + 1]], rec.tensor);
          done[i] = 1;
        }
        f.create_dataset({ name: SAMPLES_DONE, data: done, shape: [n], dtype: '<B' });
        for (const name of Object.keys(norm.extras ?? {})) {
          const ds = requireDataset(f, name);
          for (const [i, rec] of samples) ds.write_slice([[i, i + 1]], rec.extras[name]);
        }
        writeAttrs(f, norm.attrs);
      } catch (err) {
        closeAfterFailure(f);
        throw err;
      }
      f.close();
    }),
  );
}

function createFile(path: string): HdfFile {
  const dir = nodePath.dirname(nodePath.resolve(path));
  if (!fs.existsSync(dir)) throw new DataInputError(`cannot create ${path}: directory ${dir} does not exist`);
  try {
    return new (h5().File)(path, 'w', WRITE_OPTIONS);
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

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (ArrayBuffer.isView(value)) return value.constructor.name;
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}
