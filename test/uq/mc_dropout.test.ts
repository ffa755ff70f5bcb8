/**
 * MC dropout: the FNOs' dropout in training and at inference, seeded samples aggregated like an
 * ensemble's members, and the errors for a model without dropout or a single sample.
 */
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/index.js';
import type { FnoApplyOptions } from '../../src/models/fno.js';
import { createModel, ModelConfigError } from '../../src/models/index.js';
import { predictDataset, readCheckpoint, train, type TrainOptionsInput } from '../../src/training/index.js';
import { predictMcDropout, UqError } from '../../src/uq/index.js';
import { makeBurgers, makeTmpDir, removeTmpDirs } from '../training/helpers.js';

let dir: string;
let data: string;
let run: string;
const opts = (extra: Partial<TrainOptionsInput> = {}): TrainOptionsInput => ({
  data,
  model: { kind: 'fno', nModes: 4, width: 8, nLayers: 2, projectionChannels: 16, dropout: 0.2 },
  split: { val: 2, test: 3 },
  epochs: 2,
  batchSize: 4,
  schedule: 'constant',
  ...extra,
});

beforeAll(async () => {
  await initBackend('wasm');
  dir = makeTmpDir();
  data = await makeBurgers(dir, { samples: 12, nx: 32, frames: 3, tEnd: 0.2 });
  run = path.join(dir, 'drop');
  (await train(opts({ out: run }), { progress: false })).model.dispose();
});

afterAll(removeTmpDirs);

describe('fno dropout', () => {
  it('is off by default and at inference, seeded when on, and validated', () => {
    const m = createModel({ kind: 'fno', nModes: 4, width: 8, nLayers: 2, dropout: 0.5 });
    const x = tf.randomNormal([2, 16, 1], 0, 1, 'float32', 1);
    const off = [m.apply(x), m.apply(x, { training: false })];
    const on = [7, 7, 8].map((seed) => {
      const call: FnoApplyOptions = { training: true, seed };
      return m.apply(x, call);
    });
    expect(Array.from(off[0].dataSync())).toEqual(Array.from(off[1].dataSync()));
    expect(Array.from(on[0].dataSync())).toEqual(Array.from(on[1].dataSync()));
    expect(Array.from(on[0].dataSync())).not.toEqual(Array.from(on[2].dataSync()));
    expect(Array.from(on[0].dataSync())).not.toEqual(Array.from(off[0].dataSync()));
    tf.dispose([x, ...off, ...on]);
    m.dispose();
    expect(() => createModel({ kind: 'fno', dropout: 1 })).toThrow(new ModelConfigError('fno config: dropout=1 is not allowed: use a rate in [0, 1)'));
    expect(createModel({ kind: 'fno', nModes: 4 }).config.dropout).toBeUndefined();
  });

  it.each([
    ['fno2d', { modes1: 2, modes2: 2, width: 4, nLayers: 2, inChannels: 1, projectionChannels: 8 }],
    ['fno3d', { modes1: 2, modes2: 2, modes3: 2, width: 4, nLayers: 2, inChannels: 1, outFrames: 2, timePadding: 2, projectionChannels: 8 }],
  ])('%s has the same dropout: off by default, seeded when on', (kind, cfg) => {
    const m = createModel({ kind, ...cfg, dropout: 0.5 });
    const x = tf.randomNormal([1, 8, 8, 1], 0, 1, 'float32', 2);
    const call = (o: FnoApplyOptions): Float32Array => {
      const y = m.apply(x, o);
      const v = y.dataSync() as Float32Array;
      y.dispose();
      return v;
    };
    const off = call({});
    expect(Array.from(call({ training: false }))).toEqual(Array.from(off));
    expect(Array.from(call({ dropout: true, seed: 1 }))).toEqual(Array.from(call({ training: true, seed: 1 })));
    expect(Array.from(call({ dropout: true, seed: 1 }))).not.toEqual(Array.from(call({ dropout: true, seed: 2 })));
    expect(Array.from(call({ dropout: true, seed: 1 }))).not.toEqual(Array.from(off));
    x.dispose();
    m.dispose();
    expect(() => createModel({ kind, ...cfg, dropout: -0.1 })).toThrow(`${kind} config: dropout=-0.1 is not allowed: use a rate in [0, 1)`);
  });

  it('trains reproducibly: the same seed gives bit-identical weights', async () => {
    const again = path.join(dir, 'drop-again');
    (await train(opts({ out: again }), { progress: false })).model.dispose();
    const [a, b] = [readCheckpoint(run).weights, readCheckpoint(again).weights];
    expect(a.every((w, i) => Buffer.from(w.buffer).equals(Buffer.from(b[i].buffer)))).toBe(true);
  });
});

describe('predictMcDropout', () => {
  it('gives the same samples for the same seed, others for another; mean and variance across passes', async () => {
    const idx = [9, 10, 11];
    const a = await predictMcDropout(run, data, idx, { samples: 4, seed: 3 });
    const b = await predictMcDropout(run, data, idx, { samples: 4, seed: 3 });
    const c = await predictMcDropout(run, data, idx, { samples: 4, seed: 4 });
    expect(a.method).toBe('mc-dropout');
    expect(a.samples).toHaveLength(4);
    expect(Array.from(a.mean)).toEqual(Array.from(b.mean));
    expect(Array.from(a.mean)).not.toEqual(Array.from(c.mean));
    expect(a.lowRank).toMatchObject({ rank: 4, valuesPerSample: 32 });
    const det = await predictDataset(run, data, idx);
    expect(Array.from(a.samples[0].pred)).not.toEqual(Array.from(det.pred));
    for (const j of [0, 17, 50, 95]) {
      const xs = a.samples.map((s) => s.pred[j]);
      const mu = xs.reduce((p, q) => p + q, 0) / 4;
      expect(a.mean[j]).toBeCloseTo(mu, 6);
      expect(a.variance[j]).toBeCloseTo(xs.reduce((p, q) => p + (q - mu) ** 2, 0) / 3, 6);
    }
    expect(Math.max(...a.variance)).toBeGreaterThan(0);
  });

  it('refuses a model without dropout and a single sample (one-line errors)', async () => {
    const plain = path.join(dir, 'plain');
    (await train(opts({ out: plain, epochs: 1, model: { kind: 'fno', nModes: 4, width: 8, nLayers: 2 } }), { progress: false })).model.dispose();
    await expect(predictMcDropout(plain, data, [0], { samples: 4 })).rejects.toThrow(
      new UqError(
        `${path.join(plain, 'checkpoint.safetensors')} holds a 'fno' model without dropout: MC dropout needs a model trained with dropout > 0 (fno: --dropout 0.1)`,
      ),
    );
    await expect(predictMcDropout(run, data, [0], { samples: 1 })).rejects.toThrow(
      'MC dropout with 1 sample has no variance: use samples ≥ 2 or a noise head (--loss gaussian-nll)',
    );
    await expect(predictMcDropout(run, data, [0], { samples: 0 })).rejects.toThrow('samples=0 is not allowed: use an integer >= 2 (MC-dropout passes)');
  });
});
