/**
 * The folded truncated DFTs of dft.ts as single engine kernels on the wasm backend: the radix-2
 * fold, both half-length products and the mode reordering in one pass over a row tile.
 *
 * Notation: rows of s = 2h real values; M = 2q modes kept (q even and odd modes); bases over the
 * first h points for the even modes (E) and the odd ones (O), planar per mode set (q real parts,
 * then q imaginary parts); spectra in natural planar order [Re X_0 … Re X_{M−1}, Im X_0 …].
 *
 * - Analysis (rdft, and irdft's gradient): u = x_lo + x_hi, v = x_lo − x_hi; the even modes are
 *   u·E [h, 2q], the odd ones v·O; written interleaved into natural order.
 * - Synthesis (irdft, and rdft's gradient): e = g_even·E' [2q, h], o = g_odd·O' (g read in
 *   natural order); y_lo = e + o (+ z_lo), y_hi = e − o (+ z_hi).
 *
 * Why: separately these are a fold pass, two products and an interleave pass (or a de-interleave,
 * two products and an unfold pass), each going through memory: at the FNO-1D sizes ([1280, 1024]
 * rows) the passes cost about as much as the products. Here a tile of 4 rows is folded into an
 * L1-resident scratch (analysis) or combined in registers (synthesis) and written once. The
 * operations are those of the separate kernels in the same order (fold, then each product
 * accumulated over k = 0 … from zero, then the butterfly and the residual), so the results are
 * the same bits; the plain-JS twins below state that order and the tests hold the kernels to it.
 *
 * Register tile: th ≤ 4 rows × 8 columns (8 accumulators), as the engine's small-right GEMM: the
 * even product of a tile is stashed in a few bytes of scratch while the odd one is computed with
 * the same registers, then both are combined (a tile of both at once needs twice the registers
 * and, measured, runs slower than the separate passes). The contraction is a loop (TurboFan
 * spills a long unrolled block).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.js';
import { watKernel } from '../../core/wasm/binary.js';
import { type FunctionDef } from '../../core/wasm/engine_emit.js';
import { engineFunction, offsetOf, wasmKernelsActive } from './wasm_kernels.js';

// ------------------------------------------------------------------------------------------------
// Plain-JS twins (the kernels' reference: same operations, same order, float32 rounding)
// ------------------------------------------------------------------------------------------------

/** Natural planar position of column i of the even (odd = 1) product's 2q columns, for M = 2q modes. */
function naturalColumn(i: number, q: number, odd: 0 | 1): number {
  return i < q ? 2 * i + odd : 2 * q + 2 * (i - q) + odd;
}

/** Analysis of x [rows, 2h] with E, O [h, 2q]: [rows, 4q] in natural planar order. */
export function foldedAnalysisReference(x: Float32Array, rows: number, e: Float32Array, o: Float32Array, h: number, q: number): Float32Array {
  const f = Math.fround;
  const m2 = 4 * q;
  const out = new Float32Array(rows * m2);
  const u = new Float32Array(h);
  const v = new Float32Array(h);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < h; k++) {
      u[k] = f(x[r * 2 * h + k] + x[r * 2 * h + h + k]);
      v[k] = f(x[r * 2 * h + k] - x[r * 2 * h + h + k]);
    }
    for (let i = 0; i < 2 * q; i++) {
      let ae = 0;
      let ao = 0;
      for (let k = 0; k < h; k++) {
        ae = f(ae + f(u[k] * e[k * 2 * q + i]));
        ao = f(ao + f(v[k] * o[k * 2 * q + i]));
      }
      out[r * m2 + naturalColumn(i, q, 0)] = ae;
      out[r * m2 + naturalColumn(i, q, 1)] = ao;
    }
  }
  return out;
}

