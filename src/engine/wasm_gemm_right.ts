/**
 * Products x·B with x [rows, K] tall (all rows of all channels, samples and grid lines) and B
 * [K, N] a small constant (a DFT basis), as an engine kernel (`PdesGemmSmallRight`) for the wasm
 * backend, with an optional residual added in the same pass: the DFT products of the 2D/3D
 * truncated transforms (cdft.ts, dft_nd.ts).
 *
 * Why: XNNPACK (tfjs's matmul on wasm) runs these narrow products (N = 24 … 128) at 6–20 GFLOP/s
 * (measured: [25600, 64]·[64, 24] 6.4 ms, [25600, 32]·[32, 12] 3.2 ms), far from its large-GEMM
 * speed. Here a register tile of 4 rows × 8 columns accumulates over K with B's row vectors and
 * splatted x values; a tile's 4 rows of x stay in L1 across B's column tiles and B stays in L1
 * throughout. Strides are immediates (one module per shape), the K loop a loop (TurboFan spills a
 * long unrolled block).
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.js';
import { I32, op, V128, type FunctionDef } from '../../core/wasm/engine_emit.js';
import { engineFunction, offsetOf, wasmKernelsActive } from './wasm_kernels.js';

export interface GemmSmallRightSpec {
  /** Rows per register tile (1–4). */
  th: number;
  /** Vectors of 4 columns per register tile (1–2). */
  tw: number;
  /** Add z (laid out as the output) to the product. */
  addend: boolean;
  /** Bytes between rows of x, and between rows of B, the output and z. */
  xRow: number;
  nRow: number;
}

/**
 * (x, b, out, z, nRowTiles, k, nColTiles): out[r, c] = Σ_k x[r, k]·B[k, c] (+ z[r, c]) over
 * nRowTiles·th rows and nColTiles·4·tw columns; z ignored unless in the spec.
 */
export function gemmSmallRightDef(name: string, spec: GemmSmallRightSpec): FunctionDef {
  const { th, tw, addend, xRow, nRow } = spec;
  const [x, b, out, z, nRowTiles, k, nColTiles] = [0, 1, 2, 3, 4, 5, 6];
  const [rt, ct, px, pb, po, pz, kk, pxRow, poRow, pzRow, pbk] = [7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17];
  const acc = (i: number, j: number) => 18 + i * tw + j;
  const bv = (j: number) => 18 + th * tw + j;
  const xs = 18 + th * tw + tw;
  const bump = (p: number, by: number) => [...op.get(p), ...op.i32(by), ...op.i32add, ...op.set(p)];
  const countdown = (c: number) => [...op.get(c), ...op.i32(1), ...op.i32sub, ...op.tee(c)];
  const init: number[] = [];
  const store: number[] = [];
  for (let i = 0; i < th; i++) {
    for (let j = 0; j < tw; j++) {
      init.push(...(addend ? [...op.get(pz), ...op.load(i * nRow + 16 * j)] : op.f32x4(0)), ...op.set(acc(i, j)));
      store.push(...op.get(po), ...op.get(acc(i, j)), ...op.store(i * nRow + 16 * j));
    }
  }
  const step: number[] = [];
  for (let j = 0; j < tw; j++) step.push(...op.get(pbk), ...op.load(16 * j), ...op.set(bv(j)));
  for (let i = 0; i < th; i++) {
    step.push(...op.get(px), ...op.splat32(i * xRow), ...op.set(xs));
    for (let j = 0; j < tw; j++) step.push(...op.get(acc(i, j)), ...op.get(xs), ...op.get(bv(j)), ...op.fmul, ...op.fadd, ...op.set(acc(i, j)));
  }
  return {
    name,
    params: [I32, I32, I32, I32, I32, I32, I32],
    locals: [...Array.from({ length: 11 }, () => I32), ...Array.from({ length: th * tw + tw + 1 }, () => V128)],
    body: [
      ...op.get(x), ...op.set(pxRow), ...op.get(out), ...op.set(poRow), ...op.get(z), ...op.set(pzRow), ...op.get(nRowTiles), ...op.set(rt),
      ...op.loop(
        [...op.get(nColTiles), ...op.set(ct), ...op.get(b), ...op.set(pb), ...op.get(poRow), ...op.set(po), ...op.get(pzRow), ...op.set(pz)],
        op.loop(
          init,
          [...op.get(pxRow), ...op.set(px), ...op.get(pb), ...op.set(pbk), ...op.get(k), ...op.set(kk)],
          op.loop(step, bump(px, 4), bump(pbk, nRow), countdown(kk)),
          store,
          bump(pb, 16 * tw), bump(po, 16 * tw), bump(pz, 16 * tw), countdown(ct),
        ),
        bump(pxRow, th * xRow), bump(poRow, th * nRow), bump(pzRow, th * nRow), countdown(rt),
      ),
    ],
  };
}

