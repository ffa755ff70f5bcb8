import { describe, expect, it } from 'vitest';
import {
  DENSE_MAX_POINTS,
  finiteVolumeMass,
  periodicMean2d,
  projectConservation,
  projectConservationBatch,
  trapezoidMass,
  type ConservationConstraint,
  type Covariance,
  type LowRankCovariance,
  type SpaceTimeGrid,
} from '../../src/uq/projection/index.js';
import { Grid1D } from '../../core/grid.js';
import { Rng } from '../../core/random.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

// ---------- naive dense float64 reference (independent of the library) ----------

type Mat = number[][];

function zeros(r: number, c: number): Mat {
  return Array.from({ length: r }, () => new Array<number>(c).fill(0));
}
function matmul(a: Mat, b: Mat): Mat {
  const out = zeros(a.length, b[0].length);
  for (let i = 0; i < a.length; i++) for (let k = 0; k < b.length; k++) for (let j = 0; j < b[0].length; j++) out[i][j] += a[i][k] * b[k][j];
  return out;
}
function transpose(a: Mat): Mat {
  return a[0].map((_, j) => a.map((row) => row[j]));
}
/** Solves A X = B by Gaussian elimination with partial pivoting. */
function solve(a0: Mat, b0: Mat): Mat {
  const n = a0.length;
  const a = a0.map((r) => [...r]);
  const b = b0.map((r) => [...r]);
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(a[i][k]) > Math.abs(a[piv][k])) piv = i;
    [a[k], a[piv]] = [a[piv], a[k]];
    [b[k], b[piv]] = [b[piv], b[k]];
    for (let i = k + 1; i < n; i++) {
      const f = a[i][k] / a[k][k];
      for (let j = k; j < n; j++) a[i][j] -= f * a[k][j];
      for (let j = 0; j < b[0].length; j++) b[i][j] -= f * b[k][j];
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    for (let j = 0; j < b[0].length; j++) {
      let s = b[k][j];
      for (let l = k + 1; l < n; l++) s -= a[k][l] * b[l][j];
      b[k][j] = s / a[k][k];
    }
  }
  return b;
}

/** The explicit G [T × N] of a constraint. */
function gMatrix(c: ConservationConstraint, grid: SpaceTimeGrid): Mat {
  const frames = c.frames ?? Array.from({ length: grid.nFrames }, (_, t) => t);
  const g = zeros(frames.length, grid.nFrames * grid.nPoints);
  frames.forEach((f, k) => c.weights.forEach((w, j) => (g[k][f * grid.nPoints + j] = w)));
  return g;
}

/** μ' and Σ' from the formula, directly. */
function naiveUpdate(mu: Float64Array, sigma: Mat, c: ConservationConstraint, grid: SpaceTimeGrid, s2: number[]): { mean: number[]; cov: Mat } {
  const frames = c.frames ?? Array.from({ length: grid.nFrames }, (_, t) => t);
  const G = gMatrix(c, grid);
  const SGt = matmul(sigma, transpose(G));
  const A = matmul(G, SGt);
  frames.forEach((_, k) => (A[k][k] += s2[k]));
  const r = matmul(
    G,
    [...mu].map((v) => [v]),
  ).map((row, k) => [row[0] - c.b[frames[k]]]);
  const Ainv_r = solve(A, r);
  const Ainv_GS = solve(A, transpose(SGt));
  const dm = matmul(SGt, Ainv_r);
  const dS = matmul(SGt, Ainv_GS);
  return { mean: [...mu].map((v, i) => v - dm[i][0]), cov: sigma.map((row, i) => row.map((v, j) => v - dS[i][j])) };
}

// ---------- problem builders ----------

function randn(rng: Rng, n: number, scale = 1, shift = 0): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = shift + scale * rng.normal();
  return out;
}

/** Σ = D Dᵀ + diag(d) in all three forms. */
function covForms(D: Float64Array, r: number, d: Float64Array): { lowrank: LowRankCovariance; dense: Covariance; mat: Mat } {
  const n = d.length;
  const mat = zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? d[i] : 0;
      for (let c = 0; c < r; c++) s += D[i * r + c] * D[j * r + c];
      mat[i][j] = s;
    }
  }
  return { lowrank: { kind: 'lowrank', factor: D, rank: r, diag: d }, dense: { kind: 'dense', matrix: Float64Array.from(mat.flat()) }, mat };
}

