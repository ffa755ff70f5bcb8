/**
 * Engine SIMD kernels for the tfjs wasm backend, registered as ordinary tfjs kernels
 * (tf.registerKernel) and run on tensors in place, in the backend's own WebAssembly memory.
 *
 * Why: on tfjs-backend-wasm 4.22, `Erf`, `Exp` and `Tanh` are scalar libm loops (a GELU on
 * 20480×64 values: ~15–20 ms, against ~0.2 ms for an add); XNNPACK re-packs the right-hand
 * operand of every matmul whose right operand is a fresh tensor (~6 ms per 64×20480, as long as
 * the product); `Pack`/`Unpack`/`Transpose` are slow; and the FNO's complex mode mixing needs
 * either slow batched matmuls or many transposes, slices and small products per layer. Here
 * each is one pass of f32x4 code:
 *
 * - `PdesGelu` y = x·Φ(x), `PdesGeluGrad` dx = dy·GELU'(x) and `PdesGeluTrain` (y, GELU'(x)) in
 *   one pass, exact-erf GELU as PyTorch's default. erf(z) = z·P(z²)/Q(z²) on z clamped to
 *   [−4, 4] (degree 13/8 rational approximation with the coefficients of Eigen's
 *   `generic_fast_erf_float`; max error 4e-7 in float32); exp by Cody–Waite reduction to
 *   r ∈ [−ln2/2, ln2/2], a degree-6 Taylor polynomial (relative error 1.2e-7) and 2^n put into
 *   the exponent bits. Two vectors per iteration: each value is a chain of ~60 dependent
 *   operations, and interleaving two chains hides their latency (measured 1.4× faster; four
 *   spill registers and gain nothing).
 * - `PdesComplexMac` out[u, v, :] = Σ_w A[u, v, w, :] ⊗ B[u, v, w, :] for planar complex rows
 *   (M real parts then M imaginary parts), with A, B addressed by byte strides so one kernel does
 *   the mode mixing and both of its gradients (conjugating A or B); 4 modes per vector, up to 16
 *   modes per pass held in registers. Optionally over independent blocks (the per-(ky, kz) weight
 *   blocks of the 2D/3D mode mixing, spectral_nd.ts).
 * - `PdesGemmSmallLeft`, `PdesGemmReduce`, `PdesRowSum`: channels-first linear layers and their
 *   gradients without packing (core/wasm/engine_gemm.ts).
 * - `Identity` (tfjs's own kernel name, replaced on wasm): shares the input's data instead of
 *   copying it, as the cpu and webgl backends do (see shareIdentity).
 * - `PdesFoldHalves` / `PdesUnfoldHalves` (one radix-2 butterfly over a row's halves, optionally
 *   adding a residual) and `PdesInterleave` / `PdesDeinterleave` (even/odd modes ↔ natural
 *   order) for the folded DFTs of dft.ts.
 *
 * The kernels import the backend's WebAssembly.Memory (`backend.wasm.asm.memory`, the Emscripten
 * module's export); where it is not reachable (another tfjs build, a threaded build with shared
 * memory) they are reported unavailable and the primitives use tfjs ops instead
 * (`wasmKernelsStatus()` says which, and describeBackend() includes it).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.js';
import { buildModule, type FunctionDef } from '../../core/wasm/engine_emit.js';
import { watKernel } from '../../core/wasm/binary.js';
import { gemmReduceDef, gemmRowsDef, gemmSmallLeftDef, rowSumDef, type GemmRowsSpec, type GemmSmallLeftSpec } from '../../core/wasm/engine_gemm.js';

// ------------------------------------------------------------------------------------------------
// Kernel code
// ------------------------------------------------------------------------------------------------

/** erf(z) = z·P(z²)/Q(z²) for |z| ≤ 4 (Eigen's generic_fast_erf_float coefficients). */
const ERF_P = [
  -2.72614225801306e-10, 2.77068142495902e-8, -2.10102402082508e-6, -5.69250639462346e-5, -7.34990630326855e-4, -2.95459980854025e-3, -1.60960333262415e-2,
];
const ERF_Q = [-1.45660718464996e-5, -2.13374055278905e-4, -1.68282697438203e-3, -7.37332916720468e-3, -1.42647390514189e-2];
/** ln 2 split so that n·LN2_HI is exact in float32 for |n| < 2^15 (Cody–Waite). */
const LN2_HI = 0.693359375;
const LN2_LO = -2.1219444e-4;

/** An f32x4 constant with all four lanes equal to v (rounded to float32), as text. */
const splat = (v: number) => `v128.const f32x4 ${v} ${v} ${v} ${v}`;

/** Horner evaluation of Σ c_i t^(deg−i) (coefficients from the highest power) with t in local `t`, as text. */
function horner(coefs: number[], t: string): string {
  return [splat(coefs[0]), ...coefs.slice(1).map((c) => `local.get $${t} f32x4.mul ${splat(c)} f32x4.add`)].join('\n');
}

