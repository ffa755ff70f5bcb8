/**
 * Checkpoints: one file, `<out>/checkpoint.safetensors`, in the safetensors layout (8-byte
 * little-endian header length, JSON header, raw little-endian tensor data), so Python's
 * `safetensors.numpy.load_file` reads the weights directly. Tensors:
 *   `weight.NNNN` — the model's `trainableWeights()` in order, float32;
 *   `adam.m.NNNN`, `adam.v.NNNN` — the optimizer's moments for the same weights.
 * Everything else — {format, version, kind, config, trainOptions, normalizer, epoch, optimizer,
 * schedule, rng, metrics, ...} — is JSON in the header's `__metadata__["pde-surrogate"]`.
 *
 * Integrity (format 2): `digest` is the SHA-256 of the whole file — length prefix, header with
 * the tensor table and every metadata field, and the data — computed with the digest's own 64 hex
 * digits set to '0'; so a changed normalizer, counter, split or option is refused like a flipped
 * weight bit. Format 1 files (a digest of the data section only) still load, with one warning per
 * file that their header is unchecked. A checkpoint is written by the atomic writer (every byte,
 * fsync, rename, fsync of the folder): the file on disk is always a complete checkpoint, and a
 * full disk leaves the previous one in place.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageVersion } from '../../solvers/version.js';
import { writeFileAtomic } from '../data/atomic.js';
import { UnitGaussianNormalizer, type NormalizerJSON, type Splits } from '../data/index.js';
import type { DataRef } from '../data/fingerprint.js';
import { initBackend, type BackendName } from '../engine/backend.js';
import type { ModelConfig, SurrogateModel } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { CheckpointError } from './errors.js';
import type { OptimizerState } from './optimizers.js';
import type { ScheduleOptions, TrainOptions } from './options.js';

export const CHECKPOINT_FORMAT = 'pde-surrogate-checkpoint';
export const CHECKPOINT_VERSION = 2;
export const CHECKPOINT_FILE = 'checkpoint.safetensors';
const METADATA_KEY = 'pde-surrogate';

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean per-sample training loss over the epoch's batches (weights changing during the epoch). */
  trainLoss: number;
  /** Mean per-sample validation loss after the epoch; null without a validation split. */
  valLoss: number | null;
  /** Learning rate used in the epoch. */
  lr: number;
  /** Wall time of the epoch (training and validation). */
  seconds: number;
  /** Optimizer steps so far. */
  steps: number;
}

/** Everything a checkpoint holds besides tensors. */
export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  packageVersion: string;
  kind: string;
  /** The model's resolved config (rebuilds it through the registry). */
  config: ModelConfig;
  /** The backend it was trained on, in words (describeBackend). */
  backend: string;
  trainOptions: TrainOptions;
  normalizer: { input: NormalizerJSON | null; output: NormalizerJSON | null };
  /** The model's view of one frame, [...spatial, channels], as trained. */
  frameShape: number[];
  /** Shape of the dataset's tensor it was trained on, [N, T, ...] (checked on resume). */
  dataShape: number[];
  /**
   * The data file: relative to the run directory, absolute, and its content fingerprint (format 2;
   * format 1 kept only `trainOptions.data`, relative to the directory training ran in).
   */
  dataRef?: DataRef;
  splits: Splits;
  /** Completed epochs. */
  epoch: number;
  /** Batches done in epoch `epoch + 1` when interrupted mid-epoch; 0 at an epoch boundary. */
  batch: number;
  /** Accumulators of a partly done epoch: Σ loss·batch size, samples, seconds so far. */
  partial: { lossSum: number; count: number; seconds: number };
  optimizer: { kind: string; step: number };
  schedule: ScheduleOptions & { lr: number };
  /**
   * The trainer's randomness: the batch order is a pure function of (seed, epoch), so its state
   * is the position (epoch, batch) at which to continue.
   */
  rng: { kind: 'batch-order'; seed: number; epoch: number; batch: number };
  metrics: EpochMetrics[];
  /** Shapes of the weights, in order. */
  weights: number[][];
  /** SHA-256 (hex) of the data section. */
  dataSha256: string;
  /**
   * SHA-256 (hex) of the whole file with these 64 digits written as '0' (format 2; absent in
   * format 1, whose header is unchecked).
   */
  digest?: string;
}

