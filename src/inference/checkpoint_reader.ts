/**
 * Reads checkpoints (see ./checkpoint_format.ts): finds, parses and verifies
 * `checkpoint.safetensors` (format 2: the whole-file digest; format 1: the data digest, with one
 * warning per file that its header is unchecked) and rebuilds its model through the registry.
 * The metadata type `M` is the caller's view of it: training reads its full record
 * (src/training/checkpoint.ts `CheckpointMeta`), inference the fields it needs.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { UnitGaussianNormalizer, type NormalizerJSON } from '../data/index.js';
import { initBackend, type BackendName } from '../engine/backend.js';
import type { SurrogateModel } from '../models/model.js';
import { createModel } from '../models/registry.js';
import {
  CHECKPOINT_FILE,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  digestOffset,
  fileDigest,
  METADATA_KEY,
  tensorName,
  type CheckpointMeta,
  type OptimizerState,
} from './checkpoint_format.js';
import { CheckpointError } from './errors.js';

/** Path of the checkpoint file for a run directory or checkpoint path. */
export function checkpointPath(pathOrDir: string): string {
  return fs.existsSync(pathOrDir) && fs.statSync(pathOrDir).isDirectory() ? nodePath.join(pathOrDir, CHECKPOINT_FILE) : pathOrDir;
}

const warnedUnchecked = new Set<string>();

/** A checkpoint file's metadata and tensors, validated (format, version, sizes, checksum). */
export interface CheckpointFile<M extends CheckpointMeta = CheckpointMeta> {
  path: string;
  meta: M;
  weights: Float32Array[];
  optimizer: OptimizerState;
}

export function readCheckpoint<M extends CheckpointMeta = CheckpointMeta>(pathOrDir: string): CheckpointFile<M> {
  const path = checkpointPath(pathOrDir);
  if (!fs.existsSync(path))
    throw new CheckpointError(`${path}: no such checkpoint${pathOrDir === path ? '' : ` (looked for ${CHECKPOINT_FILE} in ${pathOrDir})`}`);
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
  let meta: M;
  try {
    meta = JSON.parse(metaText) as M;
  } catch (err) {
    throw bad(`metadata is not JSON: ${(err as Error).message}`);
  }
  if (meta.format !== CHECKPOINT_FORMAT) throw bad(`format ${JSON.stringify(meta.format)}`);
  if (typeof meta.version !== 'number') throw bad(`version ${JSON.stringify(meta.version)}`);
  if (meta.version > CHECKPOINT_VERSION) {
    throw new CheckpointError(
      `${path}: checkpoint format ${meta.version} is newer than this pde-surrogate supports (${CHECKPOINT_VERSION}); upgrade pde-surrogate to load it`,
    );
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
    process.emitWarning(
      `${path}: checkpoint format 1 has a checksum of its weights only; its header (normalizers, counters, options) is unchecked. Training on with --resume rewrites it in format 2.`,
      { code: 'PDES_CHECKPOINT_V1' },
    );
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
  return {
    path,
    meta,
    weights: meta.weights.map((s, i) => tensor(tensorName('weight', i), s)),
    optimizer: {
      step: meta.optimizer.step,
      m: meta.weights.map((s, i) => tensor(tensorName('adam.m', i), s)),
      v: meta.weights.map((s, i) => tensor(tensorName('adam.v', i), s)),
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
export interface LoadedCheckpoint<M extends CheckpointMeta = CheckpointMeta> {
  path: string;
  meta: M;
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
export async function loadCheckpoint<M extends CheckpointMeta = CheckpointMeta>(pathOrDir: string, opts: LoadOptions = {}): Promise<LoadedCheckpoint<M>> {
  if (opts.backend !== undefined) await initBackend(opts.backend);
  const file = readCheckpoint<M>(pathOrDir);
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
