/**
 * Differentiable primitives tuned for tfjs-backend-wasm (DESIGN.md, "Engine facts"), correct on
 * every backend:
 *
 * - every matmul, forward and gradient, is a rank-2 product with neither operand flagged
 *   transposed (XNNPACK's only fast path on wasm): gradients transpose explicitly, and only the
 *   operand with fewer channels;
 * - sums over the long axis are products with a cached ones vector (non-innermost reductions are
 *   ~50× slower on wasm);
 * - GELU is the exact-erf form; on wasm it runs as one engine SIMD kernel each way (tfjs's `Erf`
 *   and `Exp` are scalar there, ~100× slower than an add).
 */
import * as tf from '@tensorflow/tfjs';
import { onesConstant } from './cache.js';
import { EngineError } from './errors.js';
import {
  GELU_UNROLL,
  GEMM_MAX_K,
  gemmReduceKernel,
  gemmSmallLeftKernel,
  geluGradKernel,
  geluKernel,
  geluTrainKernel,
  rowSumKernel,
  wasmKernelsActive,
} from './wasm_kernels.js';

/** GELU by tfjs ops: x·Φ(x) with Φ(x) = (1 + erf(x/√2))/2. */
function geluOps(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));
}

/** dy·GELU'(x) by tfjs ops: dy·(Φ(x) + x·φ(x)), φ the standard normal density. */
function geluGradOps(x: tf.Tensor, dy: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const cdf = tf.mul(tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))), 0.5);
    const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return tf.mul(dy, tf.add(cdf, tf.mul(x, pdf)));
  });
}

/**
 * GELU, exact erf form (PyTorch's default `F.gelu`): x·Φ(x). Any shape, float32.
 *
 * On wasm with the engine kernels: when a gradient tape is recording, one pass writes GELU(x) and
 * GELU'(x) and the backward pass is a multiply; otherwise the forward writes GELU(x) only (and a
 * later backward, if any, recomputes GELU'(x) from x).
 */
export function gelu<T extends tf.Tensor>(x: T): T {
  const kernels = wasmKernelsActive() && x.size >= 4 * GELU_UNROLL;
  if (kernels && tf.engine().isTapeOn()) {
    const op = tf.customGrad((xi, save) => {
      const [y, d] = geluTrainKernel(xi as tf.Tensor);
      (save as tf.GradSaveFunc)([d]);
      return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, saved[0]) };
    });
    return op(x) as T;
  }
  const op = tf.customGrad((xi, save) => {
    const input = xi as tf.Tensor;
    (save as tf.GradSaveFunc)([input]);
    return {
      value: kernels ? geluKernel(input) : geluOps(input),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => (kernels ? geluGradKernel(saved[0], dy) : geluGradOps(saved[0], dy)),
    };
  });
  return op(x) as T;
}

/**
 * xᵀ for a large 2D x (used by weight gradients, which contract over the long axis). One place to
 * change how big transposes are done.
 */
export function transposeLarge(x: tf.Tensor2D): tf.Tensor2D {
  return tf.transpose(x);
}

/** Σ over axis 1 of x [rows, n] as x @ ones[n, 1]: [rows]. */
export function sumColumns(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.matMul(x, onesConstant(x.shape[1], 1)), [x.shape[0]]));
}

/** Σ over axis 0 of x [n, cols] as ones[1, n] @ x: [cols]. */
export function sumRows(x: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => tf.reshape(tf.matMul(onesConstant(1, x.shape[0]), x), [x.shape[1]]));
}

function checkLinear(what: string, x: tf.Tensor, w: tf.Tensor, b: tf.Tensor | null, xIn: number, wIn: number, wOut: number, layout: string): void {
  if (x.rank !== 2 || w.rank !== 2 || xIn !== wIn) {
    throw new EngineError(`${what}: shapes x [${x.shape.join(', ')}], w [${w.shape.join(', ')}] are not allowed: use ${layout}`);
  }
  if (b && (b.rank !== 1 || b.shape[0] !== wOut)) {
    throw new EngineError(`${what}: bias shape [${b.shape.join(', ')}] is not allowed: use [${wOut}]`);
  }
}

