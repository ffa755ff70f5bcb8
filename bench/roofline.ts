/**
 * The compute roof of this machine for our kernels (DESIGN.md, "peers at their best": report
 * GFLOP/s against the machine's measured wasm-SIMD peak where a kernel is compute-bound), and the
 * GFLOP/s of the matrix products inside a profiled tfjs step.
 *
 * Peak: WebAssembly SIMD128 has no fused multiply-add (relaxed SIMD's `f32x4.relaxed_madd` is
 * behind --experimental-wasm-relaxed-simd in Node 20, so no shipped kernel can use it), so the
 * most a GEMM micro-kernel can issue is one f32x4 multiply and one f32x4 add per multiply-add of
 * 4 lanes, 8 flops. The peak kernel runs `chains` independent chains acc ← acc·m + c (the add
 * depends on the multiply, as in a GEMM's acc += a·b) in registers, no memory traffic; enough
 * chains hide the latency of both, so it counts what the core's vector multiply and add units
 * can retire. Single thread, as every kernel of a tfjs instance runs.
 */
import * as tf from '@tensorflow/tfjs';
import { watKernel } from '../core/wasm/binary.js';
import { buildModule, type FunctionDef } from '../core/wasm/engine_emit.js';

/** peak(mem, iters): `chains` accumulators from mem, iters × (acc ← acc·m + c), stored back. */
function peakDef(chains: number): FunctionDef {
  const js = Array.from({ length: chains }, (_, j) => j);
  return watKernel(
    'peak',
    { i32: ['mem', 'iters'] },
    { i32: ['i'], v128: ['m', 'c', ...js.map((j) => `acc${j}`)] },
    (w) => w`
      local.get $mem v128.load align=4 local.set $m
      local.get $mem v128.load offset=16 align=4 local.set $c
      ${js.map((j) => `local.get $mem v128.load offset=${32 + 16 * j} align=4 local.set $acc${j}`).join('\n')}
      local.get $iters local.set $i
      loop
        ${js.map((j) => `local.get $acc${j} local.get $m f32x4.mul local.get $c f32x4.add local.set $acc${j}`).join('\n')}
        local.get $i i32.const 1 i32.sub local.tee $i
      br_if 0 end
      ${js.map((j) => `local.get $mem local.get $acc${j} v128.store offset=${32 + 16 * j} align=4`).join('\n')}`,
  );
}

interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: Record<string, (...args: number[]) => void> };
  Memory: new (desc: { initial: number }) => { buffer: ArrayBuffer };
}

export interface SimdPeak {
  /** Best f32 GFLOP/s (a multiply and an add = 2 flops per lane). */
  gflops: number;
  /** Independent chains of the best run, and the best GFLOP/s per chain count tried. */
  chains: number;
  byChains: Record<string, number>;
  /** Why this is the roof: no FMA in shipped wasm SIMD on this Node. */
  note: string;
}

/** Measures the single-thread wasm-SIMD f32 peak (best of `reps` runs per chain count). */
export function measureWasmSimdPeak(reps = 7, iters = 4_000_000): SimdPeak {
  const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
  const memory = new wasm.Memory({ initial: 1 });
  const f32 = new Float32Array(memory.buffer);
  const byChains: Record<string, number> = {};
  let best = { gflops: 0, chains: 0 };
  for (const chains of [8, 10, 11, 12, 13]) {
    const peak = new wasm.Instance(new wasm.Module(buildModule([peakDef(chains)])), { env: { mem: memory } }).exports.peak;
    let top = 0;
    for (let r = 0; r < reps; r++) {
      // m < 1 and c > 0: every chain converges to c / (1 − m), never overflows nor goes subnormal.
      f32.fill(0.5);
      f32.fill(0.999, 0, 4);
      f32.fill(1e-3, 4, 8);
      const t0 = process.hrtime.bigint();
      peak(0, iters);
      const s = Number(process.hrtime.bigint() - t0) / 1e9;
      top = Math.max(top, (iters * chains * 8) / s / 1e9);
    }
    byChains[String(chains)] = top;
    if (top > best.gflops) best = { gflops: top, chains };
  }
  return {
    ...best,
    byChains,
    note: 'f32x4 mul + add per 4 lanes (no FMA: relaxed SIMD needs --experimental-wasm-relaxed-simd on Node 20), one thread',
  };
}

