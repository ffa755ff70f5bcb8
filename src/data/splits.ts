/**
 * Train / validation / test splits by sample index, PDEBench-style: contiguous blocks, the test
 * set taken from the end (PDEBench's loaders hold out the last `test_ratio` of samples), the
 * validation set just before it, training from the start. An optional seeded shuffle permutes
 * the indices first.
 */
import { Rng } from '../../core/random.js';
import { checkBoolean, checkInteger, checkSeed } from '../../core/checks.js';
import { DataInputError } from './errors.js';

/**
 * Sizes of the splits. Each value is either a whole count (1, 2, ...) or a fraction in [0, 1)
 * of `n` (rounded down; a positive fraction must give at least one sample). `train` omitted
 * means "everything not in val or test"; `val`/`test` omitted mean 0.
 */
export interface SplitSpec {
  train?: number;
  val?: number;
  test?: number;
}

export interface SplitOptions {
  /** Permute indices (seeded) before taking the blocks. @default false */
  shuffle?: boolean;
  /** Seed of the shuffle, a non-negative safe integer. @default 0 */
  seed?: number;
}

/** Each split's indices, ascending. */
export interface Splits {
  train: number[];
  val: number[];
  test: number[];
}

export function splitIndices(n: number, spec: SplitSpec, opts: SplitOptions = {}): Splits {
  checkInteger(DataInputError, 'n', n, 1, 'a positive integer number of samples');
  if (spec === null || typeof spec !== 'object') throw new DataInputError(`split spec ${String(spec)} is not allowed: use { train?, val?, test? }`);
  for (const key of Object.keys(spec)) {
    if (key !== 'train' && key !== 'val' && key !== 'test') throw new DataInputError(`split key "${key}" is not allowed: use train, val and test`);
  }
  const nVal = splitCount('val', spec.val, n);
  const nTest = splitCount('test', spec.test, n);
  const nTrain = spec.train === undefined ? n - nVal - nTest : splitCount('train', spec.train, n);
  if (nTrain + nVal + nTest > n) {
    throw new DataInputError(`split train=${nTrain} + val=${nVal} + test=${nTest} = ${nTrain + nVal + nTest} samples exceeds n=${n}`);
  }
  if (nTrain < 1) throw new DataInputError(`split leaves train=${nTrain} samples of n=${n}: train needs at least one`);
  const shuffle = opts.shuffle ?? false;
  const seed = opts.seed ?? 0;
  checkBoolean(DataInputError, 'shuffle', shuffle);
  checkSeed(DataInputError, 'seed', seed);
  const order = [...Array(n).keys()];
  if (shuffle) shuffleInPlace(order, new Rng(seed));
  const byIndex = (a: number, b: number): number => a - b;
  return {
    train: order.slice(0, nTrain).sort(byIndex),
    val: order.slice(n - nTest - nVal, n - nTest).sort(byIndex),
    test: order.slice(n - nTest).sort(byIndex),
  };
}

/** Fisher–Yates with the project's seeded generator. */
export function shuffleInPlace<T>(items: T[], rng: Rng): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.integer(i + 1);
    const tmp = items[i];
    items[i] = items[j];
    items[j] = tmp;
  }
  return items;
}

function splitCount(name: string, value: number | undefined, n: number): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new DataInputError(`${name}=${String(value)} is not allowed: use a fraction in [0, 1) or a whole count >= 1`);
  }
  if (value < 1) {
    const count = Math.floor(value * n);
    if (value > 0 && count === 0) throw new DataInputError(`${name}=${value} of n=${n} samples gives 0 samples: use a larger fraction or a count`);
    return count;
  }
  if (!Number.isSafeInteger(value)) throw new DataInputError(`${name}=${value} is not allowed: use a fraction in [0, 1) or a whole count >= 1`);
  return value;
}