function lowRankDense(c: LowRankCovariance): Mat {
  const n = c.diag.length;
  const m = c.nDowndate ?? 0;
  const out = zeros(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? c.diag[i] : 0;
      for (let k = 0; k < c.rank; k++) s += c.factor[i * c.rank + k] * c.factor[j * c.rank + k];
      for (let k = 0; k < m; k++) s -= (c.downdate as Float64Array)[i * m + k] * (c.downdate as Float64Array)[j * m + k];
      out[i][j] = s;
    }
  }
  return out;
}

/** Per constrained frame: |G μ' − b| / Σ_j |w_j μ'_j|. */
function relativeMassErrors(mean: Float64Array, c: ConservationConstraint, grid: SpaceTimeGrid): number[] {
  const frames = c.frames ?? Array.from({ length: grid.nFrames }, (_, t) => t);
  return frames.map((f) => {
    let m = 0;
    let scale = 0;
    for (let j = 0; j < grid.nPoints; j++) {
      const v = c.weights[j] * mean[f * grid.nPoints + j];
      m += v;
      scale += Math.abs(v);
    }
    return Math.abs(m - c.b[f]) / Math.max(scale, Math.abs(c.b[f]));
  });
}

const grid: SpaceTimeGrid = { nFrames: 4, nPoints: 6 };
const N = grid.nFrames * grid.nPoints;

/** A small problem: non-uniform cell widths, masses off from the prediction's, a rank-3 + diag Σ. */
function smallProblem(seed: number, frames?: number[]) {
  const rng = new Rng(seed);
  const widths = Float64Array.from({ length: grid.nPoints }, () => 0.1 + rng.uniform());
  const mu = randn(rng, N, 1, 2);
  const b = randn(rng, grid.nFrames, 0.5, 6);
  const constraint = finiteVolumeMass(widths, b, { frames });
  const r = 3;
  const D = randn(rng, N * r, 0.4);
  const d = Float64Array.from({ length: N }, () => 0.05 + 0.3 * rng.uniform());
  return { mu, constraint, r, D, d, ...covForms(D, r, d) };
}

