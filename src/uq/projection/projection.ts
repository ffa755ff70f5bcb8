/**
 * ProbConserv's conservation update [Hansen et al., "Learning Physical Models that Can Respect
 * Conservation Laws", ICML 2023, Eq. (5)–(6); amazon-science/probconserv,
 * `deep_pdes/attentive_neural_process/probconserv.py`]: a Gaussian prediction N(μ, Σ) of a field
 * on a space–time grid is conditioned on a linear conservation law G u = b observed with noise
 * N(0, σ²I),
 *
 *   μ' = μ − ΣGᵀ (GΣGᵀ + σ²I)⁻¹ (Gμ − b),
 *   Σ' = Σ − ΣGᵀ (GΣGᵀ + σ²I)⁻¹ GΣ.
 *
 * G has one row per constrained frame t: the quadrature weights w of the conserved integral on
 * frame t's points (cell widths for finite-volume averages, trapezoid weights for nodes, dx·dy
 * for a periodic 2D field; see constraint.ts), b_t the known mass. With σ = 0 μ' is the
 * minimiser of (μ' − μ)ᵀ Σ⁻¹ (μ' − μ) subject to G μ' = b (the Σ-orthogonal projection onto the
 * constraint set, exact to round-off); σ > 0 moves only part of the way (σ → ∞ leaves μ as it
 * is); Σ' never has larger marginal variances than Σ. ProbConserv's HardC baseline ("hcnp") is
 * the σ = 0 update with Σ = I: the plain orthogonal projection of the mean, the prediction's own
 * uncertainty passed through unchanged.
 *
 * Covariance forms (N = nFrames·nPoints, T = constrained frames, n = points per frame) and cost
 * per sample:
 * - 'diag' (per-point variances v): Σ is block-diagonal over frames, so is GΣGᵀ: every frame
 *   is updated alone, μ'_i = μ_i − v_i w_j r_t / a_t with a_t = Σ_j w_j² v_j + σ_t² and
 *   var'_i = v_i − (v_i w_j)² / a_t, exactly. O(N) time, O(N) memory.
 * - 'lowrank' (Σ = D Dᵀ + diag(d) − C₀C₀ᵀ, D [N × r], e.g. ensemble deviations / √(M − 1)):
 *   D couples the frames, so the T × T system GΣGᵀ + σ²I is formed (GD is T × r) and factored
 *   by Cholesky in float64; N × N is never formed. The result stays in the form, with the
 *   downdate C = ΣGᵀ L⁻ᵀ (A = L Lᵀ) appended: Σ' = D Dᵀ + diag(d) − [C₀ C][C₀ C]ᵀ, marginal
 *   variances d_i + |D_i|² − |[C₀ C]_i|². O(N·T·(r + m) + T³) time, N·T more memory.
 *   Sampling N(μ', Σ'): project draws of N(μ, Σ) (e.g. the ensemble members) with the same
 *   update (Matheron's rule; {@link projectConservationBatch}): for σ = 0 x' = x − ΣGᵀA⁻¹(Gx − b)
 *   is an exact draw; for σ > 0 draw b per sample from N(b, σ²I) as well.
 * - 'dense' (full N × N Σ, N ≤ DENSE_MAX_POINTS): O(N²·T + T³) time, N² memory for Σ'.
 *
 * Exact modes apply the update twice (the second pass moves μ' by the round-off residual only),
 * so G μ' = b holds to round-off of the quadrature itself. Marginal variances lost to round-off
 * below zero are reported as 0.
 */
import { choleskyInPlace, forwardSolveInPlace } from './cholesky.js';
import { resolveConstraint, type ConservationConstraint, type SpaceTimeGrid } from './constraint.js';
import { checkCovariance, marginalVariances, type Covariance, type DenseCovariance, type LowRankCovariance } from './covariance.js';
import { ProjectionInputError } from './errors.js';

/** 'exact': σ = 0. 'noisy': σ > 0 given by `sigma`. 'hardc': σ = 0 with Σ = I (ProbConserv's HardC). */
export type ProjectionMode = 'exact' | 'noisy' | 'hardc';
export const PROJECTION_MODES: readonly ProjectionMode[] = ['exact', 'noisy', 'hardc'];

