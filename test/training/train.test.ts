import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/models/index.js';
import {
  CheckpointError,
  CHECKPOINT_FILE,
  CONFIG_FILE,
  loadCheckpoint,
  METRICS_FILE,
  readCheckpoint,
  train,
  TrainingDiverged,
  TrainingInterrupted,
  TrainOptionsError,
  type EpochMetrics,
  type TrainOptionsInput,
} from '../../src/training/index.js';
import { makeBurgers, makeTmpDir, registerToy, removeTmpDirs, toyOptions } from './helpers.js';

let dir: string;
/** 11 frames on [0, 0.2]: next-step pairs for the toy model. */
let data: string;
/** u(0) and u(1) (3 frames), the FNO paper's Burgers task. */
let fnoData: string;

beforeAll(async () => {
  registerToy();
  dir = makeTmpDir();
  data = await makeBurgers(dir, { samples: 24, nx: 64, frames: 11, tEnd: 0.2 });
  fnoData = await makeBurgers(dir, { samples: 24, nx: 64, frames: 3, tEnd: 1 });
});

afterAll(removeTmpDirs);

const quiet = { progress: false } as const;

/** Options of the resume tests: next-step pairs, an lr that changes every epoch. */
function resumeOptions(out: string, extra: Partial<TrainOptionsInput> = {}): TrainOptionsInput {
  return toyOptions(data, {
    mapping: 'next-step',
    epochs: 4,
    out,
    schedule: { kind: 'step', stepSize: 1, gamma: 0.7 },
    optimizer: { lr: 3e-3 },
    checkpointEvery: 1,
    ...extra,
  });
}

function withoutSeconds(ms: EpochMetrics[]): Omit<EpochMetrics, 'seconds'>[] {
  return ms.map(({ seconds: _, ...rest }) => rest);
}

function bytes(arrays: Float32Array[]): Buffer {
  return Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}