/** Leaves erf(x/√2) on the stack for x in local `x`; uses locals z, z2 (text). */
function erfOfScaled(x: string, z: string, z2: string): string {
  return `
    ;; z = clamp(x/√2, −4, 4), z2 = z²
    local.get $${x} ${splat(Math.SQRT1_2)} f32x4.mul
    ${splat(-4)} f32x4.pmax ${splat(4)} f32x4.pmin
    local.tee $${z} local.get $${z} f32x4.mul local.set $${z2}
    ;; z·P(z²) / Q(z²)
    ${horner(ERF_P, z2)} local.get $${z} f32x4.mul
    ${horner(ERF_Q, z2)} f32x4.div`;
}

/**
 * An element-wise kernel (ins…, outs…, n): outs[·][i] = f(ins[·][i]) for n ≥ 4·unroll float32
 * values. Each iteration handles `unroll` independent vectors (the GELU chains are ~60 dependent
 * operations: interleaving them hides latency); the last 4·unroll values are done once more
 * (overlapping), so any n is covered without a scalar tail. `values` leaves one result vector per
 * output on the stack (first output deepest), given the byte offset local `o`, its own temps
 * (the names in `temps`, suffixed per unrolled vector) and the vector's byte offset from o.
 */
function elementwise(
  name: string,
  ins: string[],
  outs: string[],
  temps: string[],
  unroll: number,
  values: (ins: string[], temps: string[], offset: number) => string,
): FunctionDef {
  const res = (u: number) => outs.map((_, i) => `res${i}_${u}`);
  const tmp = (u: number) => temps.map((t) => `${t}_${u}`);
  const block = 16 * unroll;
  const us = Array.from({ length: unroll }, (_, u) => u);
  const one = [
    ...us.map(
      (u) =>
        `${values(ins, tmp(u), 16 * u)} ${[...res(u)]
          .reverse()
          .map((r) => `local.set $${r}`)
          .join(' ')}`,
    ),
    ...us.flatMap((u) => outs.map((out, i) => `local.get $${out} local.get $o i32.add local.get $${res(u)[i]} v128.store offset=${16 * u} align=4`)),
  ].join('\n');
  return watKernel(
    name,
    { i32: [...ins, ...outs, 'n'] },
    { i32: ['o', 'last'], v128: us.flatMap((u) => [...res(u), ...tmp(u)]) },
    (w) => w`
      local.get $n i32.const 4 i32.mul i32.const ${block} i32.sub local.set $last
      i32.const 0 local.set $o
      loop
        ${one}
        local.get $o i32.const ${block} i32.add local.tee $o local.get $last i32.lt_u
      br_if 0 end
      ;; the last 4·unroll values, overlapping those before
      local.get $last local.set $o
      ${one}`,
  );
}

/** Values per iteration of the GELU kernels: they need n ≥ 4·GELU_UNROLL. */
export const GELU_UNROLL = 2;

const loadAt = (base: string, offset: number) => `local.get $${base} local.get $o i32.add v128.load offset=${offset} align=4`;

/** Leaves Φ(x) and GELU'(x) = Φ(x) + x·φ(x) on the stack for x in local v (text). */
function cdfAndDerivative(v: string, [z, z2, cdf, t, nf]: string[]): string {
  return `
    ;; Φ(x) = (1 + erf(x/√2)) / 2
    ${erfOfScaled(v, z, z2)} ${splat(1)} f32x4.add ${splat(0.5)} f32x4.mul
    local.tee $${cdf} local.get $${cdf}
    ;; t = max(−x²/2, −87): exp(t) stays a normal float32.
    local.get $${v} local.get $${v} f32x4.mul ${splat(-0.5)} f32x4.mul ${splat(-87)} f32x4.pmax local.set $${t}
    ;; exp(t) = 2^n·e^r: n = nearest(t·log2 e), r = t − n·ln2 (Cody–Waite)
    local.get $${t} ${splat(Math.LOG2E)} f32x4.mul f32x4.nearest local.set $${nf}
    local.get $${t} local.get $${nf} ${splat(LN2_HI)} f32x4.mul f32x4.sub
    local.get $${nf} ${splat(LN2_LO)} f32x4.mul f32x4.sub local.set $${t}
    ${horner([1 / 720, 1 / 120, 1 / 24, 1 / 6, 1 / 2, 1, 1], t)}
    ;; 2^n: n + 127 in the exponent bits
    local.get $${nf} i32x4.trunc_sat_f32x4_s v128.const i32x4 127 127 127 127 i32x4.add i32.const 23 i32x4.shl
    f32x4.mul
    ;; Φ(x) + x·exp(−x²/2)/√(2π)
    local.get $${v} f32x4.mul ${splat(1 / Math.sqrt(2 * Math.PI))} f32x4.mul
    f32x4.add`;
}

