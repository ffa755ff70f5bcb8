/**
 * Deep-ensemble training throughput: an ensemble of 5 small FNO-1D members (burgers-fno data
 * generated here, s = 512, width 64, 16 modes, 4 layers, 160 training samples, 15 epochs each: long enough that a member thread's start-up, about a second, is not most of it),
 * trained with 2 member worker threads against one member after another (1 worker thread), same
 * seeds, same machine, same run. Target from the issue: parallel time <= 0.6x the sequential time.
 * Five equal members on two threads would take three rounds if members were indivisible (3/5 = 0.6,
 * the target itself); trainEnsemble gives the last, incomplete round both threads (the fifth
 * member trains with 2 data-parallel workers), so the ideal is 2.5/5 = 0.5.
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
import { machineInfo, threadScalingCeiling, type BenchResult } from './common.js';

const P = { members: 5, s: 512, samples: 200, train: 160, epochs: 15, batch: 20, width: 64, nModes: 16, nLayers: 4, rounds: 3 };

export async function run(): Promise<BenchResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-bench-ensemble-'));
  try {
    const data = path.join(dir, 'data.h5');
    await generateDataset({ recipe: resolveRecipe('burgers-fno', { samples: P.samples, nx: P.s, solveNx: P.s, frames: 2 }), out: data, workers: 2 });
    await initBackend('wasm');
    const options = (out: string, ensembleWorkers: number): EnsembleOptionsInput => ({
      data,
      model: { kind: 'fno', nModes: [P.nModes], width: P.width, nLayers: P.nLayers },
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
    // The 1-minute load average before and after: the ratio is only meaningful on an otherwise idle
    // machine. Alternating rounds, medians: this VM's second core comes and goes (the arithmetic
    // ceiling below is measured in the same run).
    const loadBefore = os.loadavg()[0];
    const seqRuns: number[] = [];
    const parRuns: number[] = [];
    for (let k = 0; k < P.rounds; k++) {
      seqRuns.push(await timed(path.join(dir, `seq-${k}`), 1));
      parRuns.push(await timed(path.join(dir, `par-${k}`), 2));
    }
    const ceiling = await threadScalingCeiling();
    const loadAfter = os.loadavg()[0];
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const sequential = median(seqRuns);
    const parallel = median(parRuns);
    // Members 0–3 ran on one thread each in both; member 4 ran with 2 data-parallel workers in the
    // parallel ensemble (tailDataParallel), so it is a different, equally deterministic run.
    const identical = Array.from({ length: P.members - 1 }, (_, i) => {
      const a = readCheckpoint(path.join(dir, 'seq-0', `member-${i}`)).weights;
      const b = readCheckpoint(path.join(dir, 'par-0', `member-${i}`)).weights;
      return a.every((w, k) => Buffer.from(w.buffer).equals(Buffer.from(b[k].buffer)));
    }).every(Boolean);
    const ratio = median(parRuns.map((p, k) => p / seqRuns[k]));
    // Four members two at a time, then the fifth alone on both threads (tailDataParallel): with
    // perfect scaling 2.5 member-times of 5; with members as indivisible units it would be 3 of 5.
    const ideal = 2.5 / P.members;
    return {
      name: 'ensemble',
      description:
        'ensemble of 5 FNO-1D members (s=512, width 64, 16 modes, 4 layers, 160 train samples, 15 epochs each, burgers-fno), 2 member worker threads vs one member after another',
      ours: {
        seconds_sequential: sequential,
        seconds_2_workers: parallel,
        seconds_per_member_sequential: sequential / P.members,
        machine_thread_scaling_ceiling: ceiling,
      },
      peer: null,
      ratios: {
        time_ratio_2_workers_vs_sequential: ratio,
        ideal_ratio_5_members_on_2_workers: ideal,
        member_level_floor: Math.ceil(P.members / 2) / P.members,
        parallel_efficiency: ideal / ratio,
      },
      target: 'time_ratio_2_workers_vs_sequential <= 0.6',
      met: ratio <= 0.6,
      params: {
        ...P,
        seconds_sequential_runs: seqRuns,
        seconds_2_workers_runs: parRuns,
        members0to3BitIdentical: identical,
        loadAverage1mBefore: loadBefore,
        loadAverage1mAfter: loadAfter,
        backend: describeBackend(),
        machine: machineInfo(),
      },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
