/**
 * Dataset generation: runs the reference solver for every sample of a resolved recipe and
 * writes an HDF5 file in PDEBench's layout.
 *
 * - Parallel: samples go to worker threads (`workers`), one sample at a time each.
 * - Safe to interrupt: the output is a valid HDF5 file at every moment; finished samples are
 *   flushed one by one and marked in `samples-done`. A file cut short has no `complete` attribute.
 * - Resumable: `resume` reopens such a file (same recipe required) and computes only the missing
 *   samples. When all are done, the file is rewritten canonically (fixed clock, index order,
 *   `complete` last, atomic rename), so an interrupted-and-resumed run, an uninterrupted run and
 *   merged shards give the same bytes.
 * - Shardable: `shard = {index, count}` computes a deterministic contiguous slice; `mergeShards`
 *   joins the slices into the single-run file.
 */
import { InputError, InterruptedError } from '../core/errors.js';
import fs from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { H5Dataset, ProgressiveWriter, writeCanonical, h5ready, type DatasetHeader } from '../src/data/index.js';
import { makeDirUndoable, removeStaleTemps } from '../core/atomic.js';
import { capWorkers, checkDisk, checkMemory } from '../core/resources.js';
import { journalPath } from '../src/data/journal.js';
import { withOutputLock } from '../src/data/lock.js';
import type { SampleRecord } from '../src/data/writer.js';
import { recipeDifference, recipeJson } from './recipes.js';
import { computeSampleRecord, SampleError, storedGrid } from './sample.js';
import { familyOf } from './families/index.js';
import { frameShape, type RecipeBase } from './families/family.js';
import { SolverInputError } from '../solvers/errors.js';
import { compiledModuleUrl, packageVersion } from '../core/runtime.js';
import { SOLVER_VERSION } from '../solvers/version.js';
import type { WorkerReply, WorkerRequest } from './generate_worker.js';

/** A failure of the generation itself (not of its options); the CLI exits 1. */
export class GenerationError extends Error {
  override name = 'GenerationError';
}

/** Options that cannot be used; the CLI exits 2. */
export class GenerationUsageError extends InputError {
  override name = 'GenerationUsageError';
}

/** The run was interrupted; finished samples are kept and `--resume` completes the file. */
export class GenerationInterrupted extends InterruptedError {
  override name = 'GenerationInterrupted';
  constructor(
    readonly done: number,
    readonly total: number,
    readonly path: string,
  ) {
    super(`interrupted: ${done}/${total} samples kept in ${path}; run again with --resume to complete it`);
  }
}

export interface Shard {
  index: number;
  count: number;
}

export interface GenerationProgress {
  /** Samples finished so far in this file (including those kept from before a resume). */
  done: number;
  total: number;
  /** Samples that were already finished when this run started. */
  resumedFrom: number;
}

export interface GenerateOptions {
  recipe: RecipeBase;
  /** Output HDF5 path. */
  out: string;
  /** Worker threads; 1 computes in the calling thread. @default os.availableParallelism() */
  workers?: number;
  /** Continue an interrupted file instead of refusing to touch it. @default false */
  resume?: boolean;
  /** Overwrite an existing file. @default false */
  overwrite?: boolean;
  /** @deprecated The old name of `overwrite`, still accepted (read only through overwriteOf). */
  force?: boolean;
  /** Generate only this slice of the samples. */
  shard?: Shard;
  onProgress?: (p: GenerationProgress) => void;
  /** Abort to interrupt: finished samples are kept. */
  signal?: AbortSignal;
  /** Skip the refusal of runs larger than the free disk or memory (core/resources.ts). @default false */
  skipResourceCheck?: boolean;
}

/** `overwrite`, or its deprecated alias `force`: the one place the old name is read. */
function overwriteOf(opts: { overwrite?: boolean; force?: boolean }): boolean {
  if (opts.overwrite !== undefined && opts.force !== undefined)
    throw new GenerationUsageError('force and overwrite are the same field (force is the old name): give it once');
  return Boolean(opts.overwrite ?? opts.force);
}

