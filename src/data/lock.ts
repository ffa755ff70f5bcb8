/**
 * Exclusive locks on outputs, so two runs never write one file or run directory: generate and
 * merge lock `<file>.lock`, training locks `<run dir>/.lock`. A lock is a file created with
 * O_EXCL holding the holder's host, pid, process start time and command; a second run finds it
 * and stops with one line naming the holder (exit 2). A lock whose holder is gone — same host,
 * pid not running, or running but started at another time (the pid was reused) — is stale and
 * taken over. A lock from another host is never broken automatically: its message says which
 * file to remove once that run is known to be gone.
 */
import fs from 'node:fs';
import os from 'node:os';
import nodePath from 'node:path';
import { processAlive } from '../../core/atomic.js';
import { DataInputError } from './errors.js';

/** Another run holds the output (a usage error: exit 2). */
export class OutputLockedError extends DataInputError {
  override name = 'OutputLockedError';
}

interface LockInfo {
  host: string;
  pid: number;
  /** Process start time in clock ticks since boot (/proc/<pid>/stat field 22); null where unknown. */
  start: number | null;
  since: string;
  command: string;
}

export interface OutputLock {
  /** The lock file. */
  readonly path: string;
  /** Removes the lock (if it is still ours). Idempotent. */
  release(): void;
}

const held = new Set<string>();
let exitHookInstalled = false;

/**
 * Takes the lock `lockFile` for `target` (named in messages); throws OutputLockedError when a live
 * run holds it. The lock is also released when the process exits normally or by process.exit().
 */
export function lockOutput(lockFile: string, target: string): OutputLock {
  const file = nodePath.resolve(lockFile);
  const me: LockInfo = { host: os.hostname(), pid: process.pid, start: processStart(process.pid), since: new Date().toISOString(), command: commandLine() };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      try {
        fs.writeSync(fd, `${JSON.stringify(me)}\n`);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = readLock(file);
      if (attempt < 3 && isStale(holder, file)) {
        fs.rmSync(file, { force: true });
        continue;
      }
      throw new OutputLockedError(describeHolder(target, holder, file));
    }
  }
  held.add(file);
  installExitHook();
  let released = false;
  return {
    path: file,
    release() {
      if (released) return;
      released = true;
      held.delete(file);
      const now = readLock(file);
      if (now !== null && now.pid === me.pid && now.host === me.host && now.since === me.since) fs.rmSync(file, { force: true });
    },
  };
}

/** Runs `fn` holding the lock on `target`; releases it however `fn` ends. */
export async function withOutputLock<T>(lockFile: string, target: string, fn: () => Promise<T>): Promise<T> {
  const lock = lockOutput(lockFile, target);
  try {
    return await fn();
  } finally {
    lock.release();
  }
}

function readLock(file: string): LockInfo | null {
  try {
    const info = JSON.parse(fs.readFileSync(file, 'utf8')) as LockInfo;
    return typeof info.pid === 'number' && typeof info.host === 'string' ? info : null;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || err instanceof SyntaxError) return null;
    throw err;
  }
}

/**
 * A lock is stale when its holder cannot be running: on this host and its pid is gone or belongs
 * to a process started at another time. An unreadable lock (its writer died between creating and
 * filling it) is stale once it is older than a few seconds.
 */
function isStale(holder: LockInfo | null, file: string): boolean {
  if (holder === null) {
    try {
      return Date.now() - fs.statSync(file).mtimeMs > 5_000;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
      throw err;
    }
  }
  if (holder.host !== os.hostname()) return false;
  if (!processAlive(holder.pid)) return true;
  const start = processStart(holder.pid);
  return holder.start !== null && start !== null && start !== holder.start;
}

function describeHolder(target: string, holder: LockInfo | null, file: string): string {
  if (holder === null) return `${target} is being written by another run (lock ${file} is being created): wait for it, or remove ${file} if no run is writing it`;
  const local = holder.host === os.hostname();
  return (
    `${target} is being written by pid ${holder.pid} on ${holder.host} since ${holder.since} (${holder.command}): wait for it to finish or stop it` +
    (local ? '' : `; if that run is gone, remove ${file}`)
  );
}

/** Start time of a process in clock ticks since boot, from /proc (Linux); null elsewhere. */
function processStart(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const start = Number(fields[19]);
    return Number.isFinite(start) ? start : null;
  } catch (err) {
    // No /proc (not Linux) or no such process.
    if (['ENOENT', 'ESRCH', 'EACCES'].includes((err as NodeJS.ErrnoException).code ?? '')) return null;
    throw err;
  }
}

function commandLine(): string {
  const args = process.argv.slice(1).map((a) => (a.includes(nodePath.sep) && fs.existsSync(a) ? nodePath.basename(a) : a));
  return args.join(' ').slice(0, 200);
}

/** Locks held at exit (normal end or process.exit, e.g. after Ctrl-C) are removed. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const file of held) {
      const now = readLock(file);
      if (now !== null && now.pid === process.pid && now.host === os.hostname()) fs.rmSync(file, { force: true });
    }
  });
}
