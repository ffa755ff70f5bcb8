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
import { watKernel } from '../../core/wasm/binary.js';
import { type FunctionDef } from '../../core/wasm/engine_emit.js';
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
  const rows = Array.from({ length: th }, (_, i) => i);
  const cols = Array.from({ length: tw }, (_, j) => j);
  const acc = (i: number, j: number) => `acc${i}_${j}`;
  const bump = (p: string, by: number) => `local.get $${p} i32.const ${by} i32.add local.set $${p}`;
  const countdown = (c: string) => `local.get $${c} i32.const 1 i32.sub local.tee $${c}`;
  const eachAcc = (line: (i: number, j: number) => string) => rows.flatMap((i) => cols.map((j) => line(i, j))).join('\n');
  // float32 data: v128 accesses declare 4-byte alignment.
  const init = eachAcc(
    (i, j) => `${addend ? `local.get $pz v128.load offset=${i * nRow + 16 * j} align=4` : 'v128.const f32x4 0 0 0 0'} local.set $${acc(i, j)}`,
  );
  const store = eachAcc((i, j) => `local.get $po local.get $${acc(i, j)} v128.store offset=${i * nRow + 16 * j} align=4`);
  // acc(i, j) += splat(x[r + i, kk])·B[kk, 4j …]
  const step = [
    ...cols.map((j) => `local.get $pbk v128.load offset=${16 * j} align=4 local.set $b${j}`),
    ...rows.map(
      (i) => `local.get $px v128.load32_splat offset=${i * xRow} local.set $xs
        ${cols.map((j) => `local.get $${acc(i, j)} local.get $xs local.get $b${j} f32x4.mul f32x4.add local.set $${acc(i, j)}`).join('\n')}`,
    ),
  ].join('\n');
  return watKernel(
    name,
    { i32: ['x', 'b', 'out', 'z', 'nRowTiles', 'k', 'nColTiles'] },
    {
      i32: ['rt', 'ct', 'px', 'pb', 'po', 'pz', 'kk', 'pxRow', 'poRow', 'pzRow', 'pbk'],
      v128: [...rows.flatMap((i) => cols.map((j) => acc(i, j))), ...cols.map((j) => `b${j}`), 'xs'],
    },
    (w) => w`
      local.get $x local.set $pxRow local.get $out local.set $poRow local.get $z local.set $pzRow local.get $nRowTiles local.set $rt
      loop ;; row tiles
        local.get $nColTiles local.set $ct local.get $b local.set $pb local.get $poRow local.set $po local.get $pzRow local.set $pz
        loop ;; column tiles
          ${init}
          local.get $pxRow local.set $px local.get $pb local.set $pbk local.get $k local.set $kk
          loop ;; k
            ${step}
            ${bump('px', 4)} ${bump('pbk', nRow)} ${countdown('kk')}
          br_if 0 end
          ${store}
          ${bump('pb', 16 * tw)} ${bump('po', 16 * tw)} ${bump('pz', 16 * tw)} ${countdown('ct')}
        br_if 0 end
        ${bump('pxRow', th * xRow)} ${bump('poRow', th * nRow)} ${bump('pzRow', th * nRow)} ${countdown('rt')}
      br_if 0 end`,
  );
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
