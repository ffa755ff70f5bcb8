/**
 * Errors of inference that training shares: a bad option or a mapping that does not fit the data,
 * and a checkpoint that cannot be read or used. Messages are one line and name the field, file or
 * value at fault. Re-exported by src/training/errors.ts, where they were first declared.
 */
import { InputError } from '../../core/errors.js';

/** A training option is missing, unknown or out of range (a usage error: CLI exit code 2). */
export class TrainOptionsError extends InputError {
  override name = 'TrainOptionsError';
}

/** A checkpoint cannot be written, read or used: missing, corrupt, newer format, wrong kind. */
export class CheckpointError extends Error {
  override readonly name = 'CheckpointError';
}
