import { describe, expect, it } from 'vitest';
import { outputTimes, recipeDifference, recipeJson, resolveRecipe, RecipeError, PDEBENCH_BURGERS_NU } from '../../datasets/recipes.js';
import { datasetHeader, parseShard, shardRange } from '../../datasets/generate.js';
import { computeSample, restrictToStored, solveSample } from '../../datasets/sample.js';

describe('recipes', () => {
  it('resolves burgers-fno to the FNO paper setting', () => {
    const r = resolveRecipe('burgers-fno');
    expect(r).toMatchObject({ nu: 0.1, attrNu: 0.1, domain: [0, 1], staggering: 'node', solveNx: 8192, nx: 1024, tEnd: 1 });
    expect(r.initialCondition.kind).toBe('grf');
    expect(r.solver).toMatchObject({ method: 'spectral', stepper: 'etdrk4' });
  });

  it('resolves burgers-pdebench with PDEBench viscosity scaling nu/pi and its attribute Nu', () => {
    for (const nu of PDEBENCH_BURGERS_NU) {
      const r = resolveRecipe('burgers-pdebench', { nu });
      expect(r.attrNu).toBe(nu);
      expect(r.nu).toBeCloseTo(nu / Math.PI, 15);
    }
    const r = resolveRecipe('burgers-pdebench');
    expect(r).toMatchObject({ nFrames: 201, tEnd: 2, nx: 1024, staggering: 'cell' });
    expect(r.initialCondition.kind).toBe('sum-of-sines');
    const t = outputTimes(r);
    expect(t.length).toBe(201);
    expect(t[0]).toBe(0);
    expect(t[200]).toBe(2);
    expect(t[1]).toBeCloseTo(0.01, 15);
  });

  it('switches the grid staggering with the method', () => {
    expect(resolveRecipe('burgers-fno', { method: 'fv' }).staggering).toBe('cell');
    expect(resolveRecipe('burgers-pdebench', { method: 'spectral' }).staggering).toBe('node');
  });

  it.each([
    ['burgers-fno', { samples: 0 }, '--samples=0 is not allowed: use an integer >= 1'],
    ['burgers-fno', { nu: 0 }, '--nu=0 is not allowed: Burgers recipes need a viscosity nu > 0'],
    ['burgers-fno', { nu: Number.NaN }, '--nu=NaN is not allowed'],
    ['burgers-fno', { nx: 1000 }, '--solve-nx=8192 is not allowed with --nx=1000: the solve grid must be a whole multiple of the stored grid'],
    ['burgers-fno', { tEnd: -1 }, '--t-end=-1 is not allowed: use a number > 0'],
    ['burgers-fno', { method: 'spectral', flux: 'godunov' }, '--flux=godunov is not allowed with --method=spectral'],
    ['burgers-fno', { method: 'fem' }, '--method=fem is not allowed: use spectral or fv'],
    ['burgers-pdebench', { method: 'fv', scheme: 'weno5', solveNx: 4, nx: 2 }, '--solve-nx=4 is too small for WENO5: use at least 5 cells'],
    ['navier-stokes', {}, "unknown recipe 'navier-stokes'"],
  ])('%s %j is rejected', (name, o, msg) => {
    expect(() => resolveRecipe(name, o)).toThrow(RecipeError);
    expect(() => resolveRecipe(name, o)).toThrow(msg);
  });

  it('names the first differing field between two recipes', () => {
    const a = JSON.parse(recipeJson(resolveRecipe('burgers-fno')));
    const b = JSON.parse(recipeJson(resolveRecipe('burgers-fno', { seed: 5 })));
    expect(recipeDifference(a, a)).toBeNull();
    expect(recipeDifference(a, b)).toBe('seed: 0 vs 5');
    const c = JSON.parse(recipeJson(resolveRecipe('burgers-fno', { method: 'fv' })));
    expect(recipeDifference(a, c)).toMatch(/^solver\./);
  });
});

describe('shards', () => {
  it('partition the samples into contiguous, disjoint, covering slices', () => {
    for (const [n, k] of [
      [10, 3],
      [7, 7],
      [1000, 16],
    ]) {
      let next = 0;
      for (let i = 0; i < k; i++) {
        const [a, b] = shardRange(n, { index: i, count: k });
        expect(a).toBe(next);
        expect(b).toBeGreaterThan(a);
        next = b;
      }
      expect(next).toBe(n);
    }
    expect(() => shardRange(2, { index: 0, count: 3 })).toThrow('2 samples cannot fill 3 shards');
    expect(parseShard('2/5')).toEqual({ index: 2, count: 5 });
    expect(() => parseShard('5/5')).toThrow('--shard=5/5 is not allowed');
    expect(() => parseShard('a/b')).toThrow('--shard=a/b is not allowed');
  });

  it('give shard files a header that differs from the single-run file only by the shard attributes', () => {
    const r = resolveRecipe('burgers-fno', { samples: 10, nx: 32, solveNx: 64 });
    const whole = datasetHeader(r);
    const part = datasetHeader(r, { index: 1, count: 3 });
    expect(whole.shape).toEqual([10, 11, 32]);
    expect(part.shape).toEqual([3, 11, 32]);
    expect(part.attrs.shard).toBe('1/3');
    expect(part.attrs['sample-offset']).toBe(3);
    const { shard: _s, 'sample-offset': _o, ...rest } = part.attrs;
    expect(rest).toEqual(whole.attrs);
  });
});

describe('samples', () => {
  it('are a pure function of (recipe, index): same bytes, and different indices differ', () => {
    const r = resolveRecipe('burgers-fno', { samples: 4, nx: 32, solveNx: 128, frames: 3 });
    const a = computeSample(r, 2);
    const b = computeSample(r, 2);
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(computeSample(r, 3).buffer).equals(Buffer.from(a.buffer))).toBe(false);
    expect(a.length).toBe(3 * 32);
  });

  it('restrict nodes by striding and cell averages by block averaging (mass preserved)', () => {
    const node = resolveRecipe('burgers-fno', { nx: 4, solveNx: 16 });
    const u = Float64Array.from({ length: 16 }, (_, i) => i * i);
    const out = new Float32Array(4);
    restrictToStored(u, node, out, 0);
    expect(Array.from(out)).toEqual([0, 16, 64, 144]);
    const cell = resolveRecipe('burgers-pdebench', { nx: 4, solveNx: 16, scheme: 'muscl-minmod' });
    restrictToStored(u, cell, out, 0);
    expect(Array.from(out)).toEqual([3.5, 31.5, 91.5, 183.5]);
    const fineMass = u.reduce((s, v) => s + v, 0) / 16;
    expect(out.reduce((s, v) => s + v, 0) / 4).toBeCloseTo(fineMass, 10);
  });

  it('stop with the sample and time when the solver goes unstable', () => {
    // A fixed step 100x above the CFL bound must blow up, and say where.
    const spectral = resolveRecipe('burgers-fno', { nx: 64, solveNx: 64, frames: 3, nu: 0.001, dt: 0.05 });
    expect(() => solveSample(spectral, 5)).toThrow(/^sample 5: solver went unstable \(NaN\/Inf\) at t=0\.3/);
    // Finite volume at CFL ~ 3 grows to 1e127: finite in float64, but not storable in float32.
    const fv = resolveRecipe('burgers-pdebench', { nx: 64, frames: 3, nu: 0.001, dt: 0.05 });
    expect(() => computeSample(fv, 5)).toThrow(/^sample 5: solver went unstable \(NaN\/Inf\) at t=1: \|u\| = .* overflows float32 storage/);
  });
});