export interface GenerateResult {
  path: string;
  /** Samples in this file. */
  samples: number;
  /** Samples computed by this call. */
  computed: number;
  seconds: number;
  /** True when the file was already complete (resume of a finished file). */
  alreadyComplete: boolean;
}

/** Parses 'i/N' (0-based i < N). */
export function parseShard(s: string): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(s);
  if (!m) throw new GenerationUsageError(`--shard=${s} is not allowed: use i/N with 0 <= i < N, e.g. 0/4`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (!(count >= 1 && index < count)) throw new GenerationUsageError(`--shard=${s} is not allowed: use i/N with 0 <= i < N, e.g. 0/4`);
  return { index, count };
}

/** The contiguous sample range [start, end) of a shard: deterministic, covering all samples once. */
export function shardRange(samples: number, shard?: Shard): [number, number] {
  if (!shard) return [0, samples];
  if (shard.count > samples) {
    throw new GenerationUsageError(`--shard=${shard.index}/${shard.count} is not allowed: ${samples} samples cannot fill ${shard.count} shards`);
  }
  return [Math.floor((shard.index * samples) / shard.count), Math.floor(((shard.index + 1) * samples) / shard.count)];
}

/** The file header (shape, coordinates, attributes) for a recipe, or for one shard of it. */
export function datasetHeader(r: RecipeBase, shard?: Shard): DatasetHeader {
  const family = familyOf(r);
  const [start, end] = shardRange(r.samples, shard);
  const attrs: Record<string, number | string> = {
    equation: r.equation,
    generator: 'pde-surrogate',
    'package-version': packageVersion(),
    recipe: recipeJson(r),
    seed: r.seed,
    solver: family.solverName(r),
    'solver-version': SOLVER_VERSION,
    ...family.attributes(r),
  };
  if (shard) {
    attrs.shard = `${shard.index}/${shard.count}`;
    attrs['sample-offset'] = start;
  }
  // Axes x, y, z as the frame has dimensions, then t.
  const axes: Record<string, Float64Array> = {};
  for (const name of ['x', 'y', 'z'].slice(0, family.dims)) axes[name] = storedGrid(r).points();
  const header: DatasetHeader = {
    shape: [end - start, r.nFrames, ...frameShape(family, r)],
    coordinates: { ...axes, t: family.outputTimes(r) } as DatasetHeader['coordinates'],
    attrs,
  };
  const extras = family.extras(r);
  if (extras !== undefined) header.extras = extras;
  return header;
}

function checkSameRecipe(path: string, fileRecipe: unknown, r: RecipeBase, what: string): void {
  const diff = recipeDifference(fileRecipe, JSON.parse(recipeJson(r)));
  if (diff) throw new GenerationUsageError(`${what} ${path} was made by a different recipe (${diff}); use the same options or another output`);
}

/** Generates (or resumes) one dataset file. */
export async function generateDataset(opts: GenerateOptions): Promise<GenerateResult> {
  await h5ready();
  const overwrite = overwriteOf(opts);
  if (opts.resume && overwrite) throw new GenerationUsageError('resume: true and overwrite: true exclude each other: complete the file or replace it');
  if (fs.existsSync(opts.out) && fs.statSync(opts.out).isDirectory())
    throw new GenerationUsageError(`-o ${opts.out} is a directory: give a file path, e.g. ${join(opts.out, 'data.h5')}`);
  const undoDir = makeDirUndoable(dirname(opts.out));
  try {
    // One writer per output: a second run over the same file stops here, before touching it.
    return await withOutputLock(`${opts.out}.lock`, opts.out, () => {
      removeStaleTemps(opts.out);
      return generateLocked(opts, overwrite);
    });
  } catch (err) {
    // A run refused before it wrote anything leaves no folder behind.
    if (!fs.existsSync(opts.out)) undoDir();
    throw err;
  }
}

