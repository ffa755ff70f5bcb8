import { SolverInputError } from '../errors.js';

/**
 * Strong-stability-preserving explicit Runge–Kutta methods in Shu–Osher form
 * [Shu & Osher 1988, J. Comput. Phys. 77; Gottlieb, Shu & Tadmor 2001, SIAM Rev. 43, eq. 2.4]:
 *
 *   U⁽⁰⁾ = uⁿ,   U⁽ⁱ⁾ = Σ_{k<i} ( α_ik·U⁽ᵏ⁾ + Δt·β_ik·L(U⁽ᵏ⁾) ),  i = 1..s,   uⁿ⁺¹ = U⁽ˢ⁾.
 *
 * With α_ik, β_ik ≥ 0 and Σ_k α_ik = 1 each stage is a convex combination of forward-Euler
 * steps of size Δt·β_ik/α_ik, so any norm / total-variation bound of forward Euler under
 * Δt ≤ Δt_FE carries over under Δt ≤ C·Δt_FE, with the SSP coefficient C = min α_ik/β_ik.
 * A scheme is these coefficients; `createShuOsherTableau` validates them (convexity,
 * non-negativity, and the classical order conditions through the Butcher form).
 */
export interface ShuOsherTableau {
  /** Registry-style name, e.g. 'ssp-rk3'. */
  readonly name: string;
  /** Number of stages s. */
  readonly nStages: number;
  /** Designed order of accuracy (verified when built). */
  readonly order: number;
  /** α[i−1][k] for stage i = 1..s, k = 0..i−1. */
  readonly alpha: readonly (readonly number[])[];
  /** β[i−1][k] for stage i = 1..s, k = 0..i−1. */
  readonly beta: readonly (readonly number[])[];
  /** SSP coefficient C = min over β_ik > 0 of α_ik/β_ik. */
  readonly sspCoefficient: number;
  /** Equivalent Butcher tableau: A (s×s, strictly lower), b, c. */
  readonly butcher: { readonly a: readonly (readonly number[])[]; readonly b: readonly number[]; readonly c: readonly number[] };
}

const TOL = 1e-13;

/**
 * Builds and validates a Shu–Osher tableau. Throws SolverInputError when the rows are
 * malformed, a coefficient is negative or non-finite, a row of α does not sum to 1, or the
 * order conditions up to `order` (1..4) fail.
 */
export function createShuOsherTableau(
  name: string,
  order: number,
  alpha: readonly (readonly number[])[],
  beta: readonly (readonly number[])[],
): ShuOsherTableau {
  const s = alpha.length;
  if (s < 1 || beta.length !== s) {
    throw new SolverInputError(`tableau ${name}: alpha has ${s} rows and beta ${beta.length}; need the same number >= 1`);
  }
  if (!Number.isInteger(order) || order < 1 || order > 4) {
    throw new SolverInputError(`tableau ${name}: order=${order} is not allowed: use 1, 2, 3 or 4`);
  }
  let ssp = Infinity;
  for (let i = 0; i < s; i++) {
    if (alpha[i].length !== i + 1 || beta[i].length !== i + 1) {
      throw new SolverInputError(`tableau ${name}: stage ${i + 1} needs ${i + 1} alpha and beta entries, got ${alpha[i].length} and ${beta[i].length}`);
    }
    let rowSum = 0;
    for (let k = 0; k <= i; k++) {
      const a = alpha[i][k];
      const b = beta[i][k];
      if (!(Number.isFinite(a) && a >= 0 && Number.isFinite(b) && b >= 0)) {
        throw new SolverInputError(`tableau ${name}: alpha[${i}][${k}]=${a}, beta[${i}][${k}]=${b}; SSP needs finite non-negative coefficients`);
      }
      if (b > 0) ssp = Math.min(ssp, a / b);
      rowSum += a;
    }
    if (Math.abs(rowSum - 1) > TOL) {
      throw new SolverInputError(`tableau ${name}: alpha row ${i} sums to ${rowSum}; each row must sum to 1`);
    }
  }
  // Butcher form: U⁽ⁱ⁾ = uⁿ + Δt·Σ_j γ_ij·L(U⁽ʲ⁾), γ_i = Σ_k α_ik·γ_k + β_ik·e_k.
  const gamma: number[][] = [new Array<number>(s).fill(0)];
  for (let i = 1; i <= s; i++) {
    const row = new Array<number>(s).fill(0);
    for (let k = 0; k < i; k++) {
      for (let j = 0; j < s; j++) row[j] += alpha[i - 1][k] * gamma[k][j];
      row[k] += beta[i - 1][k];
    }
    gamma.push(row);
  }
  const a = gamma.slice(0, s);
  const b = gamma[s];
  const c = a.map((r) => r.reduce((x, y) => x + y, 0));
  checkOrderConditions(name, order, a, b, c);
  return { name, nStages: s, order, alpha, beta, sspCoefficient: ssp, butcher: { a, b, c } };
}

