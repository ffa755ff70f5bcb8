/** Errors of the uncertainty-quantification layer. Messages are one line and name what is at fault. */
import { InputError, InterruptedError } from '../../core/errors.js';

/** An ensemble or MC-dropout request that cannot be met (a usage error: CLI exit code 2). */
export class UqError extends InputError {
  override name = 'UqError';
}

/** An ensemble's training was stopped by an abort; finished and checkpointed members are kept. */
export class EnsembleInterrupted extends InterruptedError {
  override name = 'EnsembleInterrupted';
  constructor(
    readonly dir: string,
    /** Members finished. */
    readonly finished: number,
    readonly members: number,
  ) {
    super(`ensemble interrupted with ${finished} of ${members} members finished: checkpoints are in ${dir}; run again with resume to continue`);
  }
}
