/**
 * A caller passed arrays, shapes or options the conservation projection cannot use, or a
 * constraint it cannot satisfy (a singular GΣGᵀ with σ = 0). Messages are one line and name the value.
 */
import { InputError } from '../../../core/errors.js';
export class ProjectionInputError extends InputError {
  override name = 'ProjectionInputError';
}
