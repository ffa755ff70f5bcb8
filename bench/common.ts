import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
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
  /**
   * The peer's figures from the same run on the same machine, if any: `figures` from its fastest
   * allocator (`allocator`), every allocator's figures in `variants`.
   */
  peer?: {
    name: string;
    figures: Record<string, number>;
    /** The fastest allocator (per size where a bench runs several). */
    allocator?: string;
    /** Every allocator's figures (keyed by size first where a bench runs several). */
    variants?: Record<string, unknown>;
    env?: string;
  } | null;
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

/**
 * The allocators a Python peer is run under (../shared/DESIGN.md, "peers at their best"). glibc's
 * default hands every large NumPy/PyTorch temporary back to the OS, and the page faults cost 2-5x
 * on these VMs; the tuned settings keep the heap, jemalloc and tcmalloc (Debian's libjemalloc2,
 * libtcmalloc-minimal4, preloaded) are the usual production choices. A variant whose library is
 * not installed is recorded as missing, never silently replaced.
 */
export const PEER_ALLOCATORS = {
  'glibc-default': {},
  'glibc-tuned': { MALLOC_MMAP_THRESHOLD_: '4000000000', MALLOC_TRIM_THRESHOLD_: '4000000000', MALLOC_TOP_PAD_: '100000000' },
  jemalloc: { LD_PRELOAD: 'libjemalloc.so.2' },
  tcmalloc: { LD_PRELOAD: 'libtcmalloc_minimal.so.4' },
} as const satisfies Record<string, Record<string, string>>;
export type PeerAllocator = keyof typeof PEER_ALLOCATORS;

const LIB_DIRS = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib'];

/** Absolute path of a shared library in the usual Debian places, or null. */
function findLibrary(name: string): string | null {
  for (const dir of LIB_DIRS) {
    const file = path.join(dir, name);
    if (fs.existsSync(file)) return file;
  }
  return null;
}

/**
 * The environment of a peer run: one thread for every BLAS/OpenMP pool unless `threads` says
 * otherwise, and every other OPENBLAS_* variable removed (these machines set OPENBLAS_CORETYPE
 * and OPENBLAS_L2_SIZE for old OpenBLAS builds, which slows current ones), plus the allocator's
 * settings. Null when the allocator's library is not installed.
 */
export function peerEnv(allocator: PeerAllocator, threads = 1): NodeJS.ProcessEnv | null {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('OPENBLAS_') && !k.startsWith('MALLOC_') && k !== 'LD_PRELOAD') env[k] = v;
  const t = String(threads);
  Object.assign(env, { OMP_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t, MKL_NUM_THREADS: t });
  const settings: Record<string, string> = PEER_ALLOCATORS[allocator];
  for (const [k, v] of Object.entries(settings)) {
    if (k !== 'LD_PRELOAD') {
      env[k] = v;
      continue;
    }
    const lib = findLibrary(v);
    if (lib === null) return null;
    env.LD_PRELOAD = lib;
  }
  return env;
}

/** A peer's figures under every allocator, and which one was fastest. */
export interface PeerRun {
  /** The fastest variant's figures: the headline ratio uses these. */
  figures: Record<string, number>;
  /** Name of the fastest variant. */
  allocator: PeerAllocator;
  /** Every variant's figures; `null` where its library is missing or the run failed. */
  variants: Partial<Record<PeerAllocator, Record<string, number> | null>>;
  /** Strings the peer printed (versions and the like), from the fastest variant. */
  info: Record<string, string>;
}

export interface PeerOptions {
  /** The figure (or figures, summed) that decides which variant is fastest. */
  primary: string | string[];
  /** Whether a larger primary figure is better (throughputs); default: smaller is (times). */
  higherIsBetter?: boolean;
  /** Threads for BLAS/OpenMP pools (and the script's own `threads` argument is the caller's). @default 1 */
  threads?: number;
  /** Allocators to try. @default all of PEER_ALLOCATORS */
  allocators?: PeerAllocator[];
}

