import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetHeader, generateDataset, mergeShards } from '../../datasets/generate.js';
import { outputTimes, recipeJson, resolveRecipe, RecipeError, type GpmeRecipe, type RecipeOverrides } from '../../datasets/recipes.js';
import { computeSampleRecord, gpmeExact, gpmeParameter, solveGpmeSample } from '../../datasets/sample.js';
import { describeDataset, H5Dataset, h5ready, ProgressiveWriter } from '../../src/data/index.js';
import { Rng } from '../../core/random.js';
import { pdes, sameBytes, tmpDir } from '../helpers/cli.js';

function gpme(name: `gpme-${string}`, o: RecipeOverrides = {}): GpmeRecipe {
  return resolveRecipe(name, o);
}

const SMALL: RecipeOverrides = { samples: 3, nx: 20, solveNx: 80, frames: 5 };

describe('GPME recipes', () => {
  it('resolve to ProbConserv grids, times and training ranges', () => {
    expect(gpme('gpme-heat')).toMatchObject({
      case: 'heat',
      parameterName: 'k',
      parameter: { kind: 'uniform', min: 1, max: 5 },
      domain: [0, 2 * Math.PI],
      boundary: 'periodic',
      staggering: 'cell',
      nx: 201,
      solveNx: 804,
      nFrames: 201,
      tEnd: 1,
      samples: 10000,
      solver: { scheme: 'bdf2', faceFlux: 'kirchhoff', nonlinearSolver: 'newton', dt: 1 / 800 },
    });
    expect(gpme('gpme-pme')).toMatchObject({ case: 'pme', parameterName: 'm', parameter: { kind: 'uniform', min: 1, max: 6 }, domain: [0, 1], tEnd: 1 });
    expect(gpme('gpme-stefan')).toMatchObject({
      case: 'stefan',
      parameterName: 'p*',
      parameter: { kind: 'uniform', min: 0.55, max: 0.7 },
      domain: [0, 1],
      tEnd: 0.1,
      kMax: 1,
    });
    const t = outputTimes(gpme('gpme-stefan'));
    expect([t.length, t[0], t[200]]).toEqual([201, 0, 0.1]);
  });

  it('draw the parameter per sample from Rng(seed, i), or cycle through a held-out list', () => {
    const r = gpme('gpme-pme', { seed: 5 });
    for (const i of [0, 1, 7]) {
      const m = gpmeParameter(r, i);
      expect(m).toBe(new Rng(5, i).uniformRange(1, 6));
      expect(m).toBeGreaterThanOrEqual(1);
      expect(m).toBeLessThan(6);
    }
    const held = gpme('gpme-pme', { parameter: '1,3,6' });
    expect(held.parameter).toEqual({ kind: 'list', values: [1, 3, 6] });
    expect([0, 1, 2, 3, 4].map((i) => gpmeParameter(held, i))).toEqual([1, 3, 6, 1, 3]);
    expect(gpme('gpme-heat', { parameter: '1,5' }).parameter).toEqual({ kind: 'list', values: [1, 5] });
    expect(gpme('gpme-stefan', { parameterRange: '0.5:0.6' }).parameter).toEqual({ kind: 'uniform', min: 0.5, max: 0.6 });
  });

  it.each<[`gpme-${string}`, RecipeOverrides, number]>([
    ['gpme-heat', { parameter: '3' }, 2e-4],
    ['gpme-pme', { parameter: '3' }, 3e-3],
    ['gpme-stefan', { parameter: '0.6' }, 3e-3],
  ])('%s: a sample matches the closed form; mass is the discrete mass (initial + boundary flux) and mass-exact the closed form', (name, o, tol) => {
    const r = gpme(name, { ...o, nx: 50, solveNx: 200, frames: 11 });
    const s = computeSampleRecord(r, 0);
    const extras = s.extras as Record<string, Float64Array>;
    expect(s.tensor.length).toBe(11 * 50);
    expect(Array.from(extras.parameter)).toEqual([Number(o.parameter)]);
    const ex = gpmeExact(r, Number(o.parameter));
    const times = outputTimes(r);
    const dx = (r.domain[1] - r.domain[0]) / 50;
    const res = solveGpmeSample(r, 0);
    const scale = Math.max(...extras['mass-exact'].map(Math.abs), 1e-300);
    for (let k = 0; k < 11; k++) {
      let err = 0;
      for (let i = 0; i < 50; i++) err += Math.abs(s.tensor[k * 50 + i] - ex.cellAverage(r.domain[0] + i * dx, r.domain[0] + (i + 1) * dx, times[k])) * dx;
      expect(err).toBeLessThan(tol);
      const f = res.frames[k];
      expect(extras.mass[k]).toBe(f.mass);
      expect(Math.abs(f.mass - res.frames[0].mass - f.fluxLeft + f.fluxRight)).toBeLessThan(1e-12 * Math.max(scale, 1));
      expect(extras['mass-exact'][k]).toBe(ex.mass(r.domain[0], r.domain[1], times[k]));
      expect(Math.abs(extras.mass[k] - extras['mass-exact'][k])).toBeLessThan(Math.max(0.02 * scale, 1e-12));
    }
  });

  it('refuse bad parameters and options of other PDEs with one-line RecipeErrors', () => {
    const cases: [() => unknown, string][] = [
      [() => gpme('gpme-pme', { parameter: '0' }), '--parameter=0 is not allowed for gpme-pme: the porous-medium exponent m must be > 0 (k(u) = u^m)'],
      [() => gpme('gpme-pme', { parameter: '2,-1' }), '--parameter=-1 is not allowed for gpme-pme: the porous-medium exponent m must be > 0 (k(u) = u^m)'],
      [() => gpme('gpme-stefan', { parameter: '1.5' }), '--parameter=1.5 is not allowed for gpme-stefan: the Stefan threshold p* must lie in (0, 1)'],
      [
        () => gpme('gpme-stefan', { parameterRange: '0.5:1' }),
        '--parameter-range=0.5:1 is not allowed for gpme-stefan: 1 is out of range (the Stefan threshold p* must lie in (0, 1))',
      ],
      [() => gpme('gpme-heat', { parameter: '-2' }), '--parameter=-2 is not allowed for gpme-heat: the heat equation needs a diffusivity k > 0'],
      [() => gpme('gpme-heat', { parameterRange: '5:1' }), '--parameter-range=5:1 is not allowed: use a:b with a < b (or --parameter 5 for one value)'],
      [() => gpme('gpme-heat', { parameterRange: '1-5' }), '--parameter-range=1-5 is not allowed: use a:b with numbers a < b, e.g. 1:5'],
      [() => gpme('gpme-heat', { parameter: '1,x' }), '--parameter=1,x is not allowed: use a comma-separated list of numbers, e.g. 1,3,6'],
      [
        () => gpme('gpme-heat', { parameter: '1', parameterRange: '1:2' }),
        '--parameter and --parameter-range are not allowed together: give a list or a range',
      ],
      [() => gpme('gpme-pme', { nu: 0.1 }), '--nu=0.1 is not allowed for gpme-pme: GPME recipes take --parameter / --parameter-range for m'],
      [() => gpme('gpme-pme', { scheme: 'weno5' }), '--scheme=weno5 is not allowed for gpme-pme: use one of backward-euler, crank-nicolson, bdf2'],
      [
        () => gpme('gpme-pme', { nx: 20, solveNx: 30 }),
        '--solve-nx=30 is not allowed with --nx=20: the solve grid must be a whole multiple of the stored grid',
      ],
      [() => resolveRecipe('burgers-fno', { parameter: '1' }), '--parameter=1 is not allowed for burgers-fno: it is a GPME option'],
    ];
    for (const [fn, msg] of cases) {
      expect(fn).toThrow(RecipeError);
      expect(fn).toThrow(msg);
    }
  });
});