async function generateLocked(opts: GenerateOptions, overwrite: boolean): Promise<GenerateResult> {
  const t0 = performance.now();
  const r = opts.recipe;
  const [start, end] = shardRange(r.samples, opts.shard);
  const total = end - start;
  const path = opts.out;
  const asked = opts.workers ?? os.availableParallelism();
  if (!Number.isInteger(asked) || asked < 1) throw new GenerationUsageError(`--workers=${asked} is not allowed: use an integer >= 1`);
  const workers = capWorkers(asked, '--workers');
  if (!opts.skipResourceCheck) checkGenerationResources(r, total, workers, path);
  const header = datasetHeader(r, opts.shard);

  preflight(r, start);
  let writer: ProgressiveWriter;
  if (fs.existsSync(path) && !overwrite) {
    if (!opts.resume) {
      throw new GenerationUsageError(`${path} exists: pass resume: true to complete it or overwrite: true to replace it`);
    }
    // The sample journal, when there is one for this recipe and shard, is what resumes: a kill -9
    // can leave the HDF5 file unreadable, or reading back wrong values (src/data/journal.ts).
    let existing: H5Dataset | null = null;
    let unreadable: unknown = null;
    try {
      existing = H5Dataset.open(path);
    } catch (err) {
      unreadable = err;
    }
    if (existing?.status === 'complete') {
      existing.close();
      fs.rmSync(journalPath(path), { force: true });
      return { path, samples: total, computed: 0, seconds: (performance.now() - t0) / 1000, alreadyComplete: true };
    }
    existing?.close();
    const recovered = ProgressiveWriter.recover(path, header);
    if (recovered !== null) return finishGeneration(recovered);
    if (existing === null) throw unreadable;
    const status = existing.status;
    const fileRecipe = existing.recipe;
    const fileShard = existing.attrs.shard ?? null;
    if (status === 'foreign') throw new GenerationUsageError(`--resume: ${path} was not written by pde-surrogate; choose another output`);
    checkSameRecipe(path, fileRecipe, r, '--resume:');
    const wantShard = header.attrs.shard ?? null;
    if (fileShard !== wantShard) {
      throw new GenerationUsageError(`--resume: ${path} holds shard ${fileShard ?? 'none'} but shard ${wantShard ?? 'none'} was asked for`);
    }
    writer = ProgressiveWriter.open(path);
  } else {
    writer = ProgressiveWriter.create(path, header, { overwrite });
  }
  return finishGeneration(writer);

  async function finishGeneration(writer: ProgressiveWriter): Promise<GenerateResult> {
    try {
      const done = writer.done();
      const todo: number[] = [];
      for (let k = 0; k < total; k++) if (!done[k]) todo.push(k);
      let nDone = total - todo.length;
      const resumedFrom = nDone;
      opts.onProgress?.({ done: nDone, total, resumedFrom });
      const onSample = (k: number, data: Float32Array, extras?: Record<string, Float64Array>): void => {
        writer.writeSample(k, data, extras);
        nDone++;
        opts.onProgress?.({ done: nDone, total, resumedFrom });
      };
      if (workers === 1 || todo.length <= 1) {
        for (const k of todo) {
          if (opts.signal?.aborted) throw new GenerationInterrupted(nDone, total, path);
          const s = computeSampleRecord(r, start + k);
          onSample(k, s.tensor, s.extras);
          // Let signal handlers run between samples.
          await new Promise((res) => setImmediate(res));
        }
      } else {
        await runPool(r, start, todo, Math.min(workers, todo.length), onSample, opts.signal, () => nDone, total, path);
      }
      writeCanonical(path, header, (k) => (header.extras ? writer.readRecord(k) : writer.readSample(k)));
      writer.removeJournal();
    } finally {
      writer.close();
    }
    return { path, samples: total, computed: total, seconds: (performance.now() - t0) / 1000, alreadyComplete: false };
  }
}

