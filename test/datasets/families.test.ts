import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { families, familyOf, findFamily, gridLabel, recipeNames, registerFamily, unregisterFamily } from '../../datasets/families/index.js';
import { equalFrameTimes, restrictToStored, solveGrid, type PdeFamily, type RecipeOverrides } from '../../datasets/families/family.js';
import { positiveInt, positiveReal, RecipeError } from '../../datasets/recipe_checks.js';
import { outputTimes, recipeSummaries, resolveRecipe, RECIPE_NAMES } from '../../datasets/recipes.js';
import { computeSample, frameSize, initialCondition, sampleExtras } from '../../datasets/sample.js';
import { datasetHeader, generateDataset } from '../../datasets/generate.js';
import { H5Dataset, h5ready } from '../../src/data/index.js';
import { Rng } from '../../core/random.js';
import { tmpDir } from '../helpers/cli.js';

/**
 * A toy family written the way a new family is added: one object, then registerFamily. The 1D heat
 * equation u_t = κ·u_xx on the periodic [0, 2π) from u0 = Σ_{m=1..3} a_m·sin(m·x + φ_m) with
 * (a_m, φ_m) drawn from Rng(seed, index); its "solver" is the exact solution
 * u(x, t) = Σ a_m·e^{−κ·m²·t}·sin(m·x + φ_m).
 */
interface HeatRecipe {
  name: string;
  pde: 'toy-heat';
  equation: string;
  kappa: number;
  domain: [number, number];
  staggering: 'node';
  solveNx: number;
  nx: number;
  nFrames: number;
  tEnd: number;
  samples: number;
  seed: number;
}

function modes(r: HeatRecipe, index: number): { a: number; phi: number }[] {
  const rng = new Rng(r.seed, index);
  return [1, 2, 3].map(() => ({ a: rng.uniformRange(-1, 1), phi: rng.uniformRange(0, 2 * Math.PI) }));
}

function exact(r: HeatRecipe, index: number, t: number): Float64Array {
  const g = solveGrid(r);
  const ms = modes(r, index);
  return Float64Array.from(g.points(), (x) => ms.reduce((s, { a, phi }, k) => s + a * Math.exp(-r.kappa * (k + 1) ** 2 * t) * Math.sin((k + 1) * x + phi), 0));
}

const heatFamily: PdeFamily<HeatRecipe> = {
  pde: 'toy-heat',
  dims: 1,
  recipes: {
    'toy-heat-1': {
      summary: 'heat equation u_t = kappa*u_xx, three random sine modes, solved exactly',
      build: () => ({
        name: 'toy-heat-1',
        pde: 'toy-heat',
        equation: 'u_t = kappa*u_xx',
        kappa: 0.5,
        domain: [0, 2 * Math.PI],
        staggering: 'node',
        solveNx: 64,
        nx: 16,
        nFrames: 4,
        tEnd: 1,
        samples: 5,
        seed: 0,
      }),
    },
  },
  applyOverrides(r: HeatRecipe, o: RecipeOverrides): HeatRecipe {
    for (const k of Object.keys(o) as (keyof RecipeOverrides)[]) {
      if (!['samples', 'frames', 'tEnd', 'nu'].includes(k) && o[k] !== undefined) throw new RecipeError(`--${k} is not allowed for ${r.name}`);
    }
    if (o.samples !== undefined) r.samples = positiveInt('samples', o.samples);
    if (o.frames !== undefined) r.nFrames = positiveInt('frames', o.frames);
    if (o.tEnd !== undefined) r.tEnd = positiveReal('t-end', o.tEnd);
    if (o.nu !== undefined) r.kappa = positiveReal('nu', o.nu);
    return r;
  },
  outputTimes: equalFrameTimes,
  initialCondition: (r, index) => exact(r, index, 0),
  solveSample: (r, index) => Array.from(equalFrameTimes(r), (t) => exact(r, index, t)),
  computeSample(r, index) {
    const tensor = new Float32Array(r.nFrames * r.nx);
    heatFamily.solveSample(r, index).forEach((u, k) => restrictToStored(u, r, tensor, k * r.nx));
    return { tensor, extras: { amplitude: Float64Array.from(modes(r, index), (m) => m.a) } };
  },
  extras: () => ({ amplitude: [3] }),
  solverName: () => 'toy-heat-exact',
  attributes: (r) => ({ kappa: r.kappa }),
};

