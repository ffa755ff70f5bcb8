import { resamplePeriodic } from '../../src/inference/predictor.js';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H5Dataset } from '../../src/data/index.js';
import { loadCheckpoint, predictDataset, rollout, train, type LoadedCheckpoint } from '../../src/training/index.js';
import { makeBurgers, makeTmpDir, registerToy, removeTmpDirs, toyOptions } from './helpers.js';

const NX = 32;
const FRAMES = 5;
let dir: string;
let data: string;
let nextStep: LoadedCheckpoint;
let finalFrame: LoadedCheckpoint;
/** Samples 12, 13 of the dataset, [2, FRAMES, NX]. */
let samples: Float32Array;

beforeAll(async () => {
  registerToy();
  dir = makeTmpDir();
  data = await makeBurgers(dir, { samples: 14, nx: NX, frames: FRAMES, tEnd: 0.2 });
  for (const mapping of ['next-step', 'initial-to-final'] as const) {
    const r = await train(toyOptions(data, { mapping, epochs: 1, normalize: mapping === 'next-step' ? 'scalar' : 'pointwise', out: path.join(dir, mapping) }), {
      progress: false,
    });
    r.model.dispose();
  }
  nextStep = await loadCheckpoint(path.join(dir, 'next-step'));
  finalFrame = await loadCheckpoint(path.join(dir, 'initial-to-final'));
  const ds = H5Dataset.open(data);
  samples = ds.readSamples(12, 14);
  ds.close();
});

afterAll(() => {
  nextStep.dispose();
  finalFrame.dispose();
  removeTmpDirs();
});

function frame(sample: number, f: number, stride = 1): Float32Array {
  const start = (sample * FRAMES + f) * NX;
  return samples.slice(start, start + NX).filter((_, i) => i % stride === 0);
}

/** One model step in physical units, written out by hand from the normalizer stats. */
function step(c: LoadedCheckpoint, u: Float32Array): Float32Array {
  const n = u.length;
  const enc =
    c.normalizers.input === null
      ? u
      : Float32Array.from(u, (v, i) => {
          const j = c.normalizers.input!.nStats === 1 ? 0 : i;
          return (v - c.normalizers.input!.mean[j]) / (c.normalizers.input!.std[j] + c.normalizers.input!.eps);
        });
  const y = tf.tidy(() => c.model.apply(tf.tensor3d(enc, [1, n, 1])).dataSync() as Float32Array);
  const out = c.normalizers.output!;
  return Float32Array.from(y, (v, i) => {
    const j = out.nStats === 1 ? 0 : i;
    return v * (out.std[j] + out.eps) + out.mean[j];
  });
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

describe('rollout', () => {
  it('feeds each output back in: [batch, steps, ...frame], matching step-by-step application', () => {
    const u0 = tf.tensor3d(Float32Array.from([...frame(0, 0), ...frame(1, 0)]), [2, NX, 1]);
    const before = tf.memory().numTensors;
    const out = rollout(nextStep.model, u0, 3, nextStep.normalizers);
    expect(out.shape).toEqual([2, 3, NX, 1]);
    const got = out.dataSync() as Float32Array;
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
    u0.dispose();
    let u = frame(1, 0);
    for (let k = 0; k < 3; k++) {
      u = step(nextStep, u);
      expect(maxRelDiff(got.slice((3 + k) * NX, (4 + k) * NX), u)).toBeLessThan(1e-5);
    }
  });

  it('rejects a bad step count', () => {
    expect(() => rollout(nextStep.model, tf.zeros([1, NX, 1]), 0)).toThrow('rollout steps=0 is not allowed: use an integer >= 1');
  });
});

describe('predictDataset', () => {
  it('next-step: a rollout from frame 0 over frames − 1 steps, with the truth frames', async () => {
    const p = await predictDataset(nextStep, data, [12, 13]);
    expect(p.shape).toEqual({ n: 2, nt: FRAMES - 1, nx: NX, spatial: [NX], channels: 1 });
    for (let f = 1; f < FRAMES; f++) expect(p.truth.slice((1 * 4 + f - 1) * NX, (4 + f) * NX)).toEqual(frame(1, f));
    let u = frame(0, 0);
    for (let k = 0; k < FRAMES - 1; k++) {
      u = step(nextStep, u);
      expect(maxRelDiff(p.pred.slice(k * NX, (k + 1) * NX), u)).toBeLessThan(1e-5);
    }
  });

  it('initial-to-final: one predicted frame per sample, from a checkpoint path', async () => {
    const p = await predictDataset(path.join(dir, 'initial-to-final'), data, [13, 12]);
    expect(p.shape).toEqual({ n: 2, nt: 1, nx: NX, spatial: [NX], channels: 1 });
    expect(p.truth.slice(0, NX)).toEqual(frame(1, FRAMES - 1));
    expect(p.truth.slice(NX)).toEqual(frame(0, FRAMES - 1));
    expect(maxRelDiff(p.pred.slice(NX), step(finalFrame, frame(0, 0)))).toBeLessThan(1e-5);
  });

  it('evaluates at another resolution with scalar normalizers, and with pointwise ones re-sampled', async () => {
    const p = await predictDataset(nextStep, data, [12], { subsample: 2 });
    expect(p.shape.nx).toBe(NX / 2);
    expect(p.truth.slice(0, NX / 2)).toEqual(frame(0, 1, 2));
    const q = await predictDataset(finalFrame, data, [12], { subsample: 2 });
    expect(q.shape.nx).toBe(NX / 2);
    expect(Array.from(q.pred).every(Number.isFinite)).toBe(true);
  });

  it('re-samples periodic normalizer statistics: exact strides when coarsening, linear when refining', () => {
    // [4 points × 2 channels]: (0,10) (20,30) (1,11) (21,31)
    const v = Float32Array.from([0, 10, 20, 30, 1, 11, 21, 31]);
    expect(Array.from(resamplePeriodic(v, 2, 2))).toEqual([0, 10, 1, 11]);
    expect(Array.from(resamplePeriodic(v, 2, 8))).toEqual([0, 10, 10, 20, 20, 30, 10.5, 20.5, 1, 11, 11, 21, 21, 31, 10.5, 20.5]);
  });
});
