/**
 * Checkpoints: one file, `<out>/checkpoint.safetensors`, in the safetensors layout (8-byte
 * little-endian header length, JSON header, raw little-endian tensor data), so Python's
 * `safetensors.numpy.load_file` reads the weights directly. Tensors:
 *   `weight.NNNN` — the model's `trainableWeights()` in order, float32;
 *   `adam.m.NNNN`, `adam.v.NNNN` — the optimizer's moments for the same weights.
 * Everything else — {format, version, kind, config, trainOptions, normalizer, epoch, optimizer,
 * schedule, rng, metrics, ...} — is JSON in the header's `__metadata__["pde-surrogate"]`, with a
 * SHA-256 of the data section so corruption is detected. A checkpoint is written to a temporary
 * file, synced, and renamed over the old one: the file on disk is always a complete checkpoint.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { packageVersion } from '../../datasets/version.js';
import { UnitGaussianNormalizer, type NormalizerJSON, type Splits } from '../data/index.js';
import { initBackend, type BackendName } from '../engine/backend.js';
import type { ModelConfig, SurrogateModel } from '../models/model.js';
import { createModel } from '../models/registry.js';
import { CheckpointError } from './errors.js';
import type { OptimizerState } from './optimizers.js';
import type { ScheduleOptions, TrainOptions } from './options.js';

export const CHECKPOINT_FORMAT = 'pde-surrogate-checkpoint';
export const CHECKPOINT_VERSION = 1;
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
}

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
  meta: Omit<CheckpointMeta, 'weights' | 'dataSha256' | 'format' | 'version' | 'packageVersion'>,
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
  };
  header.__metadata__ = { [METADATA_KEY]: JSON.stringify(full) };
  let json = Buffer.from(JSON.stringify(header), 'utf8');
  // safetensors pads the header with spaces so the data starts 8-byte aligned.
  if (json.length % 8 !== 0) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const tmp = `${path}.tmp-${process.pid}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    for (const part of [len, json, data]) fs.writeSync(fd, part);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, path);
}

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
  if (meta.version !== CHECKPOINT_VERSION) throw bad(`unknown format version ${meta.version}`);
  const data = buf.subarray(8 + Number(n));
  const expected = Object.entries(header)
    .filter(([k]) => k !== '__metadata__')
    .reduce((end, [, v]) => Math.max(end, ((v as { data_offsets?: number[] }).data_offsets ?? [0, 0])[1]), 0);
  if (data.length < expected) throw new CheckpointError(`${path}: checkpoint is truncated (${data.length} data bytes; its header describes ${expected})`);
  if (crypto.createHash('sha256').update(data).digest('hex') !== meta.dataSha256) {
    throw new CheckpointError(`${path}: checkpoint is corrupt (data checksum mismatch)`);
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