describe('projectConservation against a direct dense solve of the formula', () => {
  const cases: { name: string; frames?: number[]; sigma?: number | number[] }[] = [
    { name: 'exact, every frame' },
    { name: 'exact, frames [3, 1]', frames: [3, 1] },
    { name: 'noisy σ = 0.3', sigma: 0.3 },
    { name: 'noisy, per-frame σ', sigma: [0.1, 0.0, 2, 0.5] },
  ];
  for (const cse of cases) {
    it(`${cse.name}: dense, low-rank and diagonal Σ`, () => {
      const pr = smallProblem(1, cse.frames);
      const frames = cse.frames ?? [0, 1, 2, 3];
      const s2 = frames.map((f) => (cse.sigma === undefined ? 0 : typeof cse.sigma === 'number' ? cse.sigma ** 2 : cse.sigma[f] ** 2));
      const opts = cse.sigma === undefined ? {} : { mode: 'noisy' as const, sigma: cse.sigma };
      const want = naiveUpdate(pr.mu, pr.mat, pr.constraint, grid, s2);
      const scale = maxAbs(pr.mu);

      const dense = projectConservation(pr.mu, pr.dense, pr.constraint, grid, opts);
      expect(maxDiff(dense.mean, want.mean)).toBeLessThan(1e-13 * scale);
      if (dense.cov.kind !== 'dense') throw new Error('kind');
      expect(maxDiff(dense.cov.matrix, want.cov.flat())).toBeLessThan(1e-13);

      const lr = projectConservation(pr.mu, pr.lowrank, pr.constraint, grid, opts);
      expect(maxDiff(lr.mean, want.mean)).toBeLessThan(1e-13 * scale);
      if (lr.cov.kind !== 'lowrank') throw new Error('kind');
      expect(lr.cov.nDowndate).toBe(frames.length);
      expect(maxDiff(lowRankDense(lr.cov).flat(), want.cov.flat())).toBeLessThan(1e-13);
      expect(
        maxDiff(
          lr.variances,
          want.cov.map((row, i) => row[i]),
        ),
      ).toBeLessThan(1e-13);

      // Diagonal Σ: compare with the formula on diag(d).
      const diagMat = zeros(N, N).map((row, i) => row.map((_, j) => (i === j ? pr.d[i] : 0)));
      const wantD = naiveUpdate(pr.mu, diagMat, pr.constraint, grid, s2);
      const dg = projectConservation(pr.mu, { kind: 'diag', variances: pr.d }, pr.constraint, grid, opts);
      expect(maxDiff(dg.mean, wantD.mean)).toBeLessThan(1e-13 * scale);
      expect(
        maxDiff(
          dg.variances,
          wantD.cov.map((row, i) => row[i]),
        ),
      ).toBeLessThan(1e-14);
      if (dg.cov.kind !== 'diag') throw new Error('kind');
      expect(dg.cov.variances).toEqual(dg.variances);

      // Residuals reported per constrained frame, in the order given.
      frames.forEach((f, k) => {
        let m = 0;
        for (let j = 0; j < grid.nPoints; j++) m += pr.constraint.weights[j] * pr.mu[f * grid.nPoints + j];
        expect(dense.residualBefore[k]).toBeCloseTo(m - pr.constraint.b[f], 12);
      });
      expect(dense.frames).toEqual(frames);
    });
  }

  it('an odd grid with 11 constrained frames (the dense kernel’s 8-column blocks, remainder and odd last row)', () => {
    const g: SpaceTimeGrid = { nFrames: 11, nPoints: 3 };
    const n = 33;
    const rng = new Rng(14);
    const mu = randn(rng, n, 1, 1);
    const c = trapezoidMass([0, 0.3, 1], randn(rng, 11, 1, 1));
    const f = covForms(
      randn(rng, n * 20, 0.5),
      20,
      Float64Array.from({ length: n }, () => 0.1 * rng.uniform()),
    );
    for (const opts of [{}, { mode: 'noisy' as const, sigma: 0.05 }]) {
      const want = naiveUpdate(mu, f.mat, c, g, new Array<number>(11).fill('sigma' in opts ? 0.05 ** 2 : 0));
      const de = projectConservation(mu, f.dense, c, g, opts);
      const lr = projectConservation(mu, f.lowrank, c, g, opts);
      if (de.cov.kind !== 'dense' || lr.cov.kind !== 'lowrank') throw new Error('kind');
      expect(maxDiff(de.mean, want.mean)).toBeLessThan(1e-12);
      expect(maxDiff(lr.mean, want.mean)).toBeLessThan(1e-12);
      expect(maxDiff(de.cov.matrix, want.cov.flat())).toBeLessThan(1e-13);
      expect(maxDiff(lowRankDense(lr.cov).flat(), want.cov.flat())).toBeLessThan(1e-13);
    }
  });

  it('σ = 0 gives the KKT minimiser of (μ′ − μ)ᵀ Σ⁻¹ (μ′ − μ) subject to G μ′ = b', () => {
    const pr = smallProblem(2, [0, 2, 3]);
    const G = gMatrix(pr.constraint, grid);
    const T = G.length;
    // [Σ⁻¹ Gᵀ; G 0] [x; λ] = [Σ⁻¹ μ; b]
    const I = zeros(N, N).map((row, i) => row.map((_, j) => (i === j ? 1 : 0)));
    const Sinv = solve(pr.mat, I);
    const kkt = zeros(N + T, N + T);
    for (let i = 0; i < N; i++) for (let j = 0; j < N; j++) kkt[i][j] = Sinv[i][j];
    for (let k = 0; k < T; k++) {
      for (let i = 0; i < N; i++) {
        kkt[i][N + k] = G[k][i];
        kkt[N + k][i] = G[k][i];
      }
    }
    const rhs = zeros(N + T, 1);
    const Sinv_mu = matmul(
      Sinv,
      [...pr.mu].map((v) => [v]),
    );
    for (let i = 0; i < N; i++) rhs[i][0] = Sinv_mu[i][0];
    [0, 2, 3].forEach((f, k) => (rhs[N + k][0] = pr.constraint.b[f]));
    const x = solve(kkt, rhs)
      .slice(0, N)
      .map((r) => r[0]);
    for (const cov of [pr.dense, pr.lowrank]) {
      const got = projectConservation(pr.mu, cov, pr.constraint, grid);
      expect(maxDiff(got.mean, x)).toBeLessThan(1e-11 * maxAbs(pr.mu));
    }
  });
});

