/** Covariance forms of a Gaussian prediction over a space–time grid, and their checks. */
import { ProjectionInputError } from './errors.js';

/** Σ = diag(variances): independent per-point variances (a surrogate's predicted σ², ProbConserv's default). */
export interface DiagCovariance {
  kind: 'diag';
  /** One variance per grid point (N = nFrames·nPoints values); in a batch also nSamples·N (one set per sample). */
  variances: Float64Array;
}

/**
 * Σ = D Dᵀ + diag(d) − C Cᵀ. D (`factor`, row-major [N × rank]) is e.g. an ensemble's deviations
 * from its mean divided by √(M − 1); d (`diag`) per-point variances (zeros allowed). The downdate
 * C (`downdate`, row-major [N × nDowndate]) is what a projection removes: absent on a fresh
 * covariance, set by {@link projectConservation} so that the result stays in this form.
 */
export interface LowRankCovariance {
  kind: 'lowrank';
  factor: Float64Array;
  rank: number;
  diag: Float64Array;
  downdate?: Float64Array;
  nDowndate?: number;
}

/** A full N × N matrix, row-major; only for N ≤ {@link DENSE_MAX_POINTS}. */
export interface DenseCovariance {
  kind: 'dense';
  matrix: Float64Array;
}

export type Covariance = DiagCovariance | LowRankCovariance | DenseCovariance;

/**
 * Largest grid (nFrames·nPoints) taken in dense form: a 4096² float64 matrix is 128 MiB, and the
 * update holds the input and the output (256 MiB). Above it use 'diag' or 'lowrank'.
 */
export const DENSE_MAX_POINTS = 4096;

function checkArray(name: string, a: unknown, length: number, nonNegative: boolean): Float64Array {
  if (!(a instanceof Float64Array)) throw new ProjectionInputError(`${name} is not a Float64Array`);
  if (a.length !== length) throw new ProjectionInputError(`${name} has ${a.length} values but ${length} are needed`);
  for (let i = 0; i < a.length; i++) {
    const v = a[i];
    if (!Number.isFinite(v)) throw new ProjectionInputError(`${name}[${i}] = ${v} is not finite`);
    if (nonNegative && v < 0) throw new ProjectionInputError(`${name}[${i}] = ${v} is negative: a variance is >= 0`);
  }
  return a;
}

/**
 * Throws ProjectionInputError unless cov is a well-formed covariance over N points. For 'diag',
 * `perSample` allows nSamples·N variances; returns whether they are per sample.
 */
export function checkCovariance(cov: Covariance, n: number, nSamples = 1): { perSample: boolean } {
  if (cov === null || typeof cov !== 'object')
    throw new ProjectionInputError(`cov ${String(cov)} is not allowed: give { kind: 'diag' | 'lowrank' | 'dense', ... }`);
  switch (cov.kind) {
    case 'diag': {
      const len = cov.variances instanceof Float64Array ? cov.variances.length : -1;
      const perSample = nSamples > 1 && len === nSamples * n;
      if (len !== n && !perSample && len >= 0) {
        const batch = nSamples > 1 ? ` (or ${nSamples} samples × ${n} = ${nSamples * n})` : '';
        throw new ProjectionInputError(`cov.variances has ${len} values but the grid has ${n} points${batch}`);
      }
      checkArray('cov.variances', cov.variances, perSample ? nSamples * n : n, true);
      return { perSample };
    }
    case 'lowrank': {
      if (!Number.isInteger(cov.rank) || cov.rank < 0) throw new ProjectionInputError(`cov.rank = ${String(cov.rank)} is not allowed: use an integer >= 0`);
      checkArray('cov.factor', cov.factor, n * cov.rank, false);
      checkArray('cov.diag', cov.diag, n, true);
      if ((cov.downdate === undefined) !== (cov.nDowndate === undefined)) {
        throw new ProjectionInputError('cov.downdate and cov.nDowndate come together: give both or neither');
      }
      if (cov.nDowndate !== undefined) {
        if (!Number.isInteger(cov.nDowndate) || cov.nDowndate < 0) {
          throw new ProjectionInputError(`cov.nDowndate = ${String(cov.nDowndate)} is not allowed: use an integer >= 0`);
        }
        checkArray('cov.downdate', cov.downdate, n * cov.nDowndate, false);
      }
      return { perSample: false };
    }
    case 'dense': {
      if (n > DENSE_MAX_POINTS) {
        const mib = (n * n * 8) / 2 ** 20;
        throw new ProjectionInputError(
          `a dense covariance over ${n} points (${n}×${n} float64, ${mib.toFixed(0)} MiB) is above the dense limit of ${DENSE_MAX_POINTS} points: use kind 'diag' or 'lowrank'`,
        );
      }
      const m = checkArray('cov.matrix', cov.matrix, n * n, false);
      let scale = 0;
      for (let i = 0; i < n; i++) {
        const v = m[i * n + i];
        if (v < 0) throw new ProjectionInputError(`cov.matrix[${i}][${i}] = ${v} is negative: a variance is >= 0`);
        scale = Math.max(scale, v);
      }
      const tol = 1e-12 * scale;
      // In tiles: the transposed reads stay in cache.
      const B = 32;
      for (let i0 = 0; i0 < n; i0 += B) {
        for (let j0 = i0; j0 < n; j0 += B) {
          for (let i = i0; i < Math.min(i0 + B, n); i++) {
            for (let j = Math.max(j0, i + 1); j < Math.min(j0 + B, n); j++) {
              if (Math.abs(m[i * n + j] - m[j * n + i]) > tol) {
                throw new ProjectionInputError(`cov.matrix is not symmetric: [${i}][${j}] = ${m[i * n + j]} but [${j}][${i}] = ${m[j * n + i]}`);
              }
            }
          }
        }
      }
      return { perSample: false };
    }
    default:
      throw new ProjectionInputError(`cov.kind = ${String((cov as { kind: unknown }).kind)} is not known: use 'diag', 'lowrank' or 'dense'`);
  }
}

/** The marginal variances Σ_ii (N values; for a per-sample 'diag', all of them). */
export function marginalVariances(cov: Covariance): Float64Array {
  switch (cov.kind) {
    case 'diag':
      return Float64Array.from(cov.variances);
    case 'lowrank': {
      const n = cov.diag.length;
      const out = Float64Array.from(cov.diag);
      const r = cov.rank;
      const m = cov.nDowndate ?? 0;
      const D = cov.factor;
      const C = cov.downdate;
      for (let i = 0; i < n; i++) {
        let s = out[i];
        for (let c = 0; c < r; c++) s += D[i * r + c] * D[i * r + c];
        if (C) for (let c = 0; c < m; c++) s -= C[i * m + c] * C[i * m + c];
        out[i] = s;
      }
      return out;
    }
    case 'dense': {
      const n = Math.round(Math.sqrt(cov.matrix.length));
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = cov.matrix[i * n + i];
      return out;
    }
  }
}
