/**
 * A batched, strided 2D transpose as an engine kernel (`PdesTransposeBlocks`) for the wasm
 * backend, and the one layout change the 2D/3D truncated DFTs need (dft_nd.ts):
 *
 *   modesToFront: [A, N, P, M] → [M, A, P, N]      modesToBack: the inverse
 *
 * Why: tfjs-backend-wasm's `Transpose` of a rank-4 tensor is a generic index loop, several times
 * slower than a copy; this kernel moves 4×4 tiles with two rounds of i8x16.shuffle (SIMD when both
 * transposed extents are multiples of 4, a scalar loop otherwise), i.e. about a copy's cost.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.js';
import { watKernel } from '../../core/wasm/binary.js';
import { type FunctionDef } from '../../core/wasm/engine_emit.js';
import { engineFunction, offsetOf, wasmKernelsActive } from './wasm_kernels.js';

/** i8x16.shuffle of two vectors by float lanes (0–3 the first operand, 4–7 the second), as text. */
function shuffle(lanes: [number, number, number, number]): string {
  return `i8x16.shuffle ${lanes.flatMap((f) => [4 * f, 4 * f + 1, 4 * f + 2, 4 * f + 3]).join(' ')}`;
}

/**
 * transpose(src, dst, n1, n2, s1, s2, d1, d2, rowTiles, colTiles, inRow, outRow), all strides in
 * bytes: for every slab (i1 < n1, i2 < n2) the matrix of rowTiles × colTiles tiles (4×4 tiles with
 * `simd`, single values without) at src + i1·s1 + i2·s2 (rows inRow apart) is written transposed at
 * dst + i1·d1 + i2·d2 (rows outRow apart). All counts ≥ 1.
 */
export function transposeDef(name: string, simd: boolean): FunctionDef {
  const step = simd ? 4 : 1;
  const add = (p: string, q: string) => `local.get $${p} local.get $${q} i32.add`;
  const countdown = (x: string) => `local.get $${x} i32.const 1 i32.sub local.tee $${x}`;
  const bump = (p: string, by: string) => `${add(p, by)} local.set $${p}`;
  // float32 data: v128 accesses declare 4-byte alignment.
  const tile = simd
    ? `
        local.get $pc v128.load align=4 local.set $v0
        ${add('pc', 'inRow')} v128.load align=4 local.set $v1
        ${add('pc', 'in2')} v128.load align=4 local.set $v2
        ${add('pc', 'in3')} v128.load align=4 local.set $v3
        ;; (a0 b0 a1 b1) (a2 b2 a3 b3) (c0 d0 c1 d1) (c2 d2 c3 d3)
        local.get $v0 local.get $v1 ${shuffle([0, 4, 1, 5])} local.set $v4
        local.get $v0 local.get $v1 ${shuffle([2, 6, 3, 7])} local.set $v5
        local.get $v2 local.get $v3 ${shuffle([0, 4, 1, 5])} local.set $v6
        local.get $v2 local.get $v3 ${shuffle([2, 6, 3, 7])} local.set $v7
        local.get $qc local.get $v4 local.get $v6 ${shuffle([0, 1, 4, 5])} v128.store align=4
        ${add('qc', 'outRow')} local.get $v4 local.get $v6 ${shuffle([2, 3, 6, 7])} v128.store align=4
        ${add('qc', 'out2')} local.get $v5 local.get $v7 ${shuffle([0, 1, 4, 5])} v128.store align=4
        ${add('qc', 'out3')} local.get $v5 local.get $v7 ${shuffle([2, 3, 6, 7])} v128.store align=4`
    : 'local.get $qc local.get $pc f32.load f32.store';
  return watKernel(
    name,
    { i32: ['src', 'dst', 'n1', 'n2', 's1', 's2', 'd1', 'd2', 'rowTiles', 'colTiles', 'inRow', 'outRow'] },
    {
      i32: ['i1', 'i2', 'a1', 'b1', 'a2', 'b2', 'r', 'c', 'ps', 'pd', 'pc', 'qc', 'inStep', 'outStep', 'in2', 'in3', 'out2', 'out3'],
      v128: ['v0', 'v1', 'v2', 'v3', 'v4', 'v5', 'v6', 'v7'],
    },
    (w) => w`
      local.get $inRow i32.const ${step} i32.mul local.set $inStep
      local.get $outRow i32.const ${step} i32.mul local.set $outStep
      ${add('inRow', 'inRow')} local.tee $in2 local.get $inRow i32.add local.set $in3
      ${add('outRow', 'outRow')} local.tee $out2 local.get $outRow i32.add local.set $out3
      local.get $src local.set $a1 local.get $dst local.set $b1 local.get $n1 local.set $i1
      loop ;; i1
        local.get $a1 local.set $a2 local.get $b1 local.set $b2 local.get $n2 local.set $i2
        loop ;; i2
          local.get $a2 local.set $ps local.get $b2 local.set $pd local.get $rowTiles local.set $r
          loop ;; tile rows
            local.get $ps local.set $pc local.get $pd local.set $qc local.get $colTiles local.set $c
            loop ;; tiles of the row
              ${tile}
              local.get $pc i32.const ${4 * step} i32.add local.set $pc
              ${bump('qc', 'outStep')}
              ${countdown('c')}
            br_if 0 end
            ${bump('ps', 'inStep')}
            local.get $pd i32.const ${4 * step} i32.add local.set $pd
            ${countdown('r')}
          br_if 0 end
          ${bump('a2', 's2')} ${bump('b2', 'd2')} ${countdown('i2')}
        br_if 0 end
        ${bump('a1', 's1')} ${bump('b1', 'd1')} ${countdown('i1')}
      br_if 0 end`,
  );
}