/**
 * Channels-first linear map (a 1×1 convolution over all points at once): y = w·x + b (+ addend),
 * with x [cin, n] (n = batch·points), w [cout, cin] (PyTorch's Linear/Conv1d weight layout),
 * b [cout], addend [cout, n] (a residual branch): y [cout, n].
 *
 * On wasm with the engine kernels (n ≥ 16, n % 4 = 0, channels ≤ 4096) the forward and all
 * gradients are packing-free SIMD kernels (core/wasm/engine_gemm.ts): dx = wᵀ·dy reads w through strides,
 * dw = dy·xᵀ contracts over n directly, db sums rows; no transpose at all. Otherwise: untransposed
 * tfjs matmuls, with dx = wᵀ·dy (a small transpose), dw = dy·xᵀ or (x·dyᵀ)ᵀ — whichever transposes
 * the operand with fewer channels — and db = dy·ones.
 */
export function linearChannelsFirst(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null = null, addend: tf.Tensor2D | null = null): tf.Tensor2D {
  const [cout, cin] = w.shape;
  checkLinear('linearChannelsFirst', x, w, b, x.shape[0], cin, cout, 'x [cin, n], w [cout, cin], b [cout]');
  const n = x.shape[1];
  if (addend && (addend.rank !== 2 || addend.shape[0] !== cout || addend.shape[1] !== n)) {
    throw new EngineError(`linearChannelsFirst: addend shape [${addend.shape.join(', ')}] is not allowed: use [${cout}, ${n}]`);
  }
  const kernels = wasmKernelsActive() && n >= 16 && n % 4 === 0 && cin <= GEMM_MAX_K && cout <= GEMM_MAX_K;
  const forward = (xi: tf.Tensor2D, wi: tf.Tensor2D, bi?: tf.Tensor, zi?: tf.Tensor): tf.Tensor2D => {
    if (kernels) {
      const y = gemmSmallLeftKernel(wi, xi, { m: cout, k: cin, aRow: cin, aCol: 1 }, bi);
      return zi ? tf.tidy(() => tf.add(y, zi) as tf.Tensor2D) : y;
    }
    return tf.tidy(() => {
      let y: tf.Tensor = tf.matMul(wi, xi);
      if (bi) y = tf.add(y, tf.reshape(bi, [cout, 1]));
      if (zi) y = tf.add(y, zi);
      return y as tf.Tensor2D;
    });
  };
  const grads = (dy: tf.Tensor2D, xi: tf.Tensor2D, wi: tf.Tensor2D): tf.Tensor[] => {
    const out: tf.Tensor[] = kernels
      ? [gemmSmallLeftKernel(wi, dy, { m: cin, k: cout, aRow: 1, aCol: cin }), gemmReduceKernel(dy, xi)]
      : [tf.matMul(tf.transpose(wi), dy), cin <= cout ? tf.matMul(dy, transposeLarge(xi)) : tf.transpose(tf.matMul(xi, transposeLarge(dy)))];
    if (b) out.push(kernels ? rowSumKernel(dy) : tf.reshape(tf.matMul(dy, onesConstant(n, 1)), [cout]));
    // The residual branch gets dy itself: a reshape shares the data without a copy.
    if (addend) out.push(tf.reshape(dy, dy.shape));
    return out;
  };
  const inputs: tf.Tensor[] = [x, w, ...(b ? [b] : []), ...(addend ? [addend] : [])];
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, wi, ...rest] = args.slice(0, -1) as tf.Tensor[];
    save([xi, wi]);
    return {
      value: forward(xi as tf.Tensor2D, wi as tf.Tensor2D, b ? rest[0] : undefined, addend ? rest[b ? 1 : 0] : undefined),
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => grads(dy as tf.Tensor2D, sx as tf.Tensor2D, sw as tf.Tensor2D),
    };
  });
  return op(...inputs) as tf.Tensor2D;
}

