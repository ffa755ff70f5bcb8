/**
 * The checkpoint format, shared by its writer (src/training/checkpoint.ts) and its reader
 * (./checkpoint_reader.ts). Checkpoints: one file, `<out>/checkpoint.safetensors`, in the
 * safetensors layout (8-byte little-endian header length, JSON header, raw little-endian tensor
 * data), so Python's `safetensors.numpy.load_file` reads the weights directly. Tensors:
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
import type { NormalizerJSON, Splits } from '../data/index.js';
import type { DataRef } from '../data/fingerprint.js';
import type { ModelConfig } from '../models/model.js';
import type { Mapping } from './mapping.js';

export const CHECKPOINT_FILE = 'checkpoint.safetensors';
export const CHECKPOINT_FORMAT = 'pde-surrogate-checkpoint';
export const CHECKPOINT_VERSION = 2;
/** The key of the metadata JSON in the safetensors header's `__metadata__`. */
export const METADATA_KEY = 'pde-surrogate';
/** What the 64 digest digits read as while the digest is computed. */
export const DIGEST_PLACEHOLDER = '0'.repeat(64);

/** Name of tensor i of a group ('weight', 'adam.m', 'adam.v'): `weight.0003`. */
export function tensorName(group: string, i: number): string {
  return `${group}.${String(i).padStart(4, '0')}`;
}

/** Serialisable optimizer state: moments in the model's `trainableWeights()` order (src/training/optimizers.ts). */
export interface OptimizerState {
  /** Updates applied so far (bias correction uses it). */
  step: number;
  m: Float32Array[];
  v: Float32Array[];
}

/**
 * The training options a checkpoint records, as far as inference reads them; the full record is
 * src/training/options.ts `TrainOptions`.
 */
export interface RecordedTrainOptions {
  mapping: Mapping;
  /** The training loss ('gaussian-nll' models have a noise head). */
  loss: string;
  subsample: number;
  batchSize: number;
}

/** The learning-rate schedule a checkpoint records (src/training/options.ts `ScheduleOptions`), with its base rate. */
export interface RecordedSchedule {
  kind: string;
  lr: number;
}

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
export interface CheckpointMeta<O extends RecordedTrainOptions = RecordedTrainOptions, S extends RecordedSchedule = RecordedSchedule> {
  format: typeof CHECKPOINT_FORMAT;
  version: number;
  packageVersion: string;
  kind: string;
  /** The model's resolved config (rebuilds it through the registry). */
  config: ModelConfig;
  /** The backend it was trained on, in words (describeBackend). */
  backend: string;
  /** The resolved training options (src/training/options.ts `TrainOptions`). */
  trainOptions: O;
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
  schedule: S;
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

/** Offset in the header JSON of the 64 hex digits of `digest` (the metadata is a JSON string in it). */
export function digestOffset(json: Buffer): number {
  const key = Buffer.from('\\"digest\\":\\"', 'latin1');
  const at = json.indexOf(key);
  if (at < 0 || json.indexOf(key, at + 1) >= 0) return -1;
  return at + key.length;
}

/** SHA-256 of the file with the 64 digest digits at `at` read as '0'. */
export function fileDigest(buf: Buffer, at: number): string {
  return crypto
    .createHash('sha256')
    .update(buf.subarray(0, at))
    .update(DIGEST_PLACEHOLDER, 'latin1')
    .update(buf.subarray(at + 64))
    .digest('hex');
}
