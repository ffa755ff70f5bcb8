import { SolverInputError } from '../errors.js';
import { erf } from '../../core/special.js';

/**
 * The three closed-form GPME solutions of ProbConserv [Hansen et al., "Learning physical models that
 * can respect conservation laws", ICML 2023, §4 and App. D; amazon-science/probconserv
 * deep_pdes/datasets/pme.py], each as point values, exact cell averages (for comparing
 * finite-volume cell averages without a quadrature error), the boundary value the solver is
 * driven with, and the exact mass ∫u dx over the domain.
 */
export interface GpmeExactSolution {
  /** u(x, t) */
  value(x: number, t: number): number;
  /** (1/(b − a))·∫ₐᵇ u(x, t) dx, in closed form. */
  cellAverage(a: number, b: number, t: number): number;
  /** ∫ u(x, t) dx over the domain [x0, x1]. */
  mass(x0: number, x1: number, t: number): number;
}

/**
 * Heat equation u_t = k·u_xx on the periodic [0, 2π): u = e^{−kt}·sin x (ProbConserv's "diffusion
 * equation" with θ = 0). Its mass over a period is 0.
 */
export function heatExact(k: number): GpmeExactSolution {
  if (!Number.isFinite(k) || k <= 0) throw new SolverInputError(`diffusivity k=${k} is not allowed: the heat equation needs a constant k > 0`);
  return {
    value: (x, t) => Math.exp(-k * t) * Math.sin(x),
    cellAverage: (a, b, t) => (Math.exp(-k * t) * (Math.cos(a) - Math.cos(b))) / (b - a),
    mass: (x0, x1, t) => Math.exp(-k * t) * (Math.cos(x0) - Math.cos(x1)),
  };
}

/**
 * Porous-medium equation u_t = ∂x(u^m u_x) on x ≥ 0: u = (m·max(t − x, 0))^{1/m}, a front moving at
 * unit speed into u = 0, driven by u(0, t) = (m t)^{1/m}. Its flux −u^m u_x equals u, so the mass
 * grows as ∫₀ᵗ u(0, s) ds = m^{1+1/m} t^{1+1/m}/(m + 1) while the front is inside the domain.
 */
export function pmeExact(m: number): GpmeExactSolution & { boundaryValue(t: number): number } {
  if (!Number.isFinite(m) || m <= 0) throw new SolverInputError(`exponent m=${m} is not allowed: the porous-medium diffusivity k(u) = u^m needs m > 0`);
  const p = 1 + 1 / m;
  const c = m ** (1 / m) / p;
  // Antiderivative in x of (m(t − x))₊^{1/m}.
  const prim = (x: number, t: number): number => -c * Math.max(t - x, 0) ** p;
  return {
    value: (x, t) => (m * Math.max(t - x, 0)) ** (1 / m),
    cellAverage: (a, b, t) => (prim(b, t) - prim(a, t)) / (b - a),
    mass: (x0, x1, t) => prim(x1, t) - prim(x0, t),
    boundaryValue: (t) => (m * Math.max(t, 0)) ** (1 / m),
  };
}

/**
 * Root z of the Stefan condition p*·erf(z)·z·e^{z²} = (1 − p*)/√π (z > 0, unique: the left side
 * increases from 0 to ∞). Bisection on [0, 10] to the last bit.
 */
export function stefanZ(pStar: number): number {
  if (!Number.isFinite(pStar) || pStar <= 0 || pStar >= 1) throw new SolverInputError(`p*=${pStar} is not allowed: the Stefan threshold must lie in (0, 1)`);
  const rhs = (1 - pStar) / Math.sqrt(Math.PI);
  const f = (z: number): number => pStar * erf(z) * z * Math.exp(z * z) - rhs;
  let lo = 0;
  let hi = 10;
  for (let i = 0; i < 200 && hi - lo > 0; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    if (f(mid) < 0) lo = mid;
    else hi = mid;
  }
  return 0.5 * (lo + hi);
}

/**
 * Stefan problem: k(u) = kMax for u ≥ p*, 0 below, u(0, t) = 1, u(x, 0) = 0. The solution is
 * u = 1 − c₁·erf(x/(2√(kMax t))) behind the front x*(t) = α√t and 0 ahead of it, with
 * α = 2√kMax·z, z the root of the Stefan condition (stefanZ) and c₁ = (1 − p*)/erf(z), so that
 * u(x*⁻) = p*. The condition is mass conservation across the front: the flux arriving from the left,
 * −kMax·u_x(x*⁻), fills the jump p* at the front's speed, p*·d(x*)/dt. Mass ∫u dx = 2c₁√(kMax t/π).
 */
export function stefanExact(
  pStar: number,
  kMax = 1,
): GpmeExactSolution & { alpha: number; z: number; c1: number; front(t: number): number; boundaryValue(t: number): number } {
  if (!Number.isFinite(kMax) || kMax <= 0) throw new SolverInputError(`kMax=${kMax} is not allowed: the Stefan diffusivity above p* must be > 0`);
  const z = stefanZ(pStar);
  const alpha = 2 * Math.sqrt(kMax) * z;
  const c1 = (1 - pStar) / erf(z);
  const front = (t: number): number => alpha * Math.sqrt(Math.max(t, 0));
  // Antiderivative of 1 − c₁·erf(x/s): x − c₁·(x·erf(x/s) + (s/√π)·e^{−x²/s²}).
  const prim = (x: number, s: number): number => x - c1 * (x * erf(x / s) + (s / Math.sqrt(Math.PI)) * Math.exp(-(x * x) / (s * s)));
  const integral = (a: number, b: number, t: number): number => {
    const xf = front(t);
    const hi = Math.min(b, xf);
    const lo = Math.max(a, 0);
    if (!(hi > lo) || t <= 0) return 0;
    const s = 2 * Math.sqrt(kMax * t);
    return prim(hi, s) - prim(lo, s);
  };
  return {
    alpha,
    z,
    c1,
    front,
    boundaryValue: () => 1,
    value: (x, t) => {
      if (x <= 0) return 1;
      if (t <= 0 || x > front(t)) return 0;
      return 1 - c1 * erf(x / (2 * Math.sqrt(kMax * t)));
    },
    cellAverage: (a, b, t) => integral(a, b, t) / (b - a),
    mass: (x0, x1, t) => integral(x0, x1, t),
  };
}