describe('exact projection satisfies G μ′ = b', () => {
  it('to 1e-12 × the mass scale on every frame, for each covariance form, on larger grids', () => {
    const rng = new Rng(3);
    const g: SpaceTimeGrid = { nFrames: 12, nPoints: 300 };
    const n = g.nFrames * g.nPoints;
    const x = Float64Array.from({ length: g.nPoints }, (_, j) => Math.sqrt(j + 1) + 0.01 * rng.uniform());
    const mu = randn(rng, n, 3, 40);
    const b = randn(rng, g.nFrames, 50, 1000);
    const constraint = trapezoidMass(x, b);
    const r = 16;
    const lowrank: LowRankCovariance = {
      kind: 'lowrank',
      factor: randn(rng, n * r, 0.7),
      rank: r,
      diag: Float64Array.from({ length: n }, () => rng.uniform() * 1e-3),
    };
    const forms: Covariance[] = [{ kind: 'diag', variances: Float64Array.from({ length: n }, () => rng.uniform() ** 4) }, lowrank];
    for (const cov of forms) {
      const res = projectConservation(mu, cov, constraint, g);
      for (const e of relativeMassErrors(res.mean, constraint, g)) expect(e).toBeLessThan(1e-12);
      for (let k = 0; k < g.nFrames; k++) expect(Math.abs(res.residualAfter[k])).toBeLessThan(1e-12 * Math.abs(b[k]));
    }
    // Dense on a grid it can hold, with strongly correlated Σ (Gaussian kernel in x and t).
    const gd: SpaceTimeGrid = { nFrames: 8, nPoints: 64 };
    const nd = gd.nFrames * gd.nPoints;
    const m = new Float64Array(nd * nd);
    for (let i = 0; i < nd; i++) {
      for (let j = 0; j < nd; j++) {
        const dt = Math.floor(i / 64) - Math.floor(j / 64);
        const dxp = (i % 64) - (j % 64);
        m[i * nd + j] = Math.exp(-(dt * dt) / 8 - (dxp * dxp) / 50) + (i === j ? 1e-6 : 0);
      }
    }
    const cd = finiteVolumeMass(1 / 64, randn(rng, gd.nFrames, 1, 7), { nPoints: 64 });
    const muD = randn(rng, nd, 1, 5);
    const res = projectConservation(muD, { kind: 'dense', matrix: m }, cd, gd);
    for (const e of relativeMassErrors(res.mean, cd, gd)) expect(e).toBeLessThan(1e-12);
  });
});

describe('HardC', () => {
  it('is the orthogonal projection of the mean; the covariance passes through unchanged', () => {
    const pr = smallProblem(4, [1, 2]);
    const G = gMatrix(pr.constraint, grid);
    const r = matmul(
      G,
      [...pr.mu].map((v) => [v]),
    ).map((row, k) => [row[0] - pr.constraint.b[[1, 2][k]]]);
    const lam = solve(matmul(G, transpose(G)), r);
    const corr = matmul(transpose(G), lam);
    const want = [...pr.mu].map((v, i) => v - corr[i][0]);
    for (const cov of [pr.dense, pr.lowrank, { kind: 'diag' as const, variances: pr.d }]) {
      const got = projectConservation(pr.mu, cov, pr.constraint, grid, { mode: 'hardc' });
      expect(maxDiff(got.mean, want)).toBeLessThan(1e-13 * maxAbs(pr.mu));
      expect(got.cov).toBe(cov);
      for (const e of relativeMassErrors(got.mean, pr.constraint, grid)) expect(e).toBeLessThan(1e-13);
    }
    // = the exact update with Σ = I.
    const ones = projectConservation(pr.mu, { kind: 'diag', variances: new Float64Array(N).fill(1) }, pr.constraint, grid);
    expect(maxDiff(ones.mean, want)).toBeLessThan(1e-13 * maxAbs(pr.mu));
  });
});

describe('the covariance forms agree on the same Σ', () => {
  it('lowrank (rank 0) = diag = dense(diag), and lowrank = dense for Σ = D Dᵀ + diag(d)', () => {
    const pr = smallProblem(5);
    const diagDense: Covariance = { kind: 'dense', matrix: Float64Array.from(zeros(N, N).flatMap((row, i) => row.map((_, j) => (i === j ? pr.d[i] : 0)))) };
    for (const opts of [{}, { mode: 'noisy' as const, sigma: 0.2 }]) {
      const a = projectConservation(pr.mu, { kind: 'diag', variances: pr.d }, pr.constraint, grid, opts);
      const b = projectConservation(pr.mu, { kind: 'lowrank', factor: new Float64Array(0), rank: 0, diag: pr.d }, pr.constraint, grid, opts);
      const c = projectConservation(pr.mu, diagDense, pr.constraint, grid, opts);
      expect(maxDiff(a.mean, b.mean)).toBeLessThan(1e-13);
      expect(maxDiff(a.mean, c.mean)).toBeLessThan(1e-13);
      expect(maxDiff(a.variances, b.variances)).toBeLessThan(1e-15);
      expect(maxDiff(a.variances, c.variances)).toBeLessThan(1e-15);
      const lr = projectConservation(pr.mu, pr.lowrank, pr.constraint, grid, opts);
      const de = projectConservation(pr.mu, pr.dense, pr.constraint, grid, opts);
      expect(maxDiff(lr.mean, de.mean)).toBeLessThan(1e-13);
      expect(maxDiff(lr.variances, de.variances)).toBeLessThan(1e-14);
      if (lr.cov.kind !== 'lowrank' || de.cov.kind !== 'dense') throw new Error('kind');
      expect(maxDiff(lowRankDense(lr.cov).flat(), de.cov.matrix)).toBeLessThan(1e-14);
    }
  });

  it('a low-rank result projected again (a second constraint set) still matches the dense path', () => {
    const pr = smallProblem(6, [0, 1]);
    const second: ConservationConstraint = {
      weights: Float64Array.from({ length: grid.nPoints }, (_, j) => j + 1),
      b: Float64Array.from([0, 0, 3, -2]),
      frames: [2, 3],
    };
    const lr1 = projectConservation(pr.mu, pr.lowrank, pr.constraint, grid, { mode: 'noisy', sigma: 0.1 });
    const de1 = projectConservation(pr.mu, pr.dense, pr.constraint, grid, { mode: 'noisy', sigma: 0.1 });
    const lr2 = projectConservation(lr1.mean, lr1.cov, second, grid);
    const de2 = projectConservation(de1.mean, de1.cov, second, grid);
    expect(maxDiff(lr2.mean, de2.mean)).toBeLessThan(1e-12);
    expect(lr2.cov.nDowndate).toBe(4);
    if (de2.cov.kind !== 'dense') throw new Error('kind');
    expect(maxDiff(lowRankDense(lr2.cov).flat(), de2.cov.matrix)).toBeLessThan(1e-13);
  });
});

