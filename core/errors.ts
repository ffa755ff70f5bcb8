/**
 * The two bases every error of the toolkit that is not a plain failure derives from, so a caller
 * (the CLI, a script) tells them apart without a list of classes:
 * - `InputError`: the caller asked for something that cannot be done as asked — a bad option, a
 *   file in the wrong state, an output another run holds. Nothing was changed. CLI exit code 2.
 * - `InterruptedError`: the work was stopped on request (SIGINT/SIGTERM, an AbortSignal); what was
 *   finished is kept and a resume continues it. CLI exit code 130.
 * Anything else is a failure of the work itself (a full disk, a corrupt file, a diverging run):
 * exit code 1. Messages are one line and name the value, field or file at fault.
 *
 * This is the leaf of the layering: it imports nothing of the project, and every layer may import it.
 */

/** A request that cannot be met as given; nothing was changed (CLI exit code 2). */
export class InputError extends Error {
  override name = 'InputError';
  /** The CLI's exit code. */
  get exitCode(): number {
    return 2;
  }
}

/** Work stopped on request, finished work kept (CLI exit code 130). */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  /** The CLI's exit code. */
  get exitCode(): number {
    return 130;
  }
}

/** The CLI exit code for an error: 2 for input errors, 130 for interruptions, 1 otherwise. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof InputError || err instanceof InterruptedError) return err.exitCode;
  // Node's argument parser reports unknown or malformed flags with these codes.
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS') ? 2 : 1;
}

/**
 * A parameter or input a numerical routine cannot use (a grid size, an FFT length, a solver
 * option). Raised by core's grids and FFTs and by the reference solvers (solvers/errors.ts
 * re-exports it).
 */
export class SolverInputError extends InputError {
  override name = 'SolverInputError';
}

/** Writing an output failed (a full disk, an I/O error, no permission): nothing was replaced. */
export class OutputWriteError extends Error {
  override readonly name = 'OutputWriteError';
  constructor(
    message: string,
    /** The errno code behind it (ENOSPC, EIO, ...), when known. */
    readonly code?: string,
  ) {
    super(message);
  }
}
