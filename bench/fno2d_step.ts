/**
 * One FNO-2D training step (64×64 grid, batch 20, width 20, 12 modes per axis, 4 layers,
 * inChannels 10, outChannels 1, projection 128, Adam lr 1e-3, relative-L2 loss) on the tfjs wasm
 * backend — forward + backward + Adam update — against the same model in PyTorch on the CPU with one
 * thread (bench/peers/fno2d_step_torch.py: the reference fourier_2d_time architecture with
 * torch.fft.rfft2 and einsum mode mixing). Both sides run single-threaded on the same machine in
 * the same run, and both models have the same parameter count (checked). Also reported: the
 * forward alone, the step with the engine's SIMD kernels switched off (tfjs ops only), a per-kernel
 * breakdown of a step from tf.profile with the matrix products' GFLOP/s against the machine's
 * measured wasm-SIMD peak (bench/roofline.ts), and as a second figure the FNO-3D step (fourier_3d: 64×64,
 * 10 input frames → 10 output frames, time padding 6, modes 8, width 20, batch 4) against its
 * PyTorch peer.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/random.js';
import { describeBackend, initBackend, setWasmKernelsEnabled } from '../src/engine/index.js';
import { createModel, type SurrogateModel } from '../src/models/index.js';
import { bestFigure, peerRecord, type PeerRun, runPythonPeer, timeMedian, type BenchResult } from './common.js';
import { measureWasmSimdPeak, productRoofline, profileKernels, type ProfiledKernel } from './roofline.js';

const P = { s: 64, batch: 20, width: 20, modes: 12, nLayers: 4, inChannels: 10, outChannels: 1, projectionChannels: 128, lr: 1e-3, steps: 10, warmup: 3 };
const P3 = {
  s: 64,
  batch: 4,
  width: 20,
  modes: 8,
  modes3: 8,
  nLayers: 4,
  inChannels: 10,
  outFrames: 10,
  timePadding: 6,
  projectionChannels: 128,
  lr: 1e-3,
  steps: 5,
  warmup: 2,
};

/** Mean over the batch of ‖pred − y‖₂ / ‖y‖₂ (neuraloperator's LpLoss, p = 2, relative). */
function relativeL2(pred: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const b = pred.shape[0];
  const d = tf.reshape(tf.sub(pred, y), [b, -1]);
  const num = tf.sqrt(tf.sum(tf.square(d), 1));
  const den = tf.sqrt(tf.sum(tf.square(tf.reshape(y, [b, -1])), 1));
  return tf.mean(tf.div(num, den));
}

/** Smooth periodic inputs (4 random plane waves with |k| ≤ 3 per channel) and a shifted-square target, as the peer. */
function data(batch: number, s: number, channels: number, outChannels: number): { x: tf.Tensor4D; y: tf.Tensor4D } {
  const rng = new Rng(0);
  const x = new Float32Array(batch * s * s * channels);
  for (let b = 0; b < batch; b++) {
    for (let c = 0; c < channels; c++) {
      for (let w = 0; w < 4; w++) {
        const kx = Math.floor(7 * rng.uniform()) - 3;
        const ky = Math.floor(7 * rng.uniform()) - 3;
        const phase = rng.uniform();
        for (let i = 0; i < s; i++) {
          for (let j = 0; j < s; j++) x[((b * s + i) * s + j) * channels + c] += Math.sin(2 * Math.PI * ((kx * i + ky * j) / s + phase));
        }
      }
    }
  }
  const y = new Float32Array(batch * s * s * outChannels);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        for (let c = 0; c < outChannels; c++) y[((b * s + i) * s + j) * outChannels + c] = x[((b * s + ((i - 3 + s) % s)) * s + j) * channels + c] ** 2;
      }
    }
  }
  return { x: tf.tensor4d(x, [batch, s, s, channels]), y: tf.tensor4d(y, [batch, s, s, outChannels]) };
}

/**
 * Kernel time of one step by category, in seconds (each kernel's least time over profiled steps,
 * roofline.ts profileKernels). With the engine kernels
 * the DFT products run on PdesGemmSmallRight and the pointwise layers on PdesGemmSmallLeft /
 * PdesGemmReduce / PdesRowSum.
 */
