import { SolverInputError } from '../errors.js';
import type { ImexEquation } from './types.js';

/**
 * Low-storage IMEX Runge–Kutta / Crank–Nicolson schemes (jax-cfd
 * `low_storage_runge_kutta_crank_nicolson`, jax_cfd/spectral/time_stepping.py, after Canuto et al.,
 * Spectral Methods, 2007, App. D.3) for u_t = F(u, t) + L·u, F explicit, L stiff linear implicit:
 *
 *   for s = 0 … S−1:  h ← F(u, t + α_s·dt) + β_s·h;   μ = ½·dt·(α_{s+1} − α_s);
 *                     u ← (1 − μ·L)⁻¹·(u + γ_s·dt·h + μ·L·u).
 *
 * A scheme is its coefficients (α, β, γ), validated when built by `createImexRkCnTableau`.
 * `imexRkCnStepper` is the readable reference over any ImexEquation; the fast in-place paths of the
 * equations (ns2d/navier_stokes.ts `createNs2dStepper`, burgers/spectral.ts) fold the CN factors
 * into per-mode coefficients a = (1 + μL)/(1 − μL), b = γ·dt/(1 − μL) and are tested against it
 * (test/solvers/steppers.test.ts).
 */

/** A low-storage IMEX RK / Crank–Nicolson scheme. */
export interface ImexRkCnTableau {
  readonly name: string;
  /** α_0 = 0 … α_S = 1: the stage times; CN sub-step s spans [α_s, α_{s+1}]·dt. */
  readonly alphas: readonly number[];
  readonly betas: readonly number[];
  readonly gammas: readonly number[];
  /** Designed order of the explicit part alone (verified when built). */
  readonly explicitOrder: number;
  /** Designed order with implicit terms: min(explicitOrder, 2) (Crank–Nicolson). */
  readonly order: number;
}

const TOL = 1e-13;

/**
 * Builds and validates a low-storage IMEX RK/CN tableau: S stages (|β| = |γ| = S, |α| = S + 1),
 * α_0 = 0, α_S = 1, the explicit stage times c_s (row sums of the equivalent Butcher matrix)
 * equal to α_s (otherwise the explicit and implicit parts are evaluated at different times and
 * the coupling drops to 1st order), and the classical order conditions of the explicit part up
 * to `explicitOrder` (1 … 3).
 */
