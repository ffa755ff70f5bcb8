/** Errors of the trainer. Messages are one line and name the field, file or value at fault. */
import { InterruptedError } from '../../core/errors.js';

export { CheckpointError, TrainOptionsError } from '../inference/errors.js';

/**
 * The run diverged: the loss became NaN or infinite, grew past 1e6 × its first epoch's value, or
 * the optimizer's state stopped being finite; the checkpoint on disk is the last good one.
 */
export class TrainingDiverged extends Error {
  override readonly name = 'TrainingDiverged';
  constructor(
    readonly epoch: number,
    readonly batch: number | null,
    readonly value: number,
    readonly lastCheckpoint: string | null,
    /** What diverged, when not a non-finite loss (e.g. "the training loss grew past 1e6 × its first epoch's 0.52"). */
    readonly reason?: string,
  ) {
    super(
      `${reason ?? `loss became ${value}`} at epoch ${epoch}, ${batch === null ? (reason ? 'end of epoch' : 'validation') : `batch ${batch}`}; last good checkpoint: ${lastCheckpoint ?? 'none (no checkpoint written yet)'}`,
    );
  }
}

/** Training was stopped by an abort (SIGINT/SIGTERM in the CLI) after saving a checkpoint. */
export class TrainingInterrupted extends InterruptedError {
  override name = 'TrainingInterrupted';
  constructor(
    /** 1-based epoch that was running. */
    readonly epoch: number,
    /** Batches of that epoch finished. */
    readonly batchesDone: number,
    readonly batches: number,
    readonly checkpoint: string | null,
  ) {
    const where = `interrupted in epoch ${epoch} after ${batchesDone} of ${batches} batches`;
    super(
      checkpoint === null
        ? `${where}: no checkpoint written (no out directory)`
        : `${where}: checkpoint saved to ${checkpoint}; run again with resume to continue`,
    );
  }
}
