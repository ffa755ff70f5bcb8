import { SolverInputError } from '../errors.js';

/**
 * Diffusivities k(u) of the generalized porous-medium equation u_t = ∂x(k(u) ∂x u), each with its
 * Kirchhoff potential K(u) = ∫₀ᵘ k(s) ds, so that the flux is −k(u) u_x = −∂x K(u) [Maddix et al.,
 * J. Comput. Phys. 361 (2018); ProbConserv, Hansen et al. ICML 2023, §4]:
 *
 * - `constant`: k(u) = k (heat equation), K(u) = k·u.
 * - `power`:    k(u) = |u|^m (porous-medium equation), K(u) = sign(u)|u|^{m+1}/(m+1). For u ≥ 0 this
 *   is u^m; the odd extension keeps K monotone, so a Newton iterate that undershoots below 0 still
 *   sees a well-posed (monotone) problem.
 * - `stefan`:   k(u) = kMax for u ≥ p*, kMin below (a discontinuous k; ProbConserv: kMax = 1, kMin = 0),
 *   K(u) = kMin·min(u, p*) + kMax·max(u − p*, 0): continuous, piecewise linear.
 */
export type Diffusivity = { kind: 'constant'; k: number } | { kind: 'power'; m: number } | { kind: 'stefan'; pStar: number; kMax: number; kMin: number };

export const DIFFUSIVITY_KINDS = ['constant', 'power', 'stefan'] as const;

/** k, k' and K of a diffusivity as plain functions (the inner loops call them per cell). */
export interface CompiledDiffusivity {
  readonly spec: Diffusivity;
  /** k(u) ≥ 0 */
  k(u: number): number;
  /** dk/du (0 where k is piecewise constant; used by the arithmetic face mean). */
  dk(u: number): number;
  /** K(u) = ∫₀ᵘ k(s) ds, nondecreasing. */
  K(u: number): number;
}

/** Checks a diffusivity and throws a one-line SolverInputError naming the bad field. */
export function checkDiffusivity(d: Diffusivity): Diffusivity {
  if (d === null || typeof d !== 'object')
    throw new SolverInputError(`diffusivity ${String(d)} is not allowed: use { kind: ${DIFFUSIVITY_KINDS.join(' | ')} }`);
  switch (d.kind) {
    case 'constant':
      if (!Number.isFinite(d.k) || d.k <= 0) throw new SolverInputError(`diffusivity k=${d.k} is not allowed: the heat equation needs a constant k > 0`);
      return d;
    case 'power':
      if (!Number.isFinite(d.m) || d.m <= 0)
        throw new SolverInputError(`exponent m=${d.m} is not allowed: the porous-medium diffusivity k(u) = u^m needs m > 0`);
      return d;
    case 'stefan':
      if (!Number.isFinite(d.pStar) || d.pStar <= 0 || d.pStar >= 1) {
        throw new SolverInputError(`p*=${d.pStar} is not allowed: the Stefan threshold must lie in (0, 1)`);
      }
      if (!Number.isFinite(d.kMax) || d.kMax <= 0) throw new SolverInputError(`kMax=${d.kMax} is not allowed: the Stefan diffusivity above p* must be > 0`);
      if (!Number.isFinite(d.kMin) || d.kMin < 0) throw new SolverInputError(`kMin=${d.kMin} is not allowed: the Stefan diffusivity below p* must be >= 0`);
      return d;
    default:
      throw new SolverInputError(`diffusivity kind '${(d as { kind: unknown }).kind}' is not allowed: use one of ${DIFFUSIVITY_KINDS.join(', ')}`);
  }
}

export function compileDiffusivity(spec: Diffusivity): CompiledDiffusivity {
  const d = checkDiffusivity(spec);
  switch (d.kind) {
    case 'constant': {
      const k = d.k;
      return { spec: d, k: () => k, dk: () => 0, K: (u) => k * u };
    }
    case 'power': {
      const m = d.m;
      return {
        spec: d,
        k: (u) => Math.abs(u) ** m,
        dk: (u) => (u === 0 ? 0 : m * Math.sign(u) * Math.abs(u) ** (m - 1)),
        K: (u) => (Math.sign(u) * Math.abs(u) ** (m + 1)) / (m + 1),
      };
    }
    case 'stefan': {
      const { pStar, kMax, kMin } = d;
      return {
        spec: d,
        k: (u) => (u >= pStar ? kMax : kMin),
        dk: () => 0,
        K: (u) => (u >= pStar ? kMin * pStar + kMax * (u - pStar) : kMin * u),
      };
    }
  }
}
