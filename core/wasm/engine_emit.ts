/**
 * A minimal WebAssembly (core + SIMD128) emitter for the engine's kernels: instructions are
 * written as byte arrays, functions as {params, locals, body}, and `buildModule` assembles a
 * module that imports one memory (`env.mem`) and exports every function by name. No toolchain and
 * no binary blobs: the kernels are readable TypeScript and are validated by WebAssembly.validate.
 */

import { buildMemoryModule, sleb, uleb, type WasmFunctionDef } from './binary.js';

export const I32 = 0x7f;
export const V128 = 0x7b;

const simd = (op: number) => [0xfd, ...uleb(op)];

/** Instructions (memory offsets in bytes; v128 accesses declare 4-byte alignment, valid for float32 data). */
export const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (v: number) => [0x41, ...sleb(v)],
  i32add: [0x6a],
  i32sub: [0x6b],
  i32mul: [0x6c],
  i32and: [0x71],
  i32ne: [0x47],
  i32ltU: [0x49],
  i32eq: [0x46],
  drop: [0x1a],
  /** select: cond ? first : second (operands pushed first, second, cond). */
  select: [0x1b],
  f32add: [0x92],
  f32load: (offset = 0) => [0x2a, 2, ...uleb(offset)],
  f32store: (offset = 0) => [0x38, 2, ...uleb(offset)],
  /** v128.load32_splat: one float32 from memory into all four lanes. */
  splat32: (offset = 0) => [...simd(9), 2, ...uleb(offset)],
  lane: (i: number) => [...simd(0x1f), i],
  load: (offset = 0) => [...simd(0), 2, ...uleb(offset)],
  store: (offset = 0) => [...simd(11), 2, ...uleb(offset)],
  /** f32x4 constant with all four lanes equal to v (rounded to float32). */
  f32x4: (v: number) => [...simd(12), ...Array.from({ length: 4 }, () => [...new Uint8Array(new Float32Array([v]).buffer)]).flat()],
  i32x4: (v: number) => [...simd(12), ...Array.from({ length: 4 }, () => [...new Uint8Array(new Int32Array([v]).buffer)]).flat()],
  fadd: simd(0xe4),
  fsub: simd(0xe5),
  fmul: simd(0xe6),
  fdiv: simd(0xe7),
  /** f32x4.pmin / pmax: one minps/maxps (b < a ? b : a / a < b ? b : a; a NaN in a is kept). */
  fpmin: simd(0xea),
  fpmax: simd(0xeb),
  fnearest: simd(0x6a),
  /** i32x4.trunc_sat_f32x4_s */
  ftoi: simd(0xf8),
  iadd: simd(0xae),
  ishl: simd(0xab),
  /** `loop` whose body ends by branching back while the i32 condition it leaves is true. */
  loop: (...body: number[][]) => [0x03, 0x40, ...body.flat(), 0x0d, 0, 0x0b],
};

export type FunctionDef = WasmFunctionDef;

/** A module importing env.mem (any size) and exporting `defs` (no results). */
export const buildModule: (defs: FunctionDef[]) => Uint8Array = buildMemoryModule;
