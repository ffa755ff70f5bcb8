/**
 * What both evaluations (deterministic, evaluate_run.ts; probabilistic, evaluate_uq.ts) take from a
 * run before predicting: the data file (given, or the run's own) and the samples of a split, as
 * the run's training defined them.
 */
import { locateRunData } from '../data/fingerprint.js';
import type { CheckpointMeta } from '../training/checkpoint.js';
import { TrainOptionsError } from '../training/errors.js';

export type SplitName = 'train' | 'val' | 'test';

/** The data file to evaluate on: `data` when given, else the one the run in `runDir` trained on. */
export function runData(meta: CheckpointMeta, runDir: string, data: string | undefined): string {
  return data ?? locateRunData(runDir, meta.dataRef, meta.trainOptions.data);
}

/** The split to evaluate (default 'test'), checked to be one of the three. */
export function splitName(split: string | undefined): SplitName {
  const name = split ?? 'test';
  if (!['train', 'val', 'test'].includes(name)) throw new TrainOptionsError(`split=${name} is not allowed: use train, val or test`);
  return name as SplitName;
}

/**
 * Indices of a split of the dataset, as the run's training defined them; with `nSamples`, each is
 * checked to be in a dataset of that many samples.
 */
export function splitSamples(meta: CheckpointMeta, split: SplitName, nSamples?: number): number[] {
  const idx = meta.splits[split];
  if (!idx || idx.length === 0) throw new TrainOptionsError(`the run has no ${split} samples`);
  const bad = nSamples === undefined ? undefined : idx.find((i) => i >= nSamples);
  if (bad !== undefined)
    throw new TrainOptionsError(`${split} sample ${bad} is not in a dataset of ${nSamples} samples: evaluate on data from the same recipe`);
  return idx;
}
