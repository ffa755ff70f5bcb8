/**
 * End-to-end generation through the CLI on tiny grids: determinism across worker counts,
 * interruption (SIGKILL and SIGINT) and --resume to the same bytes, shards + merge to the same
 * bytes, and the errors around them.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pdes, pdesInterrupted, sameBytes, tmpDir } from '../helpers/cli.js';

const SMALL = ['burgers-fno', '--samples', '6', '--nx', '32', '--solve-nx', '128', '--frames', '3', '--seed', '7', '-q'];
// Slow enough (~50 ms a sample, ~1.6 kB of file each) that a kill at 40 kB lands part way.
const SLOW = ['burgers-fno', '--samples', '60', '--nx', '64', '--solve-nx', '2048', '--frames', '5', '--seed', '3', '-q'];

function info(file: string) {
  const r = pdes(['info', file, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout);
}

describe('pdes generate', () => {
  let dir: string;
  let ref: string;
  beforeAll(() => {
    dir = tmpDir();
    ref = path.join(dir, 'ref.h5');
    const r = pdes(['generate', ...SMALL, '--workers', '1', '-o', ref]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('writes a complete PDEBench-layout file that describes itself', () => {
    const s = info(ref);
    expect(s.status).toBe('complete');
    expect(s.shape).toEqual([6, 3, 32]);
    expect(s.attrs.Nu).toBe(0.1);
    expect(s.attrs.seed).toBe(7);
    expect(s.attrs.generator).toBe('pde-surrogate');
    expect(String(s.attrs.solver)).toContain('etdrk4');
    expect(s.recipe).toMatchObject({ name: 'burgers-fno', samples: 6, nx: 32, solveNx: 128, nFrames: 3 });
    const text = pdes(['info', ref]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('tensor');
  });

  it('gives the same bytes with 1 and 2 workers, and for the same seed twice', () => {
    const two = path.join(dir, 'two.h5');
    expect(pdes(['generate', ...SMALL, '--workers', '2', '-o', two]).code).toBe(0);
    expect(sameBytes(ref, two)).toBe(true);
    const other = path.join(dir, 'seed8.h5');
    expect(pdes(['generate', ...SMALL.map((a) => (a === '7' ? '8' : a)), '-o', other]).code).toBe(0);
    expect(sameBytes(ref, other)).toBe(false);
  });

  it('refuses to overwrite without --overwrite, and --resume of a complete file does nothing', () => {
    const r = pdes(['generate', ...SMALL, '-o', ref]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exists: pass --resume to complete it or --overwrite to replace it');
    const before = fs.readFileSync(ref);
    const again = pdes(['generate', ...SMALL, '--resume', '-o', ref]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already complete');
    expect(Buffer.compare(before, fs.readFileSync(ref))).toBe(0);
  });

  it('joins shards into the same bytes as a single run', () => {
    const shards = [0, 1, 2].map((i) => path.join(dir, `shard-${i}.h5`));
    shards.forEach((s, i) => {
      const r = pdes(['generate', ...SMALL, '--shard', `${i}/3`, '--workers', '1', '-o', s]);
      expect(r.code, r.stderr).toBe(0);
      expect(info(s).shape).toEqual([2, 3, 32]);
    });
    const missing = pdes(['merge', '-o', path.join(dir, 'bad.h5'), shards[0], shards[2]]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('shards 1/3 are missing');
    expect(fs.existsSync(path.join(dir, 'bad.h5'))).toBe(false);
    const merged = path.join(dir, 'merged.h5');
    const r = pdes(['merge', '-o', merged, shards[2], shards[0], shards[1]]);
    expect(r.code, r.stderr).toBe(0);
    expect(sameBytes(ref, merged)).toBe(true);
  });

  it('resumes a run killed half way (SIGKILL) to the same bytes as an uninterrupted run', async () => {
    const full = path.join(dir, 'slow-full.h5');
    expect(pdes(['generate', ...SLOW, '--workers', '2', '-o', full]).code).toBe(0);
    const cut = path.join(dir, 'slow-cut.h5');
    // Kill once a few samples are on disk.
    await pdesInterrupted(['generate', ...SLOW, '--workers', '2', '-o', cut], () => fs.existsSync(cut) && fs.statSync(cut).size > 40_000, 'SIGKILL', 20_000);
    const s = info(cut);
    expect(s.status).toBe('incomplete');
    expect(s.samplesDone).toBeGreaterThan(0);
    expect(s.samplesDone).toBeLessThan(60);
    const wrongRecipe = pdes(['generate', ...SLOW.map((a) => (a === '3' ? '4' : a)), '--resume', '-o', cut]);
    expect(wrongRecipe.code).toBe(2);
    expect(wrongRecipe.stderr).toContain('was made by a different recipe (seed: 3 vs 4)');
    const r = pdes(['generate', ...SLOW, '--resume', '-o', cut]);
    expect(r.code, r.stderr).toBe(0);
    expect(sameBytes(full, cut)).toBe(true);
  });

  it('stops cleanly on SIGINT (exit 130), keeping finished samples', async () => {
    const cut = path.join(dir, 'slow-int.h5');
    const { code, stderr } = await pdesInterrupted(
      ['generate', ...SLOW, '--workers', '1', '-o', cut],
      () => fs.existsSync(cut) && fs.statSync(cut).size > 30_000,
      'SIGINT',
    );
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted: \d+\/60 samples kept in .*slow-int\.h5; run again with --resume/);
    const s = info(cut);
    expect(s.status).toBe('incomplete');
    expect(s.samplesDone).toBeGreaterThan(0);
  });

  it('fails (exit 1) naming the sample and time when the solver goes unstable, leaving no complete file', () => {
    const out = path.join(dir, 'unstable.h5');
    const args = ['burgers-fno', '--samples', '3', '--nx', '64', '--solve-nx', '64', '--frames', '3', '--nu', '0.001', '--dt', '0.05', '-q'];
    for (const workers of ['1', '2']) {
      const r = pdes(['generate', ...args, '--workers', workers, '--force', '-o', out]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^pdes generate: sample \d: solver went unstable \(NaN\/Inf\) at t=0\.\d+: etdrk4/);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(info(out).status).toBe('incomplete');
    }
  });
});

describe('pdes demo and pdes plot', () => {
  it('demo: generate, describe, plot, train, evaluate and report (shortened)', () => {
    const dir = tmpDir();
    const r = pdes(['demo', '--out', dir, '--samples', '36', '--epochs', '2', '-q']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('status        complete (36 samples)');
    expect(r.stdout).toMatch(/trained 2 epochs: train loss [\d.e-]+, validation loss [\d.e-]+/);
    expect(r.stdout).toMatch(/test relative L2: [\d.e-]+ over 3 test samples/);
    expect(r.stdout).toContain(`report:  ${path.join(dir, 'run', 'report.html')}`);
    expect(fs.readFileSync(path.join(dir, 'run', 'report.html'), 'utf8')).toContain('Plotly.newPlot');
    const html = fs.readFileSync(path.join(dir, 'samples.html'), 'utf8');
    for (const id of ['sample-0', 'sample-1', 'sample-2', 'heatmap']) expect(html).toContain(`id="${id}"`);
    expect(html).toContain('Plotly.newPlot');
    const page = path.join(dir, 'again.html');
    const p = pdes(['plot', path.join(dir, 'burgers.h5'), '-o', page, '--samples', '5,7']);
    expect(p.code, p.stderr).toBe(0);
    expect(fs.readFileSync(page, 'utf8')).toContain('id="sample-7"');
    const bad = pdes(['plot', path.join(dir, 'burgers.h5'), '-o', page, '--samples', '99']);
    expect(bad.code).toBe(2); // a sample index the file does not have is a usage error
    expect(bad.stderr).toContain('sample 99 is not in');
  });
});
