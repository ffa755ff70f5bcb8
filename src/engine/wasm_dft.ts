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
import { I32, op, V128, type FunctionDef } from '../../core/wasm/engine_emit.js';
import { ins } from '../../core/wasm/ops.js';
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
export function foldedSynthesisReference(g: Float32Array, rows: number, e: Float32Array, o: Float32Array, h: number, q: number, z: Float32Array | null, mul: Float32Array | null = null): Float32Array {
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

/** i8x16.shuffle of (a, b) taking 32-bit lanes: indices 0–3 from a, 4–7 from b. */
function shuffle32(lanes: number[]): number[] {
  return ins('i8x16.shuffle', ...lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
}

const countdown = (c: number) => [...op.get(c), ...op.i32(1), ...op.i32sub, ...op.tee(c)];
const bump = (p: number, by: number) => [...op.get(p), ...op.i32(by), ...op.i32add, ...op.set(p)];

/**
 * th rows × 8 columns of one product into the accumulators: acc(r, j) += splat(A[r, i])·B[i, 8·chunk + 4j …]
 * for i = 0 … count−1, with A[r, i] at pa + aStart + r·aRow + i·aStep (bytes) and B's rows
 * bRow bytes apart from pb + 32·chunk (the pointers are locals, advanced here).
 */
function product(th: number, acc: (r: number, j: number) => number, [pa, pb, kk, av, b0, b1]: number[], aStart: number, aRow: number, aStep: number, bRow: number, count: number): number[] {
  const step: number[] = [...op.get(pb), ...op.load(0), ...op.set(b0), ...op.get(pb), ...op.load(16), ...op.set(b1)];
  for (let r = 0; r < th; r++) {
    step.push(...op.get(pa), ...op.splat32(aStart + r * aRow), ...op.set(av));
    for (let j = 0; j < 2; j++) step.push(...op.get(acc(r, j)), ...op.get(av), ...op.get(j === 0 ? b0 : b1), ...op.fmul, ...op.fadd, ...op.set(acc(r, j)));
  }
  return [...op.i32(count), ...op.set(kk), ...op.loop(step, bump(pa, aStep), bump(pb, bRow), countdown(kk))];
}

function zeroAcc(th: number, acc: (r: number, j: number) => number): number[] {
  const b: number[] = [];
  for (let r = 0; r < th; r++) for (let j = 0; j < 2; j++) b.push(...op.f32x4(0), ...op.set(acc(r, j)));
  return b;
}

/**
 * analysis(x, e, o, out, nTiles, scratch): nTiles·th rows; scratch holds 2·th·h + 8·th floats.
 * Per tile: fold the rows into scratch (u rows, v rows); then per chunk of 8 columns, the even
 * product (stashed in scratch), the odd product, and both stored interleaved (natural order).
 */
export function foldedAnalysisDef(name: string, { th, h, q }: FoldedSpec): FunctionDef {
  const [x, e, o, out, nTiles, scratch] = [0, 1, 2, 3, 4, 5];
  const [t, c, kk, pa, pb] = [6, 7, 8, 9, 10];
  const acc = (r: number, j: number) => 11 + 2 * r + j;
  const [av, b0, b1] = [11 + 2 * th, 12 + 2 * th, 13 + 2 * th];
  const hb = 4 * h;
  const vOff = th * hb; // v rows after the u rows
  const stash = 2 * th * hb; // the even product of a chunk, th × 2 vectors
  const fold: number[] = [];
  for (let r = 0; r < th; r++) {
    fold.push(
      ...op.get(x), ...op.get(c), ...op.i32add, ...op.load(2 * r * hb), ...op.set(b0),
      ...op.get(x), ...op.get(c), ...op.i32add, ...op.load(2 * r * hb + hb), ...op.set(b1),
      ...op.get(scratch), ...op.get(c), ...op.i32add, ...op.get(b0), ...op.get(b1), ...op.fadd, ...op.store(r * hb),
      ...op.get(scratch), ...op.get(c), ...op.i32add, ...op.get(b0), ...op.get(b1), ...op.fsub, ...op.store(vOff + r * hb),
    );
  }
  const tile: number[] = [...op.i32(0), ...op.set(c), ...op.loop(fold, [...op.get(c), ...op.i32(16), ...op.i32add, ...op.tee(c), ...op.i32(hb), ...op.i32ltU])];
  const regs = [pa, pb, kk, av, b0, b1];
  for (let chunk = 0; chunk < (2 * q) / 8; chunk++) {
    tile.push(...zeroAcc(th, acc), ...op.get(scratch), ...op.set(pa), ...op.get(e), ...op.i32(32 * chunk), ...op.i32add, ...op.set(pb));
    tile.push(...product(th, acc, regs, 0, hb, 4, 8 * q, h));
    for (let r = 0; r < th; r++) for (let j = 0; j < 2; j++) tile.push(...op.get(scratch), ...op.get(acc(r, j)), ...op.store(stash + 16 * (2 * r + j)));
    tile.push(...zeroAcc(th, acc), ...op.get(scratch), ...op.set(pa), ...op.get(o), ...op.i32(32 * chunk), ...op.i32add, ...op.set(pb));
    tile.push(...product(th, acc, regs, vOff, hb, 4, 8 * q, h));
    // Columns i0 … i0 + 3 of each product are the natural positions 2i + parity: interleave.
    for (let r = 0; r < th; r++) {
      for (let j = 0; j < 2; j++) {
        const at = r * 16 * q + 4 * naturalColumn(8 * chunk + 4 * j, q, 0);
        const even = [...op.get(scratch), ...op.load(stash + 16 * (2 * r + j))];
        tile.push(...op.get(out), ...even, ...op.get(acc(r, j)), ...shuffle32([0, 4, 1, 5]), ...op.store(at));
        tile.push(...op.get(out), ...even, ...op.get(acc(r, j)), ...shuffle32([2, 6, 3, 7]), ...op.store(at + 16));
      }
    }
  }
  tile.push(...bump(x, th * 2 * hb), ...bump(out, th * 16 * q));
  return {
    name,
    params: [I32, I32, I32, I32, I32, I32],
    locals: [...Array.from({ length: 5 }, () => I32), ...Array.from({ length: 2 * th + 3 }, () => V128)],
    body: [...op.get(nTiles), ...op.set(t), ...op.loop(tile, countdown(t))],
  };
}

/**
 * synthesis(g, e, o, out, z, nTiles, scratch, mul): nTiles·th rows; z ignored unless `addend`, mul
 * unless `multiply`; scratch holds 8·th floats. Per tile and chunk of 8 output columns: the even
 * product (stashed), the odd product, then y_lo = e + o (+ z_lo) and y_hi = e − o (+ z_hi), each
 * times mul (laid out as y) when `multiply` (a gradient through GELU: (dh_spectral + dh_other)·GELU').
 */
export function foldedSynthesisDef(name: string, { th, h, q }: FoldedSpec, addend: boolean, multiply = false): FunctionDef {
  const [g, e, o, out, z, nTiles, scratch, mul] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [t, c, kk, pa, pb] = [8, 9, 10, 11, 12];
  const acc = (r: number, j: number) => 13 + 2 * r + j;
  const [av, b0, b1] = [13 + 2 * th, 14 + 2 * th, 15 + 2 * th];
  const hb = 4 * h;
  const gRow = 16 * q; // bytes of a spectrum row (4q floats)
  const regs = [pa, pb, kk, av, b0, b1];
  // One product over 2q rows of the basis: the q real parts (g at 8i + parity), then the q
  // imaginary parts (at 8q + 8i + parity).
  const prod = (basis: number, parity: number) => [
    ...zeroAcc(th, acc), ...op.get(g), ...op.set(pa), ...op.get(basis), ...op.get(c), ...op.i32add, ...op.set(pb),
    ...product(th, acc, regs, 4 * parity, gRow, 8, hb, q),
    ...op.get(g), ...op.set(pa),
    ...product(th, acc, regs, 8 * q + 4 * parity, gRow, 8, hb, q),
  ];
  const col: number[] = [...prod(e, 0)];
  for (let r = 0; r < th; r++) for (let j = 0; j < 2; j++) col.push(...op.get(scratch), ...op.get(acc(r, j)), ...op.store(16 * (2 * r + j)));
  col.push(...prod(o, 1));
  const plus = (off: number) => (addend ? [...op.get(z), ...op.get(c), ...op.i32add, ...op.load(off), ...op.fadd] : []);
  const times = (off: number) => (multiply ? [...op.get(mul), ...op.get(c), ...op.i32add, ...op.load(off), ...op.fmul] : []);
  for (let r = 0; r < th; r++) {
    for (let j = 0; j < 2; j++) {
      const even = [...op.get(scratch), ...op.load(16 * (2 * r + j))];
      const at = r * 2 * hb + 16 * j;
      col.push(...op.get(out), ...op.get(c), ...op.i32add, ...even, ...op.get(acc(r, j)), ...op.fadd, ...plus(at), ...times(at), ...op.store(at));
      col.push(...op.get(out), ...op.get(c), ...op.i32add, ...even, ...op.get(acc(r, j)), ...op.fsub, ...plus(at + hb), ...times(at + hb), ...op.store(at + hb));
    }
  }
  const tile = [
    ...op.i32(0), ...op.set(c),
    ...op.loop(col, [...op.get(c), ...op.i32(32), ...op.i32add, ...op.tee(c), ...op.i32(hb), ...op.i32ltU]),
    ...bump(g, th * gRow), ...bump(out, th * 2 * hb), ...(addend ? bump(z, th * 2 * hb) : []), ...(multiply ? bump(mul, th * 2 * hb) : []),
  ];
  return {
    name,
    params: Array.from({ length: 8 }, () => I32),
    locals: [...Array.from({ length: 5 }, () => I32), ...Array.from({ length: 2 * th + 3 }, () => V128)],
    body: [...op.get(nTiles), ...op.set(t), ...op.loop(tile, countdown(t))],
  };
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
    throw new EngineError(`foldedAnalysis: shapes x [${x.shape.join(', ')}], e [${e.shape.join(', ')}], o [${o.shape.join(', ')}] are not allowed: use [rows, 2h], [h, 2q], [h, 2q] with h, q multiples of 4`);
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
    throw new EngineError(`foldedSynthesis: shapes g [${g.shape.join(', ')}], e [${e.shape.join(', ')}], o [${o.shape.join(', ')}]${z ? `, z [${z.shape.join(', ')}]` : ''} are not allowed: use [rows, 4q], [2q, h], [2q, h], [rows, 2h] with h a multiple of 8, q of 4`);
  }
  register();
  const inputs: tf.NamedTensorMap = { g, e, o };
  if (z) inputs.z = z;
  if (mul) inputs.mul = mul;
  return tf.engine().runKernel(SYNTHESIS, inputs) as tf.Tensor2D;
}