describe('PDE family registry', () => {
  afterEach(() => {
    if (families().some((f) => f.pde === 'toy-heat')) unregisterFamily('toy-heat');
  });

  it('holds the built-in families and finds each recipe’s family', () => {
    expect(families().map((f) => f.pde)).toEqual(['burgers', 'navier-stokes-2d', 'gpme']);
    expect(recipeNames()).toEqual(RECIPE_NAMES);
    for (const name of RECIPE_NAMES) expect(familyOf(resolveRecipe(name)).recipes[name]).toBeDefined();
    expect(familyOf(resolveRecipe('ns-fno-nu1e-3')).dims).toBe(2);
    expect(gridLabel(resolveRecipe('ns-fno-nu1e-3'))).toBe('64x64 (solved on 256x256)');
    expect(gridLabel(resolveRecipe('burgers-fno'))).toBe('nx=1024 (solved on 8192)');
    expect(findFamily({ pde: 'gpme', case: 'stefan' })?.frontLevels?.(resolveRecipe('gpme-stefan'), [0.6])).toEqual([0.6]);
    expect(findFamily({ pde: 'gpme' })?.frontLevels?.(resolveRecipe('gpme-heat'), [2])).toBeUndefined();
    expect(findFamily({ pde: 'nothing' })).toBeUndefined();
    expect(findFamily(null)).toBeUndefined();
    expect(() => familyOf('nothing')).toThrow("unknown PDE family 'nothing': known families are burgers, navier-stokes-2d, gpme");
  });

  it('refuses a second family under a taken key or recipe name, and the removal of a built-in one', () => {
    expect(() => registerFamily({ ...heatFamily, pde: 'burgers' })).toThrow("family 'burgers' is already registered");
    expect(() => registerFamily({ ...heatFamily, recipes: { 'burgers-fno': heatFamily.recipes['toy-heat-1'] } })).toThrow(
      "recipe 'burgers-fno' of family 'toy-heat' is already a recipe of 'burgers'",
    );
    expect(() => unregisterFamily('gpme')).toThrow("family 'gpme' is built in and cannot be removed");
  });

  it('generates a registered toy family through the normal generator: one object plus registerFamily', async () => {
    expect(() => resolveRecipe('toy-heat-1')).toThrow(RecipeError);
    registerFamily(heatFamily);
    expect(recipeSummaries().map((s) => s.name)).toContain('toy-heat-1');
    expect(() => resolveRecipe('toy-heat-1', { forcing: 'fno' })).toThrow('--forcing is not allowed for toy-heat-1');
    const r = resolveRecipe('toy-heat-1', { samples: 3, frames: 3, nu: 0.25 }) as unknown as HeatRecipe;
    expect(r).toMatchObject({ pde: 'toy-heat', samples: 3, nFrames: 3, kappa: 0.25 });
    expect(Array.from(outputTimes(r))).toEqual([0, 0.5, 1]);
    expect(frameSize(r)).toBe(16);
    expect(sampleExtras(r)).toEqual({ amplitude: [3] });
    expect(Array.from(initialCondition(r, 1))).toEqual(Array.from(exact(r, 1, 0)));
    expect(datasetHeader(r).shape).toEqual([3, 3, 16]);

    await h5ready();
    const out = path.join(tmpDir(), 'heat.h5');
    const res = await generateDataset({ recipe: r, out, workers: 1 });
    expect(res.samples).toBe(3);
    const ds = H5Dataset.open(out);
    try {
      expect(ds.status).toBe('complete');
      expect(ds.shape).toEqual([3, 3, 16]);
      expect(ds.attrs).toMatchObject({ solver: 'toy-heat-exact', kappa: 0.25, equation: 'u_t = kappa*u_xx' });
      expect(Array.from(ds.t)).toEqual([0, 0.5, 1]);
      ds.x.forEach((x, i) => expect(Math.abs(x - (2 * Math.PI * i) / 16)).toBeLessThan(1e-15));
      for (let s = 0; s < 3; s++) {
        const stored = ds.readSample(s);
        expect(Array.from(stored)).toEqual(Array.from(computeSample(r, s)));
        // Frame 2 (t = 1) on the stored grid is the closed form at every 4th solve node, in float32.
        const u1 = exact(r, s, 1);
        for (let i = 0; i < 16; i++) expect(stored[2 * 16 + i]).toBe(Math.fround(u1[4 * i]));
        expect(Array.from(ds.readExtra('amplitude', s, s + 1))).toEqual(modes(r, s).map((m) => m.a));
      }
    } finally {
      ds.close();
    }
    unregisterFamily('toy-heat');
    expect(() => resolveRecipe('toy-heat-1')).toThrow("unknown recipe 'toy-heat-1'");
  });

  it('speaks of replacing a file as the library option `overwrite` (the old name `force` still accepted, never both)', async () => {
    registerFamily(heatFamily);
    const r = resolveRecipe('toy-heat-1', { samples: 2, frames: 2 });
    await h5ready();
    const out = path.join(tmpDir(), 'heat-overwrite.h5');
    await generateDataset({ recipe: r, out, workers: 1 });
    const first = fs.readFileSync(out);
    await expect(generateDataset({ recipe: r, out, workers: 1 })).rejects.toThrow(
      `${out} exists: pass resume: true to complete it or overwrite: true to replace it`,
    );
    await expect(generateDataset({ recipe: r, out, workers: 1, resume: true, overwrite: true })).rejects.toThrow(
      'resume: true and overwrite: true exclude each other',
    );
    await expect(generateDataset({ recipe: r, out, workers: 1, overwrite: true, force: true })).rejects.toThrow('force and overwrite are the same field');
    expect((await generateDataset({ recipe: r, out, workers: 1, overwrite: true })).computed).toBe(2);
    expect(fs.readFileSync(out).equals(first)).toBe(true);
    expect((await generateDataset({ recipe: r, out, workers: 1, force: true })).computed).toBe(2);
    expect(fs.readFileSync(out).equals(first)).toBe(true);
  });
});
