/** Thrown for engine misuse: an unknown or missing backend, shapes a primitive does not accept. */
import { InputError } from '../../core/errors.js';
export class EngineError extends InputError {
  override name = 'EngineError';
}