/** Synthesis of g [rows, 4q] (natural planar) with E', O' [2q, h] (+ z [rows, 2h]) (· mul [rows, 2h]): [rows, 2h]. */
export function foldedSynthesisReference(
  g: Float32Array,
  rows: number,
  e: Float32Array,
  o: Float32Array,
  h: number,
  q: number,
  z: Float32Array | null,
  mul: Float32Array | null = null,
): Float32Array {
  const f = Math.fround;
  const m2 = 4 * q;
  const out = new Float32Array(rows * 2 * h);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < h; c++) {
      let ae = 0;
      let ao = 0;
      for (let i = 0; i < 2 * q; i++) {
        ae = f(ae + f(g[r * m2 + naturalColumn(i, q, 0)] * e[i * h + c]));
        ao = f(ao + f(g[r * m2 + naturalColumn(i, q, 1)] * o[i * h + c]));
      }
      const lo = f(ae + ao);
      const hi = f(ae - ao);
      const [i, j] = [r * 2 * h + c, r * 2 * h + h + c];
      const yl = z ? f(lo + z[i]) : lo;
      const yh = z ? f(hi + z[j]) : hi;
      out[i] = mul ? f(yl * mul[i]) : yl;
      out[j] = mul ? f(yh * mul[j]) : yh;
    }
  }
  return out;
}

// ------------------------------------------------------------------------------------------------
// Kernel code
// ------------------------------------------------------------------------------------------------

export interface FoldedSpec {
  /** Rows per tile (1–4). */
  th: number;
  /** Half the row length, a multiple of 4. */
  h: number;
  /** Even (= odd) modes kept, a multiple of 4. */
  q: number;
}

/** i8x16.shuffle of (a, b) taking 32-bit lanes: indices 0–3 from a, 4–7 from b (text). */
function shuffle32(lanes: number[]): string {
  return `i8x16.shuffle ${lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]).join(' ')}`;
}

// Kernel text (float32 data: v128 accesses declare 4-byte alignment).
const countdown = (c: string) => `local.get $${c} i32.const 1 i32.sub local.tee $${c}`;
const bump = (p: string, by: number) => `local.get $${p} i32.const ${by} i32.add local.set $${p}`;
/** The accumulator of tile row r, vector j (columns 4j … 4j + 3 of the chunk). */
const acc = (r: number, j: number) => `acc${r}_${j}`;
const accs = (th: number) => Array.from({ length: th }, (_, r) => [acc(r, 0), acc(r, 1)]).flat();
/** A line per accumulator. */
const eachAcc = (th: number, line: (r: number, j: number) => string) =>
  Array.from({ length: th }, (_, r) => [line(r, 0), line(r, 1)])
    .flat()
    .join('\n');

/**
 * th rows × 8 columns of one product into the accumulators: acc(r, j) += splat(A[r, i])·B[i, 8·chunk + 4j …]
 * for i = 0 … count−1, with A[r, i] at pa + aStart + r·aRow + i·aStep (bytes) and B's rows
 * bRow bytes apart from pb + 32·chunk (the pointers are locals, advanced here).
 */
function product(th: number, aStart: number, aRow: number, aStep: number, bRow: number, count: number): string {
  const rows = Array.from(
    { length: th },
    (_, r) => `
      local.get $pa v128.load32_splat offset=${aStart + r * aRow} local.set $av
      ${[0, 1].map((j) => `local.get $${acc(r, j)} local.get $av local.get $b${j} f32x4.mul f32x4.add local.set $${acc(r, j)}`).join('\n')}`,
  );
  return `
    i32.const ${count} local.set $kk
    loop
      local.get $pb v128.load align=4 local.set $b0 local.get $pb v128.load offset=16 align=4 local.set $b1
      ${rows.join('\n')}
      ${bump('pa', aStep)} ${bump('pb', bRow)} ${countdown('kk')}
    br_if 0 end`;
}

const zeroAcc = (th: number) => eachAcc(th, (r, j) => `v128.const f32x4 0 0 0 0 local.set $${acc(r, j)}`);

/**
 * analysis(x, e, o, out, nTiles, scratch): nTiles·th rows; scratch holds 2·th·h + 8·th floats.
 * Per tile: fold the rows into scratch (u rows, v rows); then per chunk of 8 columns, the even
 * product (stashed in scratch), the odd product, and both stored interleaved (natural order).
 */