export function createImexRkCnTableau(
  name: string,
  explicitOrder: number,
  alphas: readonly number[],
  betas: readonly number[],
  gammas: readonly number[],
): ImexRkCnTableau {
  const s = gammas.length;
  if (s < 1 || betas.length !== s || alphas.length !== s + 1) {
    throw new SolverInputError(`tableau ${name}: need S >= 1 gammas, S betas and S + 1 alphas; got ${gammas.length}, ${betas.length}, ${alphas.length}`);
  }
  if (!Number.isInteger(explicitOrder) || explicitOrder < 1 || explicitOrder > 3) {
    throw new SolverInputError(`tableau ${name}: explicitOrder=${explicitOrder} is not allowed: use 1, 2 or 3`);
  }
  for (const v of [...alphas, ...betas, ...gammas]) {
    if (!Number.isFinite(v)) throw new SolverInputError(`tableau ${name}: coefficient ${v} is not finite`);
  }
  if (alphas[0] !== 0 || Math.abs(alphas[s] - 1) > TOL) {
    throw new SolverInputError(`tableau ${name}: alphas must start at 0 and end at 1, got ${alphas[0]} … ${alphas[s]}`);
  }
  // Equivalent Butcher form of the explicit part: u_{k+1} = u_0 + dt·Σ_j a_{k+1,j}·F_j with
  // a_{k+1,j} = Σ_{i=j..k} γ_i·Π_{l=j+1..i} β_l.
  const a: number[][] = [new Array<number>(s).fill(0)];
  for (let k = 0; k < s; k++) {
    const row = new Array<number>(s).fill(0);
    for (let j = 0; j <= k; j++) {
      let prod = 1;
      for (let i = j; i <= k; i++) {
        if (i > j) prod *= betas[i];
        row[j] += gammas[i] * prod;
      }
    }
    a.push(row);
  }
  const b = a[s];
  const A = a.slice(0, s);
  const c = A.map((r) => r.reduce((x, y) => x + y, 0));
  for (let k = 0; k < s; k++) {
    if (Math.abs(c[k] - alphas[k]) > TOL) {
      throw new SolverInputError(`tableau ${name}: explicit stage time c_${k}=${c[k]} differs from alpha_${k}=${alphas[k]}`);
    }
  }
  const dot = (x: number[], y: number[]) => x.reduce((acc, v, i) => acc + v * y[i], 0);
  const ac = A.map((r) => dot(r, c));
  const conditions = [
    { order: 1, label: 'Σb', value: b.reduce((x, y) => x + y, 0), want: 1 },
    { order: 2, label: 'Σb·c', value: dot(b, c), want: 1 / 2 },
    {
      order: 3,
      label: 'Σb·c²',
      value: dot(
        b,
        c.map((v) => v * v),
      ),
      want: 1 / 3,
    },
    { order: 3, label: 'Σb·A·c', value: dot(b, ac), want: 1 / 6 },
  ];
  for (const cond of conditions) {
    if (cond.order <= explicitOrder && Math.abs(cond.value - cond.want) > TOL) {
      throw new SolverInputError(`tableau ${name}: order condition ${cond.label}=${cond.value} should be ${cond.want} for order ${explicitOrder}`);
    }
  }
  return { name, alphas, betas, gammas, explicitOrder, order: Math.min(explicitOrder, 2) };
}

/** Forward-Euler explicit terms with Crank–Nicolson implicit terms (the FNO data generator's scheme); order 1. */
export const CN_EULER: ImexRkCnTableau = createImexRkCnTableau('cn-euler', 1, [0, 1], [0], [1]);

/**
 * jax-cfd `crank_nicolson_rk3`: Williamson's low-storage RK3 with α = (0, 1/3, 3/4, 1),
 * β = (0, −5/9, −153/128), γ = (1/3, 15/16, 8/15); order 3 for the explicit part alone, order 2
 * overall (the Crank–Nicolson sub-steps are 2nd order).
 */
export const CN_RK3: ImexRkCnTableau = createImexRkCnTableau('cn-rk3', 3, [0, 1 / 3, 3 / 4, 1], [0, -5 / 9, -153 / 128], [1 / 3, 15 / 16, 8 / 15]);

/** The IMEX RK–CN tableaus by name. */
export const IMEX_RK_CN_TABLEAUS: Readonly<Record<string, ImexRkCnTableau>> = { 'cn-euler': CN_EULER, 'cn-rk3': CN_RK3 };

/**
 * The generic low-storage IMEX RK–CN stepper of `tableau` over any ImexEquation on Float64Array
 * states (allocating; the reference every fast path is tested against): returns
 * (u, t, dt) ↦ u after one step of size dt from time t.
 */
export function imexRkCnStepper(eq: ImexEquation<Float64Array>, tableau: ImexRkCnTableau): (u: Float64Array, t: number, dt: number) => Float64Array {
  const { alphas, betas, gammas } = tableau;
  return (u0, t, dt) => {
    let u = u0;
    let h: Float64Array | null = null;
    for (let s = 0; s < gammas.length; s++) {
      const f = eq.explicitTerms(u, t + alphas[s] * dt);
      // β_0 = 0: the first stage starts h afresh.
      const hs: Float64Array = h === null ? f : f.map((v, i) => v + betas[s] * (h as Float64Array)[i]);
      h = hs;
      const mu = 0.5 * dt * (alphas[s + 1] - alphas[s]);
      const lu = eq.implicitTerms(u);
      const rhs = u.map((v, i) => v + gammas[s] * dt * hs[i] + mu * lu[i]);
      u = eq.implicitSolve(rhs, mu);
    }
    return u;
  };
}