function breakdown(kernels: readonly ProfiledKernel[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of kernels) {
    let cat: string;
    if (k.name === 'BatchMatMul' || k.name === 'PdesGemmSmallRight') cat = 'spectral_dft_matmul';
    else if (k.name === 'PdesTransposeBlocks') cat = 'spectral_layout';
    else if (k.name === 'PdesComplexMac') cat = 'spectral_mode_mixing';
    else if (k.name.startsWith('PdesFold') || k.name.startsWith('PdesUnfold') || k.name.includes('nterleave')) cat = 'spectral_dft_folding';
    else if (k.name.startsWith('PdesGemm') || k.name === 'PdesRowSum') cat = 'pointwise_matmul';
    else if (k.name.startsWith('PdesGelu')) cat = 'gelu';
    else if (k.name === 'Identity') cat = 'saved_tensor_copies';
    else cat = 'other_ops';
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    out[cat] = (out[cat] ?? 0) + ms / 1e3;
  }
  return out;
}

function parameterCount(model: SurrogateModel): number {
  return model.trainableWeights().reduce((n, v) => n + v.size, 0);
}

interface Timed {
  step: number;
  forward: number;
  params: number;
}

function timeModel(model: SurrogateModel, x: tf.Tensor, y: tf.Tensor, lr: number, steps: number, warmup: number): { timed: Timed; step: () => void } {
  const opt = tf.train.adam(lr);
  const vars = model.trainableWeights();
  const step = () => {
    tf.tidy(() => {
      opt.minimize(() => relativeL2(model.apply(x), y), false, vars);
    });
  };
  const forward = () => {
    tf.tidy(() => {
      model.apply(x);
    });
  };
  const tStep = timeMedian(step, steps, warmup);
  const tForward = timeMedian(forward, steps, 1);
  return { timed: { step: tStep, forward: tForward, params: parameterCount(model) }, step };
}