const TRANSPOSE = 'PdesTransposeBlocks';

interface TransposeAttrs {
  outShape: number[];
  /** [n1, n2, s1, s2, d1, d2, rows, cols, inRow, outRow], strides in elements (see transposeDef). */
  plan: number[];
}

function registerTranspose(): void {
  if (tf.getKernel(TRANSPOSE, 'wasm')) return;
  tf.registerKernel({
    kernelName: TRANSPOSE,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as BackendWasm;
      const { outShape, plan } = attrs as unknown as TransposeAttrs;
      const [n1, n2, s1, s2, d1, d2, rows, cols, inRow, outRow] = plan;
      const out = be.makeOutput(outShape, 'float32');
      const simd = rows % 4 === 0 && cols % 4 === 0;
      const fn = engineFunction(be, `transpose|${simd}`, () => transposeDef('f', simd));
      const t = simd ? 4 : 1;
      fn(offsetOf(be, inputs.x as tf.TensorInfo), offsetOf(be, out), n1, n2, 4 * s1, 4 * s2, 4 * d1, 4 * d2, rows / t, cols / t, 4 * inRow, 4 * outRow);
      return out;
    },
  });
}

function checkSize(x: tf.Tensor, dims: number[], what: string): void {
  if (!dims.every((d) => Number.isInteger(d) && d >= 1) || x.size !== dims.reduce((p, q) => p * q, 1)) {
    throw new EngineError(`${what}: a tensor of shape [${x.shape.join(', ')}] cannot be viewed as [${dims.join(', ')}]`);
  }
}

function run(x: tf.Tensor, outShape: number[], plan: number[]): tf.Tensor {
  registerTranspose();
  return tf.engine().runKernel(TRANSPOSE, { x }, { outShape, plan } as unknown as tf.NamedAttrMap) as tf.Tensor;
}

/** x viewed as [A, N, P, M] → [M, A, P, N] (no gradient; see modesToFront). */
function toFront(x: tf.Tensor, a: number, n: number, p: number, m: number): tf.Tensor {
  if (!wasmKernelsActive()) return tf.transpose(tf.reshape(x, [a, n, p, m]), [3, 0, 2, 1]);
  // Slab (a, p): in[a, :, p, :] is [N, M] with rows P·M apart → out[:, a, p, :], rows A·P·N apart.
  return run(x, [m, a, p, n], [a, p, n * p * m, m, p * n, n, n, m, p * m, a * p * n]);
}

/** x viewed as [M, A, P, N] → [A, N, P, M] (no gradient; see modesToBack). */
function toBack(x: tf.Tensor, a: number, n: number, p: number, m: number): tf.Tensor {
  if (!wasmKernelsActive()) return tf.transpose(tf.reshape(x, [m, a, p, n]), [1, 3, 2, 0]);
  // Slab (a, p): in[:, a, p, :] is [M, N] with rows A·P·N apart → out[a, :, p, :], rows P·M apart.
  return run(x, [a, n, p, m], [a, p, p * n, n, n * p * m, m, m, n, a * p * n, p * m]);
}

/**
 * x viewed as [A, N, P, M] → [M, A, P, N]: the M axis to the front and the N axis to the back
 * (each N-row then holds one of the P parts of one of the M modes). Differentiable (the gradient
 * is modesToBack); on wasm with the engine kernels one SIMD pass.
 */
export function modesToFront(x: tf.Tensor, a: number, n: number, p: number, m: number): tf.Tensor4D {
  checkSize(x, [a, n, p, m], 'modesToFront');
  const op = tf.customGrad((xi, save) => {
    (save as tf.GradSaveFunc)([]);
    return { value: toFront(xi as tf.Tensor, a, n, p, m), gradFunc: (dy: tf.Tensor) => [tf.reshape(toBack(dy, a, n, p, m), x.shape)] };
  });
  return op(x) as tf.Tensor4D;
}

/** The inverse of modesToFront: x viewed as [M, A, P, N] → [A, N, P, M]. Differentiable. */
export function modesToBack(x: tf.Tensor, a: number, n: number, p: number, m: number): tf.Tensor4D {
  checkSize(x, [m, a, p, n], 'modesToBack');
  const op = tf.customGrad((xi, save) => {
    (save as tf.GradSaveFunc)([]);
    return { value: toBack(xi as tf.Tensor, a, n, p, m), gradFunc: (dy: tf.Tensor) => [tf.reshape(toFront(dy, a, n, p, m), x.shape)] };
  });
  return op(x) as tf.Tensor4D;
}
