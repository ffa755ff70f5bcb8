/**
 * Long benchmark (not CI, not in the default `npm run bench` list): FNO-2D on ns-fno-nu1e-3 in
 * the reduced setting — 200 train / 50 test samples at 64², 10 input frames → 10
 * rolled-out frames — against the same model, data and budget in PyTorch
 * (bench/peers/ns_fno2d_train_torch.py), same machine, same run. Target: our test relative L2
 * ≤ 1.1 × PyTorch's.
 *
 * Protocol (both sides): teacher forcing on every window (frames t−10 … t−1 → t, t = 10 … 19), no
 * normalisation (as the FNO reference's Navier–Stokes script), relative-L2 loss, Adam lr 1e-3 with
 * weight decay 1e-4, StepLR(epochs/4, 0.5), batch 20; test error = relative L2 per sample over the
 * 10 rolled-out frames, mean over the 50 test samples.
 *
 * Data: `pdes generate ns-fno-nu1e-3 --samples 250 --nx 64 --solve-nx 128 --frames 20 --t-end 19`
 * (solved on 128² instead of 256² to fit the hour on 2 cores; README gives the cost per sample).
 * Env: PDES_NSACC_DATA, PDES_NSACC_OUT, PDES_NSACC_EPOCHS (30), PDES_NSACC_WORKERS (2),
 * PDES_NSACC_SOLVE_NX (128).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveRecipe } from '../datasets/recipes.js';
import { generateDataset } from '../datasets/generate.js';
import { initBackend, describeBackend } from '../src/engine/backend.js';
import '../src/models/index.js';
import { train } from '../src/training/index.js';
import { evaluateRun } from '../src/evaluate/evaluate_run.js';
import { machineInfo, peerRecord, runPythonPeer, type BenchResult } from './common.js';

export async function run(): Promise<BenchResult> {
  const solveNx = Number(process.env.PDES_NSACC_SOLVE_NX ?? 128);
  const data = process.env.PDES_NSACC_DATA ?? path.join(os.tmpdir(), 'pdes-nsacc', `ns-fno-nu1e-3-250-s${solveNx}.h5`);
  const out = process.env.PDES_NSACC_OUT ?? path.join(os.tmpdir(), 'pdes-nsacc', 'run');
  const epochs = Number(process.env.PDES_NSACC_EPOCHS ?? 30);
  const workers = Number(process.env.PDES_NSACC_WORKERS ?? 2);
  const P = { nTrain: 200, nTest: 50, history: 10, frames: 20, batch: 20, lr: 1e-3, width: 20, modes: 12, nLayers: 4 };
  let generateSeconds = 0;
  if (!fs.existsSync(data)) {
    const t = performance.now();
    await generateDataset({
      recipe: resolveRecipe('ns-fno-nu1e-3', { samples: P.nTrain + P.nTest, nx: 64, solveNx, frames: P.frames, tEnd: P.frames - 1, seed: 0 }),
      out: data,
      workers,
    });
    generateSeconds = (performance.now() - t) / 1000;
  }
  await initBackend();
  const stepSize = Math.max(1, Math.round(epochs / 4));
  const t0 = performance.now();
  const res = await train(
    {
      data,
      model: { kind: 'fno2d', nModes: [P.modes, P.modes], width: P.width, nLayers: P.nLayers },
      mapping: { kind: 'window', history: P.history, future: 1, stride: 1, pushforward: 0 },
      split: { train: P.nTrain, val: 0, test: P.nTest },
      epochs,
      batchSize: P.batch,
      optimizer: { kind: 'adam', lr: P.lr, weightDecay: 1e-4 },
      schedule: { kind: 'step', stepSize, gamma: 0.5 },
      loss: 'rel-l2',
      normalize: 'none',
      workers,
      out,
      overwrite: true,
      checkpointEvery: 10,
    },
    {},
  );
  res.model.dispose();
  const seconds = (performance.now() - t0) / 1000;
  const ev = await evaluateRun({ run: out });
  const ours = ev.metrics.mean.relL2;
  const peer = runPythonPeer(
    'ns_fno2d_train_torch.py',
    {
      data,
      n_train: P.nTrain,
      n_test: P.nTest,
      history: P.history,
      n_frames: P.frames,
      epochs,
      batch: P.batch,
      lr: P.lr,
      step_size: stepSize,
      gamma: 0.5,
      width: P.width,
      modes: P.modes,
      n_layers: P.nLayers,
      seed: 0,
      threads: workers,
    },
    { primary: 'train_seconds', threads: workers, allocators: ['glibc-tuned'] },
  );
  const theirs = peer?.figures;
  const last = res.metrics[res.metrics.length - 1];
  return {
    name: 'ns_accuracy',
    description: 'FNO-2D on ns-fno-nu1e-3 at 64² (solved on 128²), 200 train / 50 test, 10 frames in -> 10 rolled out, same model and budget as PyTorch',
    ours: {
      test_rel_l2: ours,
      train_loss_last: last.trainLoss,
      epochs: last.epoch,
      train_seconds: seconds,
      generate_seconds: generateSeconds,
    },
    peer:
      peer && theirs
        ? peerRecord('PyTorch (bench/peers/ns_fno2d_train_torch.py), same data, model and budget', peer, {
            test_rel_l2: theirs.test_rel_l2,
            train_seconds: theirs.train_seconds,
            last_train_loss: theirs.last_train_loss,
          })
        : null,
    ratios: theirs ? { rel_l2_vs_torch: ours / theirs.test_rel_l2, train_time_vs_torch: seconds / theirs.train_seconds } : {},
    target: 'rel_l2_vs_torch <= 1.1',
    met: theirs ? ours / theirs.test_rel_l2 <= 1.1 : undefined,
    params: { data, out, epochs, workers, ...P, backend: describeBackend(), machine: machineInfo() },
  };
}