export function geluDefs(): FunctionDef[] {
  // gelu(x, y, n): y = x·Φ(x)
  const gelu = elementwise(
    'gelu',
    ['x'],
    ['y'],
    ['v', 'z', 'z2'],
    GELU_UNROLL,
    ([x], [v, z, z2], off) => `
      ${loadAt(x, off)} local.set $${v}
      ${erfOfScaled(v, z, z2)} ${splat(1)} f32x4.add local.get $${v} f32x4.mul ${splat(0.5)} f32x4.mul`,
  );
  // geluGrad(x, dy, dx, n): dx = dy·GELU'(x)
  const geluGrad = elementwise(
    'geluGrad',
    ['x', 'dy'],
    ['dx'],
    ['v', 'z', 'z2', 'cdf', 't', 'nf'],
    GELU_UNROLL,
    ([x, dy], [v, ...temps], off) => `
      ${loadAt(x, off)} local.set $${v}
      ${cdfAndDerivative(v, temps)} local.set $${temps[4]} drop
      local.get $${temps[4]} ${loadAt(dy, off)} f32x4.mul`,
  );
  // geluTrain(x, y, d, n): y = x·Φ(x) and d = GELU'(x), for a backward pass that only multiplies.
  const geluTrain = elementwise(
    'geluTrain',
    ['x'],
    ['y', 'd'],
    ['v', 'z', 'z2', 'cdf', 't', 'nf'],
    GELU_UNROLL,
    ([x], [v, ...temps], off) => `
      ${loadAt(x, off)} local.set $${v}
      ${cdfAndDerivative(v, temps)} local.set $${temps[4]}
      local.get $${v} f32x4.mul local.get $${temps[4]}`,
  );
  return [gelu, geluGrad, geluTrain];
}

/**
 * butterfly(p, q, u, v, rows, h, pStride, qStride, uStride, vStride): per row, u = p + q and
 * v = p − q over h floats (h % 4 = 0); strides in bytes between rows. Folding a row's halves
 * (p, q = x[:h], x[h:]) or joining two arrays into one row's halves (u, v = y[:h], y[h:]).
 * butterflyAdd(…, zu, zv) also adds a residual laid out like u and v.
 */
export function butterflyDef(withAddend: boolean): FunctionDef {
  const at = (base: string) => `local.get $${base} local.get $o i32.add`;
  const next = (base: string, stride: string) => `local.get $${base} local.get $${stride} i32.add local.set $${base}`;
  // With an addend (rows laid out like u and v, starting at zu and zv): u += zu, v += zv.
  const plus = (z: string) => (withAddend ? `${at(z)} v128.load align=4 f32x4.add` : '');
  return watKernel(
    withAddend ? 'butterflyAdd' : 'butterfly',
    { i32: ['p', 'q', 'u', 'v', 'rows', 'h', 'ps', 'qs', 'us', 'vs', ...(withAddend ? ['zu', 'zv'] : [])] },
    { i32: ['o', 'hb', 'r'], v128: ['a', 'b'] },
    (w) => w`
      local.get $h i32.const 4 i32.mul local.set $hb
      local.get $rows local.set $r
      loop
        i32.const 0 local.set $o
        loop
          ${at('p')} v128.load align=4 local.set $a  ${at('q')} v128.load align=4 local.set $b
          ${at('u')} local.get $a local.get $b f32x4.add ${plus('zu')} v128.store align=4
          ${at('v')} local.get $a local.get $b f32x4.sub ${plus('zv')} v128.store align=4
          local.get $o i32.const 16 i32.add local.tee $o local.get $hb i32.ne
        br_if 0 end
        ${next('p', 'ps')} ${next('q', 'qs')} ${next('u', 'us')} ${next('v', 'vs')}
        ${withAddend ? `${next('zu', 'us')} ${next('zv', 'vs')}` : ''}
        local.get $r i32.const 1 i32.sub local.tee $r
      br_if 0 end`,
  );
}

/**
 * interleave(e, o, out, rows, me, mo): out rows of me + mo floats take e's values at even
 * positions and o's at odd ones (e rows of me, o rows of mo; me, mo ≥ 1). deinterleave: the
 * reverse. Modes of the folded DFT (even, odd) ↔ natural order; scalar, the data are small.
 */
export function interleaveDefs(): FunctionDef[] {
  const def = (name: string, toNatural: boolean): FunctionDef => {
    // count values between src (stride 4 bytes) and out + first (stride 8 bytes)
    const part = (src: string, count: string, first: number) => `
      local.get $out i32.const ${first} i32.add local.set $q
      local.get $${count} local.set $cnt
      loop
        ${toNatural ? `local.get $q local.get $${src}` : `local.get $${src} local.get $q`} f32.load f32.store
        local.get $${src} i32.const 4 i32.add local.set $${src}
        local.get $q i32.const 8 i32.add local.set $q
        local.get $cnt i32.const 1 i32.sub local.tee $cnt
      br_if 0 end`;
    return watKernel(
      name,
      { i32: ['e', 'o', 'out', 'rows', 'me', 'mo'] },
      { i32: ['q', 'cnt', 'r'] },
      (w) => w`
        local.get $rows local.set $r
        loop
          ${part('e', 'me', 0)}
          ${part('o', 'mo', 4)}
          local.get $out local.get $me local.get $mo i32.add i32.const 4 i32.mul i32.add local.set $out
          local.get $r i32.const 1 i32.sub local.tee $r
        br_if 0 end`,
    );
  };
  return [def('interleave', true), def('deinterleave', false)];
}