export interface ProjectionOptions {
  /** @default 'exact' */
  mode?: ProjectionMode;
  /**
   * σ ≥ 0, the standard deviation of the conserved integral's noise (units of b): one number, or
   * one per frame of the grid (nFrames values, read at the constrained frames). Only for 'noisy'.
   */
  sigma?: number | ArrayLike<number>;
}

export interface ResolvedProjectionOptions {
  mode: ProjectionMode;
  /** σ² per constrained frame (zeros unless 'noisy'). */
  sigma2: Float64Array;
}

/** Checks options against the grid and the constrained frames; throws one line naming the field. */
export function resolveProjectionOptions(opts: ProjectionOptions | undefined, grid: SpaceTimeGrid, frames: readonly number[]): ResolvedProjectionOptions {
  const o = opts ?? {};
  if (o === null || typeof o !== 'object') throw new ProjectionInputError(`options ${String(o)} is not allowed: give { mode?, sigma? }`);
  for (const key of Object.keys(o)) {
    if (key !== 'mode' && key !== 'sigma') throw new ProjectionInputError(`unknown option '${key}': known are mode, sigma`);
  }
  const mode = o.mode ?? 'exact';
  if (!PROJECTION_MODES.includes(mode))
    throw new ProjectionInputError(`mode = ${String(mode)} is not known: use ${PROJECTION_MODES.map((m) => `'${m}'`).join(', ')}`);
  const sigma2 = new Float64Array(frames.length);
  if (mode !== 'noisy') {
    if (o.sigma !== undefined) throw new ProjectionInputError(`sigma is only read in mode 'noisy' (mode is '${mode}')`);
    return { mode, sigma2 };
  }
  const s = o.sigma;
  if (s === undefined) throw new ProjectionInputError("mode 'noisy' needs sigma (a number >= 0, or one per frame)");
  const check = (name: string, v: number): void => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ProjectionInputError(`${name} = ${String(v)} is not finite: use a number >= 0`);
    if (v < 0) throw new ProjectionInputError(`${name} = ${v} is negative: σ is a standard deviation, use sigma >= 0`);
  };
  if (typeof s === 'number') {
    check('sigma', s);
    sigma2.fill(s * s);
  } else {
    if (s === null || typeof s !== 'object' || typeof s.length !== 'number')
      throw new ProjectionInputError(`sigma is ${s === null ? 'null' : typeof s}: give a number or one per frame`);
    if (s.length !== grid.nFrames) throw new ProjectionInputError(`sigma has ${s.length} values but the grid has ${grid.nFrames} frames`);
    frames.forEach((f, k) => {
      check(`sigma[${f}]`, s[f]);
      sigma2[k] = s[f] * s[f];
    });
  }
  return { mode, sigma2 };
}

export interface ProjectionResult<C extends Covariance> {
  /** μ', frame-major like μ. */
  mean: Float64Array;
  /** Σ' in the input's form ('hardc': the input covariance itself, unchanged). */
  cov: C;
  /** Marginal variances of Σ' (N values; nSamples·N for per-sample 'diag' variances in a batch). */
  variances: Float64Array;
  /** The constrained frames, in the order of the residuals. */
  frames: number[];
  /** G μ − b per constrained frame (per sample and frame in a batch). */
  residualBefore: Float64Array;
  /** G μ' − b, likewise. */
  residualAfter: Float64Array;
}

export interface BatchProjectionResult<C extends Covariance> extends Omit<ProjectionResult<C>, 'mean'> {
  nSamples: number;
  /** μ' of every sample, [nSamples × N]. */
  means: Float64Array;
}

/**
 * The conservation update of one prediction (mean μ over the grid, covariance Σ); see the file
 * comment for the formula, the modes and the covariance forms.
 */
export function projectConservation<C extends Covariance>(
  mean: Float64Array,
  cov: C,
  constraint: ConservationConstraint,
  grid: SpaceTimeGrid,
  opts?: ProjectionOptions,
): ProjectionResult<C> {
  checkGrid(grid);
  const n = grid.nFrames * grid.nPoints;
  if (mean instanceof Float64Array && mean.length !== n) {
    throw new ProjectionInputError(`mean has ${mean.length} values but grid { nFrames: ${grid.nFrames}, nPoints: ${grid.nPoints} } needs ${n}`);
  }
  const { means, nSamples: _one, ...rest } = projectConservationBatch(mean, cov, constraint, grid, opts);
  return { mean: means, ...rest };
}

