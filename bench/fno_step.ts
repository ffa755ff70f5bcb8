/**
 * One FNO-1D training step (s = 1024, batch 20, width 64, 16 modes, 4 layers, projection 128,
 * Adam lr 1e-3, relative-L2 loss) on the tfjs wasm backend — forward + backward + the trainer's
 * Adam update (src/training/optimizers.ts) —
 * against the same model in PyTorch on the CPU with one thread (bench/peers/fno_step_torch.py:
 * the reference architecture with torch.fft and einsum mode mixing). Both sides run single-
 * threaded on the same machine in the same run. Also reported: the forward alone, the step with
 * the engine's SIMD kernels switched off (tfjs ops only), a per-kernel breakdown of a step from
 * tf.profile (spectral = the truncated DFTs (fused fold + products) and the mode mixing; pointwise = the
 * lifting, 1×1 and projection layers' products and their gradients; saved_tensor_copies = the
 * copies tfjs makes of tensors kept for the backward pass, shared instead of copied since the
 * engine replaced the wasm Identity kernel), and a roofline line: the matrix products' GFLOP/s
 * against this machine's measured wasm-SIMD peak (bench/roofline.ts).
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../core/random.js';
import { describeBackend, initBackend, setWasmKernelsEnabled } from '../src/engine/index.js';
import { createModel } from '../src/models/index.js';
import { AdamOptimizer } from '../src/training/optimizers.js';
import { bestFigure, peerRecord, runPythonPeer, timeMedian, type BenchResult } from './common.js';
import { measureWasmSimdPeak, productRoofline, profileKernels, type ProfiledKernel } from './roofline.js';

const P = { s: 1024, batch: 20, width: 64, nModes: 16, nLayers: 4, projectionChannels: 128, lr: 1e-3, steps: 20, warmup: 3 };

/** Mean over the batch of ‖pred − y‖₂ / ‖y‖₂ (neuraloperator's LpLoss, p = 2, relative). */
function relativeL2(pred: tf.Tensor, y: tf.Tensor): tf.Scalar {
  const b = pred.shape[0];
  const d = tf.reshape(tf.sub(pred, y), [b, -1]);
  const num = tf.sqrt(tf.sum(tf.square(d), 1));
  const den = tf.sqrt(tf.sum(tf.square(tf.reshape(y, [b, -1])), 1));
  return tf.mean(tf.div(num, den));
}

/** Smooth periodic inputs (8 random-phase sines) and a shifted-square target, as the peer. */
function data(): { x: tf.Tensor3D; y: tf.Tensor3D } {
  const { s, batch } = P;
  const rng = new Rng(0);
  const x = new Float32Array(batch * s);
  for (let b = 0; b < batch; b++) {
    const phase = Array.from({ length: 8 }, () => rng.uniform());
    for (let j = 0; j < s; j++) {
      let v = 0;
      for (let k = 1; k <= 8; k++) v += Math.sin(2 * Math.PI * ((k * j) / s + phase[k - 1]));
      x[b * s + j] = v;
    }
  }
  const y = new Float32Array(batch * s);
  for (let b = 0; b < batch; b++) for (let j = 0; j < s; j++) y[b * s + j] = x[b * s + ((j - 7 + s) % s)] ** 2;
  return { x: tf.tensor3d(x, [batch, s, 1]), y: tf.tensor3d(y, [batch, s, 1]) };
}

/**
 * Kernel time of one step by category, in seconds, from the per-kernel least times of profiled
 * steps (roofline.ts, profileKernels). spectral_dft: the truncated transforms — the fused folded
 * kernels, or the fold/butterfly kernels and the products with a basis operand ([s, 2M], [2M, s],
 * or the folded halves [s/2, M], [M, s/2]).
 */
function breakdown(kernels: readonly ProfiledKernel[]): Record<string, number> {
  const { s, nModes } = P;
  const basisShapes = new Set([`${s},${2 * nModes}`, `${2 * nModes},${s}`, `${s / 2},${nModes}`, `${nModes},${s / 2}`]);
  const out: Record<string, number> = {};
  for (const k of kernels) {
    let cat: string;
    const isProduct = k.name === 'BatchMatMul' || k.name.startsWith('PdesGemm') || k.name === 'PdesRowSum';
    const dftKernel = k.name.startsWith('PdesFold') || k.name.startsWith('PdesUnfold') || k.name.includes('nterleave');
    if (dftKernel || (isProduct && k.inputShapes.some((sh) => sh !== null && basisShapes.has(sh.join(','))))) cat = 'spectral_dft';
    else if (k.name === 'PdesComplexMac') cat = 'spectral_mode_mixing';
    else if (isProduct) cat = 'pointwise_matmul';
    else if (k.name.startsWith('PdesGelu')) cat = 'gelu';
    else if (k.name === 'Identity') cat = 'saved_tensor_copies';
    else cat = 'other_ops';
    out[cat] = (out[cat] ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0) / 1e3;
  }
  return out;
}

