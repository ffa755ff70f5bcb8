/**
 * MC dropout (Gal & Ghahramani 2016, "Dropout as a Bayesian approximation"): K forward passes of a
 * model trained with dropout, dropout left on, aggregated like ensemble members (aggregate.ts).
 * Seeded: pass k's masks come from (seed, k, batch, model call), so the same seed gives the same
 * samples.
 */
import { loadCheckpoint, type LoadedCheckpoint } from '../training/checkpoint.js';
import { predictPasses, type PredictOptions } from '../inference/rollout.js';
import { toUqPrediction, type UqPrediction } from './ensemble.js';
import { UqError } from './errors.js';

export interface McDropoutOptions extends PredictOptions {
  /** Forward passes K (>= 2, or >= 1 with a noise head). */
  samples: number;
  /** Seed of the dropout masks. @default 0 */
  seed?: number;
}

/**
 * K MC-dropout passes of a checkpoint (loaded, or a path) on samples `indices` of a dataset,
 * aggregated: predictive mean, variance (across passes + mean aleatoric), low-rank factor.
 * Throws a one-line `UqError` for a model without dropout or too few samples.
 */
export async function predictMcDropout(
  checkpoint: LoadedCheckpoint | string,
  datasetPath: string,
  indices: readonly number[],
  opts: McDropoutOptions,
): Promise<UqPrediction> {
  const K = opts.samples;
  const seed = opts.seed ?? 0;
  if (typeof K !== 'number' || !Number.isSafeInteger(K) || K < 1)
    throw new UqError(`samples=${String(K)} is not allowed: use an integer >= 2 (MC-dropout passes)`);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new UqError(`seed=${String(seed)} is not allowed: use an integer >= 0`);
  const ckpt = typeof checkpoint === 'string' ? await loadCheckpoint(checkpoint, { backend: opts.backend }) : checkpoint;
  try {
    const rate = (ckpt.meta.config as { dropout?: unknown }).dropout;
    if (typeof rate !== 'number' || rate <= 0) {
      throw new UqError(
        `${ckpt.path} holds a '${ckpt.meta.kind}' model without dropout: MC dropout needs a model trained with dropout > 0 (fno: --dropout 0.1)`,
      );
    }
    const noVariance = 'MC dropout with 1 sample has no variance: use samples ≥ 2 or a noise head (--loss gaussian-nll)';
    const noiseHead = ckpt.meta.trainOptions.loss === 'gaussian-nll';
    if (K === 1 && !noiseHead) throw new UqError(noVariance);
    const { prediction, passes } = await predictPasses(ckpt, datasetPath, indices, { ...opts, dropout: { samples: K, seed } });
    return toUqPrediction(prediction, passes, 'mc-dropout', noVariance);
  } finally {
    if (typeof checkpoint === 'string') ckpt.dispose();
  }
}