const GEMM_SR = 'PdesGemmSmallRight';

function registerGemmSmallRight(): void {
  if (tf.getKernel(GEMM_SR, 'wasm')) return;
  tf.registerKernel({
    kernelName: GEMM_SR,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend }) => {
      const be = backend as BackendWasm;
      const xi = inputs.x as tf.TensorInfo;
      const bi = inputs.b as tf.TensorInfo;
      const [rows, k] = xi.shape;
      const n = bi.shape[1];
      const out = be.makeOutput([rows, n], 'float32');
      const addend = inputs.z !== undefined;
      const [px, pb, po] = [offsetOf(be, xi), offsetOf(be, bi), offsetOf(be, out)];
      const pz = addend ? offsetOf(be, inputs.z as tf.TensorInfo) : 0;
      const run = (th: number, r0: number, rowTiles: number, tw: number, c0: number, colTiles: number) => {
        const spec: GemmSmallRightSpec = { th, tw, addend, xRow: 4 * k, nRow: 4 * n };
        const fn = engineFunction(be, `gemmSR|${th}|${tw}|${addend}|${k}|${n}`, () => gemmSmallRightDef('f', spec));
        const skip = 4 * (r0 * n + c0);
        fn(px + 4 * r0 * k, pb + 4 * c0, po + skip, pz + skip, rowTiles, k, colTiles);
      };
      const r4 = Math.floor(rows / 4);
      const c8 = Math.floor(n / 8);
      const rowParts: [number, number, number][] = [];
      if (r4 > 0) rowParts.push([4, 0, r4]);
      if (rows % 4 > 0) rowParts.push([rows % 4, 4 * r4, 1]);
      for (const [th, r0, tiles] of rowParts) {
        if (c8 > 0) run(th, r0, tiles, 2, 0, c8);
        if (n % 8 === 4) run(th, r0, tiles, 1, 8 * c8, 1);
      }
      return out;
    },
  });
}

/** Whether x [rows, k]·B [k, n] runs on the engine kernel (n a multiple of 4, wasm kernels on). */
export function gemmSmallRightUsable(n: number): boolean {
  return n % 4 === 0 && wasmKernelsActive();
}

/** x [rows, k]·b [k, n] (+ z [rows, n]) on the engine kernel; n % 4 = 0 (see gemmSmallRightUsable). */
export function gemmSmallRightKernel(x: tf.Tensor2D, b: tf.Tensor2D, z?: tf.Tensor2D): tf.Tensor2D {
  if (x.shape[1] !== b.shape[0] || b.shape[1] % 4 !== 0) {
    throw new EngineError(`gemmSmallRight: shapes x [${x.shape.join(', ')}], b [${b.shape.join(', ')}] are not allowed: use [rows, k], [k, 4·j]`);
  }
  registerGemmSmallRight();
  return tf.engine().runKernel(GEMM_SR, z ? { x, b, z } : { x, b }) as tf.Tensor2D;
}

/**
 * y = x·basis (+ addend), differentiable in x (dx = dy·basisT, basisT the cached transpose) and the
 * addend (dy itself): the engine kernel where usable, else tfjs's untransposed matmul.
 */
export function basisProduct(x: tf.Tensor2D, basis: tf.Tensor2D, basisT: tf.Tensor2D, addend: tf.Tensor2D | null = null): tf.Tensor2D {
  const product = (a: tf.Tensor2D, b: tf.Tensor2D, z?: tf.Tensor2D): tf.Tensor2D => {
    if (gemmSmallRightUsable(b.shape[1])) return gemmSmallRightKernel(a, b, z);
    return tf.tidy(() => {
      const y = tf.matMul(a, b);
      return (z ? tf.add(y, z) : y) as tf.Tensor2D;
    });
  };
  if (!addend) {
    const op = tf.customGrad((xi, save) => {
      (save as tf.GradSaveFunc)([]);
      return { value: product(xi as tf.Tensor2D, basis), gradFunc: (dy: tf.Tensor) => [product(dy as tf.Tensor2D, basisT)] };
    });
    return op(x) as tf.Tensor2D;
  }
  const op = tf.customGrad((xi, zi, save) => {
    (save as tf.GradSaveFunc)([]);
    return {
      value: product(xi as tf.Tensor2D, basis, zi as tf.Tensor2D),
      // The residual branch gets dy itself: a reshape shares the data without a copy.
      gradFunc: (dy: tf.Tensor) => [product(dy as tf.Tensor2D, basisT), tf.reshape(dy, dy.shape)],
    };
  });
  return op(x, addend) as tf.Tensor2D;
}