export function foldedAnalysisDef(name: string, { th, h, q }: FoldedSpec): FunctionDef {
  const hb = 4 * h;
  const vOff = th * hb; // v rows after the u rows
  const stash = 2 * th * hb; // the even product of a chunk, th × 2 vectors
  // u = first half + second half, v = first half − second half of every row.
  const fold = Array.from(
    { length: th },
    (_, r) => `
      local.get $x local.get $c i32.add v128.load offset=${2 * r * hb} align=4 local.set $b0
      local.get $x local.get $c i32.add v128.load offset=${2 * r * hb + hb} align=4 local.set $b1
      local.get $scratch local.get $c i32.add local.get $b0 local.get $b1 f32x4.add v128.store offset=${r * hb} align=4
      local.get $scratch local.get $c i32.add local.get $b0 local.get $b1 f32x4.sub v128.store offset=${vOff + r * hb} align=4`,
  ).join('\n');
  const chunks = Array.from({ length: (2 * q) / 8 }, (_, chunk) => {
    // Columns i0 … i0 + 3 of each product are the natural positions 2i + parity: interleave.
    const interleave = eachAcc(th, (r, j) => {
      const at = r * 16 * q + 4 * naturalColumn(8 * chunk + 4 * j, q, 0);
      const even = `local.get $scratch v128.load offset=${stash + 16 * (2 * r + j)} align=4`;
      return `
        local.get $out ${even} local.get $${acc(r, j)} ${shuffle32([0, 4, 1, 5])} v128.store offset=${at} align=4
        local.get $out ${even} local.get $${acc(r, j)} ${shuffle32([2, 6, 3, 7])} v128.store offset=${at + 16} align=4`;
    });
    return `
      ${zeroAcc(th)} local.get $scratch local.set $pa local.get $e i32.const ${32 * chunk} i32.add local.set $pb
      ${product(th, 0, hb, 4, 8 * q, h)}
      ${eachAcc(th, (r, j) => `local.get $scratch local.get $${acc(r, j)} v128.store offset=${stash + 16 * (2 * r + j)} align=4`)}
      ${zeroAcc(th)} local.get $scratch local.set $pa local.get $o i32.const ${32 * chunk} i32.add local.set $pb
      ${product(th, vOff, hb, 4, 8 * q, h)}
      ${interleave}`;
  });
  return watKernel(
    name,
    { i32: ['x', 'e', 'o', 'out', 'nTiles', 'scratch'] },
    { i32: ['t', 'c', 'kk', 'pa', 'pb'], v128: [...accs(th), 'av', 'b0', 'b1'] },
    (w) => w`
      local.get $nTiles local.set $t
      loop ;; tiles of th rows
        i32.const 0 local.set $c
        loop
          ${fold}
          local.get $c i32.const 16 i32.add local.tee $c i32.const ${hb} i32.lt_u
        br_if 0 end
        ${chunks.join('\n')}
        ${bump('x', th * 2 * hb)} ${bump('out', th * 16 * q)}
        ${countdown('t')}
      br_if 0 end`,
  );
}

/**
 * synthesis(g, e, o, out, z, nTiles, scratch, mul): nTiles·th rows; z ignored unless `addend`, mul
 * unless `multiply`; scratch holds 8·th floats. Per tile and chunk of 8 output columns: the even
 * product (stashed), the odd product, then y_lo = e + o (+ z_lo) and y_hi = e − o (+ z_hi), each
 * times mul (laid out as y) when `multiply` (a gradient through GELU: (dh_spectral + dh_other)·GELU').
 */
