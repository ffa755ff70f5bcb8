/**
 * The layout every layer shares for a set of fields: row-major `[n samples, nt frames,
 * ...spatial, channels]` (PDEBench's `[N, T, X(, Y)(, C)]`; the channel axis is implicit when
 * channels = 1), on an n-D tensor-product grid, at the times of the frames.
 */
import { InputError } from './errors.js';

/** A tensor-product grid: the coordinates of each spatial axis (x, then y, …), float64. */
export interface Grid {
  /** One increasing coordinate array per spatial axis. */
  readonly axes: readonly Float64Array[];
}

/** n samples of nt frames on a grid; see the module comment for the layout. */
export interface FieldBatch<T extends ArrayLike<number> = Float32Array> {
  /** Row-major `[n, nt, ...spatial, channels]`. */
  readonly data: T;
  readonly n: number;
  readonly nt: number;
  /** Points per spatial axis, e.g. [X] or [X, Y]. */
  readonly spatial: readonly number[];
  /** Values per grid point (1 for a scalar field). */
  readonly channels: number;
  /** The grid, when known: one coordinate array per entry of `spatial`, of that length. */
  readonly grid?: Grid;
  /** The time of each frame, when known: nt increasing values. */
  readonly times?: ArrayLike<number>;
}

/** Values per frame: the product of `spatial`, times `channels`. */
export function frameSize(b: Pick<FieldBatch, 'spatial' | 'channels'>): number {
  return b.spatial.reduce((a, v) => a * v, 1) * b.channels;
}

/** Values per sample: nt frames. */
export function sampleSize(b: Pick<FieldBatch, 'nt' | 'spatial' | 'channels'>): number {
  return b.nt * frameSize(b);
}

/** A grid with the given axes (copied to float64). */
export function gridOf(...axes: ArrayLike<number>[]): Grid {
  return { axes: axes.map((a) => Float64Array.from(a)) };
}

/**
 * Throws InputError (message naming `name` and the field at fault) unless b is consistent: positive
 * integer sizes, data of n·nt·frameSize values, a grid matching `spatial`, nt increasing times.
 */
export function checkFieldBatch(b: FieldBatch<ArrayLike<number>>, name = 'fields'): void {
  const fail = (message: string): never => {
    throw new InputError(`${name}.${message}`);
  };
  for (const key of ['n', 'nt', 'channels'] as const) {
    if (!Number.isSafeInteger(b[key]) || b[key] < 1) fail(`${key} = ${String(b[key])} is not allowed: use an integer >= 1`);
  }
  if (!Array.isArray(b.spatial) || b.spatial.length === 0)
    fail(`spatial = ${JSON.stringify(b.spatial)} is not allowed: give the points per axis, e.g. [X] or [X, Y]`);
  b.spatial.forEach((v, i) => {
    if (!Number.isSafeInteger(v) || v < 1) fail(`spatial[${i}] = ${String(v)} is not allowed: use an integer >= 1`);
  });
  const size = b.n * sampleSize(b);
  if (b.data?.length !== size) {
    fail(
      `data has ${String(b.data?.length)} values but [n, nt, ...spatial, channels] = [${b.n}, ${b.nt}, ${b.spatial.join(', ')}, ${b.channels}] needs ${size}`,
    );
  }
  if (b.grid !== undefined) {
    if (b.grid.axes.length !== b.spatial.length) fail(`grid has ${b.grid.axes.length} axes but the fields have ${b.spatial.length}`);
    b.grid.axes.forEach((a, i) => {
      if (a.length !== b.spatial[i]) fail(`grid axis ${i} has ${a.length} points but spatial[${i}] = ${b.spatial[i]}`);
    });
  }
  if (b.times !== undefined) {
    if (b.times.length !== b.nt) fail(`times has ${b.times.length} entries but nt = ${b.nt}`);
    for (let t = 0; t < b.nt; t++) {
      if (!Number.isFinite(b.times[t]) || (t > 0 && b.times[t] <= b.times[t - 1]))
        fail(`times[${t}] = ${b.times[t]} is not allowed: times must be finite and increasing`);
    }
  }
}