/** A profiled kernel as tf.profile reports it. */
export interface ProfiledKernel {
  name: string;
  inputShapes: (number[] | null)[];
  kernelTimeMs: number | { error: string };
}

/**
 * Flops of a matrix-product kernel from its input shapes (the fused DFT kernels' folds and
 * butterflies not counted), or null when it is not one.
 */
export function productFlops(k: ProfiledKernel): { group: 'xnnpack' | 'engine'; flops: number } | null {
  const sh = k.inputShapes.map((s) => s ?? []);
  if (k.name === 'BatchMatMul' && sh.length === 2 && sh[0].length === 2 && sh[1].length === 2) {
    // tfjs calls XNNPACK for rank-2 untransposed products (the only kind the engine issues).
    return { group: 'xnnpack', flops: 2 * sh[0][0] * sh[0][1] * sh[1][1] };
  }
  if (k.name === 'PdesGemmSmallLeft') return { group: 'engine', flops: 2 * sh[1][0] * sh[1][1] * rowsOfLeft(sh[0], sh[1][0]) };
  if (k.name === 'PdesGemmReduce') return { group: 'engine', flops: 2 * sh[0][0] * sh[1][0] * sh[0][1] };
  if (k.name === 'PdesGemmSmallRight') return { group: 'engine', flops: 2 * sh[0][0] * sh[0][1] * sh[1][1] };
  // The fused folded DFTs (src/engine/wasm_dft.ts): two products of rows × (basis rows × columns).
  if (k.name === 'PdesFoldedAnalysis' || k.name === 'PdesFoldedSynthesis') return { group: 'engine', flops: 4 * sh[0][0] * sh[1][0] * sh[1][1] };
  return null;
}

/** Output rows of a small-left product: A is W [m, k] or read as Wᵀ from a [k, m] weight. */
function rowsOfLeft(a: number[], k: number): number {
  return a[1] === k ? a[0] : (a[0] * a[1]) / k;
}

export interface ProductRoofline {
  /** GFLOP/s of the products by group over the profiled step, and as a fraction of the peak. */
  gflops: Record<string, number>;
  fractionOfPeak: Record<string, number>;
  /** Seconds and GFLOP in the products by group. */
  seconds: Record<string, number>;
  gflop: Record<string, number>;
}

/** GFLOP/s of the matrix products in a profiled run (by group: XNNPACK, engine kernels, all). */
export function productRoofline(kernels: readonly ProfiledKernel[], peakGflops: number): ProductRoofline {
  const seconds: Record<string, number> = { xnnpack: 0, engine: 0, all: 0 };
  const gflop: Record<string, number> = { xnnpack: 0, engine: 0, all: 0 };
  for (const k of kernels) {
    const p = productFlops(k);
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    if (p === null) continue;
    for (const g of [p.group, 'all']) {
      seconds[g] += ms / 1e3;
      gflop[g] += p.flops / 1e9;
    }
  }
  const gflops = Object.fromEntries(Object.keys(seconds).map((g) => [g, seconds[g] > 0 ? gflop[g] / seconds[g] : 0]));
  const fractionOfPeak = Object.fromEntries(Object.entries(gflops).map(([g, v]) => [g, v / peakGflops]));
  return { gflops, fractionOfPeak, seconds, gflop };
}

/**
 * The kernels of `reps` profiled runs of `fn` (tf.profile; customGrad scopes, which only wrap the
 * kernels they run, left out), each kernel's time the least over the runs: on a shared machine a
 * run's kernel times include whatever else was scheduled, and the least is the closest to the
 * kernel's own cost. Every run must issue the same kernels (a training step does).
 */
export async function profileKernels(fn: () => void, reps: number): Promise<ProfiledKernel[]> {
  const runs: ProfiledKernel[][] = [];
  for (let r = 0; r < reps; r++) runs.push((await tf.profile(fn)).kernels.filter((k) => !k.name.includes('scope')) as ProfiledKernel[]);
  const ms = (k: ProfiledKernel) => (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : Infinity);
  return runs[0].map((k, i) => {
    if (!runs.every((run) => run.length === runs[0].length && run[i].name === k.name))
      throw new Error(`profileKernels: a run issued other kernels than the first (kernel ${i}, ${k.name})`);
    return { ...k, kernelTimeMs: Math.min(...runs.map((run) => ms(run[i]))) };
  });
}
