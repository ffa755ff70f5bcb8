/**
 * Long benchmarks (not CI, not in the default `npm run bench` list) of FNO-1D accuracy on Burgers.
 *
 * `fno_accuracy` (`run`): on burgers-fno, the setting the FNO paper's text states (ν = 0.1,
 * N(0, 625(−Δ+25I)⁻²)) — 1000 train / 100 test samples at s = 1024, 500 epochs, Adam lr 1e-3
 * with weight decay 1e-4, step schedule halving every 100 epochs, batch 20, relative-L2 loss, 16
 * modes, width 64, 4 layers. Target: test relative L2 <= 0.005, and peak RSS <= 2 GiB while
 * training streams from the file. By t = 1 this solution has decayed to ~1.7 % of u₀, so the
 * figure is not comparable with the paper's table (0.016) or the reference code (~0.0025).
 * Env: PDES_ACC_DATA (dataset path; generated with `pdes generate burgers-fno --samples 1100
 * --nx 1024` when missing), PDES_ACC_OUT (run dir), PDES_ACC_EPOCHS (500), PDES_ACC_WORKERS (2).
 *
 * `fno_accuracy_ref` (`runRef`): on burgers-fno-ref, the data of the paper's table (the FNO
 * repository's gen_burgers1.m: ν = 1e-3, σ = 7², τ = 7, γ = 2.5; 8192 solved, 1024 stored), side
 * by side with the reference training in PyTorch (bench/peers/fno1d_train_torch.py, the protocol
 * of the repository's fourier_1d.py) on the same file, split, budget and hyper-parameters.
 * Target: our test relative L2 <= 1.1 × PyTorch's.
 * - Both: FNO-1D, 16 modes, width 64, 4 layers, projection 128, grid coordinate appended; input
 *   u(0), target u(1), no normalisation (`normalize: 'none'`: the reference has none); batch 20;
 *   Adam lr 1e-3; StepLR(50, 0.5) per epoch (fourier_1d.py: step_size = 50, gamma = 0.5); the
 *   same train and test sample indices (ours, passed to the peer); test error = relative L2 per
 *   test sample, mean over the test samples.
 * - Loss scale and weight decay: fourier_1d.py sums the per-sample relative L2 over the batch
 *   (LpLoss(size_average=False)) where we average, and its Adam adds λ·θ (λ = 1e-4) to that
 *   gradient. Its gradient is g_ref = B·ḡ + λθ = B·(ḡ + (λ/B)·θ), B = 20, ḡ our mean-loss gradient.
 *   Adam's step m̂/(√v̂ + ε) is unchanged when its input is scaled by B and ε by B with it, so
 *   training ours on ḡ + (λ/B)·θ with ε/B reproduces the reference update exactly (in exact
 *   arithmetic, for full batches): weight decay 1e-4/20 = 5e-6 and eps 1e-8/20 = 5e-10. Checked
 *   in PyTorch on a small FNO: after 30 Adam steps the two settings' weights agree to 5e-7 (float
 *   rounding), while the mean loss with the unscaled 1e-4 ends 0.055 away.
 * - Adam variant: the peer runs torch.optim.Adam (one second moment per real and imaginary part of
 *   a complex weight, as ours on its (re, im) weights), so both sides do the same maths. The
 *   repository's own Adam.py keeps one second moment of |g|² per complex entry instead;
 *   PDES_ACC_REF_ADAM=modulus runs the peer that way (40 epochs at 100 / 20 samples: test 0.175
 *   against 0.165 with torch's Adam, one seed).
 * - Budget, fixed before running: both sides together ≤ 60 minutes of a 2-core machine, ours with
 *   2 data-parallel workers and PyTorch with 2 threads, one after the other. The reference's 500
 *   epochs and schedule (StepLR(50, 0.5): 9 halvings) are kept at s = 1024, and the sample counts
 *   are scaled down from 1000 train / 100 test to 300 / 100 (PDES_ACC_REF_TRAIN /
 *   PDES_ACC_REF_TEST): 15 steps per epoch, 7500 steps a side. Per step on a quiet 2-core
 *   machine (bench/results, 2026-11-25): ours 0.124 s with 2 workers, PyTorch 0.17 s with one
 *   thread (0.111–0.122 s with the tuned allocator, issue 9; 2 threads, not timed on a quiet
 *   machine, should be no slower), so ours ≈ 15.5 min and PyTorch ≈ 11–21 min, ≈ 27–37 min
 *   together, plus ≈ 5 min to generate the 400 samples (measured here: 193 CPU-s for 120) when
 *   PDES_ACC_DATA is not given: ~40% headroom.
 *   Scaling the samples rather than the epochs keeps the reference's optimisation schedule; fewer
 *   training samples raise both errors alike, so the ratio is the comparison (the absolute error
 *   is not the 1000-sample ~0.0025). On a loaded machine PyTorch's 2 OpenMP threads stall (6×
 *   slower per epoch measured here at load 9): run it on a quiet one.
 * Env: PDES_ACC_DATA (default: generated with `pdes generate burgers-fno-ref --samples N`,
 * N = train + test, when missing; a larger file works: the first `train` samples train, the last
 * `test` test), PDES_ACC_OUT, PDES_ACC_EPOCHS (500), PDES_ACC_WORKERS (2: our workers and
 * PyTorch's threads), PDES_ACC_REF_TRAIN (300, a multiple of 20), PDES_ACC_REF_TEST (100),
 * PDES_ACC_REF_ADAM (torch | modulus).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveRecipe } from '../datasets/recipes.js';
import { generateDataset } from '../datasets/generate.js';
import { H5Dataset, h5ready } from '../src/data/index.js';
import { initBackend, describeBackend } from '../src/engine/backend.js';
import '../src/models/index.js';
import { train, type TrainOptionsInput } from '../src/training/index.js';
import { evaluateRun } from '../src/evaluate/evaluate_run.js';
import { machineInfo, peerRecord, runPythonPeer, type BenchResult } from './common.js';

/** The FNO reference's batch, and the factor between its summed loss and our mean. */
const BATCH = 20;
/** fourier_1d.py's Adam: lr 1e-3, weight decay 1e-4 on the summed loss, torch's default eps. */
const REF_ADAM = { lr: 1e-3, weightDecay: 1e-4, eps: 1e-8 };