/** Which operand of the complex multiply-accumulate is conjugated. */
export type ConjMode = 'none' | 'a' | 'b';

/**
 * cmac(a, aS1, aS2, aS3, b, bS1, bS2, bS3, out, n1, n2, n3) for rows of m complex values stored
 * planar (m reals, then m imaginaries): for u < n1, v < n2 (out rows in that order),
 * out = Σ_{w < n3} A ⊗ B with A at a + u·aS1 + v·aS2 + w·aS3 (bytes), B likewise.
 * Requires m ≥ 4 and n1, n2, n3 ≥ 1.
 */
export function cmacDef(name: string, m: number, conj: ConjMode): FunctionDef {
  const im = 4 * m;
  // Groups of 4 modes; the last one overlaps the one before when m is not a multiple of 4 (the
  // overlapping modes are computed twice, identically). At most 4 groups per pass in registers.
  const starts: number[] = [];
  for (let s = 0; s < m; s += 4) starts.push(Math.min(s, m - 4));
  const chunks: number[][] = [];
  for (let i = 0; i < starts.length; i += 4) chunks.push(starts.slice(i, i + 4));
  const nAcc = Math.max(...chunks.map((c) => c.length));
  const mul = (p: string, q: string) => `local.get $${p} local.get $${q} f32x4.mul`;
  // re += ar·br ∓ ai·bi; im += (conj a: ar·bi − ai·br | conj b: ai·br − ar·bi | none: ar·bi + ai·br)
  const imPart = {
    none: `${mul('ar', 'bi')} f32x4.add ${mul('ai', 'br')} f32x4.add`,
    a: `${mul('ar', 'bi')} f32x4.add ${mul('ai', 'br')} f32x4.sub`,
    b: `${mul('ai', 'br')} f32x4.add ${mul('ar', 'bi')} f32x4.sub`,
  }[conj];
  const accumulate = (g: number) => `
    local.get $re${g} ${mul('ar', 'br')} f32x4.add ${mul('ai', 'bi')} ${conj === 'none' ? 'f32x4.sub' : 'f32x4.add'} local.set $re${g}
    local.get $im${g} ${imPart} local.set $im${g}`;
  // One group of 4 modes at byte offset off (reals; imaginaries im bytes further), accumulator g.
  const step = (off: number, g: number) => `
    local.get $pa v128.load offset=${off} align=4 local.set $ar  local.get $pa v128.load offset=${off + im} align=4 local.set $ai
    local.get $pb v128.load offset=${off} align=4 local.set $br  local.get $pb v128.load offset=${off + im} align=4 local.set $bi
    ${accumulate(g)}`;
  // p + u·s1 + v·s2
  const base = (p: string, s1: string, s2: string) =>
    `local.get $${p} local.get $u local.get $${s1} i32.mul i32.add local.get $v local.get $${s2} i32.mul i32.add`;
  const pass = (offs: number[]) => `
    local.get $out local.set $po
    i32.const 0 local.set $u
    loop
      i32.const 0 local.set $v
      loop
        ${offs.map((_, g) => `${splat(0)} local.set $re${g} ${splat(0)} local.set $im${g}`).join('\n')}
        ${base('a', 'aS1', 'aS2')} local.set $pa
        ${base('b', 'bS1', 'bS2')} local.set $pb
        local.get $n3 local.set $w
        loop
          ${offs.map(step).join('\n')}
          local.get $pa local.get $aS3 i32.add local.set $pa
          local.get $pb local.get $bS3 i32.add local.set $pb
          local.get $w i32.const 1 i32.sub local.tee $w
        br_if 0 end
        ${offs.map((off, g) => `local.get $po local.get $re${g} v128.store offset=${off} align=4  local.get $po local.get $im${g} v128.store offset=${off + im} align=4`).join('\n')}
        local.get $po i32.const ${8 * m} i32.add local.set $po
        local.get $v i32.const 1 i32.add local.tee $v local.get $n2 i32.ne
      br_if 0 end
      local.get $u i32.const 1 i32.add local.tee $u local.get $n1 i32.ne
    br_if 0 end`;
  return watKernel(
    name,
    { i32: ['a', 'aS1', 'aS2', 'aS3', 'b', 'bS1', 'bS2', 'bS3', 'out', 'n1', 'n2', 'n3'] },
    { i32: ['u', 'v', 'w', 'pa', 'pb', 'po'], v128: ['ar', 'ai', 'br', 'bi', ...Array.from({ length: nAcc }, (_, g) => [`re${g}`, `im${g}`]).flat()] },
    (w) => w`${chunks.map((chunk) => pass(chunk.map((s) => 4 * s))).join('\n')}`,
  );
}

