import { InputError } from '../../core/errors.js';

/** A model config, kind or plug-in module that cannot be used; the message names the field and value. */
export class ModelConfigError extends InputError {
  override name = 'ModelConfigError';
}