interface Trained {
  relL2: number;
  nrmse: number;
  trainLossLast: number;
  epochs: number;
  seconds: number;
  peakRssGiB: number;
  splits: { train: number[]; test: number[] };
  resolution: unknown;
}

/** Trains `opts` into `opts.out` while sampling RSS, then evaluates the test split. */
async function trainAndEvaluate(opts: TrainOptionsInput & { out: string }): Promise<Trained> {
  await initBackend();
  let peakRss = 0;
  const sampleRss = (): void => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  };
  const timer = setInterval(sampleRss, 1000);
  try {
    const t0 = performance.now();
    const res = await train(opts, { onBatch: sampleRss });
    res.model.dispose();
    const seconds = (performance.now() - t0) / 1000;
    sampleRss();
    const ev = await evaluateRun({ run: opts.out });
    const last = res.metrics[res.metrics.length - 1];
    return {
      relL2: ev.metrics.mean.relL2,
      nrmse: ev.metrics.mean.nrmse,
      trainLossLast: last.trainLoss,
      epochs: last.epoch,
      seconds,
      peakRssGiB: Math.max(peakRss, process.resourceUsage().maxRSS * 1024) / 2 ** 30,
      splits: { train: res.splits.train, test: ev.indices },
      resolution: ev.resolution,
    };
  } finally {
    clearInterval(timer);
  }
}