// ------------------------------------------------------------------------------------------------
// Binding to the tfjs wasm backend's memory
// ------------------------------------------------------------------------------------------------

/** The part of the WebAssembly JS API used here (the project's TS lib has no WebAssembly types). */
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: Record<string, Record<string, unknown>>) => { exports: unknown };
  Memory: abstract new (...args: never[]) => { buffer: ArrayBuffer };
}

export type Fn = (...args: number[]) => void;
interface GeluExports {
  gelu: Fn;
  geluGrad: Fn;
  geluTrain: Fn;
  butterfly: Fn;
  butterflyAdd: Fn;
  interleave: Fn;
  deinterleave: Fn;
}
type CmacExports = Record<'cmac_none' | 'cmac_a' | 'cmac_b', Fn>;

interface Binding {
  memory: object;
  gelu: GeluExports;
  cmac: Map<number, CmacExports>;
  /** Kernels specialised by shape, by key. */
  special: Map<string, Fn>;
}

const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
let geluModule: object | undefined;
const cmacModules = new Map<number, object>();
const specialModules = new Map<string, object>();
let binding: Binding | null = null;
let unavailable: string | null = null;
let enabled = true;

function compile(defs: FunctionDef[]): object {
  const bytes = buildModule(defs);
  if (!wasmApi || !wasmApi.validate(bytes)) throw new EngineError('engine SIMD kernels do not validate: this runtime lacks WebAssembly SIMD');
  return new wasmApi.Module(bytes);
}

/** The backend's WebAssembly.Memory, or a reason why it cannot be used. */
function backendMemory(backend: BackendWasm): object | string {
  const mod = backend.wasm as unknown as { asm?: { memory?: unknown }; wasmMemory?: unknown };
  const memory = mod.asm?.memory ?? mod.wasmMemory;
  if (!wasmApi || !(memory instanceof wasmApi.Memory)) return 'the wasm backend does not expose its memory';
  if (typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer) return 'the wasm backend uses shared (threaded) memory';
  return memory;
}

function bind(backend: BackendWasm): Binding | null {
  const memory = backendMemory(backend);
  if (typeof memory === 'string') {
    unavailable = memory;
    return null;
  }
  if (binding && binding.memory === memory) return binding;
  geluModule ??= compile([...geluDefs(), butterflyDef(false), butterflyDef(true), ...interleaveDefs()]);
  const gelu = new (wasmApi as WasmApi).Instance(geluModule, { env: { mem: memory } }).exports as GeluExports;
  binding = { memory, gelu, cmac: new Map(), special: new Map() };
  unavailable = null;
  return binding;
}

function cmacExports(b: Binding, m: number): CmacExports {
  let ex = b.cmac.get(m);
  if (!ex) {
    let mod = cmacModules.get(m);
    if (!mod) {
      mod = compile((['none', 'a', 'b'] as ConjMode[]).map((c) => cmacDef(`cmac_${c}`, m, c)));
      cmacModules.set(m, mod);
    }
    ex = new (wasmApi as WasmApi).Instance(mod, { env: { mem: b.memory } }).exports as CmacExports;
    b.cmac.set(m, ex);
  }
  return ex;
}

/** The single function `f` of a module built once per key. */
function special(b: Binding, key: string, def: () => FunctionDef): Fn {
  let fn = b.special.get(key);
  if (!fn) {
    let mod = specialModules.get(key);
    if (!mod) {
      mod = compile([def()]);
      specialModules.set(key, mod);
    }
    fn = (new (wasmApi as WasmApi).Instance(mod, { env: { mem: b.memory } }).exports as Record<string, Fn>).f;
    b.special.set(key, fn);
  }
  return fn;
}

/**
 * For engine kernels registered in other files: the function `f` of a module built once from
 * `def()` under `key` and bound to the wasm backend's memory. Only while wasmKernelsActive().
 */
export function engineFunction(backend: BackendWasm, key: string, def: () => FunctionDef): Fn {
  return special(bind(backend) as Binding, key, def);
}

/** Byte offset of a float32 tensor's data in the wasm backend's memory (for engine kernels). */
export function offsetOf(backend: BackendWasm, t: tf.TensorInfo): number {
  if (t.dtype !== 'float32') throw new EngineError(`engine kernels take float32 tensors, got ${t.dtype}`);
  const data = backend.dataIdMap.get(t.dataId);
  if (!data) throw new EngineError('engine kernel input has no data on the wasm backend');
  return data.memoryOffset;
}