function runPeerOnce(file: string, args: Record<string, unknown>, env: NodeJS.ProcessEnv): Record<string, number | string> | null {
  const res = spawnSync(pythonInterpreter(), [file, JSON.stringify(args)], { encoding: 'utf8', env, maxBuffer: 64 * 1024 * 1024 });
  if (res.status !== 0) {
    process.stderr.write(`peer ${path.basename(file)} failed (${pythonInterpreter()}): ${res.stderr?.trim().split('\n').pop() ?? res.error}\n`);
    return null;
  }
  return JSON.parse(res.stdout.trim().split('\n').pop() as string) as Record<string, number | string>;
}

/**
 * Runs a Python peer script from bench/peers with JSON args under every allocator of
 * PEER_ALLOCATORS (OpenBLAS variables unset, one thread) and returns all their figures with the
 * fastest one by `primary` first; null if no variant ran (Python or its packages missing).
 */
export function runPythonPeer(script: string, args: Record<string, unknown>, opts: PeerOptions): PeerRun | null {
  const file = path.join(projectRoot(), 'bench', 'peers', script);
  const variants: PeerRun['variants'] = {};
  let best: { allocator: PeerAllocator; out: Record<string, number | string> } | null = null;
  const allocators = opts.allocators ?? (Object.keys(PEER_ALLOCATORS) as PeerAllocator[]);
  for (const allocator of allocators) {
    const env = peerEnv(allocator, opts.threads ?? 1);
    const out = env ? runPeerOnce(file, args, env) : null;
    variants[allocator] = out ? numbersOf(out) : null;
    if (!out) continue;
    const v = primaryOf(out, opts.primary, script);
    const b = best ? primaryOf(best.out, opts.primary, script) : NaN;
    if (!best || (opts.higherIsBetter ? v > b : v < b)) best = { allocator, out };
  }
  if (!best) return null;
  const info = Object.fromEntries(Object.entries(best.out).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  return { figures: numbersOf(best.out), allocator: best.allocator, variants, info };
}

/**
 * The peer's best value of one figure over every allocator that ran: a ratio on a figure other
 * than the primary one (a forward pass next to a whole step) is taken against the peer's best at
 * that figure, not against the variant that was fastest at the primary.
 */
export function bestFigure(run: PeerRun, key: string, higherIsBetter = false): number {
  const values = Object.values(run.variants)
    .map((v) => v?.[key])
    .filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  if (values.length === 0) throw new Error(`no allocator variant reported '${key}'`);
  return higherIsBetter ? Math.max(...values) : Math.min(...values);
}

function primaryOf(out: Record<string, number | string>, primary: string | string[], script: string): number {
  let sum = 0;
  for (const key of typeof primary === 'string' ? [primary] : primary) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`peer ${script} printed no numeric '${key}'`);
    sum += v;
  }
  return sum;
}

function numbersOf(out: Record<string, number | string>): Record<string, number> {
  return Object.fromEntries(Object.entries(out).filter(([, v]) => typeof v === 'number')) as Record<string, number>;
}

/** How every peer's environment is set, recorded with its figures. */
export const PEER_ENV =
  'OPENBLAS_* (but the thread count) unset, OMP/OPENBLAS/MKL_NUM_THREADS = threads; each allocator of PEER_ALLOCATORS tried, the fastest kept';

/** The peer part of a BenchResult: the fastest variant's figures, with every variant kept. */
export function peerRecord(name: string, run: PeerRun, figures: Record<string, number> = run.figures): NonNullable<BenchResult['peer']> {
  return { name, figures, allocator: run.allocator, variants: run.variants, env: PEER_ENV };
}

/** The repository root, from bench/ or from the compiled dist/bench/. */
export function projectRoot(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  return here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '..', '..') : path.resolve(here, '..');
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
      Array.from(
        { length: n },
        () =>
          new Promise<void>((resolve) => {
            const w = new Worker(code, { eval: true });
            w.once('message', () => void w.terminate().then(() => resolve()));
          }),
      ),
    );
    return performance.now() - t0;
  };
  return (2 * (await timeThreads(1))) / (await timeThreads(2));
}