/** What a caller gives writeCheckpoint: the metadata without the fields derived from the file. */
export type CheckpointMetaInput = Omit<CheckpointMeta, 'weights' | 'dataSha256' | 'digest' | 'format' | 'version' | 'packageVersion'>;

const DIGEST_PLACEHOLDER = '0'.repeat(64);

/** Path of the checkpoint file for a run directory or checkpoint path. */
export function checkpointPath(pathOrDir: string): string {
  return fs.existsSync(pathOrDir) && fs.statSync(pathOrDir).isDirectory() ? nodePath.join(pathOrDir, CHECKPOINT_FILE) : pathOrDir;
}

/**
 * Writes a checkpoint atomically (temp file, fsync, rename). `meta` lacks the fields derived from
 * the tensors (weights, dataSha256, format, version, packageVersion), which are filled in here.
 */
export function writeCheckpoint(
  path: string,
  meta: CheckpointMetaInput,
  weights: { shape: number[]; data: Float32Array }[],
  optimizer: OptimizerState,
): void {
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  const id = (i: number): string => String(i).padStart(4, '0');
  weights.forEach((w, i) => tensors.push({ name: `weight.${id(i)}`, shape: w.shape, data: w.data }));
  optimizer.m.forEach((m, i) => tensors.push({ name: `adam.m.${id(i)}`, shape: weights[i].shape, data: m }));
  optimizer.v.forEach((v, i) => tensors.push({ name: `adam.v.${id(i)}`, shape: weights[i].shape, data: v }));
  const dataBytes = tensors.reduce((a, t) => a + t.data.byteLength, 0);
  const data = Buffer.alloc(dataBytes);
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(data, offset);
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  const full: CheckpointMeta = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    packageVersion: packageVersion(),
    ...meta,
    weights: weights.map((w) => w.shape),
    dataSha256: crypto.createHash('sha256').update(data).digest('hex'),
    digest: DIGEST_PLACEHOLDER,
  };
  header.__metadata__ = { [METADATA_KEY]: JSON.stringify(full) };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // safetensors pads the header with spaces so the data starts 8-byte aligned.
  if (json.length % 8 !== 0) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  // The placeholder is the only run of 64 '0's after `"digest":"` (escaped inside the metadata string).
  const at = digestOffset(json);
  if (at < 0) throw new Error('checkpoint header: the digest field is not where it was written');
  const digest = crypto.createHash('sha256').update(len).update(json).update(data).digest('hex');
  json.write(digest, at, 'latin1');
  writeFileAtomic(path, [len, json, data]);
}

/** Offset in the header JSON of the 64 hex digits of `digest` (the metadata is a JSON string in it). */
function digestOffset(json: Buffer): number {
  const key = Buffer.from('\\"digest\\":\\"', 'latin1');
  const at = json.indexOf(key);
  if (at < 0 || json.indexOf(key, at + 1) >= 0) return -1;
  return at + key.length;
}

/** SHA-256 of the file with the 64 digest digits at `at` read as '0'. */
function fileDigest(buf: Buffer, at: number): string {
  return crypto
    .createHash('sha256')
    .update(buf.subarray(0, at))
    .update(DIGEST_PLACEHOLDER, 'latin1')
    .update(buf.subarray(at + 64))
    .digest('hex');
}

const warnedUnchecked = new Set<string>();

/** A checkpoint file's metadata and tensors, validated (format, version, sizes, checksum). */
export interface CheckpointFile {
  path: string;
  meta: CheckpointMeta;
  weights: Float32Array[];
  optimizer: OptimizerState;
}

