/**
 * Long benchmark (not CI, not in the default `npm run bench` list): FNO-1D on burgers-fno as in
 * the FNO paper — 1000 train / 100 test samples at s = 1024, 500 epochs, Adam lr 1e-3 with weight
 * decay 1e-4, step schedule halving every 100 epochs, batch 20, relative-L2 loss, 16 modes,
 * width 64, 4 layers. Target: test relative L2 <= 0.005 (paper 0.016; reference code ~0.0025),
 * and peak RSS <= 2 GiB while training streams from the file.
 *
 * Env: PDES_ACC_DATA (dataset path; generated with `pdes generate burgers-fno --samples 1100
 * --nx 1024` when missing), PDES_ACC_OUT (run dir), PDES_ACC_EPOCHS (500), PDES_ACC_WORKERS (2).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveRecipe } from '../datasets/recipes.js';
import { generateDataset } from '../datasets/generate.js';
import { initBackend, describeBackend } from '../src/engine/backend.js';
import '../src/models/index.js';
import { train } from '../src/training/index.js';
import { evaluateRun } from '../src/pipeline/evaluate_run.js';
import { machineInfo, type BenchResult } from './common.js';

export async function run(): Promise<BenchResult> {
  const data = process.env.PDES_ACC_DATA ?? path.join(os.tmpdir(), 'pdes-acc', 'burgers-fno-1100.h5');
  const out = process.env.PDES_ACC_OUT ?? path.join(os.tmpdir(), 'pdes-acc', 'run');
  const epochs = Number(process.env.PDES_ACC_EPOCHS ?? 500);
  const workers = Number(process.env.PDES_ACC_WORKERS ?? 2);
  if (!fs.existsSync(data)) {
    await generateDataset({ recipe: resolveRecipe('burgers-fno', { samples: 1100, nx: 1024, seed: 0 }), out: data, workers });
  }
  await initBackend();
  let peakRss = 0;
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const timer = setInterval(sampleRss, 1000);
  const t0 = performance.now();
  try {
    const res = await train(
      {
        data,
        model: { kind: 'fno', nModes: 16, width: 64, nLayers: 4 },
        split: { train: 1000, val: 0, test: 100 },
        epochs,
        batchSize: 20,
        optimizer: { kind: 'adam', lr: 1e-3, weightDecay: 1e-4 },
        schedule: { kind: 'step', stepSize: 100, gamma: 0.5 },
        loss: 'rel-l2',
        workers,
        out,
        overwrite: !process.env.PDES_ACC_RESUME,
        resume: Boolean(process.env.PDES_ACC_RESUME),
        checkpointEvery: 5,
      },
      { onBatch: sampleRss },
    );
    res.model.dispose();
    const seconds = (performance.now() - t0) / 1000;
    sampleRss();
    const maxRssKiB = process.resourceUsage().maxRSS;
    const ev = await evaluateRun({ run: out });
    const relL2 = ev.metrics.mean.relL2;
    const last = res.metrics[res.metrics.length - 1];
    return {
      name: 'fno_accuracy',
      description: 'FNO-1D on burgers-fno, 1000 train / 100 test at s=1024, the FNO paper hyper-parameters',
      ours: {
        test_rel_l2: relL2,
        test_nrmse: ev.metrics.mean.nrmse,
        train_loss_last: last.trainLoss,
        epochs: last.epoch,
        train_seconds: seconds,
        seconds_per_epoch: seconds / Math.max(1, res.metrics.length),
        peak_rss_gib: Math.max(peakRss, maxRssKiB * 1024) / 2 ** 30,
      },
      peer: { name: 'FNO paper table (Li et al. 2020, s=1024) / FNO reference code', figures: { paper_rel_l2: 0.016, reference_code_rel_l2: 0.0025 } },
      ratios: { rel_l2_vs_target_0_005: relL2 / 0.005 },
      target: 'test_rel_l2 <= 0.005 and peak_rss_gib <= 2',
      met: relL2 <= 0.005 && Math.max(peakRss, maxRssKiB * 1024) / 2 ** 30 <= 2,
      params: { data, out, epochs, workers, backend: describeBackend(), resolution: ev.resolution, machine: machineInfo() },
    };
  } finally {
    clearInterval(timer);
  }
}
