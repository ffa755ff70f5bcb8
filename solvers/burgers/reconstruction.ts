/**
 * Face reconstructions from cell averages on a periodic grid padded with `GHOST` halo cells on
 * each side: cell i (0..n−1) lives at index i + GHOST, and the halos hold periodic copies.
 *
 * Face f (0..n) is the left face x_{f−1/2} of cell f. Every kernel writes, per cell i, the value at
 * its right face into `left[i + 1]` (the state left of face i+1) and the value at its left face into
 * `right[i]` (the state right of face i), then closes the periodic ends: left[0] = left[n],
 * right[n] = right[0]. Faces 0 and n then carry identical states, so their fluxes agree bit for bit
 * and the flux differences telescope (mass conservation to round-off).
 */

/** Halo width on each side: WENO5 reads cells i−2..i+2. */
export const GHOST = 2;

/** Minimum grid size per reconstruction: distinct cells in the stencil. */
export const MIN_CELLS = { 'muscl-minmod': 3, 'muscl-vanleer': 3, weno5: 5 } as const;

/** Fills the GHOST periodic halo cells of a padded array holding n interior cells. */
export function fillPeriodicHalo(u: Float64Array, n: number): void {
  for (let g = 0; g < GHOST; g++) {
    u[g] = u[n + g];
    u[n + GHOST + g] = u[GHOST + g];
  }
}

/**
 * MUSCL with the minmod limiter [van Leer 1979; Roe 1986]: slope σ_i = minmod(u_i − u_{i−1}, u_{i+1} − u_i),
 * face values u_i ± σ_i/2. Second order where the solution is smooth and not at an extremum;
 * TVD with a monotone flux under CFL ≤ 1/2 in forward Euler (hence SSP-RK3) [Harten 1983].
 */
export function reconstructMusclMinmod(u: Float64Array, n: number, left: Float64Array, right: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const p = i + GHOST;
    const v0 = u[p];
    const a = v0 - u[p - 1];
    const b = u[p + 1] - v0;
    let s = 0;
    if (a * b > 0) s = (a > 0 ? a < b : a > b) ? a : b;
    left[i + 1] = v0 + 0.5 * s;
    right[i] = v0 - 0.5 * s;
  }
  left[0] = left[n];
  right[n] = right[0];
}

/**
 * MUSCL with van Leer's harmonic limiter [van Leer 1974]: σ_i = 2ab/(a + b) when ab > 0, else 0,
 * with a = u_i − u_{i−1}, b = u_{i+1} − u_i (i.e. φ(r) = (r + |r|)/(1 + |r|)). Since |σ| ≤ 2·min(|a|, |b|)
 * face values stay between neighbouring averages: TVD under CFL ≤ 1/2, second order away from extrema.
 */
export function reconstructMusclVanLeer(u: Float64Array, n: number, left: Float64Array, right: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const p = i + GHOST;
    const v0 = u[p];
    const a = v0 - u[p - 1];
    const b = u[p + 1] - v0;
    const ab = a * b;
    const s = ab > 0 ? (2 * ab) / (a + b) : 0;
    left[i + 1] = v0 + 0.5 * s;
    right[i] = v0 - 0.5 * s;
  }
  left[0] = left[n];
  right[n] = right[0];
}

/**
 * Regularisation ε of the WENO5 smoothness weights, Jiang & Shu's value. It is absolute, so it
 * assumes |u| = O(1) (Burgers data here are O(1) velocities).
 */
export const WENO_EPSILON = 1e-6;

/**
 * WENO5-JS [Jiang & Shu 1996, J. Comput. Phys. 126, §2; Shu 1998, ICASE report 97-65]:
 * three 3-cell candidate stencils, linear weights (1/10, 6/10, 3/10) toward the upwind side, smoothness
 * indicators β_k, non-linear weights α_k = d_k/(ε + β_k)² normalised. Fifth order on smooth data
 * (the weights depart from the linear ones by O(Δx²) away from critical points), essentially
 * non-oscillatory at discontinuities. β_k are shared by the two faces of a cell.
 */
export function reconstructWeno5(u: Float64Array, n: number, left: Float64Array, right: Float64Array): void {
  const eps = WENO_EPSILON;
  const c1312 = 13 / 12;
  const sixth = 1 / 6;
  for (let i = 0; i < n; i++) {
    const p = i + GHOST;
    const um2 = u[p - 2];
    const um1 = u[p - 1];
    const u0 = u[p];
    const up1 = u[p + 1];
    const up2 = u[p + 2];

    const d0 = um2 - 2 * um1 + u0;
    const e0 = um2 - 4 * um1 + 3 * u0;
    const d1 = um1 - 2 * u0 + up1;
    const e1 = um1 - up1;
    const d2 = u0 - 2 * up1 + up2;
    const e2 = 3 * u0 - 4 * up1 + up2;
    const b0 = c1312 * d0 * d0 + 0.25 * e0 * e0;
    const b1 = c1312 * d1 * d1 + 0.25 * e1 * e1;
    const b2 = c1312 * d2 * d2 + 0.25 * e2 * e2;
    const g0 = 1 / ((eps + b0) * (eps + b0));
    const g1 = 1 / ((eps + b1) * (eps + b1));
    const g2 = 1 / ((eps + b2) * (eps + b2));

    // Right face x_{i+1/2}: linear weights (1, 6, 3)/10 on stencils (i−2..i, i−1..i+1, i..i+2).
    const aR0 = 0.1 * g0;
    const aR1 = 0.6 * g1;
    const aR2 = 0.3 * g2;
    const qR0 = 2 * um2 - 7 * um1 + 11 * u0;
    const qR1 = -um1 + 5 * u0 + 2 * up1;
    const qR2 = 2 * u0 + 5 * up1 - up2;
    left[i + 1] = (sixth * (aR0 * qR0 + aR1 * qR1 + aR2 * qR2)) / (aR0 + aR1 + aR2);

    // Left face x_{i−1/2}: the mirror image, linear weights (3, 6, 1)/10.
    const aL0 = 0.3 * g0;
    const aL1 = 0.6 * g1;
    const aL2 = 0.1 * g2;
    const qL0 = -um2 + 5 * um1 + 2 * u0;
    const qL1 = 2 * um1 + 5 * u0 - up1;
    const qL2 = 11 * u0 - 7 * up1 + 2 * up2;
    right[i] = (sixth * (aL0 * qL0 + aL1 * qL1 + aL2 * qL2)) / (aL0 + aL1 + aL2);
  }
  left[0] = left[n];
  right[n] = right[0];
}
