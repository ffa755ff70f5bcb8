import { createFvStepper } from '../solvers/burgers/finite_volume.js';
import { Grid1D } from '../solvers/grid.js';
import { type BenchResult, machineInfo, PEER_ENV, type PeerRun, runPythonPeer, timeMedian } from './common.js';

/**
 * WENO5-JS + Rusanov + SSP-RK3 inviscid Burgers throughput (cell updates per second) against the
 * vectorised NumPy peer bench/peers/burgers_weno_numpy.py: same scheme, same initial condition
 * u0 = 0.5 + sin 2πx + 0.3 cos 6πx at cell centres of [0, 1), same fixed dt = 0.4·Δx/max|u0|.
 * The final states are compared through three functionals (∫|u|, ∫u², ∫u·cos 2πx).
 */

const SIZES = [1024, 8192] as const;
const STEPS = 200;
const REPS = 5;

interface RunFigures {
  cellUpdatesPerS: number;
  secondsPerStep: number;
  l1: number;
  l2: number;
  c1: number;
}

function initialCondition(grid: Grid1D): Float64Array {
  return grid.sample((x) => 0.5 + Math.sin(2 * Math.PI * x) + 0.3 * Math.cos(6 * Math.PI * x));
}

function fixedDt(grid: Grid1D, u0: Float64Array): number {
  let m = 0;
  for (const v of u0) m = Math.max(m, Math.abs(v));
  return (0.4 * grid.dx) / m;
}

function measureOurs(n: number): RunFigures & { dt: number } {
  const grid = new Grid1D(n, [0, 1], 'cell');
  const u0 = initialCondition(grid);
  const dt = fixedDt(grid, u0);
  const stepper = createFvStepper(grid, { nu: 0, reconstruction: 'weno5', flux: 'rusanov' });
  const u = new Float64Array(n);
  const seconds = timeMedian(
    () => {
      u.set(u0);
      for (let s = 0; s < STEPS; s++) stepper.step(u, dt);
    },
    REPS,
    2,
  );
  const x = grid.points();
  let l1 = 0;
  let l2 = 0;
  let c1 = 0;
  for (let i = 0; i < n; i++) {
    l1 += Math.abs(u[i]);
    l2 += u[i] * u[i];
    c1 += u[i] * Math.cos(2 * Math.PI * x[i]);
  }
  return { cellUpdatesPerS: (n * STEPS) / seconds, secondsPerStep: seconds / STEPS, l1: l1 * grid.dx, l2: l2 * grid.dx, c1: c1 * grid.dx, dt };
}

export async function run(): Promise<BenchResult> {
  const ours: Record<string, number> = {};
  const peerFigures: Record<string, number> = {};
  const ratios: Record<string, number> = {};
  const params: Record<string, unknown> = {
    scheme: 'weno5 + rusanov + ssp-rk3, nu = 0, periodic [0, 1)',
    steps: STEPS,
    reps: REPS,
    sizes: [...SIZES],
    machine: machineInfo(),
  };
  let peerOk = true;
  const peerRuns: Record<string, PeerRun> = {};
  for (const n of SIZES) {
    const o = measureOurs(n);
    ours[`cell_updates_per_s_n${n}`] = o.cellUpdatesPerS;
    ours[`seconds_per_step_n${n}`] = o.secondsPerStep;
    const run = runPythonPeer('burgers_weno_numpy.py', { n, steps: STEPS, reps: REPS, dt: o.dt }, { primary: 'seconds_per_step' });
    if (run === null) {
      peerOk = false;
      continue;
    }
    const peer = run.figures;
    peerRuns[`n${n}`] = run;
    peerFigures[`cell_updates_per_s_n${n}`] = peer.cell_updates_per_s;
    peerFigures[`seconds_per_step_n${n}`] = peer.seconds_per_step;
    ratios[`speedup_vs_numpy_n${n}`] = o.cellUpdatesPerS / peer.cell_updates_per_s;
    params[`max_rel_diff_vs_numpy_n${n}`] = Math.max(
      Math.abs(o.l1 - peer.l1) / Math.abs(peer.l1),
      Math.abs(o.l2 - peer.l2) / Math.abs(peer.l2),
      Math.abs(o.c1 - peer.c1) / Math.max(Math.abs(peer.c1), 1e-300),
    );
  }
  if (peerOk) ratios.speedup_vs_numpy = Math.min(...SIZES.map((n) => ratios[`speedup_vs_numpy_n${n}`]));
  return {
    name: 'burgers_fv',
    description:
      'WENO5-JS + Rusanov + SSP-RK3 inviscid periodic Burgers: cell updates per second (one SSP-RK3 step of one cell = 1 update), ours (float64 JS) vs vectorised NumPy, same machine, same initial state and dt',
    ours,
    peer: peerOk
      ? { name: 'numpy (bench/peers/burgers_weno_numpy.py)', figures: peerFigures, allocator: Object.entries(peerRuns).map(([k, r]) => `${k}: ${r.allocator}`).join(', '), variants: Object.fromEntries(Object.entries(peerRuns).map(([k, r]) => [k, r.variants])), env: PEER_ENV }
      : null,
    ratios,
    target: 'speedup_vs_numpy >= 1',
    met: peerOk ? ratios.speedup_vs_numpy >= 1 : undefined,
    params,
  };
}
