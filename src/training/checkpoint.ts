/**
 * Checkpoints (the writer; the format's constants are in src/inference/checkpoint_format.ts and
 * the reader in src/inference/checkpoint_reader.ts, which training re-exports): one file, `<out>/checkpoint.safetensors`, in the safetensors layout (8-byte
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
import { packageVersion } from '../../core/runtime.js';
import { writeFileAtomic } from '../../core/atomic.js';
import type { SurrogateModel } from '../models/model.js';
import {
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
  digestOffset,
  DIGEST_PLACEHOLDER,
  METADATA_KEY,
  tensorName,
  type CheckpointMeta as StoredCheckpointMeta,
} from '../inference/checkpoint_format.js';
import {
  readCheckpoint as readStoredCheckpoint,
  loadCheckpoint as loadStoredCheckpoint,
  type CheckpointFile as StoredCheckpointFile,
  type LoadedCheckpoint as StoredLoadedCheckpoint,
  type LoadOptions,
} from '../inference/checkpoint_reader.js';
import type { OptimizerState } from './optimizers.js';
import type { ScheduleOptions, TrainOptions } from './options.js';

export { CHECKPOINT_FILE, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, type EpochMetrics } from '../inference/checkpoint_format.js';
export { checkpointPath, setWeights, type LoadOptions } from '../inference/checkpoint_reader.js';

/** Everything a checkpoint written by this trainer holds besides tensors, with its full training record. */
export type CheckpointMeta = StoredCheckpointMeta<TrainOptions, ScheduleOptions & { lr: number }>;
/** A checkpoint file's metadata and tensors, validated (format, version, sizes, checksum). */
export type CheckpointFile = StoredCheckpointFile<CheckpointMeta>;
/** A checkpoint rebuilt: the model (through the registry), its normalizers and the training state. */
export type LoadedCheckpoint = StoredLoadedCheckpoint<CheckpointMeta>;

/** Reads and verifies a checkpoint (src/inference/checkpoint_reader.ts) with the trainer's record. */
export const readCheckpoint: (pathOrDir: string) => CheckpointFile = readStoredCheckpoint;
/**
 * Loads a checkpoint file (or the one in a run directory) and rebuilds its model; throws a
 * one-line `CheckpointError` for a missing, corrupt or newer-format file or another model kind.
 */
export const loadCheckpoint: (pathOrDir: string, opts?: LoadOptions) => Promise<LoadedCheckpoint> = loadStoredCheckpoint;

/** What a caller gives writeCheckpoint: the metadata without the fields derived from the file. */
export type CheckpointMetaInput = Omit<CheckpointMeta, 'weights' | 'dataSha256' | 'digest' | 'format' | 'version' | 'packageVersion'>;

/**
 * Writes a checkpoint atomically (temp file, fsync, rename). `meta` lacks the fields derived from
 * the tensors (weights, dataSha256, format, version, packageVersion), which are filled in here.
 */
export function writeCheckpoint(path: string, meta: CheckpointMetaInput, weights: { shape: number[]; data: Float32Array }[], optimizer: OptimizerState): void {
  const tensors: { name: string; shape: number[]; data: Float32Array }[] = [];
  weights.forEach((w, i) => tensors.push({ name: tensorName('weight', i), shape: w.shape, data: w.data }));
  optimizer.m.forEach((m, i) => tensors.push({ name: tensorName('adam.m', i), shape: weights[i].shape, data: m }));
  optimizer.v.forEach((v, i) => tensors.push({ name: tensorName('adam.v', i), shape: weights[i].shape, data: v }));
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

/** The model's weights as float32 copies, in order. */
export function getWeights(model: SurrogateModel): { shape: number[]; data: Float32Array }[] {
  return model.trainableWeights().map((w) => ({ shape: w.shape.slice(), data: (w.dataSync() as Float32Array).slice() }));
}
