/**
 * A minimal WebAssembly (core + SIMD128) emitter for the engine's kernels: their bodies are
 * WebAssembly text assembled by the one instruction table (ops.ts, via `watKernel` in binary.ts),
 * functions are {params, locals, body}, and `buildModule` assembles a module that imports one
 * memory (`env.mem`) and exports every function by name. No toolchain and no binary blobs: the
 * kernels are readable text and are validated by WebAssembly.validate.
 */

import { buildMemoryModule, type WasmFunctionDef } from './binary.js';

export type FunctionDef = WasmFunctionDef;

/** A module importing env.mem (any size) and exporting `defs` (no results). */
export const buildModule: (defs: FunctionDef[]) => Uint8Array = buildMemoryModule;
