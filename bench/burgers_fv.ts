import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createFvStepper, type FvBackend } from '../solvers/burgers/finite_volume.js';
import { Grid1D } from '../core/grid.js';
import { type BenchResult, machineInfo, PEER_ENV, type PeerRun, projectRoot, runPythonPeer } from './common.js';

/**
 * WENO5-JS + Rusanov + SSP-RK3 inviscid Burgers throughput (cell updates per second) against two
 * peers running the same scheme on the same machine, from the same initial condition
 * u0 = 0.5 + sin 2πx + 0.3 cos 6πx at cell centres of [0, 1) and the same fixed dt = 0.4·Δx/max|u0|:
 * - NumPy, vectorised (bench/peers/burgers_weno_numpy.py), under every allocator of runPythonPeer;
 *   the final states are compared through three functionals (∫|u|, ∫u², ∫u·cos 2πx);
 * - C (bench/peers/burgers_weno.c), compiled here at bench time with `gcc -O3 -march=native`: the
 *   limit for this kernel on this CPU (FMA and the widest vectors allowed). It starts from our u0
 *   bytes and returns its final state, compared with ours value by value (they differ only by
 *   rounding: gcc contracts to FMA; compiled with -ffp-contract=off as well, its result must equal
 *   ours bit for bit). Without gcc the C peer is recorded as missing (null).
 * Ours: the default backend (the fused WebAssembly SIMD step) and, for the record, the plain-JS
 * backend it replaced, both stepping the stepper's own field (as solveBurgersFv does).
 */

const SIZES = [1024, 8192] as const;
const STEPS = 200;
const REPS = 11;
const TARGET_N = 8192;
/**
 * Warm-up before timing ours: at least this long. V8 runs a new WebAssembly function in its
 * baseline compiler (Liftoff, here about as fast as the JS backend) until the optimising
 * compile, done on a background thread, replaces it: about a thousand steps on a quiet machine,
 * much later on a loaded one. A fixed count of warm-up runs timed Liftoff code at n = 1024.
 */
const WARMUP_S = 1.5;

