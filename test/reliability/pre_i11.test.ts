/**
 * Runs written before issue 11 (test/fixtures/pre_i11, made by its make.sh with the code of that
 * time: one tiny fno, fno2d and fno3d run) still load, predict what they predicted then, bit for
 * bit, and their config.json still resolves as training options. Their configs spell the Fourier
 * modes the old ways (fno `nModes: 3`, fno2d `modes1`/`modes2`, fno3d `modes1`…`modes3`); both
 * resolve to today's one `nModes` array.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/backend.js';
import '../../src/models/index.js';
import { loadCheckpoint, resolveTrainOptions, type TrainOptionsInput } from '../../src/training/index.js';
import { FIXTURES } from '../data/helpers.js';
import { fixedInput, KINDS } from '../fixtures/pre_i11/input.mjs';

const DIR = path.join(FIXTURES, 'pre_i11');
/** The modes each fixture was trained with (make.sh), as today's nModes array. */
const N_MODES: Record<string, number[]> = { fno: [3], fno2d: [2, 3], fno3d: [2, 3, 2] };
const predictions = JSON.parse(fs.readFileSync(path.join(DIR, 'predictions.json'), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;

beforeAll(async () => {
  await initBackend('wasm');
});

describe.each(KINDS)('a %s run written before issue 11', (kind) => {
  it('loads and predicts as it did then, bit for bit', async () => {
    const loaded = await loadCheckpoint(path.join(DIR, kind), { backend: 'wasm' });
    try {
      expect(loaded.meta.kind).toBe(kind);
      expect(loaded.model.config.nModes).toEqual(N_MODES[kind]);
      const x = fixedInput(loaded.model.config);
      const y = loaded.model.apply(x);
      expect(y.shape).toEqual(predictions[kind].shape);
      expect(Array.from(y.dataSync())).toEqual(predictions[kind].values);
      tf.dispose([x, y]);
    } finally {
      loaded.dispose();
    }
  });

  it('has a config.json that resolves as training options', () => {
    const config = JSON.parse(fs.readFileSync(path.join(DIR, kind, 'config.json'), 'utf8')) as TrainOptionsInput;
    const opts = resolveTrainOptions(config);
    expect(opts.model.kind).toBe(kind);
    expect(opts.model.nModes).toEqual(N_MODES[kind]);
    expect(Object.keys(opts.model).filter((k) => /^modes\d$/.test(k))).toEqual([]);
    expect(opts.epochs).toBe(1);
  });
});
