/** Errors of the uncertainty-quantification layer. Messages are one line and name what is at fault. */

/** An ensemble or MC-dropout request that cannot be met (a usage error: CLI exit code 2). */
export class UqError extends Error {
  override readonly name = 'UqError';
}

/** An ensemble's training was stopped by an abort; finished and checkpointed members are kept. */
export class EnsembleInterrupted extends Error {
  override readonly name = 'EnsembleInterrupted';
  /** The CLI's exit code for an interruption with work kept. */
  readonly exitCode = 130;
  constructor(
    readonly dir: string,
    /** Members finished. */
    readonly finished: number,
    readonly members: number,
  ) {
    super(`ensemble interrupted with ${finished} of ${members} members finished: checkpoints are in ${dir}; run again with resume to continue`);
  }
}
