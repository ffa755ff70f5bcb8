/**
 * Numerical fluxes for the Burgers flux f(u) = u²/2 at cell faces.
 *
 * Each kernel fills `flux[f]` for faces f = 0..nFaces−1 from the reconstructed states on the
 * left (`left[f]`) and right (`right[f]`) of the face, in one tight loop over Float64Arrays.
 */

/** Burgers flux f(u) = u²/2. */
export function burgersFlux(u: number): number {
  return 0.5 * u * u;
}

/**
 * Rusanov (local Lax–Friedrichs) flux [Rusanov 1961; LeVeque 2002, ch. 12 (local Lax–Friedrichs)]:
 * F = ½(f(u_L) + f(u_R)) − ½·max(|u_L|, |u_R|)·(u_R − u_L). Monotone, first-order dissipative.
 */
export function rusanovFluxPoint(uL: number, uR: number): number {
  const a = Math.max(Math.abs(uL), Math.abs(uR));
  return 0.25 * (uL * uL + uR * uR) - 0.5 * a * (uR - uL);
}

/**
 * Godunov flux: f evaluated at the exact self-similar Riemann solution at x/t = 0 [Godunov 1959; LeVeque 2002, ch. 12].
 * For the convex Burgers flux with its minimum at u = 0 this is
 *   shock (u_L > u_R), speed s = (u_L + u_R)/2:   f(u_L) if s > 0, else f(u_R);
 *   rarefaction (u_L ≤ u_R):                       f(u_L) if u_L > 0, f(u_R) if u_R < 0,
 *                                                  and f(0) = 0 for a transonic fan (u_L < 0 < u_R),
 * (Osher's min/max form of the same flux [Osher 1984]). Because f is convex with its minimum at 0,
 * all cases reduce to the closed form F = max(f(max(u_L, 0)), f(min(u_R, 0))), used here branch-free.
 */
export function godunovFluxPoint(uL: number, uR: number): number {
  const l = uL > 0 ? uL : 0;
  const r = uR < 0 ? uR : 0;
  return 0.5 * Math.max(l * l, r * r);
}

/** Rusanov fluxes at nFaces faces. */
export function rusanovFluxes(left: Float64Array, right: Float64Array, flux: Float64Array, nFaces: number): void {
  for (let f = 0; f < nFaces; f++) {
    const uL = left[f];
    const uR = right[f];
    const aL = uL < 0 ? -uL : uL;
    const aR = uR < 0 ? -uR : uR;
    const a = aL > aR ? aL : aR;
    flux[f] = 0.25 * (uL * uL + uR * uR) - 0.5 * a * (uR - uL);
  }
}

/** Exact-Riemann (Godunov) fluxes at nFaces faces; see godunovFluxPoint. */
export function godunovFluxes(left: Float64Array, right: Float64Array, flux: Float64Array, nFaces: number): void {
  for (let f = 0; f < nFaces; f++) {
    const uL = left[f];
    const uR = right[f];
    const l = uL > 0 ? uL : 0;
    const r = uR < 0 ? uR : 0;
    const l2 = l * l;
    const r2 = r * r;
    flux[f] = 0.5 * (l2 > r2 ? l2 : r2);
  }
}
