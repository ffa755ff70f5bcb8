import { spawnSync } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** One benchmark's outcome, written as JSON under bench/results/. */
export interface BenchResult {
  name: string;
  /** What was measured, in words. */
  description: string;
  /** Our figures (e.g. seconds per step, cell updates per second). */
  ours: Record<string, number>;
  /** The peer's figures from the same run on the same machine, if any. */
  peer?: { name: string; figures: Record<string, number> } | null;
  /** ours / peer (or peer / ours), named so the direction is clear, e.g. `speedup_vs_numpy`. */
  ratios: Record<string, number>;
  /** The target from the issue, e.g. "speedup_vs_numpy >= 1". */
  target?: string;
  /** Whether the target was met, when it can be judged. */
  met?: boolean;
  /** Free-form parameters (grid sizes, steps, ...). */
  params: Record<string, unknown>;
}

/** Interpreter for Python peers: Debian's /usr/bin/python3 (has numpy/h5py), overridable by PDES_PYTHON. */
export function pythonInterpreter(): string {
  return process.env.PDES_PYTHON ?? '/usr/bin/python3';
}

/** Runs a Python peer script from bench/peers with JSON args; returns its JSON stdout, or null if Python/numpy is missing. */
export function runPythonPeer(script: string, args: Record<string, unknown>): Record<string, number> | null {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // Compiled benches live in dist/bench; peers stay in the source tree.
  const root = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '..', '..') : path.resolve(here, '..');
  const file = path.join(root, 'bench', 'peers', script);
  const res = spawnSync(pythonInterpreter(), [file, JSON.stringify(args)], {
    encoding: 'utf8',
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  if (res.status !== 0) {
    process.stderr.write(`peer ${script} failed (${pythonInterpreter()}): ${res.stderr?.trim().split('\n').pop() ?? res.error}\n`);
    return null;
  }
  return JSON.parse(res.stdout.trim().split('\n').pop() as string) as Record<string, number>;
}

/** Median of timings in seconds of `fn` over `reps` repetitions after `warmup` runs. */
export function timeMedian(fn: () => void, reps: number, warmup = 1): number {
  for (let i = 0; i < warmup; i++) fn();
  const ts: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    ts.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  ts.sort((a, b) => a - b);
  return ts[Math.floor(ts.length / 2)];
}

export function machineInfo(): Record<string, unknown> {
  return { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()}-${os.arch()}` };
}

/** Scaling of a pure arithmetic loop on 1 vs 2 threads: the best this machine allows right now. */
export async function threadScalingCeiling(): Promise<number> {
  const code = `const { parentPort } = require('node:worker_threads'); let s = 0; for (let i = 0; i < 3e8; i++) s = s * 0.9999999 + Math.sqrt(i); parentPort.postMessage(s);`;
  const timeThreads = async (n: number): Promise<number> => {
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: n }, () => new Promise<void>((resolve) => {
        const w = new Worker(code, { eval: true });
        w.once('message', () => void w.terminate().then(() => resolve()));
      })),
    );
    return performance.now() - t0;
  };
  return (2 * (await timeThreads(1))) / (await timeThreads(2));
}
