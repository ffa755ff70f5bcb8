import { createSpectralStepper } from '../solvers/burgers/spectral.js';
import { realFft } from '../core/fft/fft.js';
import { Grid1D } from '../core/grid.js';
import { Rng } from '../core/random.js';
import { machineInfo, peerRecord, runPythonPeer, timeMedian, type BenchResult } from './common.js';

/**
 * One ETDRK4 step of the pseudo-spectral Burgers solver at n = 8192 (4 nonlinear evaluations =
 * 4 irfft + 4 rfft of length 8192 plus the exponential-integrator combinations), against the same
 * algorithm written with numpy.fft in bench/peers/burgers_spectral_numpy.py. Both start from the
 * same deterministic initial condition and take the same steps; the final states' checksums are
 * compared so the two are known to compute the same thing. Bare rfft + irfft pairs are timed too.
 */
export async function run(): Promise<BenchResult> {
  const params = { n: 8192, nu: 0.01, dt: 2e-5, steps: 200, length: 1, m: 32, fft_reps: 500 };
  const { n, nu, dt, steps, length } = params;
  const grid = new Grid1D(n, [0, length], 'node');
  const w = (2 * Math.PI) / length;
  const u0 = grid.sample((x) => Math.sin(w * x) + 0.5 * Math.cos(2 * w * x + 1.0) + 0.25 * Math.sin(3 * w * x + 0.3));

  // JIT warm-up on a separate stepper, then the measured run from u0.
  const warm = createSpectralStepper(grid, { nu, stepper: 'etdrk4' });
  const uw = Float64Array.from(u0);
  for (let s = 0; s < 50; s++) warm.step(uw, dt);

  const stepper = createSpectralStepper(grid, { nu, stepper: 'etdrk4' });
  const u = Float64Array.from(u0);
  const times: number[] = [];
  for (let s = 0; s < steps; s++) {
    const t0 = process.hrtime.bigint();
    stepper.step(u, dt);
    times.push(Number(process.hrtime.bigint() - t0) / 1e9);
  }
  // The first step builds the ETDRK4 coefficients (the peer builds them before its loop).
  const perStep = median(times.slice(1));

  const plan = realFft(n);
  const rng = new Rng(0);
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const c = new Float64Array(n + 2);
  const y = new Float64Array(n);
  const perPair = timeMedian(
    () => {
      plan.forward(x, c);
      plan.inverse(c, y);
    },
    params.fft_reps,
    50,
  );

  let sum = 0;
  let sq = 0;
  let weighted = 0;
  for (let i = 0; i < n; i++) {
    sum += u[i];
    sq += u[i] * u[i];
    weighted += u[i] * Math.cos(i * 0.001);
  }
  const ours = {
    seconds_per_step: perStep,
    seconds_per_fft_pair: perPair,
    checksum_l2: Math.sqrt(sq / n),
    checksum_weighted: weighted,
    checksum_sum: sum,
  };
  const peer = runPythonPeer('burgers_spectral_numpy.py', params, { primary: 'seconds_per_step' });
  const theirs = peer?.figures;
  const ratios: Record<string, number> = {};
  if (theirs) {
    ratios.speedup_vs_numpy = theirs.seconds_per_step / perStep;
    ratios.fft_pair_speedup_vs_numpy = theirs.seconds_per_fft_pair / perPair;
    ratios.checksum_l2_rel_diff = Math.abs(ours.checksum_l2 - theirs.checksum_l2) / Math.abs(theirs.checksum_l2);
    ratios.checksum_weighted_rel_diff = Math.abs(ours.checksum_weighted - theirs.checksum_weighted) / Math.abs(theirs.checksum_weighted);
  }
  return {
    name: 'burgers_spectral',
    description: 'Median time of one ETDRK4 step of 1D viscous Burgers (pseudo-spectral, 2/3 dealiasing) at n=8192, vs the same algorithm in NumPy (numpy.fft)',
    ours,
    peer: peer ? peerRecord('numpy', peer) : null,
    ratios,
    target: 'speedup_vs_numpy >= 1',
    met: peer ? ratios.speedup_vs_numpy >= 1 && ratios.checksum_l2_rel_diff < 1e-9 : undefined,
    params: { ...params, stepper: 'etdrk4', dealias: true, machine: machineInfo() },
  };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