export function foldedSynthesisDef(name: string, { th, h, q }: FoldedSpec, addend: boolean, multiply = false): FunctionDef {
  const hb = 4 * h;
  const gRow = 16 * q; // bytes of a spectrum row (4q floats)
  // One product over 2q rows of the basis: the q real parts (g at 8i + parity), then the q
  // imaginary parts (at 8q + 8i + parity).
  const prod = (basis: string, parity: number) => `
    ${zeroAcc(th)} local.get $g local.set $pa local.get $${basis} local.get $c i32.add local.set $pb
    ${product(th, 4 * parity, gRow, 8, hb, q)}
    local.get $g local.set $pa
    ${product(th, 8 * q + 4 * parity, gRow, 8, hb, q)}`;
  const plus = (off: number) => (addend ? `local.get $z local.get $c i32.add v128.load offset=${off} align=4 f32x4.add` : '');
  const times = (off: number) => (multiply ? `local.get $mul local.get $c i32.add v128.load offset=${off} align=4 f32x4.mul` : '');
  const outputs = eachAcc(th, (r, j) => {
    const even = `local.get $scratch v128.load offset=${16 * (2 * r + j)} align=4`;
    const at = r * 2 * hb + 16 * j;
    return `
      local.get $out local.get $c i32.add ${even} local.get $${acc(r, j)} f32x4.add ${plus(at)} ${times(at)} v128.store offset=${at} align=4
      local.get $out local.get $c i32.add ${even} local.get $${acc(r, j)} f32x4.sub ${plus(at + hb)} ${times(at + hb)} v128.store offset=${at + hb} align=4`;
  });
  return watKernel(
    name,
    { i32: ['g', 'e', 'o', 'out', 'z', 'nTiles', 'scratch', 'mul'] },
    { i32: ['t', 'c', 'kk', 'pa', 'pb'], v128: [...accs(th), 'av', 'b0', 'b1'] },
    (w) => w`
      local.get $nTiles local.set $t
      loop ;; tiles of th rows
        i32.const 0 local.set $c
        loop ;; chunks of 8 output columns
          ${prod('e', 0)}
          ${eachAcc(th, (r, j) => `local.get $scratch local.get $${acc(r, j)} v128.store offset=${16 * (2 * r + j)} align=4`)}
          ${prod('o', 1)}
          ${outputs}
          local.get $c i32.const 32 i32.add local.tee $c i32.const ${hb} i32.lt_u
        br_if 0 end
        ${bump('g', th * gRow)} ${bump('out', th * 2 * hb)} ${addend ? bump('z', th * 2 * hb) : ''} ${multiply ? bump('mul', th * 2 * hb) : ''}
        ${countdown('t')}
      br_if 0 end`,
  );
}

// ------------------------------------------------------------------------------------------------
// Registration and entry points
// ------------------------------------------------------------------------------------------------

const ANALYSIS = 'PdesFoldedAnalysis';
const SYNTHESIS = 'PdesFoldedSynthesis';

/** Row tiles: whole tiles of 4, then one of the remaining rows. */
function rowParts(rows: number): [number, number, number][] {
  const parts: [number, number, number][] = [];
  const r4 = Math.floor(rows / 4);
  if (r4 > 0) parts.push([4, 0, r4]);
  if (rows % 4 > 0) parts.push([rows % 4, 4 * r4, 1]);
  return parts;
}

