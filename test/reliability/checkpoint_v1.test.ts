/**
 * Checkpoints written before format 2 (test/fixtures/checkpoint_v1: a run and its data, made by
 * the code before the header digest existed) still load and evaluate, with one warning per file
 * that their header is unchecked; training on with resume rewrites them in format 2.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h5ready } from '../../src/data/index.js';
import '../../src/models/index.js';
import { CHECKPOINT_FILE, CHECKPOINT_VERSION, loadCheckpoint, readCheckpoint } from '../../src/training/index.js';
import { FIXTURES } from '../data/helpers.js';
import { pdes } from '../helpers/cli.js';
import { makeTmpDir, removeTmpDirs } from '../training/helpers.js';

const FIXTURE = path.join(FIXTURES, 'checkpoint_v1');

/** Process warnings emitted while `fn` runs. */
async function warningsOf(fn: () => Promise<void>): Promise<Error[]> {
  const seen: Error[] = [];
  const listener = (w: Error): void => void seen.push(w);
  process.on('warning', listener);
  try {
    await fn();
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', listener);
  }
  return seen;
}

beforeAll(async () => {
  await h5ready();
});
afterAll(removeTmpDirs);

describe('a format-1 checkpoint', () => {
  it('loads its model and state, warning once that its header is unchecked', async () => {
    const copy = path.join(makeTmpDir(), CHECKPOINT_FILE);
    fs.copyFileSync(path.join(FIXTURE, 'run', CHECKPOINT_FILE), copy);
    expect(readCheckpoint(copy).meta.version).toBe(1);
    const warnings = await warningsOf(async () => {
      for (let k = 0; k < 2; k++) {
        const loaded = await loadCheckpoint(copy, { backend: 'wasm' });
        expect(loaded.meta).toMatchObject({ kind: 'fno', epoch: 2, batch: 0 });
        expect(loaded.model.trainableWeights().length).toBeGreaterThan(0);
        loaded.dispose();
      }
    });
    const ours = warnings.filter((w) => (w as Error & { code?: string }).code === 'PDES_CHECKPOINT_V1');
    expect(ours).toHaveLength(1);
    expect(ours[0].message).toContain(copy);
    expect(ours[0].message).toMatch(/header \(normalizers, counters, options\) is unchecked/);
  });

  it('still evaluates and resumes from the command line; the resumed checkpoint is format 2', () => {
    const dir = makeTmpDir();
    fs.cpSync(FIXTURE, dir, { recursive: true });
    const run = path.join(dir, 'run');
    const data = path.join(dir, 'data.h5');
    const ev = pdes(['evaluate', '--run', run, '--data', data, '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    expect(JSON.parse(ev.stdout).metrics.mean.relL2).toBeGreaterThan(0);
    expect(ev.stderr).toMatch(/checkpoint format 1 has a checksum of its weights only/);
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    const r = pdes([
      'train',
      'fno',
      '--data',
      data,
      '--out',
      run,
      '--resume',
      '--epochs',
      '3',
      '--modes',
      '4',
      '--width',
      '8',
      '--layers',
      '1',
      '--train',
      '6',
      '--val',
      '1',
      '--test',
      '1',
      '--batch-size',
      '3',
      '-q',
    ]);
    expect(config.epochs).toBe(2);
    expect(r.code, r.stderr).toBe(0);
    expect(readCheckpoint(run).meta).toMatchObject({ version: CHECKPOINT_VERSION, epoch: 3 });
  });
});
