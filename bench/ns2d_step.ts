import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sampleGrf2d, resolveGrf2dOptions } from '../datasets/samplers/grf2d.js';
import { createSpectralArena2d, type BlockCombine } from '../core/fft/fft2d.js';
import { createNs2dStepper, NavierStokes2d } from '../solvers/ns2d/index.js';
import { nsKernelsFor } from '../solvers/ns2d/kernels.js';
import { Rng } from '../core/random.js';
import { machineInfo, peerRecord, runPythonPeer, timeMedian, type BenchResult } from './common.js';

/**
 * One cn-euler step of the 2D Navier–Stokes solver (vorticity form, 2/3 dealiasing, the FNO data
 * generator's scheme: 4 inverse + 1 forward real 2D FFTs and the Crank–Nicolson update) at 256²,
 * FNO forcing, ν = 1e-3, dt = 1e-4, from a GRF(α 2.5, τ 7) vorticity (the FNO initial
 * condition), against the same algorithm with numpy.fft in bench/peers/ns2d_step_numpy.py. Both
 * start from the same field (passed as a float64 file); the states after `check_steps` steps are
 * compared point by point. Bare rfft2 + irfft2 pairs are timed too (against numpy.fft's pair), and
 * our transforms of one step on their own: a pruned irfft2 / rfft2 (the 2/3-rule columns only) and
 * rfft2OfProduct (4 inverse + 1 forward transforms with the product, as in the step).
 */
export async function run(): Promise<BenchResult> {
  const params = { n: 256, length: 1, nu: 1e-3, drag: 0, dt: 1e-4, steps: 300, check_steps: 10, fft_reps: 300, seed: 0 };
  const { n, length, nu, drag, dt } = params;
  const w0 = sampleGrf2d(resolveGrf2dOptions({ alpha: 2.5, tau: 7 }), n, length, new Rng(params.seed));
  const flow = { n, length, nu, drag, forcing: 'fno' as const };

  // State after check_steps steps (compared with the peer).
  const eqCheck = new NavierStokes2d(flow, { coefficientArrays: 4 });
  eqCheck.setVorticity(w0);
  const checkStepper = createNs2dStepper(eqCheck, 'cn-euler');
  for (let s = 0; s < params.check_steps; s++) checkStepper.step(dt, s * dt);
  const ours10 = eqCheck.getVorticity(new Float64Array(n * n));

  // Timing: JIT warm-up, then the median of single steps.
  const eq = new NavierStokes2d(flow, { coefficientArrays: 4 });
  eq.setVorticity(w0);
  const stepper = createNs2dStepper(eq, 'cn-euler');
  let t = 0;
  const perStep = timeMedian(
    () => {
      stepper.step(dt, t);
      t += dt;
    },
    params.steps,
    30,
  );

  const arena = createSpectralArena2d(n, n, 10 * n * (n + 2) + 5 * n * n + 64);
  const x = arena.alloc(n * n);
  const c = arena.alloc(n * (n + 2));
  x.set(w0);
  const perPair = timeMedian(
    () => {
      arena.rfft2(x, c);
      arena.irfft2(c, x);
    },
    params.fft_reps,
    20,
  );

  // The transforms of one step on their own: the pruned packed transforms (2/3 rule: spectral
  // columns q <= n/3 only) and rfft2OfProduct, which does the 4 inverse + 1 forward transforms of
  // one explicit evaluation with the product u·ωx + v·ωy formed block by block (as the step does).
  const cols = Math.floor(n / 3) + 1;
  const packed = arena.alloc(n * n);
  const specs = Array.from({ length: 4 }, () => arena.alloc(n * (n + 2)));
  const work = Array.from({ length: 4 }, () => arena.alloc(n * n));
  const out = arena.alloc(n * (n + 2));
  arena.rfft2(x, c);
  for (const sp of specs) sp.set(c);
  const k = nsKernelsFor(arena);
  const combine: BlockCombine = (ins, o, pairs) => void k.advect(ins[0], ins[1], ins[2], ins[3], o, pairs);
  const perPrunedInverse = timeMedian(() => arena.irfft2Packed(c, packed, cols), params.fft_reps, 20);
  const perPrunedForward = timeMedian(() => arena.rfft2Packed(packed, out, cols), params.fft_reps, 20);
  const perProduct = timeMedian(() => arena.rfft2OfProduct(specs, work, out, cols, combine), params.fft_reps, 20);

  const ours = {
    seconds_per_step: perStep,
    seconds_per_fft2_pair: perPair,
    seconds_per_pruned_irfft2: perPrunedInverse,
    seconds_per_pruned_rfft2: perPrunedForward,
    seconds_per_product_transforms: perProduct,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ns2d-bench-'));
  const w0Path = path.join(dir, 'w0.f64');
  const outPath = path.join(dir, 'state.f64');
  fs.writeFileSync(w0Path, Buffer.from(w0.buffer, w0.byteOffset, w0.byteLength));
  const peer = runPythonPeer('ns2d_step_numpy.py', { ...params, w0_path: w0Path, out_path: outPath }, { primary: 'seconds_per_step' });
  const pf = peer?.figures;
  const ratios: Record<string, number> = {};
  if (pf) {
    const buf = fs.readFileSync(outPath);
    const theirs = new Float64Array(buf.buffer, buf.byteOffset, n * n);
    let diff = 0;
    let scale = 0;
    for (let i = 0; i < n * n; i++) {
      diff = Math.max(diff, Math.abs(ours10[i] - theirs[i]));
      scale = Math.max(scale, Math.abs(theirs[i]));
    }
    ratios.time_ratio_vs_numpy = perStep / pf.seconds_per_step;
    ratios.speedup_vs_numpy = pf.seconds_per_step / perStep;
    ratios.fft2_pair_speedup_vs_numpy = pf.seconds_per_fft2_pair / perPair;
    ratios.state_max_abs_diff_after_check_steps = diff;
    ratios.state_max_rel_diff_after_check_steps = diff / scale;
  }
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    name: 'ns2d_step',
    description:
      'Median time of one cn-euler step (FNO scheme: 4 irfft2 + 1 rfft2, 2/3 dealiasing, Crank-Nicolson) of 2D Navier-Stokes at 256^2, FNO forcing, nu=1e-3, GRF initial vorticity, vs the same algorithm in NumPy (numpy.fft); states compared after 10 steps',
    ours,
    peer: peer ? peerRecord('numpy', peer) : null,
    ratios,
    target: 'time_ratio_vs_numpy <= 0.5 (issue 9), states equal to round-off (max rel diff < 1e-12)',
    met: peer ? ratios.time_ratio_vs_numpy <= 0.5 && ratios.state_max_rel_diff_after_check_steps < 1e-12 : undefined,
    params: { ...params, scheme: 'cn-euler', forcing: 'fno', fft_backend: arena.backend, machine: machineInfo() },
  };
}