describe('train', () => {
  it("a tiny FNO's training loss falls by 10× on a small Burgers set (u(0) → u(1), the FNO paper's task)", async () => {
    const out = path.join(dir, 'falls');
    let first = NaN;
    const r = await train(
      {
        data: fnoData,
        model: { kind: 'fno', nModes: 8, width: 16, nLayers: 2, projectionChannels: 32 },
        split: { val: 2, test: 2 },
        epochs: 30,
        batchSize: 4,
        schedule: 'cosine',
        optimizer: { lr: 3e-3 },
        out,
      },
      { ...quiet, onBatch: (b) => (first = Number.isNaN(first) ? b.loss : first) },
    );
    r.model.dispose();
    const last = r.metrics[r.metrics.length - 1];
    expect(first / last.trainLoss).toBeGreaterThan(10);
    expect(first / (last.valLoss as number)).toBeGreaterThan(10);
    // metrics.jsonl holds one line per epoch, config.json the resolved options.
    const lines = fs
      .readFileSync(path.join(out, METRICS_FILE), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as EpochMetrics);
    expect(lines).toEqual(r.metrics);
    expect(lines.map((m) => m.epoch)).toEqual(Array.from({ length: 30 }, (_, k) => k + 1));
    expect(lines[5].lr).toBeCloseTo((3e-3 * (1 + Math.cos((Math.PI * 5) / 30))) / 2, 12);
    expect(lines[29].steps).toBe(30 * 5);
    expect(JSON.parse(fs.readFileSync(path.join(out, CONFIG_FILE), 'utf8'))).toEqual(r.options);
    expect(r.splits).toEqual({ train: [...Array(20).keys()], val: [20, 21], test: [22, 23] });
  });

  it('2 epochs + resume to 4 reaches the same weight bytes as 4 straight', async () => {
    const a = await train(resumeOptions(path.join(dir, 'straight')), quiet);
    a.model.dispose();
    const bOut = path.join(dir, 'split');
    (await train(resumeOptions(bOut, { epochs: 2 }), quiet)).model.dispose();
    const b = await train(resumeOptions(bOut, { resume: true }), quiet);
    b.model.dispose();
    const ca = readCheckpoint(a.checkpoint as string);
    const cb = readCheckpoint(b.checkpoint as string);
    expect(bytes(cb.weights).equals(bytes(ca.weights))).toBe(true);
    expect(bytes(cb.optimizer.m).equals(bytes(ca.optimizer.m))).toBe(true);
    expect(cb.meta.optimizer.step).toBe(ca.meta.optimizer.step);
    expect(withoutSeconds(b.metrics)).toEqual(withoutSeconds(a.metrics));
    // Training moved the weights: identity is not trivial.
    expect(ca.meta.metrics[3].trainLoss).toBeLessThan(ca.meta.metrics[0].trainLoss);
  });

  it('an interrupt mid-epoch saves a checkpoint; resuming from it is bit-identical too', async () => {
    const ref = readCheckpoint(path.join(dir, 'straight'));
    const out = path.join(dir, 'interrupted');
    const ac = new AbortController();
    const run = train(resumeOptions(out), { ...quiet, signal: ac.signal, onBatch: (b) => b.epoch === 2 && b.batch === 7 && ac.abort() });
    await expect(run).rejects.toThrow(TrainingInterrupted);
    await expect(run).rejects.toThrow(
      `interrupted in epoch 2 after 7 of 50 batches: checkpoint saved to ${path.join(out, CHECKPOINT_FILE)}; run again with resume to continue`,
    );
    const mid = readCheckpoint(out);
    expect([mid.meta.epoch, mid.meta.batch]).toEqual([1, 7]);
    expect(fs.readFileSync(path.join(out, METRICS_FILE), 'utf8').trim().split('\n')).toHaveLength(1);
    const r = await train(resumeOptions(out, { resume: true }), quiet);
    r.model.dispose();
    expect(bytes(readCheckpoint(out).weights).equals(bytes(ref.weights))).toBe(true);
    expect(withoutSeconds(r.metrics)).toEqual(withoutSeconds(ref.meta.metrics));
  });

  it('resume with changed options names the first differing field', async () => {
    const out = path.join(dir, 'straight');
    await expect(train(resumeOptions(out, { resume: true, batchSize: 5 }), quiet)).rejects.toThrow(
      `resume: ${path.join(out, CHECKPOINT_FILE)} was trained with other options (batchSize: 4 vs 5, checkpoint vs now); use the same options or another out`,
    );
    await expect(train(resumeOptions(out, { resume: true, optimizer: { lr: 1e-3 } }), quiet)).rejects.toThrow(
      '(optimizer.lr: 0.003 vs 0.001, checkpoint vs now)',
    );
  });

  it('refuses to replace a run unless asked; resume without a checkpoint starts the run afresh', async () => {
    const out = path.join(dir, 'straight');
    await expect(train(resumeOptions(out), quiet)).rejects.toThrow(
      `out=${out} already holds a training run (checkpoint.safetensors): pass resume: true to continue it or overwrite: true to replace it`,
    );
    await expect(train(resumeOptions(out, { resume: true, overwrite: true }), quiet)).rejects.toThrow('resume: true and overwrite: true exclude each other');
    // A run killed before its first checkpoint left only config.json: resume trains it from the start.
    const early = path.join(dir, 'early');
    fs.mkdirSync(early);
    fs.writeFileSync(path.join(early, 'config.json'), '{}');
    const r = await train(resumeOptions(early, { resume: true }), quiet);
    r.model.dispose();
    expect(readCheckpoint(early).meta.epoch).toBe(r.options.epochs);
    expect(r.metrics.map((m) => m.epoch)).toEqual(Array.from({ length: r.options.epochs }, (_, i) => i + 1));
  });

  it('a NaN/Inf loss stops training with its epoch and batch; the last good checkpoint stays', async () => {
    const out = path.join(dir, 'diverged');
    const ckpt = path.join(out, CHECKPOINT_FILE);
    let saved: Buffer | null = null;
    const run = train(resumeOptions(out, { mapping: 'initial-to-final', epochs: 5, schedule: { kind: 'step', stepSize: 1, gamma: 1e30 } }), {
      ...quiet,
      onEpoch: () => (saved = fs.readFileSync(ckpt)),
    });
    await expect(run).rejects.toThrow(TrainingDiverged);
    await expect(run).rejects.toThrow(
      new RegExp(`^loss became (NaN|Infinity) at epoch [2-5], batch \\d+; last good checkpoint: ${ckpt.replace(/[.]/g, '\\.')}$`),
    );
    expect(saved).not.toBeNull();
    expect(fs.readFileSync(ckpt).equals(saved as unknown as Buffer)).toBe(true);
    const kept = readCheckpoint(ckpt);
    expect(kept.weights.every((w) => w.every(Number.isFinite))).toBe(true);
  });

  it('holds the number of tensors constant across steps, epochs and validation', async () => {
    const counts: number[] = [];
    const before = tf.memory().numTensors;
    const r = await train(toyOptions(data, { epochs: 3, batchSize: 3 }), { ...quiet, onBatch: () => counts.push(tf.memory().numTensors) });
    expect(counts.length).toBe(3 * 7);
    expect(new Set(counts).size).toBe(1);
    r.model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an interrupt without out stops with a clear message', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(train(toyOptions(data), { ...quiet, signal: ac.signal })).rejects.toThrow(
      'interrupted in epoch 1 after 0 of 5 batches: no checkpoint written (no out directory)',
    );
  });

  it('checks the mapping against the file', async () => {
    await expect(train(toyOptions(data, { mapping: { kind: 'initial-to-final', outFrame: 11 } }), quiet)).rejects.toThrow(
      `mapping.outFrame=11 is not allowed for ${data} with 11 frames: use -11 to 10`,
    );
    await expect(train(toyOptions(data, { mapping: { kind: 'next-step', stride: 11 } }), quiet)).rejects.toThrow(TrainOptionsError);
  });
});

