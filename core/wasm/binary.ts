/**
 * WebAssembly binary encoding helpers (LEB128 integers and vectors), shared by the modules that
 * emit their kernels instruction by instruction: the FFTs (core/fft/fft.ts, core/fft/fft2d.ts), the
 * Navier–Stokes kernels (solvers/ns2d/kernels.ts) and the engine's kernels
 * (core/wasm/engine_emit.ts), and the module layout they use; for the solvers also kernels with
 * named locals written as WebAssembly text (`watKernel`, assembled by ops.ts, the one instruction
 * table) and the compile-once cache of their modules.
 * [WebAssembly Core Specification 2.0, §5.2.2 Integers, §5.4 Instructions, §5.5 Modules.]
 */

export { sleb, uleb } from './leb128.js';
import { uleb } from './leb128.js';
import { asm, type Assembler, type Code } from './ops.js';

/** A vector: its length (unsigned LEB128) followed by the items' bytes. */
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** A function: value types of its params, results and locals (0x7f i32, 0x7c f64, 0x7b v128), and its code. */
export interface WasmFunctionDef {
  name: string;
  params: number[];
  results?: number[];
  locals: number[];
  body: number[];
}

/**
 * A module that imports one memory (`env.mem`, any size) and exports every function by name,
 * function i having type i. Same defs → same bytes.
 */
export function buildMemoryModule(defs: WasmFunctionDef[]): Uint8Array {
  const str = (text: string) => vec([...text].map((ch) => [ch.charCodeAt(0)]));
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const localDecls = (types: number[]) => {
    const runs: number[][] = [];
    for (const ty of types) {
      const lastRun = runs[runs.length - 1];
      if (lastRun && lastRun[1] === ty) lastRun[0]++;
      else runs.push([1, ty]);
    }
    return vec(runs.map(([count, ty]) => [...uleb(count), ty]));
  };
  const bytes = [
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec(defs.map((d) => [0x60, ...vec(d.params.map((t) => [t])), ...vec((d.results ?? []).map((t) => [t]))]))),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(defs.map((_, i) => uleb(i)))),
    ...section(7, vec(defs.map((d, i) => [...str(d.name), 0x00, ...uleb(i)]))),
    ...section(
      10,
      vec(
        defs.map((d) => {
          const body = [...localDecls(d.locals), ...d.body, 0x0b];
          return [...uleb(body.length), ...body];
        }),
      ),
    ),
  ];
  return new Uint8Array(bytes);
}

/** Value types. */
export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export const F32 = 0x7d;

/**
 * A kernel with named locals: `kernel(name, { i32: ['x', 'n'] }, { i32: ['p'], v128: ['a'] }, (L) => body)`
 * where L maps each name to its local index (params first, then i32, f64, v128, f32 locals).
 */
export function kernel(
  name: string,
  params: { i32?: string[]; f64?: string[] },
  locals: { i32?: string[]; f64?: string[]; v128?: string[]; f32?: string[] },
  body: (L: Record<string, number>) => number[][],
  results?: number[],
): WasmFunctionDef {
  const L: Record<string, number> = {};
  const paramTypes: number[] = [];
  let i = 0;
  for (const p of params.i32 ?? []) {
    L[p] = i++;
    paramTypes.push(I32);
  }
  for (const p of params.f64 ?? []) {
    L[p] = i++;
    paramTypes.push(F64);
  }
  const localTypes: number[] = [];
  for (const [ty, names] of [
    [I32, locals.i32 ?? []],
    [F64, locals.f64 ?? []],
    [V128, locals.v128 ?? []],
    [F32, locals.f32 ?? []],
  ] as const) {
    for (const nme of names) {
      if (nme in L) throw new Error(`kernel ${name}: duplicate local ${nme}`);
      L[nme] = i++;
      localTypes.push(ty);
    }
  }
  return { name, params: paramTypes, results, locals: localTypes, body: body(L).flat() };
}

/**
 * `kernel` with its body written as text: `watKernel('sum', { i32: ['x', 'pairs'] }, { i32: ['p'],
 * v128: ['acc'] }, (w) => w\`local.get $x ...\`, [F64])`, w being the assembler (ops.ts) that knows
 * the kernel's locals by name.
 */
export function watKernel(
  name: string,
  params: { i32?: string[]; f64?: string[] },
  locals: { i32?: string[]; f64?: string[]; v128?: string[]; f32?: string[] },
  body: (w: Assembler, L: Record<string, number>) => Code,
  results?: number[],
): WasmFunctionDef {
  return kernel(name, params, locals, (L) => [body(asm(L), L)], results);
}

/** The part of the WebAssembly JS API the solvers use (the project's TS lib has no WebAssembly types). */
export interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: new (descriptor: { initial: number }) => WasmMemory;
}
/** A compiled WebAssembly.Module (opaque here). */
export type WasmModule = { readonly __wasmModule?: never };
/** A WebAssembly.Memory (opaque here). */
export type WasmMemory = { readonly buffer: ArrayBuffer };

/** The WebAssembly JS API, or undefined where there is none. */
export const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
const compiled = new Map<string, WasmModule | null>();

/**
 * Compiles (once per key) a module of kernels that import one memory `env.mem`; null where
 * WebAssembly SIMD is unavailable.
 */
export function compileKernelModule(key: string, defs: () => WasmFunctionDef[]): WasmModule | null {
  let mod = compiled.get(key);
  if (mod === undefined) {
    const bytes = buildMemoryModule(defs());
    mod = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
    compiled.set(key, mod);
  }
  return mod;
}
