/**
 * One Adam / AdamW update of a weight as one engine kernel (`PdesAdam`) on the wasm backend: with
 * t = step + 1 and float32 scalars as torch uses them [Kingma & Ba 2015, Alg. 1; Loshchilov &
 * Hutter 2019, Alg. 2]:
 *
 *   adam with weight decay λ:   g ← g + w·λ            adamw:  w ← w·(1 − lr·λ)
 *   m ← m·β1 + g·(1 − β1)
 *   v ← v·β2 + (g·g)·(1 − β2)
 *   w ← w − (m / (√v / √(1 − β2^t) + ε)) · lr / (1 − β1^t)
 *
 * Why: written with tfjs ops that is ~12 kernels per weight, and on wasm each kernel call costs
 * more in tfjs's bookkeeping than its arithmetic on small weights (an FNO-1D's 19 weights: ~230
 * calls, several ms per step; in data-parallel training the update is the serial part between
 * two gradient steps). Here it is one pass per weight, the same float32 operations in the same
 * order as the ops (WebAssembly has no fused multiply-add, and division and square root are
 * correctly rounded), so the result is bit for bit that of the ops; `adamReference` is the
 * readable twin the kernel is tested against.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.js';
import { I32, op, V128, type FunctionDef } from '../../core/wasm/engine_emit.js';
import { ins } from '../../core/wasm/ops.js';
import { engineFunction, offsetOf, wasmKernelsActive } from './wasm_kernels.js';

/** How weight decay enters: none, added to the gradient (adam), or decoupled (adamw). */
export type AdamDecay = 'none' | 'l2' | 'decoupled';

/** The float32 scalars of one update (each rounded to float32 as a tfjs scalar would be). */
export interface AdamScalars {
  /** λ for 'l2'; the factor 1 − lr·λ for 'decoupled'; unused for 'none'. */
  decay: number;
  beta1: number;
  oneMinusBeta1: number;
  beta2: number;
  oneMinusBeta2: number;
  /** √(1 − β2^t). */
  bc2Sqrt: number;
  eps: number;
  /** lr / (1 − β1^t). */
  stepSize: number;
}

const SCALARS: (keyof AdamScalars)[] = ['decay', 'beta1', 'oneMinusBeta1', 'beta2', 'oneMinusBeta2', 'bc2Sqrt', 'eps', 'stepSize'];

/** The update in plain JavaScript, each operation rounded to float32: the kernel's reference. */
export function adamReference(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, decay: AdamDecay, s: AdamScalars): { w: Float32Array; m: Float32Array; v: Float32Array } {
  const f = Math.fround;
  const c = Object.fromEntries(SCALARS.map((k) => [k, f(s[k])])) as unknown as AdamScalars;
  const out = { w: new Float32Array(w.length), m: new Float32Array(w.length), v: new Float32Array(w.length) };
  for (let i = 0; i < w.length; i++) {
    let gi = g[i];
    if (decay === 'l2') gi = f(gi + f(w[i] * c.decay));
    const base = decay === 'decoupled' ? f(w[i] * c.decay) : w[i];
    const mi = f(f(m[i] * c.beta1) + f(gi * c.oneMinusBeta1));
    const vi = f(f(v[i] * c.beta2) + f(f(gi * gi) * c.oneMinusBeta2));
    const denom = f(f(Math.sqrt(vi) / c.bc2Sqrt) + c.eps);
    out.w[i] = f(base - f(f(mi / denom) * c.stepSize));
    out.m[i] = mi;
    out.v[i] = vi;
  }
  return out;
}

const F32 = 0x7d;

/** The arithmetic of one lane group: f32x4 over 4 values, or scalar f32 for the tail. */
interface Flavour {
  type: number;
  width: number;
  load: (offset?: number) => number[];
  store: (offset?: number) => number[];
  /** A coefficient from the scalar block (offset in bytes), in every lane. */
  coef: (offset: number) => number[];
  add: number[];
  sub: number[];
  mul: number[];
  div: number[];
  sqrt: number[];
}

const VECTOR: Flavour = {
  type: V128, width: 4, load: op.load, store: op.store, coef: op.splat32,
  add: op.fadd, sub: op.fsub, mul: op.fmul, div: op.fdiv, sqrt: ins('f32x4.sqrt'),
};
const SCALAR: Flavour = {
  type: F32, width: 1, load: op.f32load, store: op.f32store, coef: op.f32load,
  add: ins('f32.add'), sub: ins('f32.sub'), mul: ins('f32.mul'), div: ins('f32.div'), sqrt: ins('f32.sqrt'),
};

/**
 * adam(w, g, m, v, c, wOut, mOut, vOut, n): the update (module comment) of n float32 values, the
 * scalars at c in SCALARS order; f32x4 over the first n − n % 4 values, scalar f32 after them.
 */
