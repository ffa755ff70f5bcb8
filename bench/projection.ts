import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { finiteVolumeMass, projectConservation, projectConservationBatch, type LowRankCovariance } from '../src/uq/projection/index.js';
import { Rng } from '../core/random.js';
import { peerRecord, runPythonPeer, timeMedian, type BenchResult } from './common.js';

/**
 * ProbConserv's conservation update (src/uq/projection) in its three covariance forms:
 * (1) dense Σ over 16 frames × 128 cells (N = 2048; Gaussian-kernel correlations in x and t),
 * exact mode, against NumPy evaluating the same formula with a T × T solve
 * (bench/peers/projection_numpy.py), outputs (μ′ and diag Σ′) compared point by point;
 * (2) the batch API with per-sample diagonal variances, 64 samples × 50 frames × 1024 cells,
 * against the same formula vectorised in NumPy (ours runs the exact mode's second,
 * round-off pass and compensated residuals, NumPy the formula once);
 * (3) low-rank Σ (rank 32 + diagonal) over 50 × 1024 points, all frames coupled: ours only.
 */
export async function run(): Promise<BenchResult> {
  const params = {
    dense_nt: 16,
    dense_nx: 128,
    dense_reps: 7,
    batch_samples: 64,
    batch_nt: 50,
    batch_nx: 1024,
    batch_reps: 10,
    lowrank_nt: 50,
    lowrank_nx: 1024,
    lowrank_rank: 32,
    lowrank_reps: 3,
    seed: 0,
  };
  const rng = new Rng(params.seed);
  const randn = (n: number, scale = 1, shift = 0): Float64Array => Float64Array.from({ length: n }, () => shift + scale * rng.normal());
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'projection-bench-'));
  const file = (name: string, a?: Float64Array): string => {
    const p = path.join(dir, `${name}.f64`);
    if (a) fs.writeFileSync(p, Buffer.from(a.buffer, a.byteOffset, a.byteLength));
    return p;
  };
  const read = (p: string, n: number): Float64Array => {
    const buf = fs.readFileSync(p);
    return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + 8 * n));
  };

  // (1) dense
  const { dense_nt: nt, dense_nx: nx } = params;
  const n = nt * nx;
  const matrix = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dt = Math.floor(i / nx) - Math.floor(j / nx);
      const dxp = (i % nx) - (j % nx);
      matrix[i * n + j] = Math.exp(-(dt * dt) / 8 - (dxp * dxp) / 200) + (i === j ? 1e-3 : 0);
    }
  }
  const mu = randn(n, 0.1, 1);
  const c = finiteVolumeMass(1 / nx, randn(nt, 0.05, 1), { nPoints: nx });
  const gridD = { nFrames: nt, nPoints: nx };
  let denseRes = projectConservation(mu, { kind: 'dense', matrix }, c, gridD);
  const denseSeconds = timeMedian(
    () => {
      denseRes = projectConservation(mu, { kind: 'dense', matrix }, c, gridD);
    },
    params.dense_reps,
    3,
  );

  // (2) diagonal batch
  const { batch_samples: S, batch_nt: bt, batch_nx: bx } = params;
  const N = bt * bx;
  const bmu = randn(S * N, 0.1, 1);
  const bvar = Float64Array.from({ length: S * N }, () => 0.01 + rng.uniform());
  const bb = randn(S * bt, 0.05, 1);
  const cb = finiteVolumeMass(1 / bx, bb, { nPoints: bx });
  const gridB = { nFrames: bt, nPoints: bx };
  let batchRes = projectConservationBatch(bmu, { kind: 'diag', variances: bvar }, cb, gridB);
  const batchSeconds = timeMedian(
    () => {
      batchRes = projectConservationBatch(bmu, { kind: 'diag', variances: bvar }, cb, gridB);
    },
    params.batch_reps,
    5,
  );

  // (3) low rank
  const { lowrank_nt: lt, lowrank_nx: lx, lowrank_rank: r } = params;
  const NL = lt * lx;
  const lr: LowRankCovariance = { kind: 'lowrank', factor: randn(NL * r, 0.1), rank: r, diag: new Float64Array(NL).fill(1e-4) };
  const lmu = randn(NL, 0.1, 1);
  const cl = finiteVolumeMass(1 / lx, randn(lt, 0.05, 1), { nPoints: lx });
  const lowrankSeconds = timeMedian(() => projectConservation(lmu, lr, cl, { nFrames: lt, nPoints: lx }), params.lowrank_reps);

  const ours = {
    dense_seconds: denseSeconds,
    batch_seconds: batchSeconds,
    batch_samples_per_second: S / batchSeconds,
    batch_points_per_second: (S * N) / batchSeconds,
    lowrank_seconds: lowrankSeconds,
  };
  const peerArgs = {
    ...params,
    dense_cov: file('cov', matrix),
    dense_mu: file('mu', mu),
    dense_w: file('w', c.weights),
    dense_b: file('b', c.b),
    dense_mu_out: file('mu_out'),
    dense_var_out: file('var_out'),
    batch_mu: file('bmu', bmu),
    batch_var: file('bvar', bvar),
    batch_b: file('bb', bb),
    batch_w: file('bw', cb.weights),
    batch_mu_out: file('bmu_out'),
  };
  const peer = runPythonPeer('projection_numpy.py', peerArgs, { primary: ['dense_seconds', 'batch_seconds'] });
  const theirs = peer?.figures;
  const ratios: Record<string, number> = {};
  if (theirs) {
    const diff = (a: Float64Array, b: Float64Array): number => {
      let m = 0;
      for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
      return m;
    };
    const dVar = new Float64Array(n);
    if (denseRes.cov.kind === 'dense') for (let i = 0; i < n; i++) dVar[i] = denseRes.cov.matrix[i * n + i];
    ratios.dense_time_ratio_vs_numpy = denseSeconds / theirs.dense_seconds;
    ratios.batch_time_ratio_vs_numpy = batchSeconds / theirs.batch_seconds;
    ratios.dense_mean_max_abs_diff = diff(denseRes.mean, read(peerArgs.dense_mu_out, n));
    ratios.dense_variance_max_abs_diff = diff(dVar, read(peerArgs.dense_var_out, n));
    ratios.batch_mean_max_abs_diff = diff(batchRes.means, read(peerArgs.batch_mu_out, S * N));
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    name: 'projection',
    description:
      'ProbConserv conservation update: dense Σ (N = 16×128, exact) vs NumPy evaluating the same formula; batch API with per-sample diagonal variances (64 × 50 × 1024) vs the formula vectorised in NumPy; low-rank Σ (rank 32 + diag, 50 × 1024, all frames coupled), ours only',
    ours,
    peer: peer ? peerRecord('numpy', peer) : null,
    ratios,
    params,
  };
}
