/**
 * Physics constraints on surrogate predictions: ProbConserv's conservation update
 * [Hansen et al., ICML 2023], μ' = μ − ΣGᵀ(GΣGᵀ + σ²I)⁻¹(Gμ − b) and
 * Σ' = Σ − ΣGᵀ(GΣGᵀ + σ²I)⁻¹GΣ, with G the quadrature rows of the conserved integral, one per
 * frame; exact (σ = 0), noisy (σ > 0) and HardC (Σ = I) modes; diagonal, low-rank-plus-diagonal
 * and dense covariances (projection.ts explains the method and the cost of each form).
 * Pure float64; no ML dependency.
 */
export { ProjectionInputError } from './errors.js';
export {
  finiteVolumeMass,
  periodicMean2d,
  trapezoidMass,
  resolveConstraint,
  type ConservationConstraint,
  type ConstraintOptions,
  type SpaceTimeGrid,
} from './constraint.js';
export {
  DENSE_MAX_POINTS,
  checkCovariance,
  marginalVariances,
  type Covariance,
  type DiagCovariance,
  type LowRankCovariance,
  type DenseCovariance,
} from './covariance.js';
export {
  projectConservation,
  projectConservationBatch,
  resolveProjectionOptions,
  PROJECTION_MODES,
  type ProjectionMode,
  type ProjectionOptions,
  type ResolvedProjectionOptions,
  type ProjectionResult,
  type BatchProjectionResult,
} from './projection.js';
