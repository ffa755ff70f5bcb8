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
import { I32, op, V128, type FunctionDef } from '../../core/wasm/engine_emit.js';
import { ins } from '../../core/wasm/ops.js';
import { engineFunction, offsetOf, wasmKernelsActive } from './wasm_kernels.js';

/** i8x16.shuffle of two vectors by float lanes (0–3 the first operand, 4–7 the second). */
function shuffle(lanes: [number, number, number, number]): number[] {
  return ins('i8x16.shuffle', ...lanes.flatMap((f) => [4 * f, 4 * f + 1, 4 * f + 2, 4 * f + 3]));
}

/**
 * transpose(src, dst, n1, n2, s1, s2, d1, d2, rowTiles, colTiles, inRow, outRow), all strides in
 * bytes: for every slab (i1 < n1, i2 < n2) the matrix of rowTiles × colTiles tiles (4×4 tiles with
 * `simd`, single values without) at src + i1·s1 + i2·s2 (rows inRow apart) is written transposed at
 * dst + i1·d1 + i2·d2 (rows outRow apart). All counts ≥ 1.
 */
export function transposeDef(name: string, simd: boolean): FunctionDef {
  const [src, dst, n1, n2, s1, s2, d1, d2, rowTiles, colTiles, inRow, outRow] = Array.from({ length: 12 }, (_, i) => i);
  const [i1, i2, a1, b1, a2, b2, r, c, ps, pd, pc, qc, inStep, outStep, in2, in3, out2, out3] = Array.from({ length: 18 }, (_, i) => 12 + i);
  const v = (i: number) => 30 + i;
  const step = simd ? 4 : 1;
  const add = (p: number, q: number) => [...op.get(p), ...op.get(q), ...op.i32add];
  const countdown = (x: number) => [...op.get(x), ...op.i32(1), ...op.i32sub, ...op.tee(x)];
  const bump = (p: number, by: number) => [...add(p, by), ...op.set(p)];
  const tile = simd
    ? [
        ...op.get(pc), ...op.load(), ...op.set(v(0)),
        ...add(pc, inRow), ...op.load(), ...op.set(v(1)),
        ...add(pc, in2), ...op.load(), ...op.set(v(2)),
        ...add(pc, in3), ...op.load(), ...op.set(v(3)),
        // (a0 b0 a1 b1) (a2 b2 a3 b3) (c0 d0 c1 d1) (c2 d2 c3 d3)
        ...op.get(v(0)), ...op.get(v(1)), ...shuffle([0, 4, 1, 5]), ...op.set(v(4)),
        ...op.get(v(0)), ...op.get(v(1)), ...shuffle([2, 6, 3, 7]), ...op.set(v(5)),
        ...op.get(v(2)), ...op.get(v(3)), ...shuffle([0, 4, 1, 5]), ...op.set(v(6)),
        ...op.get(v(2)), ...op.get(v(3)), ...shuffle([2, 6, 3, 7]), ...op.set(v(7)),
        ...op.get(qc), ...op.get(v(4)), ...op.get(v(6)), ...shuffle([0, 1, 4, 5]), ...op.store(),
        ...add(qc, outRow), ...op.get(v(4)), ...op.get(v(6)), ...shuffle([2, 3, 6, 7]), ...op.store(),
        ...add(qc, out2), ...op.get(v(5)), ...op.get(v(7)), ...shuffle([0, 1, 4, 5]), ...op.store(),
        ...add(qc, out3), ...op.get(v(5)), ...op.get(v(7)), ...shuffle([2, 3, 6, 7]), ...op.store(),
      ]
    : [...op.get(qc), ...op.get(pc), ...op.f32load(), ...op.f32store()];
  return {
    name,
    params: Array.from({ length: 12 }, () => I32),
    locals: [...Array.from({ length: 18 }, () => I32), ...Array.from({ length: 8 }, () => V128)],
    body: [
      ...op.get(inRow), ...op.i32(step), ...op.i32mul, ...op.set(inStep),
      ...op.get(outRow), ...op.i32(step), ...op.i32mul, ...op.set(outStep),
      ...add(inRow, inRow), ...op.tee(in2), ...op.get(inRow), ...op.i32add, ...op.set(in3),
      ...add(outRow, outRow), ...op.tee(out2), ...op.get(outRow), ...op.i32add, ...op.set(out3),
      ...op.get(src), ...op.set(a1), ...op.get(dst), ...op.set(b1), ...op.get(n1), ...op.set(i1),
      ...op.loop(
        [...op.get(a1), ...op.set(a2), ...op.get(b1), ...op.set(b2), ...op.get(n2), ...op.set(i2)],
        op.loop(
          [...op.get(a2), ...op.set(ps), ...op.get(b2), ...op.set(pd), ...op.get(rowTiles), ...op.set(r)],
          op.loop(
            [...op.get(ps), ...op.set(pc), ...op.get(pd), ...op.set(qc), ...op.get(colTiles), ...op.set(c)],
            op.loop(tile, [...op.get(pc), ...op.i32(4 * step), ...op.i32add, ...op.set(pc)], bump(qc, outStep), countdown(c)),
            bump(ps, inStep),
            [...op.get(pd), ...op.i32(4 * step), ...op.i32add, ...op.set(pd)],
            countdown(r),
          ),
          bump(a2, s2), bump(b2, d2), countdown(i2),
        ),
        bump(a1, s1), bump(b1, d1), countdown(i1),
      ),
    ],
  };
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