export function readCheckpoint(pathOrDir: string): CheckpointFile {
  const path = checkpointPath(pathOrDir);
  if (!fs.existsSync(path)) throw new CheckpointError(`${path}: no such checkpoint${pathOrDir === path ? '' : ` (looked for ${CHECKPOINT_FILE} in ${pathOrDir})`}`);
  const buf = fs.readFileSync(path);
  const bad = (why: string): CheckpointError => new CheckpointError(`${path}: not a pde-surrogate checkpoint (${why})`);
  if (buf.length < 8) throw bad(`${buf.length} bytes, too short for a safetensors header`);
  const n = buf.readBigUInt64LE(0);
  if (n > BigInt(buf.length - 8)) throw bad(`header length ${n} exceeds the file's ${buf.length} bytes`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(buf.subarray(8, 8 + Number(n)).toString('utf8')) as Record<string, unknown>;
  } catch (err) {
    throw bad(`header is not JSON: ${(err as Error).message}`);
  }
  const metaText = (header.__metadata__ as Record<string, unknown> | undefined)?.[METADATA_KEY];
  if (typeof metaText !== 'string') throw bad(`no __metadata__["${METADATA_KEY}"] entry`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(metaText) as CheckpointMeta;
  } catch (err) {
    throw bad(`metadata is not JSON: ${(err as Error).message}`);
  }
  if (meta.format !== CHECKPOINT_FORMAT) throw bad(`format ${JSON.stringify(meta.format)}`);
  if (typeof meta.version !== 'number') throw bad(`version ${JSON.stringify(meta.version)}`);
  if (meta.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(`${path}: checkpoint format ${meta.version} is newer than this pde-surrogate supports (${CHECKPOINT_VERSION}); upgrade pde-surrogate to load it`);
  }
  if (meta.version !== CHECKPOINT_VERSION && meta.version !== 1) throw bad(`unknown format version ${meta.version}`);
  const data = buf.subarray(8 + Number(n));
  const expected = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .reduce((end, [, v]) => Math.max(end, ((v as { data_offsets?: number[] }).data_offsets ?? [0, 0])[1]), 0);
  if (data.length < expected) throw new CheckpointError(`${path}: checkpoint is truncated (${data.length} data bytes; its header describes ${expected})`);
  if (crypto.createHash('sha256').update(data).digest('hex') !== meta.dataSha256) {
    throw new CheckpointError(`${path}: checkpoint is corrupt (data checksum mismatch)`);
  }
  if (meta.version >= 2) {
    const at = digestOffset(buf.subarray(8, 8 + Number(n)));
    if (typeof meta.digest !== 'string' || !/^[0-9a-f]{64}$/.test(meta.digest) || at < 0 || fileDigest(buf, 8 + at) !== meta.digest) {
      throw new CheckpointError(`${path}: checkpoint is corrupt (header checksum mismatch): its metadata or tensor table changed after it was written`);
    }
  } else if (!warnedUnchecked.has(nodePath.resolve(path))) {
    warnedUnchecked.add(nodePath.resolve(path));
    process.emitWarning(`${path}: checkpoint format 1 has a checksum of its weights only; its header (normalizers, counters, options) is unchecked. Training on with --resume rewrites it in format 2.`, { code: 'PDES_CHECKPOINT_V1' });
  }
  const tensor = (name: string, shape: number[]): Float32Array => {
    const entry = header[name] as { dtype?: string; shape?: number[]; data_offsets?: [number, number] } | undefined;
    if (entry === undefined) throw bad(`tensor ${name} is missing`);
    const size = shape.reduce((a, b) => a * b, 1);
    const [a, b] = entry.data_offsets ?? [0, -1];
    if (entry.dtype !== 'F32' || JSON.stringify(entry.shape) !== JSON.stringify(shape) || b - a !== 4 * size) {
      throw bad(`tensor ${name} is ${entry.dtype} [${entry.shape?.join(', ')}] at ${a}..${b}; expected F32 [${shape.join(', ')}]`);
    }
    // Copy out: the data section need not be 4-byte aligned in the Buffer's memory.
    return new Float32Array(data.buffer.slice(data.byteOffset + a, data.byteOffset + b));
  };
  const id = (i: number): string => String(i).padStart(4, '0');
  return {
    path,
    meta,
    weights: meta.weights.map((s, i) => tensor(`weight.${id(i)}`, s)),
    optimizer: {
      step: meta.optimizer.step,
      m: meta.weights.map((s, i) => tensor(`adam.m.${id(i)}`, s)),
      v: meta.weights.map((s, i) => tensor(`adam.v.${id(i)}`, s)),
    },
  };
}

