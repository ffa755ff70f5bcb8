/**
 * Deep ensembles: members are seeded runs of the one trainer (member i = train() with seed + i on
 * the base seed's split), bit-identical whether they train in parallel or one after another; an
 * interrupted ensemble resumes its unfinished members; predictions aggregate to the mean,
 * variance and low-rank covariance factor computed here by hand.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/index.js';
import { predictDataset, readCheckpoint, train, TrainOptionsError, type TrainOptionsInput } from '../../src/training/index.js';
import {
  aggregateSamples,
  EnsembleInterrupted,
  sampleCovariance,
  loadEnsemble,
  NO_ENSEMBLE_VARIANCE,
  predictEnsemble,
  readEnsembleManifest,
  trainEnsemble,
  UqError,
} from '../../src/uq/index.js';
import { makeBurgers, makeTmpDir, registerToy, removeTmpDirs, toyOptions } from '../training/helpers.js';

// Members train in worker threads, which run the compiled dist/ code (npx tsc -p tsconfig.build.json).

let dir: string;
let data: string;
let base: TrainOptionsInput;
const M = 3;

beforeAll(async () => {
  await initBackend('wasm');
  registerToy();
  dir = makeTmpDir();
  data = await makeBurgers(dir, { samples: 16, nx: 32, frames: 3, tEnd: 0.2 });
  base = toyOptions(data, { seed: 5, epochs: 3, split: { val: 3, test: 3, shuffle: true } });
});

afterAll(removeTmpDirs);

function weightsOf(run: string): Float32Array[] {
  return readCheckpoint(run).weights;
}

function sameBits(a: Float32Array[], b: Float32Array[]): boolean {
  return (
    a.length === b.length &&
    a.every((x, i) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(Buffer.from(b[i].buffer, b[i].byteOffset, b[i].byteLength)))
  );
}

describe('trainEnsemble', () => {
  let parallel: string;

  it('trains M seeded members, bit-identical in parallel (2 workers) and one after another, on one split', async () => {
    parallel = path.join(dir, 'ens-par');
    const sequential = path.join(dir, 'ens-seq');
    const done: number[] = [];
    const par = await trainEnsemble(
      { ...base, out: parallel, ensemble: M, ensembleWorkers: 2, tailDataParallel: false },
      { progress: false, onMemberDone: (m) => done.push(m.index) },
    );
    await trainEnsemble({ ...base, out: sequential, ensemble: M, ensembleWorkers: 1 }, { progress: false });
    expect(done.sort()).toEqual([0, 1, 2]);
    expect(par.members.map((m) => m.seed)).toEqual([5, 6, 7]);
    const manifest = readEnsembleManifest(parallel);
    expect(manifest).toMatchObject({ format: 'pde-surrogate-ensemble', ensemble: 3, seeds: [5, 6, 7], splitSeed: 5 });
    expect(manifest.members.map((m) => m.dir)).toEqual(['member-0', 'member-1', 'member-2']);
    const splits = [];
    for (let i = 0; i < M; i++) {
      const a = path.join(parallel, `member-${i}`);
      const b = path.join(sequential, `member-${i}`);
      expect(sameBits(weightsOf(a), weightsOf(b)), `member ${i}`).toBe(true);
      const meta = readCheckpoint(a).meta;
      expect(meta.trainOptions.seed).toBe(5 + i);
      expect(meta.config.seed).toBe(5 + i);
      expect(meta.epoch).toBe(3);
      splits.push(meta.splits);
      for (const f of ['config.json', 'metrics.jsonl']) expect(fs.existsSync(path.join(a, f))).toBe(true);
    }
    expect(splits[1]).toEqual(splits[0]);
    expect(splits[2]).toEqual(splits[0]);
    expect(sameBits(weightsOf(path.join(parallel, 'member-0')), weightsOf(path.join(parallel, 'member-1')))).toBe(false);
  });

  it('gives the last, incomplete round all the threads: 3 members on 2 threads, member 2 data-parallel', async () => {
    const out = path.join(dir, 'ens-tail');
    await trainEnsemble({ ...base, out, ensemble: M, ensembleWorkers: 2 }, { progress: false });
    // Members 0 and 1 ran one thread each, as in the sequential ensemble.
    for (const i of [0, 1]) expect(sameBits(weightsOf(path.join(out, `member-${i}`)), weightsOf(path.join(parallel, `member-${i}`))), `member ${i}`).toBe(true);
    // Member 2 ran alone with 2 data-parallel workers: it is that run of the one trainer, not the 1-worker one.
    const meta = readCheckpoint(path.join(out, 'member-2')).meta;
    expect(meta.trainOptions.workers).toBe(2);
    const ref = path.join(dir, 'plain-2-w2');
    const res = await train({ ...base, seed: 7, splitSeed: 5, workers: 2, out: ref }, { progress: false });
    res.model.dispose();
    expect(sameBits(weightsOf(path.join(out, 'member-2')), weightsOf(ref))).toBe(true);
    expect(sameBits(weightsOf(path.join(out, 'member-2')), weightsOf(path.join(parallel, 'member-2')))).toBe(false);
  });

  it('member i is a plain train() run with seed + i on the base seed split', async () => {
    const out = path.join(dir, 'plain-1');
    const res = await train({ ...base, seed: 6, splitSeed: 5, out }, { progress: false });
    res.model.dispose();
    expect(sameBits(weightsOf(out), weightsOf(path.join(parallel, 'member-1')))).toBe(true);
  });

  it('refuses an existing ensemble without resume or overwrite, and a resume with another size', async () => {
    await expect(trainEnsemble({ ...base, out: parallel, ensemble: M }, { progress: false })).rejects.toThrow(
      `out=${parallel} already holds an ensemble (ensemble.json): pass resume: true to continue it or overwrite: true to replace it`,
    );
    await expect(trainEnsemble({ ...base, out: parallel, ensemble: 2, resume: true }, { progress: false })).rejects.toThrow(
      `resume: ${parallel} holds an ensemble of 3 members, not 2: use ensemble 3 or another out`,
    );
    await expect(trainEnsemble({ ...base, out: parallel, ensemble: M, resume: true, optimizer: { lr: 0.5 } }, { progress: false })).rejects.toThrow(
      /^resume: the ensemble in .* was trained with other options \(optimizer\.lr: 0\.001 vs 0\.5, then vs now\)/,
    );
    await expect(trainEnsemble({ ...base, out: null, ensemble: M })).rejects.toThrow(TrainOptionsError);
    await expect(trainEnsemble({ ...base, out: parallel, ensemble: 0 })).rejects.toThrow('ensemble=0 is not allowed: use an integer >= 1 (members)');
  });

  it('resumes an interrupted ensemble: finished members kept, the rest continued bit-identically', async () => {
    const out = path.join(dir, 'ens-int');
    const ac = new AbortController();
    const err = await trainEnsemble(
      { ...base, out, ensemble: M, ensembleWorkers: 1 },
      { progress: false, signal: ac.signal, onMemberEpoch: (i, m) => i === 1 && m.epoch === 1 && ac.abort() },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(EnsembleInterrupted);
    expect((err as Error).message).toBe(`ensemble interrupted with 1 of 3 members finished: checkpoints are in ${out}; run again with resume to continue`);
    expect(readCheckpoint(path.join(out, 'member-0')).meta.epoch).toBe(3);
    expect(readCheckpoint(path.join(out, 'member-1')).meta.epoch).toBeLessThan(3);
    expect(fs.existsSync(path.join(out, 'member-2', 'checkpoint.safetensors'))).toBe(false);
    await expect(loadEnsemble(out)).rejects.toThrow(/^ensemble member 1 in .*member-1 is unfinished \(\d of 3 epochs\): resume the ensemble/);

    const res = await trainEnsemble({ ...base, out, ensemble: M, ensembleWorkers: 2, resume: true }, { progress: false });
    expect(res.members.map((m) => m.alreadyFinished)).toEqual([true, false, false]);
    for (let i = 0; i < M; i++) {
      expect(sameBits(weightsOf(path.join(out, `member-${i}`)), weightsOf(path.join(parallel, `member-${i}`))), `member ${i}`).toBe(true);
    }
  });
});

describe('predictEnsemble', () => {
  it('aggregates member predictions: mean, variance across members, D = [pred_m − mean]/√(M−1)', async () => {
    const ens = path.join(dir, 'ens-par');
    const indices = [1, 4];
    const p = await predictEnsemble(ens, data, indices);
    const members = [];
    for (let i = 0; i < M; i++) members.push((await predictDataset(path.join(ens, `member-${i}`), data, indices)).pred);
    expect(p.method).toBe('ensemble');
    expect(p.nSamples).toBe(M);
    expect(p.pred).toBe(p.mean);
    expect(p.aleatoricVariance).toBeNull();
    const P = p.lowRank.valuesPerSample;
    expect(P).toBe(32);
    expect(p.lowRank.rank).toBe(M);
    expect(p.lowRank.factor.length).toBe(indices.length * P * M);
    for (let j = 0; j < p.mean.length; j++) {
      const xs = members.map((m) => m[j]);
      const mu = xs.reduce((a, b) => a + b, 0) / M;
      const v = xs.reduce((a, b) => a + (b - mu) ** 2, 0) / (M - 1);
      expect(p.mean[j]).toBeCloseTo(mu, 6);
      expect(p.variance[j]).toBeCloseTo(v, 6);
      expect(p.samples.map((s) => s.pred[j])).toEqual(xs);
    }
    // D Dᵀ is the unbiased sample covariance of sample 1's 32 values.
    const i = 1;
    const D = p.lowRank.factor.subarray(i * P * M, (i + 1) * P * M);
    let maxErr = 0;
    let scale = 0;
    for (let a = 0; a < P; a++) {
      for (let b = 0; b < P; b++) {
        let ddt = 0;
        for (let m = 0; m < M; m++) ddt += D[a * M + m] * D[b * M + m];
        const ma = p.mean[i * P + a];
        const mb = p.mean[i * P + b];
        const cov = members.reduce((s, x) => s + (x[i * P + a] - ma) * (x[i * P + b] - mb), 0) / (M - 1);
        maxErr = Math.max(maxErr, Math.abs(ddt - cov));
        scale = Math.max(scale, Math.abs(cov));
      }
    }
    expect(scale).toBeGreaterThan(0);
    expect(maxErr / scale).toBeLessThan(1e-5);
  });

  it('an ensemble of 1 without a noise head has no variance (one-line error)', async () => {
    const out = path.join(dir, 'ens-1');
    await trainEnsemble({ ...base, epochs: 1, out, ensemble: 1 }, { progress: false });
    await expect(predictEnsemble(out, data, [0])).rejects.toThrow(new UqError(NO_ENSEMBLE_VARIANCE));
    expect(NO_ENSEMBLE_VARIANCE).toBe('an ensemble of 1 has no variance: use --ensemble ≥ 2 or a noise head (--loss gaussian-nll)');
  });

  it('adds the mean of the noise heads to the variance across members (an ensemble of noise heads)', async () => {
    const out = path.join(dir, 'ens-nll');
    await trainEnsemble({ ...base, epochs: 1, loss: 'gaussian-nll', out, ensemble: 2 }, { progress: false });
    const p = await predictEnsemble(out, data, [2]);
    const m = [0, 1].map(async (i) => predictDataset(path.join(out, `member-${i}`), data, [2]));
    const [a, b] = await Promise.all(m);
    for (let j = 0; j < p.mean.length; j++) {
      const epi = (a.pred[j] - b.pred[j]) ** 2 / 2;
      const ale = ((a.variance as Float32Array)[j] + (b.variance as Float32Array)[j]) / 2;
      expect(p.aleatoricVariance?.[j]).toBeCloseTo(ale, 6);
      expect(p.variance[j] / (epi + ale)).toBeCloseTo(1, 5);
    }
  });
});

describe('aggregateSamples', () => {
  it('computes mean, unbiased variance + mean aleatoric variance, and the factor, by hand', () => {
    const s = [
      { pred: Float32Array.from([1, 2]), variance: Float32Array.from([0.1, 0.2]) },
      { pred: Float32Array.from([3, 2]), variance: Float32Array.from([0.3, 0.2]) },
      { pred: Float32Array.from([2, 5]), variance: Float32Array.from([0.2, 0.5]) },
    ];
    const a = aggregateSamples(s, 1, { noVariance: 'x' });
    expect(Array.from(a.mean)).toEqual([2, 3]);
    expect(Array.from(a.epistemicVariance)).toEqual([1, 3]);
    expect(a.aleatoricVariance?.[0]).toBeCloseTo(0.2, 6);
    expect(a.variance[1]).toBeCloseTo(3 + 0.3, 6);
    const r = 1 / Math.sqrt(2);
    expect(Array.from(a.lowRank.factor).map((x) => x / r)).toEqual([-1, 1, 0, -1, -1, 2].map((x) => expect.closeTo(x, 6)));
    const cov = sampleCovariance(a, 0);
    expect(cov).toMatchObject({ kind: 'lowrank', rank: 3 });
    expect(Array.from(cov.factor)).toEqual(Array.from(a.lowRank.factor));
    expect(cov.diag[1]).toBeCloseTo(0.3, 6);
    const one = aggregateSamples([s[0]], 1, { noVariance: 'x' });
    expect(one.lowRank.rank).toBe(0);
    expect(Array.from(one.variance)).toEqual(Array.from(s[0].variance));
    expect(() => aggregateSamples([{ pred: s[0].pred }], 1, { noVariance: 'no variance here' })).toThrow('no variance here');
  });
});