describe('variances and σ', () => {
  it('variances never increase and never go negative (single-point frames go to 0 exactly)', () => {
    const rng = new Rng(7);
    for (const nPoints of [1, 5]) {
      const g: SpaceTimeGrid = { nFrames: 3, nPoints };
      const n = 3 * nPoints;
      const c = finiteVolumeMass(0.37, randn(rng, 3), { nPoints });
      const mu = randn(rng, n);
      const v = Float64Array.from({ length: n }, () => rng.uniform() * 10 ** (6 * rng.uniform() - 3));
      const D = randn(rng, n * 4);
      const forms = covForms(D, 4, v);
      for (const opts of [{}, { mode: 'noisy' as const, sigma: 0.5 }]) {
        for (const cov of [{ kind: 'diag' as const, variances: v }, forms.lowrank, forms.dense]) {
          const prior = cov.kind === 'diag' ? v : forms.mat.map((row, i) => row[i]);
          const res = projectConservation(mu, cov, c, g, opts);
          res.variances.forEach((vi, i) => {
            expect(vi).toBeGreaterThanOrEqual(0);
            expect(vi).toBeLessThanOrEqual(prior[i]);
          });
          if (nPoints === 1 && cov.kind === 'diag' && !('mode' in opts)) expect([...res.variances]).toEqual([0, 0, 0]);
        }
      }
    }
  });

  it('σ → ∞ leaves μ and Σ unchanged; σ > 0 moves μ along the exact correction by g/(g + σ²)', () => {
    const pr = smallProblem(8, [2]);
    const exact = projectConservation(pr.mu, pr.dense, pr.constraint, grid);
    const huge = projectConservation(pr.mu, pr.dense, pr.constraint, grid, { mode: 'noisy', sigma: 1e9 });
    expect(maxDiff(huge.mean, pr.mu)).toBeLessThan(1e-15 * maxAbs(pr.mu) * 1e3);
    expect(
      maxDiff(
        huge.variances,
        pr.mat.map((row, i) => row[i]),
      ),
    ).toBeLessThan(1e-15);
    // One constrained frame: g = GΣGᵀ (a number); μ'(σ) = μ + g/(g + σ²) (μ'(0) − μ).
    const G = gMatrix(pr.constraint, grid);
    const g = matmul(matmul(G, pr.mat), transpose(G))[0][0];
    let last = 1;
    for (const sigma of [0.01, 0.3, 1, 5]) {
      const res = projectConservation(pr.mu, pr.dense, pr.constraint, grid, { mode: 'noisy', sigma });
      const t = g / (g + sigma * sigma);
      const want = [...pr.mu].map((v, i) => v + t * (exact.mean[i] - v));
      expect(maxDiff(res.mean, want)).toBeLessThan(1e-13 * maxAbs(pr.mu));
      // The residual shrinks by σ²/(g + σ²): less with larger σ.
      const frac = res.residualAfter[0] / res.residualBefore[0];
      expect(frac).toBeCloseTo((sigma * sigma) / (g + sigma * sigma), 12);
      expect(frac).toBeLessThan(1);
      expect(frac).toBeGreaterThan(last === 1 ? 0 : last);
      last = frac;
    }
  });
});