export interface LoadOptions {
  /** Model kind the caller expects; another kind in the file is an error. */
  kind?: string;
  /** Initialise this tfjs backend first (e.g. 'wasm'); by default the active one is used. */
  backend?: BackendName;
}

/** A checkpoint rebuilt: the model (through the registry), its normalizers and the training state. */
export interface LoadedCheckpoint {
  path: string;
  meta: CheckpointMeta;
  model: SurrogateModel;
  normalizers: { input: UnitGaussianNormalizer | null; output: UnitGaussianNormalizer | null };
  optimizer: OptimizerState;
  /** Disposes the model. */
  dispose(): void;
}

/**
 * Loads a checkpoint file (or the one in a run directory) and rebuilds its model; throws a
 * one-line `CheckpointError` for a missing, corrupt or newer-format file or another model kind.
 */
export async function loadCheckpoint(pathOrDir: string, opts: LoadOptions = {}): Promise<LoadedCheckpoint> {
  if (opts.backend !== undefined) await initBackend(opts.backend);
  const file = readCheckpoint(pathOrDir);
  const { meta, path } = file;
  if (opts.kind !== undefined && opts.kind !== meta.kind) throw new CheckpointError(`${path} holds a '${meta.kind}' model, not '${opts.kind}'`);
  let model: SurrogateModel;
  try {
    model = createModel(meta.config);
  } catch (err) {
    throw new CheckpointError(`${path}: cannot rebuild its '${meta.kind}' model: ${(err as Error).message}`);
  }
  try {
    setWeights(model, file.weights, path);
  } catch (err) {
    model.dispose();
    throw err;
  }
  const norm = (j: NormalizerJSON | null): UnitGaussianNormalizer | null => (j === null ? null : UnitGaussianNormalizer.fromJSON(j));
  return {
    path,
    meta,
    model,
    normalizers: { input: norm(meta.normalizer.input), output: norm(meta.normalizer.output) },
    optimizer: file.optimizer,
    dispose: () => model.dispose(),
  };
}

/** Assigns saved weights to a model, checking their number and shapes. */
export function setWeights(model: SurrogateModel, values: readonly Float32Array[], source: string): void {
  const weights = model.trainableWeights();
  if (weights.length !== values.length) {
    throw new CheckpointError(`${source}: ${values.length} weights saved but the '${model.kind}' model built from its config has ${weights.length}`);
  }
  weights.forEach((w, i) => {
    if (values[i].length !== w.size) {
      throw new CheckpointError(`${source}: weight ${i} has ${values[i].length} values but the '${model.kind}' model's has shape [${w.shape.join(', ')}]`);
    }
  });
  tf.tidy(() => weights.forEach((w, i) => w.assign(tf.tensor(values[i], w.shape, 'float32'))));
}

/** The model's weights as float32 copies, in order. */
export function getWeights(model: SurrogateModel): { shape: number[]; data: Float32Array }[] {
  return model.trainableWeights().map((w) => ({ shape: w.shape.slice(), data: (w.dataSync() as Float32Array).slice() }));
}