/** Classical Runge–Kutta order conditions (Butcher trees up to order 4) [Hairer, Nørsett & Wanner I, Table II.2.2]. */
function checkOrderConditions(name: string, order: number, a: number[][], b: number[], c: number[]): void {
  const s = b.length;
  const dot = (x: number[], y: number[]): number => x.reduce((acc, v, i) => acc + v * y[i], 0);
  const matVec = (v: number[]): number[] => a.map((row) => dot(row, v));
  const ones = new Array<number>(s).fill(1);
  const c2 = c.map((v) => v * v);
  const ac = matVec(c);
  const conditions: { order: number; label: string; value: number; want: number }[] = [
    { order: 1, label: 'Σb', value: dot(b, ones), want: 1 },
    { order: 2, label: 'Σb·c', value: dot(b, c), want: 1 / 2 },
    { order: 3, label: 'Σb·c²', value: dot(b, c2), want: 1 / 3 },
    { order: 3, label: 'Σb·A·c', value: dot(b, ac), want: 1 / 6 },
    {
      order: 4,
      label: 'Σb·c³',
      value: dot(
        b,
        c2.map((v, i) => v * c[i]),
      ),
      want: 1 / 4,
    },
    {
      order: 4,
      label: 'Σb·c·A·c',
      value: dot(
        b.map((v, i) => v * c[i]),
        ac,
      ),
      want: 1 / 8,
    },
    { order: 4, label: 'Σb·A·c²', value: dot(b, matVec(c2)), want: 1 / 12 },
    { order: 4, label: 'Σb·A·A·c', value: dot(b, matVec(ac)), want: 1 / 24 },
  ];
  for (const cond of conditions) {
    if (cond.order <= order && Math.abs(cond.value - cond.want) > TOL) {
      throw new SolverInputError(`tableau ${name}: order condition ${cond.label}=${cond.value} should be ${cond.want} for order ${order}`);
    }
  }
}

/** SSP-RK2 (Heun / Shu–Osher 2-stage), order 2, C = 1 [Gottlieb & Shu 1998, eq. 4.1]. */
export const SSP_RK2: ShuOsherTableau = createShuOsherTableau('ssp-rk2', 2, [[1], [1 / 2, 1 / 2]], [[1], [0, 1 / 2]]);

/** SSP-RK3 of Shu & Osher, 3 stages, order 3, C = 1 [Shu & Osher 1988, eq. 2.18; Gottlieb & Shu 1998, eq. 4.2]. */
export const SSP_RK3: ShuOsherTableau = createShuOsherTableau('ssp-rk3', 3, [[1], [3 / 4, 1 / 4], [1 / 3, 0, 2 / 3]], [[1], [0, 1 / 4], [0, 0, 2 / 3]]);

/**
 * A reusable SSP-RK stepper for a semi-discrete system du/dt = L(u) on arrays of length
 * `len`. `rhs(u, out)` writes L(u) into out; it may modify u's ghost entries (e.g. refill
 * periodic halos) but not its interior. Stage buffers are allocated once; each stage combination
 * is a few fused passes over plain Float64Arrays (one pass per non-zero coefficient).
 */
export function createSspRkStepper(
  tableau: ShuOsherTableau,
  len: number,
  rhs: (u: Float64Array, out: Float64Array) => void,
): (u: Float64Array, dt: number) => void {
  const s = tableau.nStages;
  // Stage states U⁽¹⁾..U⁽ˢ⁻¹⁾ (U⁽⁰⁾ is the caller's u and U⁽ˢ⁾ is written back into it at the end).
  const stages: Float64Array[] = [];
  const derivs: Float64Array[] = [];
  for (let k = 0; k < s; k++) {
    stages.push(new Float64Array(len));
    derivs.push(new Float64Array(len));
  }
  // Per stage, the non-zero terms as flat lists (coefficient, source index, isDerivative).
  const terms = tableau.alpha.map((row, i) => {
    const list: { coef: number; k: number; deriv: boolean }[] = [];
    for (let k = 0; k <= i; k++) {
      if (row[k] !== 0) list.push({ coef: row[k], k, deriv: false });
      if (tableau.beta[i][k] !== 0) list.push({ coef: tableau.beta[i][k], k, deriv: true });
    }
    return list;
  });
  return (u: Float64Array, dt: number): void => {
    stages[0].set(u);
    for (let i = 0; i < s; i++) {
      rhs(stages[i], derivs[i]);
      const out = i + 1 < s ? stages[i + 1] : u;
      const list = terms[i];
      // Two terms per pass: Shu–Osher SSP-RK3 needs 2 + 2 + 2 passes over the arrays.
      for (let t = 0; t < list.length; t += 2) {
        const t0 = list[t];
        const x0 = t0.deriv ? derivs[t0.k] : stages[t0.k];
        const w0 = t0.deriv ? t0.coef * dt : t0.coef;
        const t1 = t + 1 < list.length ? list[t + 1] : null;
        if (t1 === null) {
          if (t === 0) for (let j = 0; j < len; j++) out[j] = w0 * x0[j];
          else for (let j = 0; j < len; j++) out[j] += w0 * x0[j];
        } else {
          const x1 = t1.deriv ? derivs[t1.k] : stages[t1.k];
          const w1 = t1.deriv ? t1.coef * dt : t1.coef;
          if (t === 0) for (let j = 0; j < len; j++) out[j] = w0 * x0[j] + w1 * x1[j];
          else for (let j = 0; j < len; j++) out[j] += w0 * x0[j] + w1 * x1[j];
        }
      }
    }
  };
}

/**
 * The generic explicit Runge–Kutta step of a tableau in its Butcher form (allocating; the reference
 * the in-place Shu–Osher stepper is tested against):
 * k_i = L(u + dt·Σ_j a_ij·k_j, t + c_i·dt), u ← u + dt·Σ_i b_i·k_i.
 */
export function explicitRkStepper(
  tableau: ShuOsherTableau,
  explicitTerms: (u: Float64Array, t: number) => Float64Array,
): (u: Float64Array, t: number, dt: number) => Float64Array {
  const { a, b, c } = tableau.butcher;
  return (u, t, dt) => {
    const k: Float64Array[] = [];
    for (let i = 0; i < b.length; i++) {
      const stage = u.map((v, m) => v + dt * k.reduce((acc, kj, j) => acc + a[i][j] * kj[m], 0));
      k.push(explicitTerms(stage, t + c[i] * dt));
    }
    return u.map((v, m) => v + dt * k.reduce((acc, ki, i) => acc + b[i] * ki[m], 0));
  };
}
