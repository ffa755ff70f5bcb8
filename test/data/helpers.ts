/** Shared helpers of the src/data tests: temp dirs, deterministic headers and samples, Python. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../../core/random.js';
import type { DatasetHeader } from '../../src/data/index.js';

export const PYTHON = process.env.PDES_PYTHON ?? '/usr/bin/python3';
export const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));

const tmpDirs: string[] = [];

/** A fresh directory under the OS temp dir; removed by `removeTmpDirs` (call it in afterAll). */
export function makeTmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-data-'));
  tmpDirs.push(dir);
  return dir;
}

export function removeTmpDirs(): void {
  for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** Uniform grid on [a, b) with n cell centres. */
export function cellCentres(n: number, a: number, b: number): Float64Array {
  const h = (b - a) / n;
  return Float64Array.from({ length: n }, (_, i) => a + (i + 0.5) * h);
}

export function makeHeader(shape: number[], attrs: Record<string, number | string> = {}): DatasetHeader {
  const coordinates: DatasetHeader['coordinates'] = {
    x: cellCentres(shape[2], -1, 1),
    t: Float64Array.from({ length: shape[1] }, (_, k) => 0.05 * k),
  };
  if (shape.length >= 4) coordinates.y = cellCentres(shape[3], 0, 2 * Math.PI);
  return {
    shape,
    coordinates,
    attrs: { Nu: 0.01, recipe: JSON.stringify({ pde: 'burgers', nu: 0.01, samples: shape[0] }), seed: 1234, solver: 'test', 'solver-version': '1', 'package-version': '0.1.0', ...attrs },
  };
}

/** Sample i: seeded normals (stream i), scaled by (i + 1) so samples differ in scale too. */
export function sampleValues(i: number, size: number, seed = 7): Float32Array {
  const rng = new Rng(seed, i);
  return Float32Array.from({ length: size }, () => (i + 1) * rng.normal());
}

export function sampleSizeOf(shape: number[]): number {
  return shape.slice(1).reduce((a, b) => a * b, 1);
}

/**
 * Throws (never skips) when h5py is not importable: CI installs it, so a missing h5py is a
 * broken environment, not a reason to pass.
 */
let h5pyCheck: { problem: string | null } | undefined;
export function requireH5py(): void {
  h5pyCheck ??= { problem: findH5pyProblem() };
  if (h5pyCheck.problem !== null) throw new Error(h5pyCheck.problem);
}

function findH5pyProblem(): string | null {
  const res = spawnSync(PYTHON, ['-c', 'import h5py, numpy'], { encoding: 'utf8' });
  if (res.status !== 0) {
    const why = res.error ? res.error.message : res.stderr.trim().split('\n').pop();
    return `h5py is not importable by ${PYTHON} (${why}): install it with \`apt-get install python3-h5py\` or point PDES_PYTHON at an interpreter that has it`;
  }
  return null;
}

/** Runs a Python script with the project's interpreter; returns its stdout. */
export function runPythonScript(script: string, args: string[], input?: string): string {
  const res = spawnSync(PYTHON, [script, ...args], { encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 });
  if (res.status !== 0) throw new Error(`${PYTHON} ${path.basename(script)} ${args.join(' ')} failed (status ${res.status}): ${res.error?.message ?? res.stderr.trim()}`);
  return res.stdout;
}

/** Runs a script of test/fixtures with the project's interpreter and parses its JSON output. */
export function runPython<T>(script: string, args: string[]): T {
  return JSON.parse(runPythonScript(path.join(FIXTURES, script), args)) as T;
}