describe('GPME generation', () => {
  it('stores tensor, parameter, mass and mass-exact; the same bytes with 1 or 2 workers, from merged shards and after a resume', async () => {
    await h5ready();
    const dir = tmpDir();
    const r = gpme('gpme-stefan', SMALL);
    const one = path.join(dir, 'one.h5');
    const two = path.join(dir, 'two.h5');
    await generateDataset({ recipe: r, out: one, workers: 1 });
    await generateDataset({ recipe: r, out: two, workers: 2 });
    expect(sameBytes(one, two)).toBe(true);
    const shards = [0, 1].map((i) => path.join(dir, `s${i}.h5`));
    for (let i = 0; i < 2; i++) await generateDataset({ recipe: r, out: shards[i], workers: 1, shard: { index: i, count: 2 } });
    await mergeShards({ shards, out: path.join(dir, 'merged.h5') });
    expect(sameBytes(one, path.join(dir, 'merged.h5'))).toBe(true);
    // A run cut short after sample 2, then resumed.
    const cut = path.join(dir, 'cut.h5');
    const w = ProgressiveWriter.create(cut, datasetHeader(r));
    const s2 = computeSampleRecord(r, 2);
    w.writeSample(2, s2.tensor, s2.extras);
    w.close();
    const res = await generateDataset({ recipe: r, out: cut, workers: 1, resume: true });
    expect(res.alreadyComplete).toBe(false);
    expect(sameBytes(one, cut)).toBe(true);

    const ds = H5Dataset.open(one);
    try {
      expect(ds.shape).toEqual([3, 5, 20]);
      ds.x.forEach((x, i) => expect(Math.abs(x - (i + 0.5) / 20)).toBeLessThan(1e-15));
      expect(Array.from(ds.t)).toEqual(Array.from(outputTimes(r)));
      expect(ds.t[4]).toBe(0.1);
      expect(ds.attrs).toMatchObject({ 'parameter-name': 'p*', solver: 'gpme-fv-kirchhoff-bdf2', seed: 0 });
      expect(ds.attrs.Nu).toBeUndefined();
      expect(JSON.parse(String(ds.attrs.recipe))).toEqual(JSON.parse(recipeJson(r)));
      expect(ds.extras).toEqual({ mass: [5], 'mass-exact': [5], parameter: [] });
      expect(Array.from(ds.readExtra('parameter', 0, 3))).toEqual([0, 1, 2].map((i) => gpmeParameter(r, i)));
      const rec = computeSampleRecord(r, 1);
      expect(Array.from(ds.readExtra('mass', 1, 2))).toEqual(Array.from(rec.extras?.mass ?? []));
      expect(Array.from(ds.readExtra('mass-exact', 1, 2))).toEqual(Array.from(rec.extras?.['mass-exact'] ?? []));
      expect(Buffer.from(ds.readSample(1).buffer).equals(Buffer.from(rec.tensor.buffer))).toBe(true);
    } finally {
      ds.close();
    }
    expect(describeDataset(one).extras.map((e) => e.name)).toEqual(['mass', 'mass-exact', 'parameter']);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs from the CLI with held-out parameters; bad parameters exit 2 before a file is made', () => {
    const dir = tmpDir();
    const file = path.join(dir, 'pme.h5');
    const g = pdes([
      'generate',
      'gpme-pme',
      '--parameter',
      '1,3,6',
      '--samples',
      '3',
      '--nx',
      '10',
      '--solve-nx',
      '40',
      '--frames',
      '3',
      '-o',
      file,
      '--workers',
      '1',
      '-q',
    ]);
    expect(g.stderr).toBe('');
    expect(g.code).toBe(0);
    const info = pdes(['info', file]);
    expect(info.stdout).toMatch(/^extras +mass float64 \[3, 3\] {2}mass-exact float64 \[3, 3\] {2}parameter float64 \[3\]$/m);
    const ds = H5Dataset.open(file);
    expect(Array.from(ds.readExtra('parameter', 0, 3))).toEqual([1, 3, 6]);
    ds.close();
    const bad: [string[], string][] = [
      [['gpme-pme', '--parameter', '0'], 'pdes generate: --parameter=0 is not allowed for gpme-pme: the porous-medium exponent m must be > 0 (k(u) = u^m)'],
      [
        ['gpme-stefan', '--parameter-range', '0.5:1.2'],
        'pdes generate: --parameter-range=0.5:1.2 is not allowed for gpme-stefan: 1.2 is out of range (the Stefan threshold p* must lie in (0, 1))',
      ],
      [['gpme-heat', '--parameter', '0,1'], 'pdes generate: --parameter=0 is not allowed for gpme-heat: the heat equation needs a diffusivity k > 0'],
    ];
    for (const [args, msg] of bad) {
      const out = path.join(dir, 'bad.h5');
      const b = pdes(['generate', ...args, '-o', out]);
      expect(b.code).toBe(2);
      expect(b.stderr.trim()).toBe(msg);
      expect(fs.existsSync(out)).toBe(false);
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