const GELU = 'PdesGelu';
const GELU_GRAD = 'PdesGeluGrad';
const GELU_TRAIN = 'PdesGeluTrain';
const CMAC = 'PdesComplexMac';
const FOLD = 'PdesFoldHalves';
const UNFOLD = 'PdesUnfoldHalves';
const INTERLEAVE = 'PdesInterleave';
const DEINTERLEAVE = 'PdesDeinterleave';
const GEMM_SL = 'PdesGemmSmallLeft';
const GEMM_RED = 'PdesGemmReduce';
const ROW_SUM = 'PdesRowSum';
/** Contractions up to this length run row by row (gemmRowsDef), longer ones in column panels. */
const GEMM_ROWS_MAX_K = 2;
/** Long-axis chunk of gemmReduce, floats: 4 rows of P and all rows of Q stay in L2. */
const REDUCE_CHUNK = 256;

function registerKernels(): void {
  if (tf.getKernel(GELU, 'wasm')) return;
  registerGemmKernels();
  shareIdentity();
  tf.registerKernel({
    kernelName: GELU,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const x = inputs.x as tf.TensorInfo;
      const out = be.makeOutput(x.shape, 'float32');
      (bind(be) as Binding).gelu.gelu(offsetOf(be, x), offsetOf(be, out), tf.util.sizeFromShape(x.shape));
      return out;
    },
  });
  tf.registerKernel({
    kernelName: GELU_GRAD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const x = inputs.x as tf.TensorInfo;
      const dy = inputs.dy as tf.TensorInfo;
      const out = be.makeOutput(x.shape, 'float32');
      (bind(be) as Binding).gelu.geluGrad(offsetOf(be, x), offsetOf(be, dy), offsetOf(be, out), tf.util.sizeFromShape(x.shape));
      return out;
    },
  });
  tf.registerKernel({
    kernelName: GELU_TRAIN,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const x = inputs.x as tf.TensorInfo;
      const y = be.makeOutput(x.shape, 'float32');
      const d = be.makeOutput(x.shape, 'float32');
      (bind(be) as Binding).gelu.geluTrain(offsetOf(be, x), offsetOf(be, y), offsetOf(be, d), tf.util.sizeFromShape(x.shape));
      return [y, d];
    },
  });
  tf.registerKernel({
    kernelName: FOLD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const x = inputs.x as tf.TensorInfo;
      const [rows, s] = x.shape;
      const h = s / 2;
      const a = be.makeOutput([rows, h], 'float32');
      const b = be.makeOutput([rows, h], 'float32');
      const px = offsetOf(be, x);
      (bind(be) as Binding).gelu.butterfly(px, px + 4 * h, offsetOf(be, a), offsetOf(be, b), rows, h, 8 * h, 8 * h, 4 * h, 4 * h);
      return [a, b];
    },
  });
  tf.registerKernel({
    kernelName: UNFOLD,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const a = inputs.a as tf.TensorInfo;
      const [rows, h] = a.shape;
      const y = be.makeOutput([rows, 2 * h], 'float32');
      const py = offsetOf(be, y);
      const k = (bind(be) as Binding).gelu;
      const args = [offsetOf(be, a), offsetOf(be, inputs.b as tf.TensorInfo), py, py + 4 * h, rows, h, 4 * h, 4 * h, 8 * h, 8 * h];
      if (inputs.z === undefined) k.butterfly(...args);
      else {
        const pz = offsetOf(be, inputs.z as tf.TensorInfo);
        k.butterflyAdd(...args, pz, pz + 4 * h);
      }
      return y;
    },
  });
  tf.registerKernel({
    kernelName: INTERLEAVE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const e = inputs.e as tf.TensorInfo;
      const o = inputs.o as tf.TensorInfo;
      const [rows, me] = e.shape;
      const mo = o.shape[1];
      const out = be.makeOutput([rows, me + mo], 'float32');
      (bind(be) as Binding).gelu.interleave(offsetOf(be, e), offsetOf(be, o), offsetOf(be, out), rows, me, mo);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: DEINTERLEAVE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as BackendWasm;
      const x = inputs.x as tf.TensorInfo;
      const [rows, m] = x.shape;
      const me = (attrs as { me: number }).me;
      const e = be.makeOutput([rows, me], 'float32');
      const o = be.makeOutput([rows, m - me], 'float32');
      (bind(be) as Binding).gelu.deinterleave(offsetOf(be, e), offsetOf(be, o), offsetOf(be, x), rows, me, m - me);
      return [e, o];
    },
  });
  tf.registerKernel({
    kernelName: CMAC,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as BackendWasm;
      const a = inputs.a as tf.TensorInfo;
      const b = inputs.b as tf.TensorInfo;
      const { m, conj, outShape, aStrides, bStrides, counts, blocks } = attrs as unknown as CmacAttrs;
      const out = be.makeOutput(outShape, 'float32');
      const fn = cmacExports(bind(be) as Binding, m)[`cmac_${conj}`];
      const row = 8 * m;
      const [nBlocks, aBlock, bBlock] = blocks ?? [1, 0, 0];
      const [pa, pb, po] = [offsetOf(be, a), offsetOf(be, b), offsetOf(be, out)];
      for (let g = 0; g < nBlocks; g++) {
        fn(
          pa + g * aBlock * row,
          aStrides[0] * row,
          aStrides[1] * row,
          aStrides[2] * row,
          pb + g * bBlock * row,
          bStrides[0] * row,
          bStrides[1] * row,
          bStrides[2] * row,
          po + g * counts[0] * counts[1] * row,
          counts[0],
          counts[1],
          counts[2],
        );
      }
      return out;
    },
  });
}

