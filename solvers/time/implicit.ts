import type { ImexEquation } from './types.js';

/**
 * Generic fully implicit steppers over an ImexEquation whose implicitTerms hold the whole right-hand
 * side u_t = L(u) (explicitTerms are not used): the readable references of the GPME solver's fast
 * schemes (solvers/gpme/solve.ts), tested against them in test/solvers/steppers.test.ts.
 *
 * - 'backward-euler': u_new = (I − h·L)⁻¹·u, order 1;
 * - 'crank-nicolson': u_new = (I − ½h·L)⁻¹·(u + ½h·L·u), order 2;
 * - 'bdf2': variable-step BDF2 [Hairer & Wanner II, §III.5] with ω = h/h_prev,
 *   u_new = (I − c·L)⁻¹·(a0·u + a1·u_prev), a0 = (1+ω)²/(1+2ω), a1 = −ω²/(1+2ω),
 *   c = h·(1+ω)/(1+2ω); its first step is backward Euler. Order 2.
 * Each factory call returns a stepper with its own history: (u, t, h) ↦ u after one step.
 */
export type ImplicitScheme = 'backward-euler' | 'crank-nicolson' | 'bdf2';

export function implicitStepper(eq: ImexEquation<Float64Array>, scheme: ImplicitScheme): (u: Float64Array, t: number, h: number) => Float64Array {
  if (scheme === 'backward-euler') return (u, _t, h) => eq.implicitSolve(u, h);
  if (scheme === 'crank-nicolson') {
    return (u, _t, h) => {
      const lu = eq.implicitTerms(u);
      return eq.implicitSolve(
        u.map((v, i) => v + 0.5 * h * lu[i]),
        0.5 * h,
      );
    };
  }
  let uPrev: Float64Array | null = null;
  let hPrev = 0;
  return (u, _t, h) => {
    let next: Float64Array;
    if (uPrev === null) next = eq.implicitSolve(u, h);
    else {
      const w = h / hPrev;
      const a0 = ((1 + w) * (1 + w)) / (1 + 2 * w);
      const a1 = -(w * w) / (1 + 2 * w);
      const up = uPrev;
      next = eq.implicitSolve(
        u.map((v, i) => a0 * v + a1 * up[i]),
        (h * (1 + w)) / (1 + 2 * w),
      );
    }
    uPrev = u;
    hPrev = h;
    return next;
  };
}