export async function run(): Promise<BenchResult> {
  const data = process.env.PDES_ACC_DATA ?? path.join(os.tmpdir(), 'pdes-acc', 'burgers-fno-1100.h5');
  const out = process.env.PDES_ACC_OUT ?? path.join(os.tmpdir(), 'pdes-acc', 'run');
  const epochs = Number(process.env.PDES_ACC_EPOCHS ?? 500);
  const workers = Number(process.env.PDES_ACC_WORKERS ?? 2);
  await ensureData(resolveRecipe('burgers-fno', { samples: 1100, nx: 1024, seed: 0 }), data, workers);
  const ours = await trainAndEvaluate({
    data,
    model: { kind: 'fno', nModes: [16], width: 64, nLayers: 4 },
    split: { train: 1000, val: 0, test: 100 },
    epochs,
    batchSize: BATCH,
    optimizer: { kind: 'adam', lr: 1e-3, weightDecay: 1e-4 },
    schedule: { kind: 'step', stepSize: 100, gamma: 0.5 },
    loss: 'rel-l2',
    workers,
    out,
    overwrite: !process.env.PDES_ACC_RESUME,
    resume: Boolean(process.env.PDES_ACC_RESUME),
    checkpointEvery: 5,
  });
  return {
    name: 'fno_accuracy',
    description: 'FNO-1D on burgers-fno, 1000 train / 100 test at s=1024, the FNO paper hyper-parameters',
    ours: {
      test_rel_l2: ours.relL2,
      test_nrmse: ours.nrmse,
      train_loss_last: ours.trainLossLast,
      epochs: ours.epochs,
      train_seconds: ours.seconds,
      seconds_per_epoch: ours.seconds / Math.max(1, ours.epochs),
      peak_rss_gib: ours.peakRssGiB,
    },
    peer: { name: 'FNO paper table (Li et al. 2020, s=1024) / FNO reference code', figures: { paper_rel_l2: 0.016, reference_code_rel_l2: 0.0025 } },
    ratios: { rel_l2_vs_target_0_005: ours.relL2 / 0.005 },
    target: 'test_rel_l2 <= 0.005 and peak_rss_gib <= 2',
    met: ours.relL2 <= 0.005 && ours.peakRssGiB <= 2,
    params: { data, out, epochs, workers, backend: describeBackend(), resolution: ours.resolution, machine: machineInfo() },
  };
}