export function adamDef(name: string, decay: AdamDecay): FunctionDef {
  const [w, g, m, v, c, wOut, mOut, vOut, n] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [o, end, endAll] = [9, 10, 11];
  const at = (p: number) => [...op.get(p), ...op.get(o), ...op.i32add];
  const coef = (fl: Flavour, k: keyof AdamScalars) => [...op.get(c), ...fl.coef(4 * SCALARS.indexOf(k))];
  // Locals per flavour: gi, wi, mi, vi.
  const body = (fl: Flavour, first: number): number[] => {
    const [gi, wi, mi, vi] = [first, first + 1, first + 2, first + 3];
    const b: number[] = [...at(g), ...fl.load(), ...op.set(gi), ...at(w), ...fl.load(), ...op.set(wi)];
    if (decay === 'l2') b.push(...op.get(gi), ...op.get(wi), ...coef(fl, 'decay'), ...fl.mul, ...fl.add, ...op.set(gi));
    if (decay === 'decoupled') b.push(...op.get(wi), ...coef(fl, 'decay'), ...fl.mul, ...op.set(wi));
    b.push(
      ...at(m), ...fl.load(), ...coef(fl, 'beta1'), ...fl.mul, ...op.get(gi), ...coef(fl, 'oneMinusBeta1'), ...fl.mul, ...fl.add, ...op.set(mi),
      ...at(v), ...fl.load(), ...coef(fl, 'beta2'), ...fl.mul, ...op.get(gi), ...op.get(gi), ...fl.mul, ...coef(fl, 'oneMinusBeta2'), ...fl.mul, ...fl.add, ...op.set(vi),
      ...at(mOut), ...op.get(mi), ...fl.store(),
      ...at(vOut), ...op.get(vi), ...fl.store(),
      ...at(wOut),
      ...op.get(wi),
      ...op.get(mi), ...op.get(vi), ...fl.sqrt, ...coef(fl, 'bc2Sqrt'), ...fl.div, ...coef(fl, 'eps'), ...fl.add, ...fl.div,
      ...coef(fl, 'stepSize'), ...fl.mul, ...fl.sub,
      ...fl.store(),
    );
    return b;
  };
  const loop = (fl: Flavour, first: number, stop: number) => [
    // while (o < stop) { …; o += 4·width }
    ...op.get(o), ...op.get(stop), ...op.i32ltU,
    ...ins('if'),
    ...op.loop(body(fl, first), [...op.get(o), ...op.i32(4 * fl.width), ...op.i32add, ...op.tee(o), ...op.get(stop), ...op.i32ltU]),
    ...ins('end'),
  ];
  return {
    name,
    params: Array.from({ length: 9 }, () => I32),
    locals: [I32, I32, I32, V128, V128, V128, V128, F32, F32, F32, F32],
    body: [
      ...op.get(n), ...op.i32(4), ...op.i32mul, ...op.set(endAll),
      ...op.get(endAll), ...op.i32(-16), ...op.i32and, ...op.set(end),
      ...op.i32(0), ...op.set(o),
      ...loop(VECTOR, 12, end),
      ...loop(SCALAR, 16, endAll),
    ],
  };
}

const ADAM = 'PdesAdam';

interface AdamAttrs {
  decay: AdamDecay;
}

function registerAdam(): void {
  if (tf.getKernel(ADAM, 'wasm')) return;
  tf.registerKernel({
    kernelName: ADAM,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const be = backend as BackendWasm;
      const { decay } = attrs as unknown as AdamAttrs;
      const [w, g, m, v, c] = (['w', 'g', 'm', 'v', 'c'] as const).map((k) => inputs[k] as tf.TensorInfo);
      const outs = [w, m, v].map((t) => be.makeOutput(t.shape, 'float32'));
      const fn = engineFunction(be, `adam|${decay}`, () => adamDef('f', decay));
      fn(...[w, g, m, v, c, ...outs].map((t) => offsetOf(be, t)), tf.util.sizeFromShape(w.shape));
      return outs;
    },
  });
}

/** Whether adamKernel runs here (wasm with the engine kernels on). */
export function adamKernelUsable(): boolean {
  return wasmKernelsActive();
}

/**
 * The update of weight w (gradient g, moments m, v, all float32 of one shape) on the engine
 * kernel: [w', m', v'] (see the module comment; only where adamKernelUsable()).
 */
export function adamKernel(w: tf.Tensor, g: tf.Tensor, m: tf.Tensor, v: tf.Tensor, decay: AdamDecay, s: AdamScalars): [tf.Tensor, tf.Tensor, tf.Tensor] {
  for (const [name, t] of [['g', g], ['m', m], ['v', v]] as const) {
    if (!tf.util.arraysEqual(t.shape, w.shape)) throw new EngineError(`adamKernel: ${name} shape [${t.shape.join(', ')}] is not the weight's [${w.shape.join(', ')}]`);
  }
  registerAdam();
  return tf.tidy(() => {
    const c = tf.tensor1d(SCALARS.map((k) => s[k]), 'float32');
    return tf.engine().runKernel(ADAM, { w, g, m, v, c }, { decay } as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
