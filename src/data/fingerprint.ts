/**
 * Which data file a run was trained on, in a form that survives moving things around and notices
 * a changed file: the path relative to the run directory (tried first, so a run moved together
 * with its data still finds it), the absolute path, and a content fingerprint — a SHA-256 of the
 * file's size, layout, root attributes (the recipe and seed among them), coordinates and its first
 * and last samples: cheap on a file of any size, and different for a regenerated or replaced file.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import nodePath from 'node:path';
import { DataInputError } from './errors.js';
import { H5Dataset } from './reader.js';

export interface DataFingerprint {
  /** File size in bytes. */
  size: number;
  /** SHA-256 (hex) of size, shape, dtype, root attributes, coordinates, first and last samples. */
  sha256: string;
}

export interface DataRef {
  /** The data file relative to the run directory. */
  relative: string;
  absolute: string;
  fingerprint: DataFingerprint;
}

/** The data file changed since the run was trained on it (or another file is given): exit 2. */
export class DataChangedError extends DataInputError {
  override name = 'DataChangedError';
}

/** The fingerprint of a dataset file (opened and closed here). */
export function fingerprintDataset(file: string): DataFingerprint {
  const size = fs.statSync(file).size;
  const ds = H5Dataset.open(file);
  try {
    const hash = crypto.createHash('sha256');
    const sortedAttrs = Object.fromEntries(Object.entries(ds.attrs).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    hash.update(JSON.stringify({ size, shape: ds.shape, dtype: ds.dtype, attrs: sortedAttrs }));
    for (const c of [ds.x, ds.y, ds.t]) if (c !== undefined) hash.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    const done = ds.samplesDone();
    for (const i of new Set([0, ds.nSamples - 1])) {
      if (done[i] !== 1) continue;
      const s = ds.readSample(i);
      hash.update(new Uint8Array(s.buffer, s.byteOffset, s.byteLength));
    }
    return { size, sha256: hash.digest('hex') };
  } finally {
    ds.close();
  }
}

/** The reference a run directory `runDir` keeps to its data file `file`. */
export function makeDataRef(file: string, runDir: string): DataRef {
  const absolute = nodePath.resolve(file);
  return { relative: nodePath.relative(nodePath.resolve(runDir), absolute), absolute, fingerprint: fingerprintDataset(file) };
}

/** Whether `file` holds the data `ref` fingerprinted. */
export function sameData(file: string, ref: DataRef): boolean {
  const now = fingerprintDataset(file);
  return now.size === ref.fingerprint.size && now.sha256 === ref.fingerprint.sha256;
}

/**
 * The file of a run's data: the relative path from the run directory, else the absolute one,
 * checked against the fingerprint. `legacy` is the path format-1 runs stored (as typed at training
 * time, relative to that working directory). Throws a one-line DataChangedError when the file
 * found differs from the one trained on, or a DataInputError when none is found; both name
 * `--data` (give the file explicitly to evaluate on other data).
 */
export function locateRunData(runDir: string, ref: DataRef | undefined, legacy: string): string {
  if (ref === undefined) {
    for (const candidate of [legacy, nodePath.resolve(runDir, legacy)]) if (fs.existsSync(candidate)) return candidate;
    throw new DataInputError(`the data file of ${runDir} (${legacy}) is not there: pass --data FILE`);
  }
  const candidates = [...new Set([nodePath.resolve(runDir, ref.relative), ref.absolute])].filter((c) => fs.existsSync(c));
  if (candidates.length === 0) throw new DataInputError(`the data file of ${runDir} is neither at ${ref.relative} (relative to the run) nor at ${ref.absolute}: pass --data FILE`);
  const same = candidates.find((c) => sameData(c, ref));
  if (same === undefined) {
    throw new DataChangedError(`${candidates[0]} has changed since ${runDir} was trained on it (its size, attributes or samples differ): pass --data ${candidates[0]} to evaluate on it as it is now`);
  }
  return same;
}
