/**
 * The one place that touches h5wasm's module state: initialisation, the fixed clock used for
 * byte-reproducible writes, and turning HDF5's multi-line error stacks into one line.
 *
 * h5wasm's node build reads and writes the real filesystem directly. Its API is synchronous
 * once the wasm module has loaded, so callers `await h5ready()` once and then use the sync
 * API of the reader and writers.
 */
import h5wasm, { Module } from 'h5wasm/node';
import type { Dataset, File, FileOptions, Group } from 'h5wasm/node';
import { DataInputError } from './errors.js';

export type HdfFile = File;
export type HdfGroup = Group;
export type HdfDataset = Dataset;

/**
 * File-access options for every file we create or append to. HDF5 2.0 (bundled by h5wasm 0.10)
 * defaults to the v1.8 format as the lower bound, under which a group with more than 8
 * attributes moves them to *dense* storage (a fractal heap and a B-tree); jsfive and other
 * readers that implement only compact attribute messages then see no attributes at all. The
 * `earliest` lower bound keeps every attribute compact in the object header (HDF5 2.0 rejects
 * `earliest` as the upper bound, so the pair is given).
 */
export const WRITE_OPTIONS: FileOptions = { libver: ['earliest', 'latest'] };

let initialised = false;
let pending: Promise<void> | null = null;

/**
 * Loads the wasm module (once) and switches HDF5 from printing error stacks to stderr to
 * throwing them as JS errors, so that every failure reaches the caller as an exception.
 */
export function h5ready(): Promise<void> {
  pending ??= h5wasm.ready.then(() => {
    Module.activate_throwing_error_handler();
    initialised = true;
  });
  return pending;
}

/** The h5wasm namespace; throws if `h5ready()` has not resolved yet. */
export function h5(): typeof h5wasm {
  if (!initialised) throw new DataInputError('h5wasm is not initialised: `await h5ready()` before opening or writing HDF5 files');
  return h5wasm;
}

/**
 * Runs `fn` with `Date.now` returning 0. HDF5 stamps object headers with modification times
 * (emscripten's `time()` reads `Date.now`); with the clock fixed, the same writes give the same
 * bytes, which resume and shard merging rely on. Restored even if `fn` throws.
 */
export function withFixedClock<T>(fn: () => T): T {
  const realNow = Date.now;
  Date.now = () => 0;
  try {
    return fn();
  } finally {
    Date.now = realNow;
  }
}

/**
 * One line out of an HDF5 error stack: the innermost entry's message (e.g. "file signature not
 * found", "truncated file: eof = 1000, ..."), or the error's own first line.
 */
export function hdf5Reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  const entries = [...text.matchAll(/#\d+: .*? in [\w.]+\(\): (.*)$/gm)].map((m) => m[1].trim());
  if (entries.length > 0) return entries[entries.length - 1];
  return text.split('\n')[0].trim();
}
