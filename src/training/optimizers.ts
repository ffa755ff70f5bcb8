/**
 * Adam and AdamW written out in tfjs (not tf.train), so their whole state — the step count and
 * the first and second moments of each weight — is plain tensors that checkpoints serialise and
 * a resumed run restores bit for bit. The update follows torch.optim.Adam / AdamW (single-tensor
 * path) operation by operation [Kingma & Ba 2015, Alg. 1; Loshchilov & Hutter 2019, Alg. 2]. On
 * wasm with the engine kernels each weight's update is one kernel doing the same float32
 * operations (src/engine/wasm_adam.ts): the same bits, without ~12 tfjs calls per weight.
 */
import * as tf from '@tensorflow/tfjs';
import { adamKernel, adamKernelUsable, type AdamDecay, type AdamScalars } from '../engine/wasm_adam.js';
import type { OptimizerState } from '../inference/checkpoint_format.js';
import type { OptimizerOptions } from './options.js';

export type { OptimizerState } from '../inference/checkpoint_format.js';

export class AdamOptimizer {
  private stepCount = 0;
  private readonly m: tf.Variable[];
  private readonly v: tf.Variable[];

  constructor(
    readonly options: OptimizerOptions,
    private readonly weights: readonly tf.Variable[],
  ) {
    this.m = weights.map((w) => zerosVariable(w));
    this.v = weights.map((w) => zerosVariable(w));
  }

  get step(): number {
    return this.stepCount;
  }

  /**
   * One update with learning rate `lr` and gradients `grads` (same order and shapes as the
   * weights; not disposed here). With t = step + 1:
   *   adam:  g ← g + λw;            adamw: w ← w(1 − lr·λ)
   *   m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g²
   *   w ← w − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + ε)
   * The bias corrections are computed in float64 and enter as float32 scalars, as in torch.
   */
  apply(grads: readonly tf.Tensor[], lr: number): void {
    if (grads.length !== this.weights.length) throw new RangeError(`optimizer: ${grads.length} gradients for ${this.weights.length} weights`);
    const { kind, weightDecay, beta1, beta2, eps } = this.options;
    const t = this.stepCount + 1;
    const stepSize = lr / (1 - Math.pow(beta1, t));
    const bc2Sqrt = Math.sqrt(1 - Math.pow(beta2, t));
    const kernel = adamKernelUsable();
    const decay: AdamDecay = weightDecay === 0 ? 'none' : kind === 'adam' ? 'l2' : 'decoupled';
    const scalars: AdamScalars = {
      decay: decay === 'l2' ? weightDecay : 1 - lr * weightDecay,
      beta1,
      oneMinusBeta1: 1 - beta1,
      beta2,
      oneMinusBeta2: 1 - beta2,
      bc2Sqrt,
      eps,
      stepSize,
    };
    tf.tidy(() => {
      for (let i = 0; i < this.weights.length; i++) {
        const w = this.weights[i];
        let g = grads[i];
        if (!tf.util.arraysEqual(g.shape, w.shape)) {
          throw new RangeError(`optimizer: gradient ${i} has shape [${g.shape.join(', ')}], weight has [${w.shape.join(', ')}]`);
        }
        if (kernel) {
          // One engine kernel per weight, the same float32 operations as below (src/engine/wasm_adam.ts).
          const [w1, m1, v1] = adamKernel(w, g, this.m[i], this.v[i], decay, scalars);
          this.m[i].assign(m1);
          this.v[i].assign(v1);
          w.assign(w1);
          continue;
        }
        let base: tf.Tensor = w;
        if (decay === 'l2') g = tf.add(g, tf.mul(w, weightDecay));
        if (decay === 'decoupled') base = tf.mul(w, scalars.decay);
        const m = tf.add(tf.mul(this.m[i], beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[i], beta2), tf.mul(tf.square(g), 1 - beta2));
        const denom = tf.add(tf.div(tf.sqrt(v), bc2Sqrt), eps);
        this.m[i].assign(m);
        this.v[i].assign(v);
        w.assign(tf.sub(base, tf.mul(tf.div(m, denom), stepSize)));
      }
    });
    this.stepCount = t;
  }

  getState(): OptimizerState {
    return { step: this.stepCount, m: this.m.map((x) => (x.dataSync() as Float32Array).slice()), v: this.v.map((x) => (x.dataSync() as Float32Array).slice()) };
  }

  setState(state: OptimizerState): void {
    const n = this.weights.length;
    if (!Number.isSafeInteger(state.step) || state.step < 0) throw new RangeError(`optimizer state: step=${state.step} is not a count`);
    if (state.m.length !== n || state.v.length !== n)
      throw new RangeError(`optimizer state holds ${state.m.length}/${state.v.length} moments for ${n} weights`);
    for (let i = 0; i < n; i++) {
      const size = this.weights[i].size;
      if (state.m[i].length !== size || state.v[i].length !== size)
        throw new RangeError(`optimizer state: moment ${i} has ${state.m[i].length} values, weight has ${size}`);
    }
    tf.tidy(() => {
      for (let i = 0; i < n; i++) {
        this.m[i].assign(tf.tensor(state.m[i], this.weights[i].shape, 'float32'));
        this.v[i].assign(tf.tensor(state.v[i], this.weights[i].shape, 'float32'));
      }
    });
    this.stepCount = state.step;
  }

  dispose(): void {
    for (const x of [...this.m, ...this.v]) x.dispose();
  }
}

/** A non-trainable variable of zeros shaped like `w` (the temporary initial tensor is released). */
function zerosVariable(w: tf.Tensor): tf.Variable {
  const z = tf.zerosLike(w);
  const v = tf.variable(z, false);
  z.dispose();
  return v;
}
