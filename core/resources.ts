/**
 * Resource guards, applied before work starts: a request for more worker threads than cores is
 * capped (with a warning), and a job whose estimated memory or disk use exceeds what this machine
 * has free is refused with one line (an InputError: exit 2) unless the caller overrides the check.
 * Estimates are the caller's (a dataset's bytes, a model's parameters and activations); this
 * module only holds them against the machine.
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { InputError } from './errors.js';

/** A job larger than the machine allows (exit 2). */
export class ResourceError extends InputError {
  override name = 'ResourceError';
}

/** How to say which flag overrides a refused check. */
export const OVERRIDE_FLAG = '--skip-resource-check';

/** `requested` threads, at most the machine's cores; a warning says when it was capped. */
export function capWorkers(requested: number, flag: string): number {
  const cores = os.availableParallelism();
  if (requested <= cores) return requested;
  process.emitWarning(`${flag}=${requested} is more than the ${cores} cores of this machine: using ${cores}`, { code: 'PDES_WORKERS_CAPPED' });
  return cores;
}

/** Bytes free for an unprivileged writer on the file system holding `path` (or its nearest existing parent). */
export function freeDiskBytes(path: string): number {
  let dir = nodePath.resolve(path);
  while (!fs.existsSync(dir) && nodePath.dirname(dir) !== dir) dir = nodePath.dirname(dir);
  const st = fs.statfsSync(dir);
  return st.bavail * st.bsize;
}

/** Bytes of memory available to a new allocation (free plus reclaimable page cache). */
export function freeMemoryBytes(): number {
  // /proc/meminfo's MemAvailable counts reclaimable cache; os.freemem() (MemFree) does not.
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return os.freemem();
}

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v < 10 && u > 0 ? v.toFixed(1) : Math.round(v)} ${units[u]}`;
}

/** Refuses `needed` bytes on the file system of `path` when fewer are free. */
export function checkDisk(needed: number, path: string, what: string): void {
  const free = freeDiskBytes(path);
  if (needed > free) {
    throw new ResourceError(
      `${what} needs about ${formatBytes(needed)} on ${nodePath.dirname(nodePath.resolve(path))}, which has ${formatBytes(free)} free: free space, choose a smaller job, or pass ${OVERRIDE_FLAG}`,
    );
  }
}

/** Refuses `needed` bytes of memory when fewer are available (or more than `limit`, e.g. a wasm heap). */
export function checkMemory(needed: number, what: string, limit = Infinity, limitName = ''): void {
  const free = freeMemoryBytes();
  if (needed > free) {
    throw new ResourceError(
      `${what} needs about ${formatBytes(needed)} of memory; this machine has ${formatBytes(free)} available: choose a smaller job, or pass ${OVERRIDE_FLAG}`,
    );
  }
  if (needed > limit)
    throw new ResourceError(
      `${what} needs about ${formatBytes(needed)} of memory, more than ${limitName} (${formatBytes(limit)}): choose a smaller job, or pass ${OVERRIDE_FLAG}`,
    );
}