/**
 * The conservation update of many predictions at once, sharing one covariance (the gain is
 * computed once; each further sample costs O(N·T), or O(N) for 'diag'). `means` holds nSamples
 * fields back to back; `constraint.b` holds nFrames values (shared) or nSamples·nFrames (one mass
 * per sample and frame); a 'diag' covariance may hold nSamples·N variances (one set per sample).
 * Projecting draws of N(μ, Σ) this way yields draws of N(μ', Σ') (see the file comment).
 */
export function projectConservationBatch<C extends Covariance>(
  means: Float64Array,
  cov: C,
  constraint: ConservationConstraint,
  grid: SpaceTimeGrid,
  opts?: ProjectionOptions,
): BatchProjectionResult<C> {
  checkGrid(grid);
  const N = grid.nFrames * grid.nPoints;
  if (!(means instanceof Float64Array)) throw new ProjectionInputError('mean is not a Float64Array');
  if (means.length === 0 || means.length % N !== 0) {
    throw new ProjectionInputError(
      `means has ${means.length} values: not a whole number of samples of ${N} (grid { nFrames: ${grid.nFrames}, nPoints: ${grid.nPoints} })`,
    );
  }
  const S = means.length / N;
  const { frames, bPerSample } = resolveConstraint(constraint, grid, S);
  const { mode, sigma2 } = resolveProjectionOptions(opts, grid, frames);
  const { perSample } = checkCovariance(cov, N, S);
  for (let i = 0; i < means.length; i++) {
    if (!Number.isFinite(means[i])) throw new ProjectionInputError(`mean[${i}] = ${means[i]} is not finite`);
  }
  const p: Problem = {
    N,
    n: grid.nPoints,
    nFrames: grid.nFrames,
    S,
    frames,
    w: constraint.weights,
    b: constraint.b,
    bStride: bPerSample ? grid.nFrames : 0,
    sigma2,
    exact: mode !== 'noisy',
    hardc: mode === 'hardc',
  };
  const x = new Float64Array(means.length);
  const residualBefore = new Float64Array(S * frames.length);
  const residualAfter = new Float64Array(S * frames.length);
  let outCov: Covariance;
  let variances: Float64Array;
  if (mode === 'hardc') {
    diagUpdate(p, means, x, null, false, residualBefore, residualAfter, 'hardc');
    outCov = cov;
    variances = clampNonNegative(marginalVariances(cov));
  } else if (cov.kind === 'diag') {
    variances = diagUpdate(p, means, x, cov.variances, perSample, residualBefore, residualAfter, 'diag');
    outCov = { kind: 'diag', variances };
  } else {
    x.set(means);
    const r = generalUpdate(p, x, cov, residualBefore, residualAfter);
    outCov = r.cov;
    variances = r.variances;
  }
  return { nSamples: S, means: x, cov: outCov as C, variances, frames, residualBefore, residualAfter };
}

interface Problem {
  N: number;
  n: number;
  nFrames: number;
  S: number;
  frames: number[];
  w: Float64Array;
  b: Float64Array;
  /** 0 when b is shared, nFrames when b is per sample. */
  bStride: number;
  sigma2: Float64Array;
  exact: boolean;
  hardc: boolean;
}

function checkGrid(grid: SpaceTimeGrid): void {
  if (grid === null || typeof grid !== 'object') throw new ProjectionInputError(`grid ${String(grid)} is not allowed: give { nFrames, nPoints }`);
  for (const key of ['nFrames', 'nPoints'] as const) {
    const v = grid[key];
    if (!Number.isInteger(v) || v < 1) throw new ProjectionInputError(`grid.${key} = ${String(v)} is not allowed: use an integer >= 1`);
  }
}

function clampNonNegative(v: Float64Array): Float64Array {
  for (let i = 0; i < v.length; i++) if (v[i] < 0) v[i] = 0;
  return v;
}

