/**
 * Every file we write is whole or absent. One writer for all of them (checkpoints, reports,
 * evaluation JSON, run files, merged and canonical HDF5): the bytes go to `<file>.tmp-<pid>` in the
 * same folder, every byte is written (a short write is continued, so a full disk surfaces as
 * ENOSPC instead of a silently truncated file), the file is fsynced, renamed over the target, and
 * the folder is fsynced so the rename itself survives a power loss. On any error the temporary
 * file is removed and the previous target is left as it was; the error is one line naming the
 * file ("no space left on device" for ENOSPC/EDQUOT).
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { OutputWriteError } from './errors.js';

/** The temporary name a process writes `path` under before renaming it into place. */
export function tempPathFor(path: string, pid = process.pid): string {
  return `${path}.tmp-${pid}`;
}

/** Writes `data` (one buffer or string, or several in order) to `path` atomically. */
export function writeFileAtomic(path: string, data: string | Uint8Array | readonly (string | Uint8Array)[]): void {
  const parts = (Array.isArray(data) ? data : [data]) as readonly (string | Uint8Array)[];
  replaceFileAtomic(path, (tmp) => {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (const part of parts) writeAll(fd, typeof part === 'string' ? Buffer.from(part, 'utf8') : part);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
  });
}

/**
 * For files a library writes by path (h5wasm): `produce(tmp)` writes the whole file at `tmp`
 * (and closes it); then it is fsynced, renamed over `path` and the folder fsynced. On any error,
 * `tmp` is removed, `path` is untouched, and the error is rethrown as one line naming `path`.
 */
export function replaceFileAtomic(path: string, produce: (tmp: string) => void): void {
  const tmp = tempPathFor(path);
  inFlight.add(tmp);
  try {
    // Temporary files of earlier writers of this file that died (kill -9) go first.
    removeStaleTemps(path);
    fs.rmSync(tmp, { force: true });
    produce(tmp);
    fsyncFile(tmp);
    fs.renameSync(tmp, path);
    fsyncDir(nodePath.dirname(nodePath.resolve(path)));
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw asWriteError(path, err);
  } finally {
    inFlight.delete(tmp);
  }
}

/** Temporary files this process is writing right now. */
const inFlight = new Set<string>();

/**
 * Removes this process's temporary files (for a process about to exit on a signal: the targets
 * keep their previous content). A kill -9 leaves them to removeStaleTemps on the next run.
 */
export function removeOwnTemps(): void {
  for (const tmp of inFlight) fs.rmSync(tmp, { force: true });
  inFlight.clear();
}

/** Continues short writes until every byte is written; a write of 0 bytes means a full disk. */
export function writeAll(fd: number, buf: Uint8Array): void {
  let offset = 0;
  while (offset < buf.byteLength) {
    const n = fs.writeSync(fd, buf, offset, buf.byteLength - offset);
    if (n <= 0) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    offset += n;
  }
}

function fsyncFile(path: string): void {
  const fd = fs.openSync(path, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** fsync of a folder, so a rename in it is durable; a no-op where folders cannot be synced. */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch (err) {
    if (isCode(err, 'EISDIR', 'EPERM', 'EACCES')) return;
    throw err;
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    if (!isCode(err, 'EINVAL', 'EISDIR', 'EPERM', 'EBADF')) throw err;
  } finally {
    fs.closeSync(fd);
  }
}

const REASONS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'no space left on device (disk quota exceeded)',
  EIO: 'input/output error (EIO)',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOENT: 'its folder does not exist',
  EISDIR: 'it is a folder',
};

/**
 * The one-line error for a failed write of `path` when the cause is the system's (an errno such as
 * ENOSPC, from Node or inside an HDF5 error stack); any other error (a bad sample, an interruption)
 * is returned as it is.
 */
export function asWriteError(path: string, err: unknown): unknown {
  if (err instanceof OutputWriteError) return err;
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  const found = code !== undefined && code in REASONS ? code : Object.keys(REASONS).find((c) => message.includes(c));
  const known = found ?? (/no space left on device/i.test(message) ? 'ENOSPC' : undefined);
  if (known === undefined) return err;
  return new OutputWriteError(`cannot write ${path}: ${REASONS[known]}`, known);
}

/**
 * Removes `<path>.tmp-<pid>` files left next to `path` by processes that are no longer alive
 * (killed mid-write); files of live processes, ours included, are kept. Returns what it removed.
 */
export function removeStaleTemps(path: string): string[] {
  const dir = nodePath.dirname(nodePath.resolve(path));
  const base = nodePath.basename(path);
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if (isCode(err, 'ENOENT', 'ENOTDIR')) return [];
    throw err;
  }
  const removed: string[] = [];
  for (const name of names) {
    if (!name.startsWith(`${base}.tmp-`)) continue;
    const pid = Number(name.slice(base.length + 5));
    if (!Number.isSafeInteger(pid) || pid <= 0 || processAlive(pid)) continue;
    fs.rmSync(nodePath.join(dir, name), { recursive: true, force: true });
    removed.push(nodePath.join(dir, name));
  }
  return removed;
}

/** Whether a process with this pid exists on this host. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A process killed but not yet reaped (a zombie, or one tearing down: state Z or X in
    // /proc/<pid>/stat) still answers signal 0, yet holds nothing any more.
    return !exiting(pid);
  } catch (err) {
    // EPERM: it exists but belongs to someone else.
    return isCode(err, 'EPERM');
  }
}

function exiting(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    // No /proc (not Linux), or gone between the two looks.
    return false;
  }
}

function isCode(err: unknown, ...codes: string[]): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && codes.includes(code);
}

/**
 * Creates `dir` (and its missing parents) and returns an undo for a run that fails before writing
 * anything: it removes the folders this call created, deepest first, as long as they are empty.
 */
export function makeDirUndoable(dir: string): () => void {
  const first = fs.mkdirSync(dir, { recursive: true });
  return () => {
    if (first === undefined) return;
    const stop = nodePath.dirname(nodePath.resolve(first));
    for (let d = nodePath.resolve(dir); d !== stop && d !== nodePath.dirname(d); d = nodePath.dirname(d)) {
      if (!fs.existsSync(d) || fs.readdirSync(d).length > 0) return;
      fs.rmdirSync(d);
    }
  };
}
