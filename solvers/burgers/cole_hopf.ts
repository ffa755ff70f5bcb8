import { SolverInputError } from '../errors.js';

/**
 * Closed-form viscous Burgers solutions by the Cole–Hopf transform.
 *
 * For u_t + u·u_x = ν·u_xx, u = −2ν·φ_x/φ maps the equation to the heat equation φ_t = ν·φ_xx
 * [Cole 1951; Hopf 1950]. With φ(x,t) = a + Σ_j b_j·exp(−ν·k_j²·t)·cos(k_j·x + θ_j) and
 * a > Σ|b_j| (so φ > 0) this gives an exact, smooth, periodic Burgers solution; steepness grows
 * as ν shrinks and as Σ|b_j| approaches a. Wavenumbers k_j must be multiples of 2π/L for a
 * periodic domain of length L.
 */
export interface ColeHopfProblem {
  /** Viscosity ν > 0 in u_t + u·u_x = ν·u_xx. */
  nu: number;
  /** Constant term a of φ. */
  a: number;
  /** Modes of φ: amplitude b, angular wavenumber k, phase θ. */
  modes: readonly { b: number; k: number; theta: number }[];
}

export function checkColeHopf(p: ColeHopfProblem): void {
  if (!(p.nu > 0)) throw new SolverInputError(`viscosity nu=${p.nu} is not allowed: Cole–Hopf needs nu > 0`);
  const sumB = p.modes.reduce((s, m) => s + Math.abs(m.b), 0);
  if (!(p.a > sumB)) throw new SolverInputError(`a=${p.a} must exceed sum|b|=${sumB} so that phi stays positive`);
}

/** Exact u(x, t) of a Cole–Hopf problem. */
export function coleHopfSolution(p: ColeHopfProblem, x: number, t: number): number {
  let phi = p.a;
  let phiX = 0;
  for (const m of p.modes) {
    const decay = m.b * Math.exp(-p.nu * m.k * m.k * t);
    const arg = m.k * x + m.theta;
    phi += decay * Math.cos(arg);
    phiX -= decay * m.k * Math.sin(arg);
  }
  return (-2 * p.nu * phiX) / phi;
}

/** Exact solution sampled at points x and time t. */
export function coleHopfField(p: ColeHopfProblem, x: ArrayLike<number>, t: number): Float64Array {
  checkColeHopf(p);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = coleHopfSolution(p, x[i], t);
  return out;
}

/**
 * Exact cell averages (1/dx)∫ u dx over [x_i − dx/2, x_i + dx/2], from the antiderivative
 * ∫u dx = −2ν·ln φ. Finite-volume schemes are compared against these, not point values.
 */
export function coleHopfCellAverages(p: ColeHopfProblem, centres: ArrayLike<number>, dx: number, t: number): Float64Array {
  checkColeHopf(p);
  const lnPhi = (x: number): number => {
    let phi = p.a;
    for (const m of p.modes) phi += m.b * Math.exp(-p.nu * m.k * m.k * t) * Math.cos(m.k * x + m.theta);
    return Math.log(phi);
  };
  const out = new Float64Array(centres.length);
  for (let i = 0; i < centres.length; i++) {
    out[i] = (-2 * p.nu * (lnPhi(centres[i] + dx / 2) - lnPhi(centres[i] - dx / 2))) / dx;
  }
  return out;
}