/**
 * tfjs-backend-wasm's `Identity` copies its input. The engine runs it for every tensor a gradient
 * keeps for the backward pass (engine.clone in saveTensorsForBackwardMode and customGrad's save),
 * so on wasm each recorded activation was copied once more (~8 ms of a 160 ms FNO-1D step). The
 * cpu and webgl backends instead share the data and count references, which the wasm backend
 * supports too (its Reshape does exactly that); tensors are immutable, so sharing is safe. While
 * the engine kernels are off, the backend's own copying kernel runs.
 */
function shareIdentity(): void {
  const stock = tf.getKernel('Identity', 'wasm');
  if (!stock) return;
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel({
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as tf.TensorInfo;
      if (!enabled || x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as BackendWasm).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
}

function registerGemmKernels(): void {
  tf.registerKernel({
    kernelName: GEMM_SL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as BackendWasm;
      const { m, k, aRow, aCol } = attrs as unknown as GemmAttrs;
      const x = inputs.x as tf.TensorInfo;
      const n = x.shape[1];
      const out = be.makeOutput([m, n], 'float32');
      const b = bind(be) as Binding;
      const hasBias = inputs.bias !== undefined;
      const hasMul = inputs.mul !== undefined;
      const pa = offsetOf(be, inputs.a as tf.TensorInfo);
      const px = offsetOf(be, x);
      const po = offsetOf(be, out);
      const pb = hasBias ? offsetOf(be, inputs.bias as tf.TensorInfo) : 0;
      const pm = hasMul ? offsetOf(be, inputs.mul as tf.TensorInfo) : po;
      if (k <= GEMM_ROWS_MAX_K) {
        const spec: GemmRowsSpec = { k, aRow: 4 * aRow, aCol: 4 * aCol, bias: hasBias, mul: hasMul };
        special(b, `gemmRows|${k}|${aRow}|${aCol}|${hasBias}|${hasMul}`, () => gemmRowsDef('f', spec))(pa, px, po, pb, pm, m, n);
        return out;
      }
      const scratch = be.makeOutput([16 * k], 'float32');
      const ps = offsetOf(be, scratch);
      const run = (th: number, r0: number, tiles: number) => {
        const spec: GemmSmallLeftSpec = { th, aRow: 4 * aRow, aCol: 4 * aCol, bias: hasBias, mul: hasMul };
        const fn = special(b, `gemmSL|${th}|${aRow}|${aCol}|${hasBias}|${hasMul}`, () => gemmSmallLeftDef('f', spec));
        fn(pa + 4 * r0 * aRow, px, po + 4 * r0 * n, pb + 4 * r0, tiles, n, k, ps, pm + 4 * r0 * n);
      };
      const m4 = Math.floor(m / 4);
      if (m4 > 0) run(4, 0, m4);
      if (m % 4 > 0) run(m % 4, 4 * m4, 1);
      be.disposeData(scratch.dataId);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: GEMM_RED,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const p = inputs.p as tf.TensorInfo;
      const q = inputs.q as tf.TensorInfo;
      const [rows, n] = p.shape;
      const cols = q.shape[0];
      const out = be.makeOutput([rows, cols], 'float32');
      const scratch = be.makeOutput([rows * cols * 4], 'float32');
      const fn = special(bind(be) as Binding, `gemmRed|${rows}|${cols}`, () => gemmReduceDef('f', { rows, cols, chunk: REDUCE_CHUNK }));
      fn(offsetOf(be, p), offsetOf(be, q), offsetOf(be, out), offsetOf(be, scratch), n);
      be.disposeData(scratch.dataId);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: ROW_SUM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const p = inputs.p as tf.TensorInfo;
      const [rows, n] = p.shape;
      const out = be.makeOutput([rows], 'float32');
      special(bind(be) as Binding, 'rowSum', () => rowSumDef('f'))(offsetOf(be, p), offsetOf(be, out), rows, n);
      return out;
    },
  });
}

interface GemmAttrs {
  m: number;
  k: number;
  /** Element strides of A between rows and between columns. */
  aRow: number;
  aCol: number;
}

interface CmacAttrs {
  m: number;
  conj: ConjMode;
  outShape: number[];
  /** Strides of A and B in rows (of 2m floats) for the loop indices u, v, w. */
  aStrides: [number, number, number];
  bStrides: [number, number, number];
  counts: [number, number, number];
  /**
   * Independent products one after another: [count, A stride, B stride] in rows; block g reads A
   * and B that many rows further on per g and writes counts[0]·counts[1] rows further on.
   */
  blocks?: [number, number, number];
}

/**
 * Turns the engine kernels on or off (default on); off makes every primitive use tfjs ops on the
 * wasm backend too (for comparisons and tests).
 */
export function setWasmKernelsEnabled(on: boolean): void {
  enabled = on;
}

/** True when the active backend is wasm and the engine kernels are enabled and usable. */
export function wasmKernelsActive(): boolean {
  if (!enabled || tf.getBackend() !== 'wasm') return false;
  if (!bind(tf.backend() as BackendWasm)) return false;
  registerKernels();
  return true;
}

/** In words, for describeBackend(). */
export function wasmKernelsStatus(): string {
  if (!enabled) return 'engine SIMD kernels off';
  if (tf.getBackend() === 'wasm') wasmKernelsActive();
  return unavailable === null ? 'engine SIMD kernels' : `engine SIMD kernels unavailable: ${unavailable}`;
}

/** GELU forward on the wasm kernels (x float32, at least 4 values). */
export function geluKernel(x: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU, { x }) as tf.Tensor;
}

