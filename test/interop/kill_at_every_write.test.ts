/**
 * kill -9 at exact write calls, not at moments: strace's fault injection delivers SIGKILL on
 * entry to the Nth pwrite64 of `pdes generate`, for N spread over every write the command makes
 * (creating the file, each sample's data and flags, the journal, the canonical copy). After each,
 * `--resume` must give the bytes of an uninterrupted run and leave no journal, lock or temporary
 * file. Before the sample journal, about one such moment in five left a file HDF5 could not
 * open, and some left one that resumed to different bytes. Needs strace (Debian's package;
 * .ci/run installs it for this suite).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PDES, pdes, sameBytes, tmpDir } from '../helpers/cli.js';

const GEN = ['generate', 'burgers-fno', '--samples', '12', '--nx', '64', '--solve-nx', '256', '--frames', '4', '--workers', '1', '-q'];
let dir: string;
let reference: string;
let writes: number;

function strace(args: string[]): { status: number | null; stderr: string } {
  const r = spawnSync('strace', args, { encoding: 'utf8', timeout: 120_000 });
  if (r.error) throw new Error(`cannot run strace (${r.error.message}): install Debian's strace package, as .ci/run does`);
  return { status: r.status, stderr: r.stderr };
}

beforeAll(() => {
  dir = tmpDir('pdes-kill-at-write-');
  reference = path.join(dir, 'reference.h5');
  const summary = path.join(dir, 'count.txt');
  const r = strace(['-f', '-c', '-e', 'trace=pwrite64', '-o', summary, process.execPath, PDES, ...GEN, '-o', reference]);
  expect(r.status, r.stderr).toBe(0);
  const line = fs
    .readFileSync(summary, 'utf8')
    .split('\n')
    .find((l) => /\bpwrite64\b/.test(l));
  writes = Number(line?.trim().split(/\s+/)[3]);
  expect(writes).toBeGreaterThan(20);
});

describe('kill -9 on entry to the Nth write of generate, then --resume', () => {
  it('gives the bytes of an uninterrupted run for N spread over all of its writes', () => {
    const step = Math.max(1, Math.floor(writes / 20));
    const bad: string[] = [];
    for (let n = 1; n <= writes; n += step) {
      const out = path.join(dir, `g-${n}.h5`);
      const killed = strace([
        '-f',
        '-o',
        '/dev/null',
        '-e',
        'trace=pwrite64',
        '-e',
        `inject=pwrite64:signal=SIGKILL:when=${n}`,
        process.execPath,
        PDES,
        ...GEN,
        '-o',
        out,
      ]);
      expect(killed.status, `write ${n} was not reached`).not.toBe(0);
      const again = pdes([...GEN, '-o', out, ...(fs.existsSync(out) ? ['--resume'] : [])]);
      const left = fs.readdirSync(dir).filter((f) => f.startsWith(`g-${n}.h5.`));
      if (again.code !== 0 || !sameBytes(out, reference) || left.length > 0)
        bad.push(`write ${n}: exit ${again.code} ${again.stderr.trim().split('\n')[0] ?? ''} left ${left.join(',')}`);
    }
    expect(bad).toEqual([]);
  }, 900_000);
});