function register(): void {
  if (tf.getKernel(ANALYSIS, 'wasm')) return;
  tf.registerKernel({
    kernelName: ANALYSIS,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const [x, e, o] = (['x', 'e', 'o'] as const).map((n) => inputs[n] as tf.TensorInfo);
      const [rows, s] = x.shape;
      const [h, q] = [s / 2, e.shape[1] / 2];
      const out = be.makeOutput([rows, 4 * q], 'float32');
      const scratch = be.makeOutput([8 * h + 32], 'float32');
      const [px, pe, po, pout, ps] = [x, e, o, out, scratch].map((t) => offsetOf(be, t));
      for (const [th, r0, tiles] of rowParts(rows)) {
        const fn = engineFunction(be, `foldedAnalysis|${th}|${h}|${q}`, () => foldedAnalysisDef('f', { th, h, q }));
        fn(px + 4 * r0 * s, pe, po, pout + 16 * r0 * q, tiles, ps);
      }
      be.disposeData(scratch.dataId);
      return out;
    },
  });
  tf.registerKernel({
    kernelName: SYNTHESIS,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const [g, e, o] = (['g', 'e', 'o'] as const).map((n) => inputs[n] as tf.TensorInfo);
      const z = inputs.z as tf.TensorInfo | undefined;
      const mul = inputs.mul as tf.TensorInfo | undefined;
      const rows = g.shape[0];
      const [q, h] = [e.shape[0] / 2, e.shape[1]];
      const out = be.makeOutput([rows, 2 * h], 'float32');
      const scratch = be.makeOutput([32], 'float32');
      const [pg, pe, po, pout, ps] = [g, e, o, out, scratch].map((t) => offsetOf(be, t));
      const pz = z ? offsetOf(be, z) : 0;
      const pm = mul ? offsetOf(be, mul) : 0;
      for (const [th, r0, tiles] of rowParts(rows)) {
        const key = `foldedSynthesis|${th}|${h}|${q}|${z !== undefined}|${mul !== undefined}`;
        const fn = engineFunction(be, key, () => foldedSynthesisDef('f', { th, h, q }, z !== undefined, mul !== undefined));
        fn(pg + 16 * r0 * q, pe, po, pout + 8 * r0 * h, pz + 8 * r0 * h, tiles, ps, pm + 8 * r0 * h);
      }
      be.disposeData(scratch.dataId);
      return out;
    },
  });
}

/** Whether the fused kernels take rows of s values with nModes modes (wasm kernels on, s % 16 = 0, nModes % 8 = 0). */
export function foldedKernelsUsable(s: number, nModes: number): boolean {
  return s % 16 === 0 && nModes % 8 === 0 && nModes > 0 && wasmKernelsActive();
}

/** Analysis (module comment): x [rows, 2h], e, o [h, 2q] → [rows, 4q] natural planar. */
export function foldedAnalysisKernel(x: tf.Tensor2D, e: tf.Tensor2D, o: tf.Tensor2D): tf.Tensor2D {
  const [h, q2] = e.shape;
  if (x.shape[1] !== 2 * h || o.shape[0] !== h || o.shape[1] !== q2 || h % 4 !== 0 || q2 % 8 !== 0) {
    throw new EngineError(
      `foldedAnalysis: shapes x [${x.shape.join(', ')}], e [${e.shape.join(', ')}], o [${o.shape.join(', ')}] are not allowed: use [rows, 2h], [h, 2q], [h, 2q] with h, q multiples of 4`,
    );
  }
  register();
  return tf.engine().runKernel(ANALYSIS, { x, e, o }) as tf.Tensor2D;
}

/**
 * Synthesis (module comment): g [rows, 4q] natural planar, e, o [2q, h] (+ z [rows, 2h]) → [rows,
 * 2h]; with `mul` [rows, 2h], the result times mul (after the residual).
 */
export function foldedSynthesisKernel(g: tf.Tensor2D, e: tf.Tensor2D, o: tf.Tensor2D, z?: tf.Tensor2D, mul?: tf.Tensor2D): tf.Tensor2D {
  const [q2, h] = e.shape;
  const laidOutAsY = (t: tf.Tensor2D | undefined) => !t || (t.shape[0] === g.shape[0] && t.shape[1] === 2 * h);
  if (g.shape[1] !== 2 * q2 || o.shape[0] !== q2 || o.shape[1] !== h || h % 8 !== 0 || q2 % 8 !== 0 || !laidOutAsY(z) || !laidOutAsY(mul)) {
    throw new EngineError(
      `foldedSynthesis: shapes g [${g.shape.join(', ')}], e [${e.shape.join(', ')}], o [${o.shape.join(', ')}]${z ? `, z [${z.shape.join(', ')}]` : ''} are not allowed: use [rows, 4q], [2q, h], [2q, h], [rows, 2h] with h a multiple of 8, q of 4`,
    );
  }
  register();
  const inputs: tf.NamedTensorMap = { g, e, o };
  if (z) inputs.z = z;
  if (mul) inputs.mul = mul;
  return tf.engine().runKernel(SYNTHESIS, inputs) as tf.Tensor2D;
}
