/**
 * Every WebAssembly module the project's emitters can build, by name: the solvers' modules
 * (FFT, 2D FFT with its split kernels, Navier–Stokes, each WENO variant) as compiled, and the
 * engine's kernels over a grid of the shapes they are specialised to. Used by wasm_bytes.test.ts
 * to pin the emitted bytes.
 */
import { buildMemoryModule, type WasmFunctionDef } from '../../core/wasm/binary.js';
import { kernelDefs } from '../../core/fft/fft.js';
import { fft2dKernelDefs } from '../../core/fft/fft2d.js';
import { splitKernelDefs } from '../../core/fft/fft2d_split.js';
import { nsKernelDefs } from '../../solvers/ns2d/kernels.js';
import { wenoStepDefs } from '../../solvers/burgers/weno_kernel.js';
import { gemmReduceDef, gemmRowsDef, gemmSmallLeftDef, rowSumDef } from '../../core/wasm/engine_gemm.js';
import { butterflyDef, cmacDef, geluDefs, interleaveDefs, type ConjMode } from '../../src/engine/wasm_kernels.js';
import { foldedAnalysisDef, foldedSynthesisDef } from '../../src/engine/wasm_dft.js';
import { gemmSmallRightDef } from '../../src/engine/wasm_gemm_right.js';
import { transposeDef } from '../../src/engine/wasm_transpose.js';
import { adamDef, type AdamDecay } from '../../src/engine/wasm_adam.js';

const bools = [false, true];

function defsByModule(): Record<string, WasmFunctionDef[]> {
  const m: Record<string, WasmFunctionDef[]> = {
    fft: kernelDefs(),
    fft2d: [...fft2dKernelDefs(), ...splitKernelDefs()],
    ns2d: nsKernelDefs(),
    'engine/gelu': [...geluDefs(), butterflyDef(false), butterflyDef(true), ...interleaveDefs()],
    'engine/rowSum': [rowSumDef('f')],
  };
  for (const flux of ['rusanov', 'godunov'] as const) {
    for (const viscous of bools) m[`burgers-weno5:${flux}:${viscous}`] = wenoStepDefs({ flux, viscous });
  }
  for (const cm of [4, 5, 6, 7, 8, 12, 16, 33]) {
    m[`engine/cmac|${cm}`] = (['none', 'a', 'b'] as ConjMode[]).map((c) => cmacDef(`cmac_${c}`, cm, c));
  }
  for (const [aRow, aCol] of [
    [1, 8],
    [8, 1],
    [3, 5],
  ]) {
    for (const bias of bools) {
      for (const mul of bools) {
        for (const k of [1, 2]) m[`engine/gemmRows|${k}|${aRow}|${aCol}|${bias}|${mul}`] = [gemmRowsDef('f', { k, aRow: 4 * aRow, aCol: 4 * aCol, bias, mul })];
        for (const th of [1, 2, 3, 4])
          m[`engine/gemmSL|${th}|${aRow}|${aCol}|${bias}|${mul}`] = [gemmSmallLeftDef('f', { th, aRow: 4 * aRow, aCol: 4 * aCol, bias, mul })];
      }
    }
  }
  for (const [rows, cols] of [
    [1, 1],
    [3, 5],
    [4, 4],
    [8, 2],
    [7, 9],
  ])
    m[`engine/gemmRed|${rows}|${cols}`] = [gemmReduceDef('f', { rows, cols, chunk: 256 })];
  for (const simd of bools) m[`engine/transpose|${simd}`] = [transposeDef('f', simd)];
  for (const decay of ['none', 'l2', 'decoupled'] as AdamDecay[]) m[`engine/adam|${decay}`] = [adamDef('f', decay)];
  for (const th of [1, 2, 3, 4]) {
    for (const [h, q] of [
      [4, 4],
      [8, 4],
      [16, 8],
      [32, 12],
    ]) {
      m[`engine/foldedAnalysis|${th}|${h}|${q}`] = [foldedAnalysisDef('f', { th, h, q })];
      for (const addend of bools) {
        for (const multiply of bools)
          m[`engine/foldedSynthesis|${th}|${h}|${q}|${addend}|${multiply}`] = [foldedSynthesisDef('f', { th, h, q }, addend, multiply)];
      }
    }
    for (const tw of [1, 2]) {
      for (const addend of bools) {
        for (const [k, n] of [
          [4, 8],
          [12, 16],
          [5, 24],
        ])
          m[`engine/gemmSR|${th}|${tw}|${addend}|${k}|${n}`] = [gemmSmallRightDef('f', { th, tw, addend, xRow: 4 * k, nRow: 4 * n })];
      }
    }
  }
  return m;
}

/** The bytes of every module, by name. */
export function allKernelModules(): Map<string, Uint8Array> {
  return new Map(Object.entries(defsByModule()).map(([name, defs]) => [name, buildMemoryModule(defs)]));
}