export async function run(): Promise<BenchResult> {
  await initBackend('wasm');
  const backend = describeBackend();

  // FNO-2D.
  const model = createModel({
    kind: 'fno2d',
    seed: 0,
    nModes: [P.modes, P.modes],
    width: P.width,
    nLayers: P.nLayers,
    inChannels: P.inChannels,
    outChannels: P.outChannels,
    projectionChannels: P.projectionChannels,
  });
  const { x, y } = data(P.batch, P.s, P.inChannels, P.outChannels);
  const { timed, step } = timeModel(model, x, y, P.lr, P.steps, P.warmup);
  const kernels = await profileKernels(step, 3);
  const parts = breakdown(kernels);
  const peak = measureWasmSimdPeak();
  const roof = productRoofline(kernels, peak.gflops);
  setWasmKernelsEnabled(false);
  const tStepOps = timeMedian(step, 3, 1);
  setWasmKernelsEnabled(true);
  const tStep2 = timeMedian(step, P.steps, 1);
  const ours = Math.min(timed.step, tStep2);
  model.dispose();
  x.dispose();
  y.dispose();

  // FNO-3D.
  const model3 = createModel({
    kind: 'fno3d',
    seed: 0,
    nModes: [P3.modes, P3.modes, P3.modes3],
    width: P3.width,
    nLayers: P3.nLayers,
    inChannels: P3.inChannels,
    outFrames: P3.outFrames,
    timePadding: P3.timePadding,
    projectionChannels: P3.projectionChannels,
  });
  const d3 = data(P3.batch, P3.s, P3.inChannels, P3.outFrames);
  const t3 = timeModel(model3, d3.x, d3.y, P3.lr, P3.steps, P3.warmup).timed;
  model3.dispose();
  d3.x.dispose();
  d3.y.dispose();

  const peer = runPythonPeer(
    'fno2d_step_torch.py',
    {
      model: 'fno2d',
      s: P.s,
      batch: P.batch,
      width: P.width,
      modes: P.modes,
      n_layers: P.nLayers,
      in_channels: P.inChannels,
      out_channels: P.outChannels,
      projection_channels: P.projectionChannels,
      lr: P.lr,
      steps: P.steps,
      warmup: P.warmup,
      threads: 1,
    },
    { primary: 'seconds_per_step' },
  );
  const peer3 = runPythonPeer(
    'fno2d_step_torch.py',
    {
      model: 'fno3d',
      s: P3.s,
      batch: P3.batch,
      width: P3.width,
      modes: P3.modes,
      modes3: P3.modes3,
      n_layers: P3.nLayers,
      in_channels: P3.inChannels,
      out_frames: P3.outFrames,
      time_padding: P3.timePadding,
      projection_channels: P3.projectionChannels,
      lr: P3.lr,
      steps: P3.steps,
      warmup: P3.warmup,
      threads: 1,
    },
    { primary: 'seconds_per_step' },
  );
  const f2 = peer?.figures;
  const f3 = peer3?.figures;
  const peerStep = f2 ? f2.seconds_per_step : NaN;
  const ratio = ours / peerStep;
  const sameParams = f2 ? f2.parameters === timed.params : undefined;
  const breakdownFigures = Object.fromEntries(Object.entries(parts).map(([k, v]) => [`step_${k}_seconds`, v]));
  const ratios: Record<string, number> = {};
  if (f2) {
    ratios.time_ratio_vs_torch = ratio;
    ratios.forward_time_ratio_vs_torch = timed.forward / bestFigure(peer as PeerRun, 'seconds_forward');
  }
  if (f3) {
    ratios.fno3d_time_ratio_vs_torch = t3.step / f3.seconds_per_step;
    ratios.fno3d_forward_time_ratio_vs_torch = t3.forward / bestFigure(peer3 as PeerRun, 'seconds_forward');
  }
  return {
    name: 'fno2d_step',
    description:
      'FNO-2D training step (forward + backward + Adam), 64×64, batch 20, width 20, 12 modes, 4 layers, inChannels 10, out 1, relative-L2 loss: ' +
      `tfjs wasm (${backend}) vs PyTorch CPU, one thread each; second figure: FNO-3D step (64×64, 10 → 10 frames, batch 4, modes 8)`,
    ours: {
      seconds_per_step: ours,
      seconds_forward: timed.forward,
      seconds_per_step_tfjs_ops_only: tStepOps,
      parameters: timed.params,
      ...breakdownFigures,
      // Roofline: the matrix products' GFLOP/s against this machine's measured wasm-SIMD peak.
      wasm_simd_peak_gflops: peak.gflops,
      step_products_gflop: roof.gflop.all,
      step_products_gflops: roof.gflops.all,
      step_products_fraction_of_peak: roof.fractionOfPeak.all,
      step_engine_products_gflops: roof.gflops.engine,
      step_xnnpack_products_gflops: roof.gflops.xnnpack,
      fno3d_seconds_per_step: t3.step,
      fno3d_seconds_forward: t3.forward,
      fno3d_parameters: t3.params,
    },
    peer:
      peer && f2
        ? {
            ...peerRecord(`PyTorch ${peer.info.torch_version} (CPU, ${f2.threads} thread)`, peer, {
              seconds_per_step: peerStep,
              seconds_forward: f2.seconds_forward,
              parameters: f2.parameters,
              threads: f2.threads,
              ...(f3 ? { fno3d_seconds_per_step: f3.seconds_per_step, fno3d_seconds_forward: f3.seconds_forward, fno3d_parameters: f3.parameters } : {}),
            }),
            ...(peer3 ? { variants: { fno2d: peer.variants, fno3d: peer3.variants }, allocator: `fno2d: ${peer.allocator}, fno3d: ${peer3.allocator}` } : {}),
          }
        : null,
    ratios,
    target: 'time_ratio_vs_torch <= 1.5 (with equal parameter counts)',
    met: peer ? ratio <= 1.5 && sameParams === true : undefined,
    params: {
      fno2d: P,
      fno3d: P3,
      backend,
      peer: 'bench/peers/fno2d_step_torch.py',
      breakdown: 'tf.profile kernel times, each kernel the least of 3 profiled FNO-2D steps',
      roofline: peak.note,
      same_parameter_count_2d: sameParams,
      same_parameter_count_3d: f3 ? f3.parameters === t3.params : undefined,
    },
  };
}