/**
 * GELU then a channels-first linear map: linearChannelsFirst(gelu(x), w, b) (FNO's projection
 * fc1 → GELU → fc2), x [cin, n]. On wasm with the engine kernels, under a gradient tape: one GELU
 * pass keeps GELU'(x) for the backward, whose dx = (wᵀ·dy) ⊙ GELU'(x) is one kernel (the product
 * multiplied as it is stored) — the same float32 operations as the two separate steps, without
 * writing wᵀ·dy out and reading it back (for fc2, an outer product as large as x).
 */
export function geluLinear(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null = null): tf.Tensor2D {
  const [cout, cin] = w.shape;
  checkLinear('geluLinear', x, w, b, x.shape[0], cin, cout, 'x [cin, n], w [cout, cin], b [cout]');
  const n = x.shape[1];
  const kernels = wasmKernelsActive() && n >= 16 && n % 4 === 0 && cin <= GEMM_MAX_K && cout <= GEMM_MAX_K && x.size >= 4 * GELU_UNROLL;
  if (!kernels || !tf.engine().isTapeOn()) return linearChannelsFirst(gelu(x), w, b);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[args.length - 1] as tf.GradSaveFunc;
    const [xi, wi, bi] = args.slice(0, -1) as tf.Tensor[];
    const [y, d] = geluTrainKernel(xi);
    save([y, d, wi]);
    return {
      value: gemmSmallLeftKernel(wi, y as tf.Tensor2D, { m: cout, k: cin, aRow: cin, aCol: 1 }, bi),
      gradFunc: (dy: tf.Tensor, [sy, sd, sw]: tf.Tensor[]) => {
        const dy2 = dy as tf.Tensor2D;
        const out: tf.Tensor[] = [
          gemmSmallLeftKernel(sw, dy2, { m: cin, k: cout, aRow: 1, aCol: cin }, undefined, sd),
          gemmReduceKernel(dy2, sy as tf.Tensor2D),
        ];
        if (b) out.push(rowSumKernel(dy2));
        return out;
      },
    };
  });
  return op(...(b ? [x, w, b] : [x, w])) as tf.Tensor2D;
}

/**
 * Channels-last linear map (a Dense layer): y = x·w + b with x [n, cin], w [cin, cout] (tfjs/Keras
 * layout), b [cout]: y [n, cout]. Gradients: dx = dy·wᵀ (a small transpose), dw = xᵀ·dy or
 * (dyᵀ·x)ᵀ — whichever transposes the operand with fewer channels — and db = ones·dy.
 */
export function linearChannelsLast(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D | null = null): tf.Tensor2D {
  const [cin, cout] = w.shape;
  checkLinear('linearChannelsLast', x, w, b, x.shape[1], cin, cout, 'x [n, cin], w [cin, cout], b [cout]');
  const n = x.shape[0];
  const grads = (dy: tf.Tensor2D, xi: tf.Tensor2D, wi: tf.Tensor2D): tf.Tensor[] => {
    const dx = tf.matMul(dy, tf.transpose(wi));
    const dw = cin <= cout ? tf.matMul(transposeLarge(xi), dy) : tf.transpose(tf.matMul(transposeLarge(dy), xi));
    return [dx, dw];
  };
  if (b === null) {
    const op = tf.customGrad((xi, wi, save) => {
      (save as tf.GradSaveFunc)([xi as tf.Tensor, wi as tf.Tensor]);
      return {
        value: tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D),
        gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => grads(dy as tf.Tensor2D, sx as tf.Tensor2D, sw as tf.Tensor2D),
      };
    });
    return op(x, w) as tf.Tensor2D;
  }
  const op = tf.customGrad((xi, wi, bi, save) => {
    (save as tf.GradSaveFunc)([xi as tf.Tensor, wi as tf.Tensor]);
    return {
      value: tf.add(tf.matMul(xi as tf.Tensor2D, wi as tf.Tensor2D), bi as tf.Tensor) as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, [sx, sw]: tf.Tensor[]) => [
        ...grads(dy as tf.Tensor2D, sx as tf.Tensor2D, sw as tf.Tensor2D),
        tf.reshape(tf.matMul(onesConstant(1, n), dy as tf.Tensor2D), [cout]),
      ],
    };
  });
  return op(x, w, b) as tf.Tensor2D;
}