describe('2D periodic fields', () => {
  it('the per-point projection keeps the mean of a vorticity field exactly', () => {
    const nx = 32;
    const ny = 24;
    const L = 2 * Math.PI;
    const g: SpaceTimeGrid = { nFrames: 3, nPoints: nx * ny };
    const rng = new Rng(9);
    const mu = new Float64Array(g.nFrames * g.nPoints);
    for (let t = 0; t < g.nFrames; t++) {
      for (let i = 0; i < nx; i++) {
        for (let j = 0; j < ny; j++) {
          const x = (L * i) / nx;
          const y = (L * j) / ny;
          mu[(t * nx + i) * ny + j] = Math.sin(x + t) * Math.cos(2 * y) + 0.3 * Math.cos(3 * x - y) + 0.05 * rng.normal() + 0.02;
        }
      }
    }
    const means = [0, 0.5, -1.25];
    const c = periodicMean2d(
      nx,
      ny,
      L,
      means.map((m) => m * L * L),
    );
    expect(c.weights[0]).toBeCloseTo((L / nx) * (L / ny), 15);
    const v = Float64Array.from(mu, (_, i) => 0.01 + ((i * 7919) % 13) / 13);
    const res = projectConservation(mu, { kind: 'diag', variances: v }, c, g);
    for (let t = 0; t < g.nFrames; t++) {
      let s = 0;
      for (let i = 0; i < g.nPoints; i++) s += res.mean[t * g.nPoints + i];
      expect(Math.abs(s / g.nPoints - means[t])).toBeLessThan(1e-14);
    }
    // The correction is per point ∝ the variance: points with no uncertainty keep their value.
    const v0 = Float64Array.from(v, (x, i) => (i % 5 === 0 ? 0 : x));
    const res0 = projectConservation(mu, { kind: 'diag', variances: v0 }, c, g);
    for (let i = 0; i < mu.length; i += 5) expect(res0.mean[i]).toBe(mu[i]);
  });
});

describe('constraint constructors', () => {
  it('finiteVolumeMass matches the solver grid’s Σ dx·u; trapezoidMass is exact for linear data', () => {
    const g1 = new Grid1D(50, [-1, 1], 'cell');
    const u = g1.sample((x) => Math.exp(Math.sin(Math.PI * x)));
    const c = finiteVolumeMass(g1.dx, [g1.integrate(u)], { nPoints: 50 });
    const res = projectConservation(
      Float64Array.from(u, (v, i) => v + 0.1 * Math.cos(i)),
      { kind: 'diag', variances: new Float64Array(50).fill(1) },
      c,
      { nFrames: 1, nPoints: 50 },
    );
    expect(Math.abs(g1.integrate(res.mean) - g1.integrate(u))).toBeLessThan(1e-14);
    expect([...finiteVolumeMass([0.5, 0.25, 0.25], [1]).weights]).toEqual([0.5, 0.25, 0.25]);
    const x = [0, 0.1, 0.4, 1, 1.5];
    const t = trapezoidMass(x, [0]);
    expect([...t.weights]).toEqual([0.05, 0.2, 0.45, 0.55, 0.25]);
    let integral = 0;
    x.forEach((xi, j) => (integral += t.weights[j] * (2 * xi + 1)));
    expect(integral).toBeCloseTo(1.5 * 1.5 + 1.5, 14);
  });
});