function singularError(p: Problem, k: number, why: string, sample?: number): ProjectionInputError {
  const f = p.frames[k];
  const at = sample === undefined || p.S === 1 ? `frame ${f}` : `frame ${f} of sample ${sample}`;
  if (p.hardc) return new ProjectionInputError(`GGᵀ is singular at ${at} (${why}): HardC has nothing to project onto`);
  if (p.sigma2[k] > 0) return new ProjectionInputError(`GΣGᵀ + σ²I is not positive definite at ${at} (${why}): is Σ positive semi-definite?`);
  return new ProjectionInputError(`GΣGᵀ is singular at ${at} (${why}): use mode 'noisy' with sigma > 0`);
}

/** G x − b for sample s into dst[k] (x read at off). */
function residuals(p: Problem, x: Float64Array, off: number, s: number, dst: Float64Array, dOff: number): void {
  const { n, w, frames } = p;
  for (let k = 0; k < frames.length; k++) {
    const base = off + frames[k] * n;
    // Neumaier-compensated: the exact modes correct μ' by this residual, so its accuracy is G μ' = b's.
    let m = -p.b[s * p.bStride + frames[k]];
    let c = 0;
    for (let j = 0; j < n; j++) {
      const v = w[j] * x[base + j];
      const t = m + v;
      c += Math.abs(m) >= Math.abs(v) ? m - t + v : v - t + m;
      m = t;
    }
    dst[dOff + k] = m + c;
  }
}

/**
 * Diagonal Σ (or Σ = I for HardC, `v0` null): every constrained frame on its own, in two fused
 * passes over its points — a_t and r_t from μ; then μ′ (into x), var′ and the new residual —
 * plus a pass in exact modes when the new residual is above what the rounding of μ′ itself
 * leaves. Writes x (unconstrained frames copied from μ) and returns the updated variances (the
 * input's length), or an empty array for HardC.
 */
function diagUpdate(
  p: Problem,
  mu: Float64Array,
  x: Float64Array,
  v0: Float64Array | null,
  perSample: boolean,
  before: Float64Array,
  after: Float64Array,
  form: 'diag' | 'hardc',
): Float64Array {
  const { N, n, w, frames, S, b, bStride, sigma2, exact } = p;
  const nC = frames.length;
  // HardC: Σ = I, one row of ones read for every frame (frame stride 0).
  const v = v0 ?? new Float64Array(n).fill(1);
  const vFrameStride = v0 ? n : 0;
  const out = v0 ? new Float64Array(v0.length) : new Float64Array(0);
  const constrained = new Uint8Array(p.nFrames);
  for (const f of frames) constrained[f] = 1;
  for (let f = 0; f < p.nFrames; f++) {
    if (constrained[f]) continue;
    for (let s = 0; s < S; s++) x.set(mu.subarray(s * N + f * n, s * N + (f + 1) * n), s * N + f * n);
    if (v0) for (let s = 0; s < (perSample ? S : 1); s++) out.set(v0.subarray(s * N + f * n, s * N + (f + 1) * n), s * N + f * n);
  }
  const refineAbove = 4 * Math.sqrt(n) * Number.EPSILON;
  for (let s = 0; s < S; s++) {
    const vSample = perSample ? s * N : 0;
    const writeVar = v0 !== null && (perSample || s === 0);
    for (let k = 0; k < nC; k++) {
      const f = frames[k];
      const xo = s * N + f * n;
      const vo = vSample + f * vFrameStride;
      const bk = b[s * bStride + f];
      let g = 0;
      let m = 0;
      for (let j = 0; j < n; j++) {
        const wj = w[j];
        g += wj * wj * v[vo + j];
        m += wj * mu[xo + j];
      }
      const a = g + sigma2[k];
      if (!(a > 0)) {
        const why = form === 'hardc' ? 'constraint.weights are all zero' : 'Σ has no variance where the constraint weighs';
        throw singularError(p, k, why, perSample ? s : undefined);
      }
      before[s * nC + k] = m - bk;
      let c = (m - bk) / a;
      let src = mu;
      let r = 0;
      for (let pass = 0; pass < 2; pass++) {
        // x = src − v w c, summing G x − b (Neumaier-compensated) and its scale on the way.
        let sum = -bk;
        let comp = 0;
        let scale = Math.abs(bk);
        for (let j = 0; j < n; j++) {
          const wj = w[j];
          const vi = v[vo + j];
          const xn = src[xo + j] - vi * wj * c;
          x[xo + j] = xn;
          const t = wj * xn;
          const u = sum + t;
          comp += Math.abs(sum) >= Math.abs(t) ? sum - u + t : t - u + sum;
          sum = u;
          scale += Math.abs(t);
          if (writeVar && pass === 0) {
            const gi = vi * wj;
            const vn = vi - (gi * gi) / a;
            out[vo + j] = vn < 0 ? 0 : vn > vi ? vi : vn;
          }
        }
        r = sum + comp;
        if (!exact || Math.abs(r) <= refineAbove * scale) break;
        c = r / a;
        src = x;
      }
      after[s * nC + k] = r;
    }
  }
  return out;
}

