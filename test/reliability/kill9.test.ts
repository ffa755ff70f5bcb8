/**
 * kill -9 at seeded pseudo-random moments of generate, train, merge and report, then the same
 * command again (with --resume where it has one): the result is what an uninterrupted run gives —
 * the same bytes for datasets and pages, the same weights for training — and no temporary or
 * lock file is left behind. Each moment is a seeded fraction (Rng) of how long the same command
 * took uninterrupted on this machine, so the kill lands inside the run on a fast or a slow machine.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { readCheckpoint } from '../../src/training/index.js';
import { pdes, pdesSpawn, sameBytes, tmpDir } from '../helpers/cli.js';

/** Starts `pdes args`, kills it with SIGKILL after `ms` (if still running); resolves when it is gone. */
function killAfter(args: string[], ms: number): Promise<{ killed: boolean }> {
  return new Promise((resolve) => {
    const child = pdesSpawn(args);
    child.stdout.resume();
    child.stderr.resume();
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.on('close', (_code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL' });
    });
  });
}

/**
 * killAfter at `ms`; when the command finished first (a loaded machine runs it faster or slower
 * than the timing run), its output is removed and the kill retried at half the delay, up to four
 * times, so the kill always lands inside a run.
 */
async function killInside(args: string[], ms: number, output: string): Promise<{ killed: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const r = await killAfter(args, ms);
    if (r.killed || attempt === 4) return r;
    fs.rmSync(output, { recursive: true, force: true });
    ms = Math.round(ms / 2);
  }
}

/** Leftovers of a run: temporary files and locks under `dir`. */
function leftovers(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true })
    .map(String)
    .filter((f) => /\.tmp-\d+$|\.lock$|(^|\/)\.lock$/.test(f));
}

const rng = new Rng(20261208);
/** A seeded moment between 10 % and 85 % of `ms`. */
const moment = (ms: number): number => Math.round(ms * (0.1 + 0.75 * rng.uniform()));

/** Runs `pdes args` to completion and returns its duration in milliseconds. */
function timed(args: string[]): number {
  const t0 = performance.now();
  const r = pdes(args);
  expect(r.code, r.stderr).toBe(0);
  return performance.now() - t0;
}

let dir: string;
const GEN = ['generate', 'burgers-fno', '--samples', '48', '--nx', '64', '--solve-nx', '512', '--frames', '4', '--workers', '1', '-q'];
let reference: string;
let generateMs: number;
let trainMs = 0;
let reportMs = 0;

beforeAll(() => {
  dir = tmpDir('pdes-kill9-');
  reference = path.join(dir, 'reference.h5');
  generateMs = timed([...GEN, '-o', reference]);
});

describe('kill -9, then the same command again', () => {
  it.each([0, 1, 2])('generate (seeded moment %i): --resume gives the bytes of an uninterrupted run', async (k) => {
    const out = path.join(dir, `gen-${k}.h5`);
    const { killed } = await killInside([...GEN, '-o', out], moment(generateMs), out);
    expect(killed).toBe(true);
    const again = pdes([...GEN, '-o', out, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    expect(sameBytes(out, reference)).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it.each([0, 1])('merge (seeded moment %i): merging again gives the bytes of a single run', async (k) => {
    const shards = [0, 1, 2].map((i) => path.join(dir, `shard-${i}.h5`));
    for (const [i, s] of shards.entries()) if (!fs.existsSync(s)) expect(pdes([...GEN, '--shard', `${i}/3`, '-o', s]).code).toBe(0);
    const out = path.join(dir, `merged-${k}.h5`);
    const mergeMs = timed(['merge', '-o', path.join(dir, 'merged-timing.h5'), '--force', ...shards]);
    const { killed } = await killInside(['merge', '-o', out, ...shards], moment(mergeMs), out);
    expect(killed).toBe(true);
    const again = pdes(['merge', '-o', out, '--force', ...shards]);
    expect(again.code, again.stderr).toBe(0);
    expect(sameBytes(out, reference)).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });

  it.each([0, 1])('train (seeded moment %i): --resume reaches the weights of an uninterrupted run', async (k) => {
    const TRAIN = [
      'train',
      'fno',
      '--data',
      reference,
      '--epochs',
      '12',
      '--modes',
      '8',
      '--width',
      '16',
      '--layers',
      '2',
      '--train',
      '36',
      '--val',
      '6',
      '--test',
      '6',
      '--batch-size',
      '6',
      '--checkpoint-every',
      '1',
      '-q',
    ];
    const straight = path.join(dir, 'train-straight');
    if (!fs.existsSync(straight)) trainMs = timed([...TRAIN, '--out', straight]);
    const out = path.join(dir, `train-${k}`);
    const { killed } = await killInside([...TRAIN, '--out', out], moment(trainMs), out);
    expect(killed).toBe(true);
    const again = pdes([...TRAIN, '--out', out, '--resume']);
    expect(again.code, again.stderr).toBe(0);
    const a = readCheckpoint(out);
    const b = readCheckpoint(straight);
    expect(a.meta.epoch).toBe(12);
    expect(a.weights.map((w) => Buffer.from(w.buffer).toString('base64'))).toEqual(b.weights.map((w) => Buffer.from(w.buffer).toString('base64')));
    expect(a.meta.metrics.map((m) => m.trainLoss)).toEqual(b.meta.metrics.map((m) => m.trainLoss));
    expect(fs.readFileSync(path.join(out, 'metrics.jsonl'), 'utf8').trim().split('\n')).toHaveLength(12);
    expect(leftovers(dir)).toEqual([]);
  });

  it.each([0, 1])('report (seeded moment %i): running it again writes the page an uninterrupted run writes', async (k) => {
    const run = path.join(dir, 'train-straight');
    const page = path.join(dir, `report-${k}.html`);
    const clean = path.join(dir, 'report-clean.html');
    if (!fs.existsSync(clean)) reportMs = timed(['report', '--run', run, '-o', clean]);
    const { killed } = await killInside(['report', '--run', run, '-o', page], moment(reportMs), page);
    expect(killed).toBe(true);
    // Whatever the moment, the page is whole or absent.
    if (fs.existsSync(page)) expect(sameBytes(page, clean)).toBe(true);
    const again = pdes(['report', '--run', run, '-o', page]);
    expect(again.code, again.stderr).toBe(0);
    expect(sameBytes(page, clean)).toBe(true);
    expect(leftovers(dir)).toEqual([]);
  });
});