describe('batch API', () => {
  it('equals one call per sample (shared Σ, per-sample b, per-sample diagonal variances)', () => {
    const pr = smallProblem(10, [0, 3]);
    const rng = new Rng(11);
    const S = 5;
    const means = randn(rng, S * N, 1, 2);
    const bs = randn(rng, S * grid.nFrames, 1, 6);
    const perSampleV = Float64Array.from({ length: S * N }, () => 0.1 + rng.uniform());
    const c = { ...pr.constraint, b: bs };
    for (const [cov, opts] of [
      [pr.lowrank, { mode: 'noisy', sigma: 0.3 }],
      [pr.dense, {}],
      [{ kind: 'diag', variances: pr.d }, {}],
      [
        { kind: 'diag', variances: perSampleV },
        { mode: 'noisy', sigma: [0.1, 0, 0, 1] },
      ],
      [pr.dense, { mode: 'hardc' }],
    ] as [Covariance, object][]) {
      const batch = projectConservationBatch(means, cov, c, grid, opts);
      expect(batch.nSamples).toBe(S);
      for (let s = 0; s < S; s++) {
        const one = projectConservation(
          means.slice(s * N, (s + 1) * N),
          cov.kind === 'diag' && cov.variances.length > N ? { kind: 'diag', variances: perSampleV.slice(s * N, (s + 1) * N) } : cov,
          { ...pr.constraint, b: bs.slice(s * grid.nFrames, (s + 1) * grid.nFrames) },
          grid,
          opts,
        );
        expect(maxDiff(batch.means.subarray(s * N, (s + 1) * N), one.mean)).toBe(0);
        expect(maxDiff(batch.residualBefore.subarray(s * 2, s * 2 + 2), one.residualBefore)).toBe(0);
        const bv = batch.variances.length > N ? batch.variances.subarray(s * N, (s + 1) * N) : batch.variances;
        expect(maxDiff(bv, one.variances)).toBe(0);
      }
    }
  });

  it('projecting ensemble members (σ = 0) gives members whose covariance is the returned Σ′ (Matheron’s rule)', () => {
    const rng = new Rng(12);
    const M = 12;
    const members = randn(rng, M * N, 1, 3);
    const mean = new Float64Array(N);
    for (let m = 0; m < M; m++) for (let i = 0; i < N; i++) mean[i] += members[m * N + i] / M;
    const D = new Float64Array(N * (M - 1 + 1));
    for (let i = 0; i < N; i++) for (let m = 0; m < M; m++) D[i * M + m] = (members[m * N + i] - mean[i]) / Math.sqrt(M - 1);
    const cov: LowRankCovariance = { kind: 'lowrank', factor: D, rank: M, diag: new Float64Array(N) };
    const c = finiteVolumeMass(0.25, [1, 2, 3, 4], { nPoints: grid.nPoints });
    const post = projectConservation(mean, cov, c, grid);
    const proj = projectConservationBatch(members, cov, c, grid);
    const pm = new Float64Array(N);
    for (let m = 0; m < M; m++) for (let i = 0; i < N; i++) pm[i] += proj.means[m * N + i] / M;
    expect(maxDiff(pm, post.mean)).toBeLessThan(1e-13);
    const emp = zeros(N, N);
    for (let m = 0; m < M; m++) {
      for (let i = 0; i < N; i++) {
        for (let j = 0; j < N; j++) emp[i][j] += ((proj.means[m * N + i] - pm[i]) * (proj.means[m * N + j] - pm[j])) / (M - 1);
      }
    }
    if (post.cov.kind !== 'lowrank') throw new Error('kind');
    expect(maxDiff(emp.flat(), lowRankDense(post.cov).flat())).toBeLessThan(1e-13);
  });
});