/**
 * Low-rank or dense Σ: forms K = ΣGᵀ [N × T] and A = GΣGᵀ + σ²I [T × T], factors A = L Lᵀ,
 * turns K into the downdate C = K L⁻ᵀ (so Σ' = Σ − C Cᵀ and μ' = μ − C L⁻¹ (Gμ − b)), then
 * updates every sample.
 */
function generalUpdate(
  p: Problem,
  x: Float64Array,
  cov: LowRankCovariance | DenseCovariance,
  before: Float64Array,
  after: Float64Array,
): { cov: Covariance; variances: Float64Array } {
  const { N, n, w, frames, S } = p;
  const nC = frames.length;
  const A = new Float64Array(nC * nC);
  const factor = (): void => {
    for (let k = 0; k < nC; k++) {
      for (let l = 0; l < k; l++) {
        const m = 0.5 * (A[k * nC + l] + A[l * nC + k]);
        A[k * nC + l] = m;
        A[l * nC + k] = m;
      }
      A[k * nC + k] += p.sigma2[k];
    }
    const bad = choleskyInPlace(A, nC, 1e-11);
    if (bad >= 0) {
      const noDiag = cov.kind === 'lowrank' && cov.rank < nC && !cov.diag.some((d) => d > 0);
      const why = noDiag
        ? `Σ = D Dᵀ has rank ${cov.rank} < ${nC} constrained frames and no diagonal`
        : "Σ has no variance where the constraint weighs, or the frame's integral is a combination of the others under Σ";
      throw singularError(p, bad, why);
    }
  };
  let C: Float64Array;
  if (cov.kind === 'lowrank') {
    // A = P Pᵀ − P₀P₀ᵀ + diag(Σ_j w_j² d_j) with P = G D, P₀ = G C₀; then
    // C = K L⁻ᵀ = D (L⁻¹P)ᵀ − C₀ (L⁻¹P₀)ᵀ + diag(d) Gᵀ L⁻ᵀ, never an N × T² solve.
    const r = cov.rank;
    const m0 = cov.nDowndate ?? 0;
    const P = gTimes(p, cov.factor, r);
    const P0 = gTimes(p, cov.downdate ?? new Float64Array(0), m0);
    for (let k = 0; k < nC; k++) {
      for (let l = 0; l < nC; l++) {
        let s = 0;
        for (let c = 0; c < r; c++) s += P[k * r + c] * P[l * r + c];
        for (let c = 0; c < m0; c++) s -= P0[k * m0 + c] * P0[l * m0 + c];
        A[k * nC + l] = s;
      }
      const base = frames[k] * n;
      let e = 0;
      for (let j = 0; j < n; j++) e += w[j] * w[j] * cov.diag[base + j];
      A[k * nC + k] += e;
    }
    factor();
    const Q = solveColumns(A, nC, P, r);
    const Q0 = solveColumns(A, nC, P0, m0);
    const eye = new Float64Array(nC * nC);
    for (let k = 0; k < nC; k++) eye[k * nC + k] = 1;
    const Linv = solveColumns(A, nC, eye, nC);
    C = new Float64Array(N * nC);
    addFactorTimes(cov.factor, r, Q, C, N, nC, 1);
    if (m0 > 0 && cov.downdate) addFactorTimes(cov.downdate, m0, Q0, C, N, nC, -1);
    for (let k = 0; k < nC; k++) {
      const base = frames[k] * n;
      for (let j = 0; j < n; j++) {
        const dw = cov.diag[base + j] * w[j];
        if (dw === 0) continue;
        const row = (base + j) * nC;
        for (let l = k; l < nC; l++) C[row + l] += dw * Linv[l * nC + k];
      }
    }
  } else {
    // K = Σ Gᵀ (G picks each frame's block of a row), A = G K, C = K L⁻ᵀ row by row.
    const M = cov.matrix;
    C = new Float64Array(N * nC);
    for (let i = 0; i < N; i++) {
      const row = i * N;
      for (let k = 0; k < nC; k++) {
        const base = row + frames[k] * n;
        let s = 0;
        for (let j = 0; j < n; j++) s += M[base + j] * w[j];
        C[i * nC + k] = s;
      }
    }
    for (let k = 0; k < nC; k++) {
      const base = frames[k] * n;
      for (let j = 0; j < n; j++) {
        const wj = w[j];
        if (wj === 0) continue;
        const row = (base + j) * nC;
        for (let l = 0; l < nC; l++) A[k * nC + l] += wj * C[row + l];
      }
    }
    factor();
    for (let i = 0; i < N; i++) forwardSolveInPlace(A, nC, C, i * nC);
  }

  const z = new Float64Array(nC);
  const step = (off: number): void => {
    forwardSolveInPlace(A, nC, z, 0);
    for (let i = 0; i < N; i++) {
      let s = 0;
      const row = i * nC;
      for (let k = 0; k < nC; k++) s += C[row + k] * z[k];
      x[off + i] -= s;
    }
  };
  for (let s = 0; s < S; s++) {
    const off = s * N;
    residuals(p, x, off, s, z, 0);
    before.set(z, s * nC);
    step(off);
    if (p.exact) {
      residuals(p, x, off, s, z, 0);
      step(off);
    }
    residuals(p, x, off, s, after, s * nC);
  }

  const prior = marginalVariances(cov);
  const variances = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    let c2 = 0;
    for (let k = 0; k < nC; k++) c2 += C[i * nC + k] * C[i * nC + k];
    variances[i] = Math.min(Math.max(prior[i], 0), Math.max(0, prior[i] - c2));
  }

  if (cov.kind === 'lowrank') {
    const m0 = cov.nDowndate ?? 0;
    const m1 = m0 + nC;
    const down = new Float64Array(N * m1);
    for (let i = 0; i < N; i++) {
      if (m0 > 0 && cov.downdate) down.set(cov.downdate.subarray(i * m0, (i + 1) * m0), i * m1);
      down.set(C.subarray(i * nC, (i + 1) * nC), i * m1 + m0);
    }
    return { cov: { kind: 'lowrank', factor: cov.factor, rank: cov.rank, diag: cov.diag, downdate: down, nDowndate: m1 }, variances };
  }
  return { cov: { kind: 'dense', matrix: denseDowndate(cov.matrix, C, N, nC, variances) }, variances };
}

