/**
 * Probabilistic evaluation end to end on a small gpme-stefan dataset: an ensemble trained through
 * the CLI, evaluated with ProbConserv's projection and HardC, in and out of distribution, and the
 * UQ report; the one-line errors of the probabilistic path.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateDataset } from '../../datasets/generate.js';
import { resolveRecipe } from '../../datasets/recipes.js';
import { H5Dataset, h5ready } from '../../src/data/index.js';
import { initBackend } from '../../src/engine/backend.js';
import { uqMetrics } from '../../src/metrics/index.js';
import { evaluateUqRun, parseConserve } from '../../src/evaluate/evaluate_uq.js';
import { evaluate } from '../../src/evaluate/index.js';
import { predictEnsemble } from '../../src/uq/index.js';
import { pdes, tmpDir } from '../helpers/cli.js';

const dir = tmpDir('pdes-uq-pipeline-');
const data = path.join(dir, 'stefan.h5');
const ood = path.join(dir, 'stefan-ood.h5');
const ens = path.join(dir, 'ens');
const single = path.join(dir, 'single');

beforeAll(async () => {
  await h5ready();
  await initBackend('wasm');
  const common = { nx: 32, solveNx: 128, frames: 7 };
  await generateDataset({ recipe: resolveRecipe('gpme-stefan', { ...common, samples: 40, seed: 0 }), out: data, workers: 1 });
  await generateDataset({ recipe: resolveRecipe('gpme-stefan', { ...common, samples: 6, seed: 1, parameter: '0.5,0.6' }), out: ood, workers: 1 });
  const base = [
    '--data',
    data,
    '--mapping',
    'window',
    '--history',
    '2',
    '--future',
    '5',
    '--modes',
    '8',
    '--width',
    '16',
    '--train',
    '28',
    '--val',
    '4',
    '--test',
    '8',
    '--epochs',
    '6',
  ];
  const t = pdes(['train', 'fno', ...base, '--loss', 'gaussian-nll', '--ensemble', '2', '--ensemble-workers', '2', '--out', ens]);
  expect(t.code, t.stderr).toBe(0);
  const s = pdes(['train', 'fno', ...base, '--out', single]);
  expect(s.code, s.stderr).toBe(0);
}, 240_000);

describe('probabilistic evaluation with conservation projection', () => {
  it('parses the --conserve variants and refuses others in one line', () => {
    expect(parseConserve('exact')).toEqual({ mode: 'exact' });
    expect(parseConserve('noisy:0.01')).toEqual({ mode: 'noisy', sigma: 0.01 });
    expect(parseConserve('noisy:0')).toEqual({ mode: 'exact' });
    expect(parseConserve('hard')).toEqual({ mode: 'hard' });
    expect(() => parseConserve('noisy:-1')).toThrow('--conserve=noisy:-1 is not allowed: sigma must be a number >= 0');
    expect(() => parseConserve('soft')).toThrow('--conserve=soft is not allowed: use exact, noisy:SIGMA (SIGMA > 0) or hard');
  });

  it('projects exactly: the predicted mass equals the known mass to round-off, in and out of distribution', async () => {
    const r = await evaluateUqRun({ run: ens, ensemble: true, conserve: [{ mode: 'exact' }, { mode: 'noisy', sigma: 1e-3 }, { mode: 'hard' }], ood });
    expect(r.method).toBe('ensemble');
    expect(r.members).toBe(2);
    expect(r.frames).toEqual([2, 3, 4, 5, 6]);
    for (const g of [r.inDistribution, r.ood!]) {
      expect(g.massSource).toBe('dataset mass');
      const [base, exact, noisy, hard] = g.variants;
      expect(g.variants.map((v) => v.name)).toEqual(['base', 'projected', 'projected σ=0.001', 'hardc']);
      expect(base.metrics.conservation.relMaxAbs).toBeGreaterThan(1e-4);
      expect(exact.metrics.conservation.relMaxAbs).toBeLessThan(1e-10);
      expect(hard.metrics.conservation.relMaxAbs).toBeLessThan(1e-10);
      // A noisy constraint moves the mass part of the way.
      expect(noisy.metrics.conservation.meanAbs).toBeLessThan(base.metrics.conservation.meanAbs);
      expect(noisy.metrics.conservation.meanAbs).toBeGreaterThan(exact.metrics.conservation.meanAbs);
      // Stefan fronts are measured at each sample's own p*.
      expect(base.metrics.front).toBeDefined();
    }
    expect(r.ood!.parameters).toEqual([0.5, 0.6, 0.5, 0.6, 0.5, 0.6]);
    expect(JSON.parse(fs.readFileSync(path.join(ens, 'uq.json'), 'utf8')).inDistribution.variants).toHaveLength(4);
  });

  it('computes the base metrics from the ensemble prediction and the file mass', async () => {
    const r = await evaluateUqRun({ run: ens, ensemble: true });
    const indices = r.inDistribution.indices;
    const p = await predictEnsemble(ens, data, indices);
    const ds = H5Dataset.open(data);
    const nt = p.shape.nt;
    const trueMass = new Float64Array(indices.length * nt);
    indices.forEach((s, i) => {
      const m = ds.readExtra('mass', s, s + 1);
      p.frames.forEach((f, k) => (trueMass[i * nt + k] = m[f]));
    });
    const params = indices.map((s) => ds.readExtra('parameter', s, s + 1)[0]);
    ds.close();
    const m = uqMetrics(
      { mean: p.mean, variance: p.variance, truth: p.truth, n: indices.length, nt, nx: 32, weights: 1 / 32, trueMass, x: p.x },
      { front: { level: params } },
    );
    const got = r.inDistribution.variants[0].metrics;
    expect(got.mse).toBeCloseTo(m.mse, 12);
    expect(got.crps).toBeCloseTo(m.crps, 12);
    expect(got.coverage).toEqual(m.coverage);
    expect(got.conservation.maxAbs).toBeCloseTo(m.conservation.maxAbs, 12);
  });

  it('takes the ensemble from the options, never from the files it finds', async () => {
    // The caller decides (the CLI: from ensemble.json); without `ensemble` the directory is one run, which it is not.
    await expect(evaluate(ens, { uq: {} })).rejects.toThrow(`no ensemble or checkpoint at ${ens}: train one`);
    const e = await evaluate(ens, { split: 'val', uq: { ensemble: true } });
    expect(e.kind).toBe('uq');
    const direct = await evaluateUqRun({ run: ens, ensemble: true, split: 'val' });
    expect(e.result).toEqual(direct);
    // The entry point as called before issue 11 (notebooks, user code): ensemble defaults to the directory's kind.
    expect(await evaluateUqRun({ run: ens, split: 'val' })).toEqual(direct);
  });

  it('recalibrates σ on the validation split so that its 90% intervals cover 90%', async () => {
    const plain = await evaluateUqRun({ run: ens, ensemble: true, split: 'val' });
    const r = await evaluateUqRun({ run: ens, ensemble: true, split: 'val', recalibrate: true, conserve: [{ mode: 'exact' }] });
    const rc = r.recalibration!;
    expect(rc).toMatchObject({ split: 'val', samples: 4 });
    expect(rc.coverage90Before).toBeCloseTo(plain.inDistribution.variants[0].metrics.coverage[1], 12);
    // On the split it was fitted on, the scaled base variant covers 90% (to one point in 160).
    expect(Math.abs(r.inDistribution.variants[0].metrics.coverage[1] - 0.9)).toBeLessThanOrEqual(1 / 160 + 1e-12);
    // The mean is untouched; exact projection still conserves.
    expect(r.inDistribution.variants[0].metrics.mse).toBeCloseTo(plain.inDistribution.variants[0].metrics.mse, 14);
    expect(r.inDistribution.variants[1].metrics.conservation.relMaxAbs).toBeLessThan(1e-10);
  });

  it('reports base, projected and HardC from the CLI, with the out-of-distribution group', () => {
    const e = pdes(['evaluate', '--run', ens, '--conserve', 'exact,hard']);
    expect(e.code, e.stderr).toBe(0);
    expect(e.stdout).toMatch(/^ensemble of 2; frames 2-6\nin distribution: 8 samples of .*stefan\.h5 \(mass from dataset mass\)/);
    expect(e.stdout).toMatch(/\n {2}projected +[\d.e-]+/);
    expect(e.stdout).toMatch(/\n {2}hardc +[\d.e-]+/);
    const page = path.join(dir, 'uq.html');
    const r = pdes(['report', '--run', ens, '--conserve', 'exact', '--conserve', 'hard', '--ood', ood, '-o', page]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*uq\.html \(base MSE [\d.e-]+, projected MSE [\d.e-]+, hardc MSE [\d.e-]+\)/);
    const html = fs.readFileSync(page, 'utf8');
    expect(html).toContain('out of distribution (stefan-ood.h5)');
    expect(html).toContain('Ensemble of 2 vs the reference');
  });

  it('refuses what has no variance or a bad option, in one line with exit 2', () => {
    const det = pdes(['evaluate', '--run', single, '--conserve', 'exact']);
    expect(det.code).toBe(2);
    expect(det.stderr.trim().split('\n').pop()).toMatch(
      /^pdes evaluate: .*single is one deterministic run: it has no variance: use --ensemble ≥ 2 or a noise head \(--loss gaussian-nll\), or MC dropout \(--mc-dropout K\) for a model trained with --dropout$/,
    );
    const mc = pdes(['evaluate', '--run', single, '--mc-dropout', '4']);
    expect(mc.code).toBe(2);
    expect(mc.stderr.trim().split('\n').pop()).toMatch(/^pdes evaluate: .*dropout/);
    const bad = pdes(['evaluate', '--run', ens, '--conserve', 'noisy:-0.5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n').pop()).toBe(
      'pdes evaluate: --conserve=noisy:-0.5 is not allowed: sigma must be a number >= 0 (noisy:0.01; noisy:0 is exact)',
    );
    const cov = pdes(['evaluate', '--run', ens, '--covariance', 'full']);
    expect(cov.code).toBe(2);
    expect(cov.stderr.trim().split('\n').pop()).toBe('pdes evaluate: --covariance=full is not allowed: use diag or lowrank');
  });
});