export async function runRef(): Promise<BenchResult> {
  const nTrain = Number(process.env.PDES_ACC_REF_TRAIN ?? 300);
  const nTest = Number(process.env.PDES_ACC_REF_TEST ?? 100);
  const epochs = Number(process.env.PDES_ACC_EPOCHS ?? 500);
  const workers = Number(process.env.PDES_ACC_WORKERS ?? 2);
  const adam = process.env.PDES_ACC_REF_ADAM ?? 'torch';
  if (adam !== 'torch' && adam !== 'modulus') throw new Error(`PDES_ACC_REF_ADAM=${adam} is not allowed: use torch or modulus`);
  if (!Number.isInteger(nTrain) || nTrain < BATCH || nTrain % BATCH !== 0) {
    throw new Error(`PDES_ACC_REF_TRAIN=${nTrain} is not allowed: use a multiple of ${BATCH} (the reference's summed loss assumes full batches)`);
  }
  const data = process.env.PDES_ACC_DATA ?? path.join(os.tmpdir(), 'pdes-acc', `burgers-fno-ref-${nTrain + nTest}.h5`);
  const out = process.env.PDES_ACC_OUT ?? path.join(os.tmpdir(), 'pdes-acc', 'run-ref');
  const generateSeconds = await ensureData(resolveRecipe('burgers-fno-ref', { samples: nTrain + nTest }), data, workers);
  const stepSize = 50;
  const gamma = 0.5;
  const ours = await trainAndEvaluate({
    data,
    model: { kind: 'fno', nModes: [16], width: 64, nLayers: 4, projectionChannels: 128 },
    mapping: { kind: 'initial-to-final', inFrame: 0, outFrame: -1 },
    split: { train: nTrain, val: 0, test: nTest },
    epochs,
    batchSize: BATCH,
    // The reference's summed loss scaled to our mean: weight decay and eps divided by the batch.
    optimizer: { kind: 'adam', lr: REF_ADAM.lr, weightDecay: REF_ADAM.weightDecay / BATCH, eps: REF_ADAM.eps / BATCH },
    schedule: { kind: 'step', stepSize, gamma },
    loss: 'rel-l2',
    normalize: 'none',
    seed: 0,
    workers,
    out,
    overwrite: true,
    checkpointEvery: 50,
  });
  const peer = runPythonPeer(
    'fno1d_train_torch.py',
    {
      data,
      train_indices: ours.splits.train,
      test_indices: ours.splits.test,
      epochs,
      batch: BATCH,
      lr: REF_ADAM.lr,
      weight_decay: REF_ADAM.weightDecay,
      step_size: stepSize,
      gamma,
      width: 64,
      modes: 16,
      n_layers: 4,
      seed: 0,
      threads: workers,
      adam,
    },
    { primary: 'train_seconds', threads: workers, allocators: ['glibc-tuned'] },
  );
  const theirs = peer?.figures;
  return {
    name: 'fno_accuracy_ref',
    description: `FNO-1D on burgers-fno-ref (the FNO repository's generator, nu = 1e-3), ${nTrain} train / ${nTest} test at s=1024, ${epochs} epochs, vs the reference training in PyTorch on the same file, split and budget`,
    ours: {
      test_rel_l2: ours.relL2,
      test_nrmse: ours.nrmse,
      train_loss_last: ours.trainLossLast,
      epochs: ours.epochs,
      train_seconds: ours.seconds,
      seconds_per_epoch: ours.seconds / Math.max(1, ours.epochs),
      peak_rss_gib: ours.peakRssGiB,
      generate_seconds: generateSeconds,
    },
    peer:
      peer && theirs
        ? peerRecord('PyTorch (bench/peers/fno1d_train_torch.py: fourier_1d.py protocol), same data, split and budget', peer, {
            test_rel_l2: theirs.test_rel_l2,
            train_seconds: theirs.train_seconds,
            seconds_per_epoch: theirs.seconds_per_epoch,
            last_train_loss: theirs.last_train_loss,
          })
        : null,
    ratios: theirs ? { rel_l2_vs_torch: ours.relL2 / theirs.test_rel_l2, train_time_vs_torch: ours.seconds / theirs.train_seconds } : {},
    target: 'rel_l2_vs_torch <= 1.1',
    met: theirs ? ours.relL2 / theirs.test_rel_l2 <= 1.1 : undefined,
    params: {
      data,
      out,
      epochs,
      workers,
      nTrain,
      nTest,
      batch: BATCH,
      ours_optimizer: { lr: REF_ADAM.lr, weightDecay: REF_ADAM.weightDecay / BATCH, eps: REF_ADAM.eps / BATCH },
      reference_optimizer: { ...REF_ADAM, adam, loss: 'relative L2 summed over the batch' },
      schedule: { stepSize, gamma },
      normalize: 'none',
      backend: describeBackend(),
      machine: machineInfo(),
    },
  };
}

/**
 * The benchmark's dataset: a complete file at `data` is used as it is (a larger one too); a missing
 * one is generated and one cut short by an interrupted bench is finished (resume). Returns the
 * seconds spent generating.
 */
async function ensureData(recipe: ReturnType<typeof resolveRecipe>, data: string, workers: number): Promise<number> {
  if (fs.existsSync(data)) {
    await h5ready();
    const ds = H5Dataset.open(data);
    const complete = ds.status === 'complete';
    ds.close();
    if (complete) return 0;
  }
  const gen = await generateDataset({ recipe, out: data, workers, resume: true });
  return gen.seconds;
}