/**
 * Σ − C Cᵀ for a symmetric N × N Σ and C [N × m]: the upper triangle two rows at a time as
 * contiguous updates with eight columns of C at once (Cᵀ stored, each load used twice), then
 * mirrored in tiles; the diagonal is set to the (clamped) variances.
 */
function denseDowndate(M: Float64Array, C: Float64Array, N: number, m: number, variances: Float64Array): Float64Array {
  const Ct = new Float64Array(m * N);
  for (let i = 0; i < N; i++) for (let k = 0; k < m; k++) Ct[k * N + i] = C[i * m + k];
  const out = new Float64Array(N * N);
  const spare = new Float64Array(N);
  for (let i = 0; i < N; i += 2) {
    const r0 = i * N;
    // With an odd N the last row pairs with a scratch row.
    const [t1, r1] = i + 1 < N ? [out, r0 + N] : [spare, 0];
    out.set(M.subarray(r0 + i, r0 + N), r0 + i);
    if (t1 === out) out.set(M.subarray(r1 + i, r1 + N), r1 + i);
    const p = i * m;
    const q = i + 1 < N ? p + m : -1;
    let k = 0;
    for (; k + 8 <= m; k += 8) {
      const a0 = C[p + k],
        a1 = C[p + k + 1],
        a2 = C[p + k + 2],
        a3 = C[p + k + 3];
      const a4 = C[p + k + 4],
        a5 = C[p + k + 5],
        a6 = C[p + k + 6],
        a7 = C[p + k + 7];
      const b0 = q < 0 ? 0 : C[q + k],
        b1 = q < 0 ? 0 : C[q + k + 1],
        b2 = q < 0 ? 0 : C[q + k + 2],
        b3 = q < 0 ? 0 : C[q + k + 3];
      const b4 = q < 0 ? 0 : C[q + k + 4],
        b5 = q < 0 ? 0 : C[q + k + 5],
        b6 = q < 0 ? 0 : C[q + k + 6],
        b7 = q < 0 ? 0 : C[q + k + 7];
      const o0 = k * N,
        o1 = o0 + N,
        o2 = o1 + N,
        o3 = o2 + N,
        o4 = o3 + N,
        o5 = o4 + N,
        o6 = o5 + N,
        o7 = o6 + N;
      for (let j = i; j < N; j++) {
        const x0 = Ct[o0 + j],
          x1 = Ct[o1 + j],
          x2 = Ct[o2 + j],
          x3 = Ct[o3 + j];
        const x4 = Ct[o4 + j],
          x5 = Ct[o5 + j],
          x6 = Ct[o6 + j],
          x7 = Ct[o7 + j];
        out[r0 + j] -= a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3 + a4 * x4 + a5 * x5 + a6 * x6 + a7 * x7;
        t1[r1 + j] -= b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3 + b4 * x4 + b5 * x5 + b6 * x6 + b7 * x7;
      }
    }
    for (; k < m; k++) {
      const a = C[p + k];
      const bq = q < 0 ? 0 : C[q + k];
      const o = k * N;
      for (let j = i; j < N; j++) {
        out[r0 + j] -= a * Ct[o + j];
        t1[r1 + j] -= bq * Ct[o + j];
      }
    }
  }
  const B = 32;
  for (let i0 = 0; i0 < N; i0 += B) {
    for (let j0 = i0; j0 < N; j0 += B) {
      const iEnd = Math.min(i0 + B, N);
      const jEnd = Math.min(j0 + B, N);
      for (let i = i0; i < iEnd; i++) for (let j = Math.max(j0, i + 1); j < jEnd; j++) out[j * N + i] = out[i * N + j];
    }
  }
  for (let i = 0; i < N; i++) out[i * N + i] = variances[i];
  return out;
}