/**
 * Refuses a run this machine cannot hold, before anything is allocated or written: the file
 * (float32 samples; three times: the progressive file, its sample journal, and the canonical
 * copy written before it replaces the progressive file) against the free disk, and each worker's solver state (float64 fields on the
 * solve grid, about 32 of them for the Runge–Kutta stages, plus its stored frames) against the
 * available memory.
 */
function checkGenerationResources(r: RecipeBase, total: number, workers: number, path: string): void {
  const dims = familyOf(r).dims;
  const sampleValues = r.nFrames * r.nx ** dims;
  const fileBytes = total * sampleValues * 4;
  const existing = fs.existsSync(path) ? fs.statSync(path).size : 0;
  checkDisk(Math.max(0, 3 * fileBytes - existing), path, `${r.name} with ${total} samples of ${r.nFrames} × ${r.nx}${dims === 2 ? `×${r.nx}` : ''} values`);
  const perWorker = 32 * 8 * r.solveNx ** dims + 3 * 8 * sampleValues;
  checkMemory(
    Math.min(workers, total) * perWorker,
    `${r.name} on ${Math.min(workers, total)} worker(s) (solve grid ${r.solveNx}${dims === 2 ? `×${r.solveNx}` : ''})`,
  );
}

/**
 * Checks what can be checked before a file is touched: a configuration the solver refuses (for
 * Navier–Stokes a forcing on the wrong domain, a fixed step above the explicit-advection bound of
 * the first sample) is a usage error (exit 2), not a failure midway.
 */
function preflight(r: RecipeBase, first: number): void {
  const family = familyOf(r);
  if (!family.preflight) return;
  try {
    family.preflight(r, first);
  } catch (e) {
    if (e instanceof SolverInputError) throw new GenerationUsageError(`sample ${first}: ${e.message}`);
    throw e;
  }
}