/** For x [rows, 2h] (h % 4 = 0): [x[:, :h] + x[:, h:], x[:, :h] − x[:, h:]], each [rows, h]. */
export function foldHalvesKernel(x: tf.Tensor2D): [tf.Tensor2D, tf.Tensor2D] {
  return tf.engine().runKernel(FOLD, { x }) as unknown as [tf.Tensor2D, tf.Tensor2D];
}

/** For a, b [rows, h] (h % 4 = 0): the rows [a + b, a − b] (+ z [rows, 2h]), [rows, 2h]. */
export function unfoldHalvesKernel(a: tf.Tensor2D, b: tf.Tensor2D, z?: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(UNFOLD, z ? { a, b, z } : { a, b }) as tf.Tensor2D;
}

/** Rows of e [rows, me] at even and o [rows, mo] at odd positions: [rows, me + mo] (me, mo ≥ 1). */
export function interleaveKernel(e: tf.Tensor2D, o: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(INTERLEAVE, { e, o }) as tf.Tensor2D;
}

/** The even and odd positions of x's rows: [rows, me], [rows, m − me]. */
export function deinterleaveKernel(x: tf.Tensor2D, me: number): [tf.Tensor2D, tf.Tensor2D] {
  return tf.engine().runKernel(DEINTERLEAVE, { x }, { me }) as unknown as [tf.Tensor2D, tf.Tensor2D];
}

/** GELU(x) and GELU'(x) in one pass on the wasm kernels. */
export function geluTrainKernel(x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.engine().runKernel(GELU_TRAIN, { x }) as unknown as [tf.Tensor, tf.Tensor];
}

/** dy·GELU'(x) on the wasm kernels. */
export function geluGradKernel(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.engine().runKernel(GELU_GRAD, { x, dy }) as tf.Tensor;
}

/**
 * Complex multiply-accumulate over planar rows of m ≥ 4 complex values (see cmacDef): A and B are
 * addressed by strides in rows for the loop indices (u, v, w); the result has counts[0]·counts[1]
 * rows in (u, v) order, reshaped to outShape.
 */
export function complexMacKernel(a: tf.Tensor, b: tf.Tensor, attrs: CmacAttrs): tf.Tensor {
  return tf.engine().runKernel(CMAC, { a, b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** Largest channel count the linear kernels take (immediate offsets stay small); wider layers use tfjs's matmul. */
export const GEMM_MAX_K = 4096;

/**
 * Y [m, n] = A·X (+ bias) with A read through element strides (aRow, aCol) — W [m, k] is (k, 1),
 * Wᵀ of a W [k, m] is (1, m). X [k, n] with n ≥ 16, k ≥ 1. With `mul` [m, n]: Y = (A·X) ⊙ mul.
 */
export function gemmSmallLeftKernel(a: tf.Tensor, x: tf.Tensor2D, attrs: GemmAttrs, bias?: tf.Tensor, mul?: tf.Tensor): tf.Tensor2D {
  const inputs: tf.NamedTensorMap = { a, x };
  if (bias) inputs.bias = bias;
  if (mul) inputs.mul = mul;
  return tf.engine().runKernel(GEMM_SL, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor2D;
}

/** P [r, n] · Q [c, n]ᵀ → [r, c]; n % 4 = 0. */
export function gemmReduceKernel(p: tf.Tensor2D, q: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel(GEMM_RED, { p, q }) as tf.Tensor2D;
}

/** Σ over axis 1 of P [r, n] → [r]; n % 4 = 0. */
export function rowSumKernel(p: tf.Tensor2D): tf.Tensor1D {
  return tf.engine().runKernel(ROW_SUM, { p }) as tf.Tensor1D;
}