/** G F [T × r] for a factor F [N × r] (row k: the weighted sum of F's rows over frame k). */
function gTimes(p: Problem, F: Float64Array, r: number): Float64Array {
  const { n, w, frames } = p;
  const P = new Float64Array(frames.length * r);
  if (r === 0) return P;
  for (let k = 0; k < frames.length; k++) {
    const base = frames[k] * n;
    for (let j = 0; j < n; j++) {
      const wj = w[j];
      if (wj === 0) continue;
      const row = (base + j) * r;
      for (let c = 0; c < r; c++) P[k * r + c] += wj * F[row + c];
    }
  }
  return P;
}

/** L⁻¹ B for the lower factor L (m × m) and B [m × r], both row-major. */
function solveColumns(L: Float64Array, m: number, B: Float64Array, r: number): Float64Array {
  const X = Float64Array.from(B);
  for (let k = 0; k < m; k++) {
    for (let j = 0; j < k; j++) {
      const l = L[k * m + j];
      if (l === 0) continue;
      for (let c = 0; c < r; c++) X[k * r + c] -= l * X[j * r + c];
    }
    const d = L[k * m + k];
    for (let c = 0; c < r; c++) X[k * r + c] /= d;
  }
  return X;
}

/** C += sign · F Qᵀ for F [N × r] and Q [T × r] (C [N × T]). */
function addFactorTimes(F: Float64Array, r: number, Q: Float64Array, C: Float64Array, N: number, nC: number, sign: number): void {
  if (r === 0) return;
  for (let i = 0; i < N; i++) {
    const row = i * r;
    for (let k = 0; k < nC; k++) {
      let s = 0;
      for (let c = 0; c < r; c++) s += F[row + c] * Q[k * r + c];
      C[i * nC + k] += sign * s;
    }
  }
}