async function runPool(
  r: RecipeBase,
  offset: number,
  todo: number[],
  nWorkers: number,
  onSample: (k: number, data: Float32Array, extras?: Record<string, Float64Array>) => void,
  signal: AbortSignal | undefined,
  doneCount: () => number,
  total: number,
  path: string,
): Promise<void> {
  const url = compiledModuleUrl(import.meta.url, './generate_worker.js');
  const pool = Array.from({ length: nWorkers }, () => new Worker(url));
  let next = 0;
  try {
    await new Promise<void>((resolve, reject) => {
      let active = 0;
      let failed = false;
      const fail = (e: Error): void => {
        if (!failed) {
          failed = true;
          reject(e);
        }
      };
      const onAbort = (): void => fail(new GenerationInterrupted(doneCount(), total, path));
      signal?.addEventListener('abort', onAbort, { once: true });
      const dispatch = (w: Worker): void => {
        if (failed) return;
        if (signal?.aborted) return onAbort();
        if (next >= todo.length) {
          if (active === 0) {
            signal?.removeEventListener('abort', onAbort);
            resolve();
          }
          return;
        }
        const k = todo[next++];
        active++;
        w.postMessage({ recipe: r, index: offset + k } satisfies WorkerRequest);
      };
      for (const w of pool) {
        w.on('message', (msg: WorkerReply) => {
          active--;
          if (failed) return;
          if ('error' in msg) {
            return fail(msg.unstable ? new GenerationError(msg.error) : new GenerationError(`sample ${msg.index}: ${msg.error}`));
          }
          try {
            onSample(msg.index - offset, msg.data, msg.extras);
          } catch (e) {
            return fail(e instanceof Error ? e : new Error(String(e)));
          }
          dispatch(w);
        });
        w.on('error', (e) => fail(e));
        w.on('exit', (code) => {
          if (code !== 0) fail(new GenerationError(`a generation worker exited with code ${code}`));
        });
      }
      for (const w of pool) dispatch(w);
    });
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
}

export interface MergeOptions {
  shards: string[];
  out: string;
  /** Replace an existing output file. @default false */
  overwrite?: boolean;
  /** @deprecated The old name of `overwrite`, still accepted (read only through overwriteOf). */
  force?: boolean;
}

/**
 * Joins shard files into the file a single run would have written (byte for byte). Every shard
 * must be complete, from the same recipe, and together they must cover every sample once.
 */
export async function mergeShards(opts: MergeOptions): Promise<{ path: string; samples: number }> {
  await h5ready();
  if (opts.shards.length === 0) throw new GenerationUsageError('pdes merge: no shard files given');
  const input = opts.shards.find((p) => fs.existsSync(p) && fs.existsSync(opts.out) && fs.realpathSync(p) === fs.realpathSync(opts.out));
  if (input !== undefined) throw new GenerationUsageError(`pdes merge: -o ${opts.out} is one of the shards being merged: choose another output`);
  if (fs.existsSync(opts.out) && !overwriteOf(opts)) throw new GenerationUsageError(`${opts.out} exists: pass overwrite: true to replace it`);
  const undoDir = makeDirUndoable(dirname(opts.out));
  try {
    return await withOutputLock(`${opts.out}.lock`, opts.out, async () => {
      removeStaleTemps(opts.out);
      return mergeLocked(opts);
    });
  } catch (err) {
    if (!fs.existsSync(opts.out)) undoDir();
    throw err;
  }
}

async function mergeLocked(opts: MergeOptions): Promise<{ path: string; samples: number }> {
  const files = opts.shards.map((p) => H5Dataset.open(p));
  try {
    let recipe: RecipeBase | null = null;
    let count = -1;
    const bySlot = new Map<number, H5Dataset>();
    for (const f of files) {
      if (f.status !== 'complete')
        throw new GenerationError(
          `${f.path} is ${f.status === 'incomplete' ? 'incomplete: finish it with --resume' : 'not a pde-surrogate file'} before merging`,
        );
      const shardAttr = f.attrs.shard;
      if (typeof shardAttr !== 'string') throw new GenerationUsageError(`${f.path} is not a shard (no shard attribute)`);
      const s = parseShard(shardAttr);
      const fr = f.recipe as unknown as RecipeBase;
      if (recipe === null) {
        recipe = fr;
        count = s.count;
      } else {
        checkSameRecipe(f.path, fr, recipe, 'pdes merge:');
        if (s.count !== count) throw new GenerationUsageError(`${f.path} is shard ${shardAttr} but other shards are of ${count}`);
      }
      if (bySlot.has(s.index)) throw new GenerationUsageError(`shard ${shardAttr} given twice: ${bySlot.get(s.index)?.path} and ${f.path}`);
      bySlot.set(s.index, f);
    }
    const missing = [...Array(count).keys()].filter((i) => !bySlot.has(i));
    if (missing.length) throw new GenerationUsageError(`pdes merge: shards ${missing.map((i) => `${i}/${count}`).join(', ')} are missing`);
    const r = recipe as RecipeBase;
    const header = datasetHeader(r);
    const ranges = [...Array(count).keys()].map((i) => shardRange(r.samples, { index: i, count }));
    writeCanonical(opts.out, header, (k): Float32Array | SampleRecord => {
      const slot = ranges.findIndex(([a, b]) => k >= a && k < b);
      const f = bySlot.get(slot) as H5Dataset;
      const i = k - ranges[slot][0];
      if (header.extras === undefined) return f.readSample(i);
      const extras: Record<string, Float64Array> = {};
      for (const name of Object.keys(header.extras)) extras[name] = f.readExtra(name, i, i + 1);
      return { tensor: f.readSample(i), extras };
    });
    return { path: opts.out, samples: r.samples };
  } finally {
    for (const f of files) f.close();
  }
}

export { SampleError };
