import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateDataset, mergeShards, datasetHeader } from '../../datasets/generate.js';
import { outputTimes, recipeJson, resolveRecipe, RecipeError, type NsRecipe } from '../../datasets/recipes.js';
import { computeSample, initialCondition, nsSolverConfig, nsSolveTimes } from '../../datasets/sample.js';
import { H5Dataset, h5ready } from '../../src/data/index.js';
import { solveNs2d, spectralResample } from '../../solvers/ns2d/index.js';
import { pdes, sameBytes, tmpDir } from '../helpers/cli.js';

function ns(name: string, o: Parameters<typeof resolveRecipe>[1] = {}): NsRecipe {
  const r = resolveRecipe(name, o);
  if (r.pde !== 'navier-stokes-2d') throw new Error(`${name} is not a Navier-Stokes recipe`);
  return r;
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('Navier–Stokes recipes', () => {
  it.each([
    ['ns-fno-nu1e-3', 1e-3, 50],
    ['ns-fno-nu1e-4', 1e-4, 30],
    ['ns-fno-nu1e-5', 1e-5, 20],
  ])('%s is the FNO setting (nu, T, a frame per time unit, 256² solved, 64² stored)', (name, nu, T) => {
    const r = ns(name);
    expect(r).toMatchObject({ nu, attrNu: nu, drag: 0, forcing: 'fno', domain: [0, 1], solveNx: 256, nx: 64, spinUp: 0, nFrames: T + 1, tEnd: T });
    expect(r.initialCondition).toEqual({ kind: 'grf2d', alpha: 2.5, tau: 7, sigma: null });
    const t = outputTimes(r);
    expect(t[1]).toBe(1);
    expect(t[T]).toBe(T);
  });

  it('ns-kolmogorov-re1000 is the TSM setting: sin(4y) forcing, drag 0.1, 2π box, spin-up discarded', () => {
    const r = ns('ns-kolmogorov-re1000');
    expect(r).toMatchObject({ nu: 1e-3, drag: 0.1, forcing: 'kolmogorov', spinUp: 40, nFrames: 90 });
    expect(r.domain[1]).toBeCloseTo(2 * Math.PI, 15);
    const t = outputTimes(r);
    expect(t[0]).toBe(0);
    expect(t[1]).toBeCloseTo(32 * 0.007012483601762931, 14);
    expect(nsSolveTimes(r)[0]).toBe(40);
    const h = datasetHeader(r);
    expect(h.shape).toEqual([32, 90, 64, 64]);
    expect(h.attrs).toMatchObject({ forcing: 'kolmogorov', drag: 0.1, 'spin-up': 40, Nu: 1e-3 });
  });

  it('keeps the frame interval when only --t-end or --frames is given', () => {
    expect(ns('ns-fno-nu1e-3', { tEnd: 10 })).toMatchObject({ nFrames: 11, tEnd: 10 });
    expect(ns('ns-fno-nu1e-3', { frames: 21 })).toMatchObject({ nFrames: 21, tEnd: 20 });
    expect(ns('ns-fno-nu1e-3', { frames: 5, tEnd: 2 })).toMatchObject({ nFrames: 5, tEnd: 2 });
    expect(ns('ns-fno-nu1e-3', { nx: 128 })).toMatchObject({ nx: 128, solveNx: 256 });
    expect(ns('ns-fno-nu1e-3', { nx: 512 })).toMatchObject({ nx: 512, solveNx: 512 });
  });

  it.each([
    [{ nu: -1 }, '--nu=-1 is not allowed: Navier-Stokes recipes need a viscosity nu >= 0'],
    [{ nx: 63 }, '--nx=63 is not allowed: the Navier-Stokes grid must be even'],
    [{ nx: 48 }, '--nx=48 is not allowed: use a power of two'],
    [{ solveNx: 96 }, '--solve-nx=96 is not allowed for the spectral Navier-Stokes solver: use a power of two'],
    [{ nx: 64, solveNx: 32 }, '--nx=64 is not allowed with --solve-nx=32: the stored grid cannot be finer than the solve grid'],
    [{ forcing: 'taylor' }, '--forcing=taylor is not allowed: use one of fno, kolmogorov, none'],
    [{ scheme: 'etdrk4' }, '--scheme=etdrk4 is not allowed for ns-fno-nu1e-3: use one of cn-euler, cn-rk3'],
    [{ drag: -0.1 }, '--drag=-0.1 is not allowed: use a number >= 0'],
    [{ tEnd: 7.5 }, '--t-end=7.5 is not a whole number of frame intervals (1): give --frames as well'],
    [{ method: 'fv' }, '--method=fv is not allowed for ns-fno-nu1e-3'],
  ])('rejects %j with a one-line message', (o, msg) => {
    expect(() => ns('ns-fno-nu1e-3', o)).toThrow(RecipeError);
    expect(() => ns('ns-fno-nu1e-3', o)).toThrow(msg);
  });

  it('refuses Navier-Stokes options on a Burgers recipe', () => {
    expect(() => resolveRecipe('burgers-fno', { forcing: 'fno' })).toThrow('--forcing=fno is not allowed for burgers-fno: it is a Navier-Stokes option');
  });
});

describe('Navier–Stokes samples', () => {
  it('store the solve-grid vorticity spectrally truncated, as float32 [T, nx, nx]; frame 0 is the initial condition', () => {
    const r = ns('ns-fno-nu1e-3', { nx: 16, solveNx: 32, frames: 3, tEnd: 1 });
    const s = computeSample(r, 1);
    expect(s.length).toBe(3 * 16 * 16);
    const w0 = spectralResample(initialCondition(r, 1), 32, 16);
    expect(relL2(s.subarray(0, 256), w0)).toBeLessThan(1e-7);
    const frames = solveNs2d(initialCondition(r, 1), nsSolveTimes(r), nsSolverConfig(r));
    const last = spectralResample(frames[2], 32, 16);
    expect(relL2(s.subarray(512), last)).toBeLessThan(1e-7);
    expect(relL2(s.subarray(512), s.subarray(0, 256))).toBeGreaterThan(1e-3);
    expect(Buffer.from(computeSample(r, 1).buffer).equals(Buffer.from(s.buffer))).toBe(true);
  });

  it('with the default adaptive dt agree with the FNO script scheme at fixed dt = 1e-4', () => {
    // The accuracy check the recipes' cost note refers to: nu = 1e-3 on 64², T = 2.
    const r = ns('ns-fno-nu1e-3', { nx: 32, solveNx: 64, frames: 3, tEnd: 2 });
    const fixed = ns('ns-fno-nu1e-3', { nx: 32, solveNx: 64, frames: 3, tEnd: 2, scheme: 'cn-euler', dt: 1e-4 });
    const a = computeSample(r, 0);
    const b = computeSample(fixed, 0);
    const err = relL2(a.subarray(2 * 1024), b.subarray(2 * 1024));
    expect(err).toBeLessThan(2e-3);
  });
});

describe('Navier–Stokes generation', () => {
  it('writes [N, T, X, Y] with x, y, t coordinates, the same bytes with 1 or 2 workers and from merged shards', async () => {
    await h5ready();
    const dir = tmpDir();
    const r = ns('ns-fno-nu1e-3', { samples: 3, nx: 16, solveNx: 32, frames: 3, tEnd: 1 });
    const one = path.join(dir, 'one.h5');
    const two = path.join(dir, 'two.h5');
    await generateDataset({ recipe: r, out: one, workers: 1 });
    await generateDataset({ recipe: r, out: two, workers: 2 });
    expect(sameBytes(one, two)).toBe(true);
    const shards = [0, 1].map((i) => path.join(dir, `s${i}.h5`));
    for (let i = 0; i < 2; i++) await generateDataset({ recipe: r, out: shards[i], workers: 1, shard: { index: i, count: 2 } });
    await mergeShards({ shards, out: path.join(dir, 'merged.h5') });
    expect(sameBytes(one, path.join(dir, 'merged.h5'))).toBe(true);

    const ds = H5Dataset.open(one);
    try {
      expect(ds.shape).toEqual([3, 3, 16, 16]);
      expect(ds.status).toBe('complete');
      expect(Array.from(ds.x)).toEqual(Array.from({ length: 16 }, (_, i) => i / 16));
      expect(Array.from(ds.y ?? [])).toEqual(Array.from({ length: 16 }, (_, i) => i / 16));
      expect(Array.from(ds.t)).toEqual([0, 0.5, 1]);
      expect(ds.attrs).toMatchObject({ Nu: 0.001, forcing: 'fno', drag: 0, solver: 'ns2d-pseudo-spectral-cn-rk3' });
      expect(JSON.parse(String(ds.attrs.recipe))).toEqual(JSON.parse(recipeJson(r)));
      expect(Buffer.from(ds.readSample(2).buffer).equals(Buffer.from(computeSample(r, 2).buffer))).toBe(true);
    } finally {
      ds.close();
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs from the CLI and plots the 2D samples', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'ns.h5');
    const g = pdes([
      'generate',
      'ns-fno-nu1e-3',
      '--samples',
      '2',
      '--nx',
      '16',
      '--solve-nx',
      '32',
      '--frames',
      '3',
      '--t-end',
      '1',
      '-o',
      file,
      '--workers',
      '1',
      '-q',
    ]);
    expect(g.stderr).toBe('');
    expect(g.code).toBe(0);
    const info = pdes(['info', file]);
    expect(info.stdout).toContain('[2, 3, 16, 16]');
    const page = path.join(dir, 'ns.html');
    const p = pdes(['plot', file, '-o', page]);
    expect(p.code).toBe(0);
    const html = fs.readFileSync(page, 'utf8');
    expect(html).toContain('Sample 1: vorticity at 3 times');
    const bad = pdes(['generate', 'ns-fno-nu1e-3', '--nu', '-0.5', '-o', path.join(dir, 'bad.h5')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('pdes generate: --nu=-0.5 is not allowed: Navier-Stokes recipes need a viscosity nu >= 0');
    expect(fs.existsSync(path.join(dir, 'bad.h5'))).toBe(false);
    // A fixed step above the explicit-advection bound names the bound; no file is started.
    const unstable = pdes([
      'generate',
      'ns-fno-nu1e-3',
      '--samples',
      '2',
      '--nx',
      '16',
      '--solve-nx',
      '32',
      '--frames',
      '3',
      '--t-end',
      '2',
      '--scheme',
      'cn-euler',
      '--dt',
      '0.5',
      '-o',
      path.join(dir, 'dt.h5'),
      '-q',
    ]);
    expect(unstable.code).toBe(2);
    expect(unstable.stderr.trim()).toMatch(
      /^pdes generate: sample 0: --dt=0\.5 is above the stability bound 2\(nu \+ drag\/kmax²\)\/max\|u\|²=0\.40\d+ for explicit advection at n=32 \(max \|u\| = [\d.]+\): use dt <= 0\.4016$/,
    );
    expect(fs.existsSync(path.join(dir, 'dt.h5'))).toBe(false);
    const forcing = pdes(['generate', 'ns-fno-nu1e-3', '--forcing', 'shear', '-o', path.join(dir, 'f.h5')]);
    expect(forcing.code).toBe(2);
    expect(forcing.stderr.trim()).toBe('pdes generate: --forcing=shear is not allowed: use one of fno, kolmogorov, none');
    const domain = pdes([
      'generate',
      'ns-fno-nu1e-3',
      '--forcing',
      'kolmogorov',
      '--samples',
      '1',
      '--nx',
      '16',
      '--solve-nx',
      '32',
      '-o',
      path.join(dir, 'k.h5'),
      '-q',
    ]);
    expect(domain.code).toBe(2);
    expect(domain.stderr.trim()).toMatch(/^pdes generate: sample 0: .*kolmogorov/);
    expect(fs.existsSync(path.join(dir, 'k.h5'))).toBe(false);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