export async function run(): Promise<BenchResult> {
  await initBackend('wasm');
  const backend = describeBackend();
  const model = createModel({ kind: 'fno', seed: 0, nModes: [P.nModes], width: P.width, nLayers: P.nLayers, projectionChannels: P.projectionChannels });
  // The trainer's Adam (src/training/optimizers.ts), as torch.optim.Adam on the peer's side.
  const vars = model.trainableWeights();
  const opt = new AdamOptimizer({ kind: 'adam', lr: P.lr, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 }, vars);
  const { x, y } = data();
  const step = () => {
    const grads = tf.tidy(() => {
      const { grads: byName } = tf.variableGrads(() => relativeL2(model.apply(x), y), vars);
      return vars.map((v) => byName[v.name]);
    });
    opt.apply(grads, P.lr);
    tf.dispose(grads);
  };
  const forward = () => {
    tf.tidy(() => {
      model.apply(x);
    });
  };

  const tStep = timeMedian(step, P.steps, P.warmup);
  const tForward = timeMedian(forward, P.steps, 2);
  const kernels = await profileKernels(step, 5);
  const parts = breakdown(kernels);
  const kernelSeconds = Object.values(parts).reduce((a, b) => a + b, 0);
  const peak = measureWasmSimdPeak();
  const roof = productRoofline(kernels, peak.gflops);
  setWasmKernelsEnabled(false);
  const tStepOps = timeMedian(step, Math.max(5, P.steps / 4), 1);
  setWasmKernelsEnabled(true);
  const tStep2 = timeMedian(step, P.steps, 1);
  const ours = Math.min(tStep, tStep2);

  model.dispose();
  opt.dispose();
  x.dispose();
  y.dispose();

  const peer = runPythonPeer(
    'fno_step_torch.py',
    {
      s: P.s,
      batch: P.batch,
      width: P.width,
      n_modes: P.nModes,
      n_layers: P.nLayers,
      projection_channels: P.projectionChannels,
      lr: P.lr,
      steps: P.steps,
      warmup: P.warmup,
      threads: 1,
    },
    { primary: 'seconds_per_step' },
  );
  const theirs = peer?.figures;
  const peerStep = theirs ? theirs.seconds_per_step : NaN;
  const ratio = ours / peerStep;
  const breakdownFigures = Object.fromEntries(Object.entries(parts).map(([k, v]) => [`step_${k}_seconds`, v]));
  return {
    name: 'fno_step',
    description:
      'FNO-1D training step (forward + backward + Adam), s=1024, batch 20, width 64, 16 modes, 4 layers, relative-L2 loss: ' +
      `tfjs wasm (${backend}) vs PyTorch CPU, one thread each`,
    ours: {
      seconds_per_step: ours,
      seconds_forward: tForward,
      seconds_per_step_tfjs_ops_only: tStepOps,
      ...breakdownFigures,
      // What the kernels' least times leave of the step: tfjs's per-op bookkeeping (tape, tidy,
      // allocation) and JavaScript between kernels.
      step_outside_kernels_seconds: ours - kernelSeconds,
      // Roofline: the matrix products' GFLOP/s (flops from their shapes, time from the profile)
      // against this machine's measured single-thread wasm-SIMD f32 peak.
      wasm_simd_peak_gflops: peak.gflops,
      step_products_gflop: roof.gflop.all,
      step_products_gflops: roof.gflops.all,
      step_products_fraction_of_peak: roof.fractionOfPeak.all,
      step_engine_products_gflops: roof.gflops.engine,
      step_engine_products_fraction_of_peak: roof.fractionOfPeak.engine,
      step_xnnpack_products_gflops: roof.gflops.xnnpack,
      step_xnnpack_products_fraction_of_peak: roof.fractionOfPeak.xnnpack,
      step_products_seconds_at_peak: roof.gflop.all / peak.gflops,
    },
    peer:
      peer && theirs
        ? peerRecord(`PyTorch ${peer.info.torch_version} (CPU, ${theirs.threads} thread)`, peer, {
            seconds_per_step: peerStep,
            seconds_forward: bestFigure(peer, 'seconds_forward'),
            threads: theirs.threads,
          })
        : null,
    ratios: peer ? { time_ratio_vs_torch: ratio, forward_time_ratio_vs_torch: tForward / bestFigure(peer, 'seconds_forward') } : {},
    target: 'time_ratio_vs_torch <= 0.8 and forward_time_ratio_vs_torch <= 1.0 (issue 9; each against the peer allocator fastest at that figure)',
    met: peer ? ratio <= 0.8 && tForward / bestFigure(peer, 'seconds_forward') <= 1 : undefined,
    params: {
      ...P,
      backend,
      peer: 'bench/peers/fno_step_torch.py',
      breakdown: 'tf.profile kernel times, each kernel the least of 5 profiled steps',
      roofline: `products: BatchMatMul (XNNPACK) and the engine's GEMM kernels; peak: ${peak.note}, best of ${JSON.stringify(peak.byChains)} GFLOP/s by independent chains`,
    },
  };
}
