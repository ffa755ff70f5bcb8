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
import { watKernel } from '../../core/wasm/binary.js';
import { type FunctionDef } from '../../core/wasm/engine_emit.js';
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
export function adamReference(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  decay: AdamDecay,
  s: AdamScalars,
): { w: Float32Array; m: Float32Array; v: Float32Array } {
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

/** The arithmetic of one lane group, as text: f32x4 over 4 values, or scalar f32 for the tail. */
interface Flavour {
  /** Values per step; also the suffix of the flavour's locals (g4, w4, m4, v4 or g1, w1, m1, v1). */
  width: 4 | 1;
  load: string;
  store: string;
  /** A coefficient from the scalar block (offset in bytes), in every lane. */
  coef: (offset: number) => string;
  add: string;
  sub: string;
  mul: string;
  div: string;
  sqrt: string;
}

const VECTOR: Flavour = {
  width: 4,
  load: 'v128.load align=4',
  store: 'v128.store align=4',
  coef: (offset) => `v128.load32_splat offset=${offset}`,
  add: 'f32x4.add',
  sub: 'f32x4.sub',
  mul: 'f32x4.mul',
  div: 'f32x4.div',
  sqrt: 'f32x4.sqrt',
};
const SCALAR: Flavour = {
  width: 1,
  load: 'f32.load',
  store: 'f32.store',
  coef: (offset) => `f32.load offset=${offset}`,
  add: 'f32.add',
  sub: 'f32.sub',
  mul: 'f32.mul',
  div: 'f32.div',
  sqrt: 'f32.sqrt',
};

/**
 * adam(w, g, m, v, c, wOut, mOut, vOut, n): the update (module comment) of n float32 values, the
 * scalars at c in SCALARS order; f32x4 over the first n − n % 4 values, scalar f32 after them.
 */
export function adamDef(name: string, decay: AdamDecay): FunctionDef {
  const at = (p: string) => `local.get $${p} local.get $o i32.add`;
  const coef = (fl: Flavour, k: keyof AdamScalars) => `local.get $c ${fl.coef(4 * SCALARS.indexOf(k))}`;
  const body = (fl: Flavour): string => {
    const [gi, wi, mi, vi] = ['g', 'w', 'm', 'v'].map((x) => `$${x}${fl.width}`);
    const { load, store, add, sub, mul, div, sqrt } = fl;
    return `
      ${at('g')} ${load} local.set ${gi}  ${at('w')} ${load} local.set ${wi}
      ${decay === 'l2' ? `local.get ${gi} local.get ${wi} ${coef(fl, 'decay')} ${mul} ${add} local.set ${gi}` : ''}
      ${decay === 'decoupled' ? `local.get ${wi} ${coef(fl, 'decay')} ${mul} local.set ${wi}` : ''}
      ${at('m')} ${load} ${coef(fl, 'beta1')} ${mul} local.get ${gi} ${coef(fl, 'oneMinusBeta1')} ${mul} ${add} local.set ${mi}
      ${at('v')} ${load} ${coef(fl, 'beta2')} ${mul} local.get ${gi} local.get ${gi} ${mul} ${coef(fl, 'oneMinusBeta2')} ${mul} ${add} local.set ${vi}
      ${at('mOut')} local.get ${mi} ${store}
      ${at('vOut')} local.get ${vi} ${store}
      ${at('wOut')}
      local.get ${wi}
      local.get ${mi} local.get ${vi} ${sqrt} ${coef(fl, 'bc2Sqrt')} ${div} ${coef(fl, 'eps')} ${add} ${div}
      ${coef(fl, 'stepSize')} ${mul} ${sub}
      ${store}`;
  };
  // while (o < stop) { …; o += 4·width }
  const loop = (fl: Flavour, stop: string) => `
    local.get $o local.get $${stop} i32.lt_u
    if
      loop
        ${body(fl)}
        local.get $o i32.const ${4 * fl.width} i32.add local.tee $o local.get $${stop} i32.lt_u
      br_if 0 end
    end`;
  return watKernel(
    name,
    { i32: ['w', 'g', 'm', 'v', 'c', 'wOut', 'mOut', 'vOut', 'n'] },
    { i32: ['o', 'end', 'endAll'], v128: ['g4', 'w4', 'm4', 'v4'], f32: ['g1', 'w1', 'm1', 'v1'] },
    (w) => w`
      local.get $n i32.const 4 i32.mul local.set $endAll
      local.get $endAll i32.const -16 i32.and local.set $end
      i32.const 0 local.set $o
      ${loop(VECTOR, 'end')}
      ${loop(SCALAR, 'endAll')}`,
  );
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
  for (const [name, t] of [
    ['g', g],
    ['m', m],
    ['v', v],
  ] as const) {
    if (!tf.util.arraysEqual(t.shape, w.shape))
      throw new EngineError(`adamKernel: ${name} shape [${t.shape.join(', ')}] is not the weight's [${w.shape.join(', ')}]`);
  }
  registerAdam();
  return tf.tidy(() => {
    const c = tf.tensor1d(
      SCALARS.map((k) => s[k]),
      'float32',
    );
    return tf.engine().runKernel(ADAM, { w, g, m, v, c }, { decay } as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
  });
}