describe('checkpoints', () => {
  let out: string;
  let expected: Float32Array;
  let input: tf.Tensor;

  beforeAll(async () => {
    input = tf.tidy(() => tf.sin(tf.linspace(0, 20, 2 * 64)).reshape([2, 64, 1]));
    out = path.join(dir, 'roundtrip');
    const r = await train(toyOptions(data, { out, epochs: 2 }), quiet);
    expected = r.model.apply(input).dataSync() as Float32Array;
    r.model.dispose();
  });

  it('loading rebuilds the model through the registry with bit-identical outputs', async () => {
    const c = await loadCheckpoint(out, { kind: 'toy-conv' });
    const got = c.model.apply(input).dataSync() as Float32Array;
    expect(Buffer.from(got.buffer).equals(Buffer.from(expected.buffer))).toBe(true);
    expect(c.meta.kind).toBe('toy-conv');
    expect(c.meta.epoch).toBe(2);
    expect(c.normalizers.input?.mode).toBe('pointwise');
    expect(c.normalizers.input?.shape).toEqual([64]);
    expect(c.meta.trainOptions.epochs).toBe(2);
    expect(c.optimizer.step).toBe(2 * 5);
    c.dispose();
  });

  it('refuses another model kind', async () => {
    await expect(loadCheckpoint(out, { kind: 'fno' })).rejects.toThrow(`${path.join(out, CHECKPOINT_FILE)} holds a 'toy-conv' model, not 'fno'`);
  });

  /** Copies the checkpoint with its metadata JSON edited (data kept). */
  function editedCopy(name: string, edit: (meta: Record<string, unknown>) => void): string {
    const buf = fs.readFileSync(path.join(out, CHECKPOINT_FILE));
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString()) as { __metadata__: Record<string, string> };
    const meta = JSON.parse(header.__metadata__['pde-surrogate']) as Record<string, unknown>;
    edit(meta);
    header.__metadata__['pde-surrogate'] = JSON.stringify(meta);
    let json = Buffer.from(JSON.stringify(header));
    json = Buffer.concat([json, Buffer.alloc((8 - (json.length % 8)) % 8, 0x20)]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const file = path.join(dir, name);
    fs.writeFileSync(file, Buffer.concat([len, json, buf.subarray(8 + n)]));
    return file;
  }

  it('refuses a newer format version', async () => {
    const file = editedCopy('v3.safetensors', (m) => (m.version = 3));
    await expect(loadCheckpoint(file)).rejects.toThrow(CheckpointError);
    await expect(loadCheckpoint(file)).rejects.toThrow(`${file}: checkpoint format 3 is newer than this pde-surrogate supports (2)`);
  });

  it('detects missing, truncated, corrupt and foreign files', async () => {
    const good = fs.readFileSync(path.join(out, CHECKPOINT_FILE));
    const truncated = path.join(dir, 'truncated.safetensors');
    fs.writeFileSync(truncated, good.subarray(0, good.length - 10));
    await expect(loadCheckpoint(truncated)).rejects.toThrow(/truncated.safetensors: checkpoint is truncated \(\d+ data bytes; its header describes \d+\)$/);
    const corrupt = path.join(dir, 'corrupt.safetensors');
    const flipped = Buffer.from(good);
    flipped[flipped.length - 3] ^= 0x40;
    fs.writeFileSync(corrupt, flipped);
    await expect(loadCheckpoint(corrupt)).rejects.toThrow(`${corrupt}: checkpoint is corrupt (data checksum mismatch)`);
    const foreign = path.join(dir, 'foreign.safetensors');
    fs.writeFileSync(foreign, 'hello, not a checkpoint');
    await expect(loadCheckpoint(foreign)).rejects.toThrow(`${foreign}: not a pde-surrogate checkpoint (header length`);
    await expect(loadCheckpoint(path.join(dir, 'nope.safetensors'))).rejects.toThrow(`${path.join(dir, 'nope.safetensors')}: no such checkpoint`);
  });
});
