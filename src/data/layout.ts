/**
 * Names and rules of the on-disk layout: PDEBench's (github.com/pdebench/PDEBench), so that
 * PDEBench's published files load here and ours load in PDEBench, h5py and neuraloperator.
 *
 * - `tensor`: float32 `[N, T, X]` (1D), `[N, T, X, Y]` (2D) or `[N, T, X, Y, C]` (C fields),
 *   sample-major, chunked one sample per chunk (`[1, T, ...]`).
 * - `x-coordinate`, `y-coordinate` (rank >= 4), `t-coordinate`: float64, 1D.
 * - root attributes: the PDE parameter under PDEBench's name (e.g. `Nu` for Burgers), `recipe`
 *   (resolved recipe as JSON), `seed`, `solver`, `solver-version`, `package-version`,
 *   `generator` = 'pde-surrogate', and `complete` = 1, written last.
 * - while being generated, a uint8 dataset `samples-done` `[N]` marks finished samples; a file
 *   without `complete` is one that was cut short and can be resumed.
 *
 * Time coordinate. PDEBench's 1D generators store `tc = arange(it_tot + 1) * dt_save` next to
 * `it_tot` frames, frame k being the state at `t = k * dt_save` (pdebench/data_gen/data_gen_NLE/
 * BurgersEq/burgers_multi_solution_Hydra.py): `t-coordinate` has one entry more than there are
 * frames, and it is the *last* entry that has no frame (PDEBench's own loaders read
 * `t-coordinate[:-1]`). Readers accept `nt` or `nt + 1` entries and keep the first `nt`;
 * our writers store exactly `nt`.
 */

export const TENSOR = 'tensor';
export const X_COORDINATE = 'x-coordinate';
export const Y_COORDINATE = 'y-coordinate';
export const T_COORDINATE = 't-coordinate';
export const SAMPLES_DONE = 'samples-done';

/** Root attribute names. */
export const ATTR = {
  complete: 'complete',
  generator: 'generator',
  recipe: 'recipe',
  seed: 'seed',
  solver: 'solver',
  solverVersion: 'solver-version',
  packageVersion: 'package-version',
} as const;

/** Value of the `generator` attribute in files we write; its absence marks a foreign file. */
export const GENERATOR_NAME = 'pde-surrogate';

/** The 8-byte HDF5 format signature, found at offset 0, 512, 1024, 2048, ... */
export const HDF5_SIGNATURE = Uint8Array.of(0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a);

export const MIN_RANK = 3;
export const MAX_RANK = 5;

/** Axis letters of a tensor of the given rank, e.g. ['N', 'T', 'X']. */
export function axisNames(rank: number): string[] {
  return ['N', 'T', 'X', 'Y', 'C'].slice(0, rank);
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** Why `shape` is not a valid tensor shape, or null if it is. */
export function shapeProblem(shape: readonly number[]): string | null {
  if (!Array.isArray(shape)) return `shape ${String(shape)} is not an array: use [N, T, X], [N, T, X, Y] or [N, T, X, Y, C]`;
  if (shape.length < MIN_RANK || shape.length > MAX_RANK) {
    return `shape ${formatShape(shape)} has rank ${shape.length}: use rank 3 to 5, [N, T, X], [N, T, X, Y] or [N, T, X, Y, C]`;
  }
  const bad = shape.findIndex((d) => !Number.isSafeInteger(d) || d < 1);
  if (bad >= 0) return `shape ${formatShape(shape)} has ${axisNames(shape.length)[bad]}=${shape[bad]}: every dimension must be a positive integer`;
  return null;
}

/** Number of values in one sample, T * X * (Y * C). */
export function sampleSize(shape: readonly number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

export interface CoordinateLengths {
  x: number;
  y?: number;
  t: number;
}

/**
 * Why coordinate lengths do not fit `shape`, or null. `t` may have `nt + 1` entries only when
 * `allowExtraT` (PDEBench's published files, see the module comment).
 */
export function coordinateProblem(shape: readonly number[], lengths: CoordinateLengths, allowExtraT: boolean): string | null {
  const [, nt, nx] = shape;
  if (lengths.x !== nx) return `${X_COORDINATE} has ${lengths.x} entries but X=${nx} (tensor shape ${formatShape(shape)})`;
  const okT = lengths.t === nt || (allowExtraT && lengths.t === nt + 1);
  if (!okT) {
    const allowed = allowExtraT ? `${nt} or ${nt + 1}` : `${nt}`;
    return `${T_COORDINATE} has ${lengths.t} entries but T=${nt} (tensor shape ${formatShape(shape)}): expected ${allowed}`;
  }
  if (shape.length >= 4) {
    if (lengths.y === undefined) return `${Y_COORDINATE} is missing but the tensor has a Y axis (shape ${formatShape(shape)})`;
    if (lengths.y !== shape[3]) return `${Y_COORDINATE} has ${lengths.y} entries but Y=${shape[3]} (tensor shape ${formatShape(shape)})`;
  } else if (lengths.y !== undefined) {
    return `${Y_COORDINATE} is given but the tensor has no Y axis (shape ${formatShape(shape)})`;
  }
  return null;
}

/** The first `nt` entries of a time coordinate with `nt` or `nt + 1` entries (see module comment). */
export function framesTime(t: Float64Array, nt: number): Float64Array {
  return t.length === nt ? t : t.slice(0, nt);
}