describe('errors name the value', () => {
  const pr = smallProblem(13);
  const diag = { kind: 'diag' as const, variances: pr.d };
  const cases: [string, () => unknown, string][] = [
    [
      'weights length',
      () => projectConservation(pr.mu, diag, finiteVolumeMass(0.1, [1, 1, 1, 1], { nPoints: 5 }), grid),
      'constraint.weights has 5 values but the grid has 6 points per frame',
    ],
    [
      'b length',
      () => projectConservation(pr.mu, diag, finiteVolumeMass(0.1, [1, 1, 1], { nPoints: 6 }), grid),
      'constraint.b has 3 values but the grid has 4 frames',
    ],
    ['mean length', () => projectConservation(pr.mu.subarray(1), diag, pr.constraint, grid), 'mean has 23 values but grid { nFrames: 4, nPoints: 6 } needs 24'],
    [
      'negative σ',
      () => projectConservation(pr.mu, diag, pr.constraint, grid, { mode: 'noisy', sigma: -0.1 }),
      'sigma = -0.1 is negative: σ is a standard deviation, use sigma >= 0',
    ],
    ['negative per-frame σ', () => projectConservation(pr.mu, diag, pr.constraint, grid, { mode: 'noisy', sigma: [1, 1, -2, 1] }), 'sigma[2] = -2 is negative'],
    ['noisy without σ', () => projectConservation(pr.mu, diag, pr.constraint, grid, { mode: 'noisy' }), "mode 'noisy' needs sigma"],
    ['σ in exact mode', () => projectConservation(pr.mu, diag, pr.constraint, grid, { sigma: 1 }), "sigma is only read in mode 'noisy' (mode is 'exact')"],
    [
      'unknown option',
      () => projectConservation(pr.mu, diag, pr.constraint, grid, { mdoe: 'exact' } as object),
      "unknown option 'mdoe': known are mode, sigma",
    ],
    [
      'singular diag',
      () => projectConservation(pr.mu, { kind: 'diag', variances: Float64Array.from(pr.d, (v, i) => (Math.floor(i / 6) === 3 ? 0 : v)) }, pr.constraint, grid),
      "GΣGᵀ is singular at frame 3 (Σ has no variance where the constraint weighs): use mode 'noisy' with sigma > 0",
    ],
    [
      'singular low rank',
      () => projectConservation(pr.mu, { ...pr.lowrank, diag: new Float64Array(N) }, pr.constraint, grid),
      "GΣGᵀ is singular at frame 3 (Σ = D Dᵀ has rank 3 < 4 constrained frames and no diagonal): use mode 'noisy' with sigma > 0",
    ],
    [
      'HardC with zero weights',
      () => projectConservation(pr.mu, diag, { weights: new Float64Array(6), b: new Float64Array(4), frames: [1] }, grid, { mode: 'hardc' }),
      'GGᵀ is singular at frame 1 (constraint.weights are all zero): HardC has nothing to project onto',
    ],
    [
      'NaN mean',
      () =>
        projectConservation(
          Float64Array.from(pr.mu, (v, i) => (i === 17 ? NaN : v)),
          diag,
          pr.constraint,
          grid,
        ),
      'mean[17] = NaN is not finite',
    ],
    [
      'Inf variance',
      () => projectConservation(pr.mu, { kind: 'diag', variances: Float64Array.from(pr.d, (v, i) => (i === 2 ? Infinity : v)) }, pr.constraint, grid),
      'cov.variances[2] = Infinity is not finite',
    ],
    [
      'negative variance',
      () => projectConservation(pr.mu, { kind: 'diag', variances: Float64Array.from(pr.d, (v, i) => (i === 4 ? -1 : v)) }, pr.constraint, grid),
      'cov.variances[4] = -1 is negative',
    ],
    [
      'NaN b',
      () => projectConservation(pr.mu, diag, { ...pr.constraint, b: Float64Array.from([1, NaN, 1, 1]) }, grid),
      'constraint.b[1] = NaN is not finite (frame 1 is constrained)',
    ],
    [
      'NaN weight',
      () => projectConservation(pr.mu, diag, { ...pr.constraint, weights: new Float64Array(6).fill(NaN) }, grid),
      'constraint.weights[0] = NaN is not finite',
    ],
    [
      'frame out of range',
      () => projectConservation(pr.mu, diag, { ...pr.constraint, frames: [0, 4] }, grid),
      'constraint.frames[1] = 4 is not a frame of the grid (nFrames = 4)',
    ],
    ['frame twice', () => projectConservation(pr.mu, diag, { ...pr.constraint, frames: [2, 2] }, grid), 'constraint.frames lists frame 2 twice'],
    [
      'asymmetric dense',
      () => projectConservation(pr.mu, { kind: 'dense', matrix: Float64Array.from(pr.mat.flat(), (v, k) => (k === 1 ? v + 1 : v)) }, pr.constraint, grid),
      'cov.matrix is not symmetric: [0][1]',
    ],
    [
      'dense above the limit',
      () =>
        projectConservation(
          new Float64Array(DENSE_MAX_POINTS + 4),
          { kind: 'dense', matrix: new Float64Array(0) },
          finiteVolumeMass(1, new Float64Array(1), { nPoints: DENSE_MAX_POINTS + 4 }),
          { nFrames: 1, nPoints: DENSE_MAX_POINTS + 4 },
        ),
      "a dense covariance over 4100 points (4100×4100 float64, 128 MiB) is above the dense limit of 4096 points: use kind 'diag' or 'lowrank'",
    ],
    ['scalar dx without nPoints', () => finiteVolumeMass(0.1, [1]), 'finiteVolumeMass(dx = 0.1) needs nPoints'],
    ['trapezoid decreasing x', () => trapezoidMass([0, 1, 0.5], [0]), 'x[2] = 0.5 is not above x[1] = 1: give increasing coordinates'],
    [
      'batch length',
      () => projectConservationBatch(new Float64Array(N * 2 + 1), diag, pr.constraint, grid),
      'means has 49 values: not a whole number of samples of 24',
    ],
    [
      'unknown kind',
      () => projectConservation(pr.mu, { kind: 'full' } as unknown as Covariance, pr.constraint, grid),
      "cov.kind = full is not known: use 'diag', 'lowrank' or 'dense'",
    ],
  ];
  for (const [name, fn, text] of cases) {
    it(name, () => {
      expect(fn).toThrow(text);
      try {
        fn();
      } catch (e) {
        expect((e as Error).name).toBe('ProjectionInputError');
        expect((e as Error).message).not.toContain('\n');
      }
    });
  }
});
