/**
 * Dataset generation throughput with 2 workers against 1 (target: >= 1.8x), on a reduced
 * burgers-fno setting so each run takes tens of seconds.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveRecipe } from '../datasets/recipes.js';
import { generateDataset } from '../datasets/generate.js';
import { machineInfo, type BenchResult } from './common.js';

export async function run(): Promise<BenchResult> {
  const samples = Number(process.env.PDES_BENCH_GEN_SAMPLES ?? 16);
  const recipe = resolveRecipe('burgers-fno', { samples, nx: 256, solveNx: 2048, frames: 11 });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-bench-gen-'));
  const timeWith = async (workers: number): Promise<number> => {
    const out = path.join(dir, `w${workers}.h5`);
    const t0 = performance.now();
    await generateDataset({ recipe, out, workers, force: true });
    return (performance.now() - t0) / 1000;
  };
  try {
    const t1 = await timeWith(1);
    const t2 = await timeWith(2);
    const identical = Buffer.compare(fs.readFileSync(path.join(dir, 'w1.h5')), fs.readFileSync(path.join(dir, 'w2.h5'))) === 0;
    const speedup = t1 / t2;
    return {
      name: 'generation',
      description: 'burgers-fno generation (solve 2048 points, store 256, 11 frames): throughput with 2 worker threads vs 1',
      ours: { seconds_1_worker: t1, seconds_2_workers: t2, samples_per_s_1: samples / t1, samples_per_s_2: samples / t2 },
      peer: null,
      ratios: { throughput_2_vs_1: speedup },
      target: 'throughput_2_vs_1 >= 1.8',
      met: speedup >= 1.8,
      params: { samples, nx: 256, solveNx: 2048, frames: 11, identical_bytes_1_vs_2_workers: identical, machine: machineInfo() },
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
