/** Small dense float64 Cholesky factorisation for the T × T system of the conservation update. */

/**
 * Factors the symmetric m × m matrix `a` (row-major) in place into its lower Cholesky factor L
 * (A = L Lᵀ; the upper triangle is zeroed). Returns −1 on success, or the index k of the first
 * pivot that is not clearly positive: p_k ≤ `relTol` · A_kk (A_kk before factoring), i.e. row k
 * is (numerically) a combination of the rows before it.
 */
export function choleskyInPlace(a: Float64Array, m: number, relTol: number): number {
  for (let k = 0; k < m; k++) {
    const akk = a[k * m + k];
    let p = akk;
    for (let l = 0; l < k; l++) p -= a[k * m + l] * a[k * m + l];
    if (!(p > relTol * akk) || !(p > 0)) return k;
    const lkk = Math.sqrt(p);
    a[k * m + k] = lkk;
    for (let i = k + 1; i < m; i++) {
      let s = a[i * m + k];
      for (let l = 0; l < k; l++) s -= a[i * m + l] * a[k * m + l];
      a[i * m + k] = s / lkk;
    }
    for (let j = k + 1; j < m; j++) a[k * m + j] = 0;
  }
  return -1;
}

/** Solves L y = x in place for the lower factor L (m × m, row-major); x is read at x[off … off+m). */
export function forwardSolveInPlace(l: Float64Array, m: number, x: Float64Array, off = 0): void {
  for (let k = 0; k < m; k++) {
    let s = x[off + k];
    for (let j = 0; j < k; j++) s -= l[k * m + j] * x[off + j];
    x[off + k] = s / l[k * m + k];
  }
}
