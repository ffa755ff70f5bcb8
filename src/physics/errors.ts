/**
 * A caller passed arrays, shapes or options the conservation projection cannot use, or a
 * constraint it cannot satisfy (a singular GΣGᵀ with σ = 0). Messages are one line and name the value.
 */
export class ProjectionInputError extends Error {
  override readonly name = 'ProjectionInputError';
}
