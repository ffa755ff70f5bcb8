/**
 * Deep-ensemble training throughput: an ensemble of 5 small FNO-1D members (burgers-fno data
 * generated here, s = 512, width 64, 16 modes, 4 layers, 160 training samples, 5 epochs each),
 * trained with 2 member worker threads against one member after another (1 worker thread), same
 * seeds, same machine, same run. Target from the issue: parallel time <= 0.6x the sequential time.
 * Five equal members on two threads take three rounds, so 3/5 = 0.6 is also the ideal ratio: the
 * figure measures how close the threads come to it (worker start-up, memory bandwidth).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { generateDataset } from '../datasets/generate.js';
import { resolveRecipe } from '../datasets/recipes.js';
import { describeBackend, initBackend } from '../src/engine/backend.js';
import '../src/models/index.js';
import { readCheckpoint } from '../src/training/index.js';
import { trainEnsemble, type EnsembleOptionsInput } from '../src/uq/index.js';
import { machineInfo, type BenchResult } from './common.js';

const P = { members: 5, s: 512, samples: 200, train: 160, epochs: 5, batch: 20, width: 64, nModes: 16, nLayers: 4 };

export async function run(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-bench-ensemble-'));
  try {
    const data = path.join(dir, 'data.h5');
    await generateDataset({ recipe: resolveRecipe('burgers-fno', { samples: P.samples, nx: P.s, solveNx: P.s, frames: 2 }), out: data, workers: 2 });
    await initBackend('wasm');
    const options = (out: string, ensembleWorkers: number): EnsembleOptionsInput => ({
      data,
      model: { kind: 'fno', nModes: P.nModes, width: P.width, nLayers: P.nLayers },
      split: { train: P.train, val: 20, test: 20 },
      epochs: P.epochs,
      batchSize: P.batch,
      schedule: 'constant',
      backend: 'wasm',
      checkpointEvery: 1000,
      out,
      ensemble: P.members,
      ensembleWorkers,
    });
    const timed = async (out: string, lanes: number): Promise<number> => {
      const t0 = performance.now();
      await trainEnsemble(options(out, lanes), { progress: false });
      return (performance.now() - t0) / 1000;
    };
    // The 1-minute load average before and after: the ratio is only meaningful on an otherwise idle machine.
    const loadBefore = os.loadavg()[0];
    const sequential = await timed(path.join(dir, 'seq'), 1);
    const parallel = await timed(path.join(dir, 'par'), 2);
    const loadAfter = os.loadavg()[0];
    const identical = Array.from({ length: P.members }, (_, i) => {
      const a = readCheckpoint(path.join(dir, 'seq', `member-${i}`)).weights;
      const b = readCheckpoint(path.join(dir, 'par', `member-${i}`)).weights;
      return a.every((w, k) => Buffer.from(w.buffer).equals(Buffer.from(b[k].buffer)));
    }).every(Boolean);
    const ratio = parallel / sequential;
    const ideal = Math.ceil(P.members / 2) / P.members;
    return {
      name: 'ensemble',
      description: 'ensemble of 5 FNO-1D members (s=512, width 64, 16 modes, 4 layers, 160 train samples, 5 epochs each, burgers-fno), 2 member worker threads vs one member after another',
      ours: { seconds_sequential: sequential, seconds_2_workers: parallel, seconds_per_member_sequential: sequential / P.members },
      peer: null,
      ratios: { time_ratio_2_workers_vs_sequential: ratio, ideal_ratio_5_members_on_2_workers: ideal, parallel_efficiency: ideal / ratio },
      target: 'time_ratio_2_workers_vs_sequential <= 0.6',
      met: ratio <= 0.6,
      params: { ...P, membersBitIdentical: identical, loadAverage1mBefore: loadBefore, loadAverage1mAfter: loadAfter, backend: describeBackend(), machine: machineInfo() },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
