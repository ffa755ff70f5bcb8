/**
 * Errors of the data layer. Messages are one line and name the file or value at fault and
 * what is allowed.
 */
import { InputError } from '../../core/errors.js';

/** A file's content is not a dataset we can read: missing, not HDF5, truncated, wrong layout. */
export class DataFormatError extends Error {
  override readonly name: string = 'DataFormatError';
}

/** A caller passed a bad argument or asked for something the file's state does not allow. */
export class DataInputError extends InputError {
  override name = 'DataInputError';
}

export { OutputWriteError } from '../../core/errors.js';
