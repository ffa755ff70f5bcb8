/**
 * Learning-rate schedules as pure functions of the epoch (0-based: epoch 0 trains at the base
 * rate), the closed forms of torch's per-epoch schedulers, so a resumed run needs no scheduler
 * state.
 */
import type { ScheduleOptions } from './options.js';

/**
 * The learning rate of epoch `epoch` (0-based):
 * - step: lr · gamma^floor(epoch / stepSize) (torch StepLR);
 * - cosine: etaMin + (lr − etaMin)(1 + cos(π·epoch/tMax))/2 (torch CosineAnnealingLR's closed
 *   form, which keeps following the cosine past tMax);
 * - constant: lr.
 */
export function lrAt(schedule: ScheduleOptions, lr: number, epoch: number): number {
  if (!Number.isSafeInteger(epoch) || epoch < 0) throw new RangeError(`epoch=${epoch} is not allowed: use an integer >= 0`);
  switch (schedule.kind) {
    case 'step':
      return lr * Math.pow(schedule.gamma, Math.floor(epoch / schedule.stepSize));
    case 'cosine':
      return schedule.etaMin + ((lr - schedule.etaMin) * (1 + Math.cos((Math.PI * epoch) / schedule.tMax))) / 2;
    case 'constant':
      return lr;
  }
}
