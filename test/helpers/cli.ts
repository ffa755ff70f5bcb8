import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const PDES = path.join(ROOT, 'bin', 'pdes.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built `pdes` command (npm test builds dist/ first). */
export function pdes(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): CliResult {
  const r = spawnSync(process.execPath, [PDES, ...args], {
    cwd: opts.cwd ?? ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...opts.env },
    timeout: 300_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Starts `pdes` in the background (for interruption tests). */
export function pdesSpawn(args: string[]) {
  return spawn(process.execPath, [PDES, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
}

export function tmpDir(prefix = 'pdes-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function sameBytes(a: string, b: string): boolean {
  return Buffer.compare(fs.readFileSync(a), fs.readFileSync(b)) === 0;
}

/**
 * Starts `pdes args`, sends `signal` once `ready()` holds (polled every 20 ms; or after `maxMs`),
 * and resolves with the exit code and stderr.
 */
export async function pdesInterrupted(
  args: string[],
  ready: () => boolean,
  signal: NodeJS.Signals,
  maxMs = Number.POSITIVE_INFINITY,
): Promise<{ code: number | null; stderr: string }> {
  const child = pdesSpawn(args);
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  const started = Date.now();
  await new Promise<void>((resolve) => {
    const poll = setInterval(() => {
      if (ready() || Date.now() - started > maxMs) {
        clearInterval(poll);
        child.kill(signal);
        resolve();
      }
    }, 20);
  });
  return { code: await exited, stderr };
}
