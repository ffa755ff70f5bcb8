/** A caller passed arrays, shapes or options the metrics cannot use. Messages are one line and name the value. */
import { InputError } from '../../core/errors.js';
export class MetricsInputError extends InputError {
  override name = 'MetricsInputError';
}
