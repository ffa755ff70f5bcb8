/**
 * A minimal WebAssembly (core + SIMD128) emitter for the engine's kernels: instructions come
 * from the one instruction table (ops.ts), functions are {params, locals, body}, and `buildModule` assembles a
 * module that imports one memory (`env.mem`) and exports every function by name. No toolchain and
 * no binary blobs: the kernels are readable TypeScript and are validated by WebAssembly.validate.
 */

import { buildMemoryModule, type WasmFunctionDef } from './binary.js';
import { ins, wat } from './ops.js';

export const I32 = 0x7f;
export const V128 = 0x7b;

/**
 * Short names for the engine's kernels not yet written as text (see ops.ts, the one instruction
 * table). Memory offsets in bytes; v128 accesses declare 4-byte alignment (align=4), valid for
 * float32 data.
 */
export const op = {
  get: (i: number) => ins('local.get', i),
  set: (i: number) => ins('local.set', i),
  tee: (i: number) => ins('local.tee', i),
  i32: (v: number) => ins('i32.const', v),
  i32add: ins('i32.add'),
  i32sub: ins('i32.sub'),
  i32mul: ins('i32.mul'),
  i32and: ins('i32.and'),
  i32ne: ins('i32.ne'),
  i32ltU: ins('i32.lt_u'),
  i32eq: ins('i32.eq'),
  drop: ins('drop'),
  /** select: cond ? first : second (operands pushed first, second, cond). */
  select: ins('select'),
  f32add: ins('f32.add'),
  f32load: (offset = 0) => ins('f32.load', offset),
  f32store: (offset = 0) => ins('f32.store', offset),
  /** v128.load32_splat: one float32 from memory into all four lanes. */
  splat32: (offset = 0) => ins('v128.load32_splat', offset),
  /** f32x4.extract_lane i */
  lane: (i: number) => ins('f32x4.extract_lane', i),
  load: (offset = 0) => ins('v128.load', offset, 4),
  store: (offset = 0) => ins('v128.store', offset, 4),
  /** f32x4 constant with all four lanes equal to v (rounded to float32). */
  f32x4: (v: number) => wat`v128.const f32x4 ${v} ${v} ${v} ${v}`,
  i32x4: (v: number) => wat`v128.const i32x4 ${v} ${v} ${v} ${v}`,
  fadd: ins('f32x4.add'),
  fsub: ins('f32x4.sub'),
  fmul: ins('f32x4.mul'),
  fdiv: ins('f32x4.div'),
  /** f32x4.pmin / pmax: one minps/maxps (b < a ? b : a / a < b ? b : a; a NaN in a is kept). */
  fpmin: ins('f32x4.pmin'),
  fpmax: ins('f32x4.pmax'),
  fnearest: ins('f32x4.nearest'),
  ftoi: ins('i32x4.trunc_sat_f32x4_s'),
  iadd: ins('i32x4.add'),
  ishl: ins('i32x4.shl'),
  /** `loop` whose body ends by branching back while the i32 condition it leaves is true. */
  loop: (...body: number[][]) => [...wat`loop`, ...body.flat(), ...wat`br_if 0 end`],
};

export type FunctionDef = WasmFunctionDef;

/** A module importing env.mem (any size) and exporting `defs` (no results). */
export const buildModule: (defs: FunctionDef[]) => Uint8Array = buildMemoryModule;