interface RunFigures {
  cellUpdatesPerS: number;
  secondsPerStep: number;
  /** The fastest timed run's seconds per step (less sensitive to a loaded machine than the median). */
  minSecondsPerStep: number;
  final: Float64Array;
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

function measureOurs(grid: Grid1D, u0: Float64Array, dt: number, backend: FvBackend): RunFigures {
  const n = grid.n;
  const stepper = createFvStepper(grid, { nu: 0, reconstruction: 'weno5', flux: 'rusanov', backend });
  const u = stepper.field;
  const runSteps = (): void => {
    u.set(u0);
    for (let s = 0; s < STEPS; s++) stepper.step(u, dt);
  };
  const t0 = performance.now();
  for (let k = 0; k < 2 || performance.now() - t0 < 1000 * WARMUP_S; k++) runSteps();
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const start = process.hrtime.bigint();
    runSteps();
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  times.sort((a, b) => a - b);
  const seconds = times[Math.floor(times.length / 2)];
  const x = grid.points();
  let l1 = 0;
  let l2 = 0;
  let c1 = 0;
  for (let i = 0; i < n; i++) {
    l1 += Math.abs(u[i]);
    l2 += u[i] * u[i];
    c1 += u[i] * Math.cos(2 * Math.PI * x[i]);
  }
  return {
    cellUpdatesPerS: (n * STEPS) / seconds,
    secondsPerStep: seconds / STEPS,
    minSecondsPerStep: times[0] / STEPS,
    final: Float64Array.from(u),
    l1: l1 * grid.dx,
    l2: l2 * grid.dx,
    c1: c1 * grid.dx,
  };
}

/**
 * The C peer compiled into a fresh temporary directory (`exe`), and the same source without FMA
 * contraction (`exeNoFma`, -ffp-contract=off: the operations of our kernel, to check that it is the
 * same kernel), or why it could not be.
 */
function compileCPeer(): { exe: string; exeNoFma: string; dir: string; compiler: string } | { missing: string } {
  const src = path.join(projectRoot(), 'bench', 'peers', 'burgers_weno.c');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-burgers-c-'));
  const exe = path.join(dir, 'burgers_weno');
  const exeNoFma = path.join(dir, 'burgers_weno_nofma');
  for (const [out, extra] of [
    [exe, []],
    [exeNoFma, ['-ffp-contract=off']],
  ] as const) {
    const res = spawnSync('gcc', ['-O3', '-march=native', ...extra, '-o', out, src, '-lm'], { encoding: 'utf8' });
    if (res.error || res.status !== 0) {
      fs.rmSync(dir, { recursive: true, force: true });
      return { missing: res.error ? `gcc not runnable: ${res.error.message}` : `gcc failed: ${res.stderr.trim().split('\n').pop() ?? ''}` };
    }
  }
  const version = spawnSync('gcc', ['--version'], { encoding: 'utf8' }).stdout?.split('\n')[0] ?? 'gcc';
  return { exe, exeNoFma, dir, compiler: `${version}: gcc -O3 -march=native` };
}

/** Runs the C peer on our u0 and dt; its figures and final state, or null if it failed. */
function runCPeer(exe: string, dir: string, u0: Float64Array, dt: number, reps = REPS): { figures: Record<string, number>; final: Float64Array } | null {
  const inFile = path.join(dir, `u0_${u0.length}.f64`);
  const outFile = path.join(dir, `u_${u0.length}.f64`);
  fs.writeFileSync(inFile, new Uint8Array(u0.buffer, u0.byteOffset, u0.byteLength));
  const res = spawnSync(exe, [String(u0.length), String(STEPS), String(reps), dt.toPrecision(17), inFile, outFile], { encoding: 'utf8' });
  if (res.error || res.status !== 0) {
    process.stderr.write(`C peer failed: ${res.error?.message ?? res.stderr.trim()}\n`);
    return null;
  }
  const bytes = fs.readFileSync(outFile);
  const final = new Float64Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  return { figures: JSON.parse(res.stdout.trim().split('\n').pop() as string) as Record<string, number>, final };
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
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
    timing: `median of reps timed runs of steps steps each (ours after >= ${WARMUP_S} s of warm-up runs, the peers after their own warm-up); ours and C also report their fastest run (min_seconds_per_step)`,
    machine: machineInfo(),
    loadavg_before: os.loadavg(),
  };
  const c = compileCPeer();
  const cFigures: Record<string, number> = {};
  let cOk = !('missing' in c);
  let peerOk = true;
  const peerRuns: Record<string, PeerRun> = {};
  try {
    for (const n of SIZES) {
      const grid = new Grid1D(n, [0, 1], 'cell');
      const u0 = initialCondition(grid);
      const dt = fixedDt(grid, u0);
      const o = measureOurs(grid, u0, dt, 'wasm');
      const js = measureOurs(grid, u0, dt, 'js');
      ours[`cell_updates_per_s_n${n}`] = o.cellUpdatesPerS;
      ours[`seconds_per_step_n${n}`] = o.secondsPerStep;
      ours[`min_seconds_per_step_n${n}`] = o.minSecondsPerStep;
      ours[`cell_updates_per_s_js_backend_n${n}`] = js.cellUpdatesPerS;
      ratios[`wasm_over_js_backend_n${n}`] = o.cellUpdatesPerS / js.cellUpdatesPerS;
      params[`wasm_js_backends_bit_identical_n${n}`] = sameBits(o.final, js.final);

      if (!('missing' in c)) {
        const cr = runCPeer(c.exe, c.dir, u0, dt);
        if (cr === null) cOk = false;
        else {
          cFigures[`cell_updates_per_s_n${n}`] = cr.figures.cell_updates_per_s;
          cFigures[`seconds_per_step_n${n}`] = cr.figures.seconds_per_step;
          cFigures[`min_seconds_per_step_n${n}`] = cr.figures.min_seconds_per_step;
          ratios[`fraction_of_c_n${n}`] = o.cellUpdatesPerS / cr.figures.cell_updates_per_s;
          // the same from each side's fastest run, for a loaded machine (not the target's figure)
          ratios[`fraction_of_c_fastest_runs_n${n}`] = cr.figures.min_seconds_per_step / o.minSecondsPerStep;
          params[`max_abs_diff_vs_c_n${n}`] = maxAbsDiff(o.final, cr.final);
        }
        const exact = runCPeer(c.exeNoFma, c.dir, u0, dt, 1);
        params[`c_without_fma_bit_identical_n${n}`] = exact === null ? null : sameBits(o.final, exact.final);
      }

      const run = runPythonPeer('burgers_weno_numpy.py', { n, steps: STEPS, reps: REPS, dt }, { primary: 'seconds_per_step' });
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
  } finally {
    if (!('missing' in c)) fs.rmSync(c.dir, { recursive: true, force: true });
  }
  params.c_peer =
    'missing' in c
      ? null
      : cOk
        ? {
            name: 'C (bench/peers/burgers_weno.c)',
            compiler: c.compiler,
            figures: cFigures,
            timing: 'median (and min) of reps runs, after 2·steps warm-up steps',
          }
        : null;
  if ('missing' in c) params.c_peer_missing = c.missing;
  params.loadavg_after = os.loadavg();
  if (peerOk) ratios.speedup_vs_numpy = Math.min(...SIZES.map((n) => ratios[`speedup_vs_numpy_n${n}`]));
  const judged = peerOk && cOk;
  return {
    name: 'burgers_fv',
    description:
      'WENO5-JS + Rusanov + SSP-RK3 inviscid periodic Burgers: cell updates per second (one SSP-RK3 step of one cell = 1 update), ours (fused WebAssembly SIMD f64x2 step; the plain-JS backend for the record) vs vectorised NumPy and vs the same kernel in C (gcc -O3 -march=native, params.c_peer), same machine, same initial state and dt',
    ours,
    peer: peerOk
      ? {
          name: 'numpy (bench/peers/burgers_weno_numpy.py)',
          figures: peerFigures,
          allocator: Object.entries(peerRuns)
            .map(([k, r]) => `${k}: ${r.allocator}`)
            .join(', '),
          variants: Object.fromEntries(Object.entries(peerRuns).map(([k, r]) => [k, r.variants])),
          env: PEER_ENV,
        }
      : null,
    ratios,
    target: `speedup_vs_numpy_n${TARGET_N} >= 3 and fraction_of_c_n${TARGET_N} >= 0.5`,
    met: judged ? ratios[`speedup_vs_numpy_n${TARGET_N}`] >= 3 && ratios[`fraction_of_c_n${TARGET_N}`] >= 0.5 : undefined,
    params,
  };
}
