/**
 * Directional finite-difference check of tfjs gradients, for the tests of every differentiable
 * primitive and model. For L(x) = Σ_j f(x)_j·R_j with a fixed random R, each input i gets a random
 * direction d_i and the analytic ⟨∂L/∂x_i, d_i⟩ is compared with the central difference
 * (L(x_i + h·d_i) − L(x_i − h·d_i)) / 2h. L is summed in float64 from the float32 outputs, so the
 * difference carries only f's own float32 rounding (≈ 1e-7 relative per value), not the rounding
 * of a long float32 sum; with h ≈ 1e-2 on O(1) inputs the check resolves ~1e-3 relative.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/random.js';

export interface GradCheckResult {
  /** Index of the input. */
  input: number;
  /** ⟨∂L/∂x_i, d_i⟩ from tf.grads. */
  analytic: number;
  /** The central difference. */
  numeric: number;
  /** |analytic − numeric| / max(|analytic|, |numeric|). */
  relError: number;
}

function randomLike(rng: Rng, t: tf.Tensor): tf.Tensor {
  const v = new Float32Array(t.size);
  for (let i = 0; i < v.length; i++) v[i] = rng.normal();
  return tf.tensor(v, t.shape, 'float32');
}

/** Checks the gradient of f with respect to each of `inputs` (see the module comment). */
export function checkGradients(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: tf.Tensor[], opts: { seed?: number; step?: number } = {}): GradCheckResult[] {
  const rng = new Rng(opts.seed ?? 1234, 7);
  const h = opts.step ?? 1e-2;
  const out0 = tf.tidy(() => f(...inputs));
  const r = randomLike(rng, out0);
  const rv = r.dataSync();
  out0.dispose();
  const loss64 = (xs: tf.Tensor[]): number => {
    const y = tf.tidy(() => f(...xs));
    const yv = y.dataSync();
    y.dispose();
    let s = 0;
    for (let j = 0; j < yv.length; j++) s += yv[j] * rv[j];
    return s;
  };
  const grads = tf.grads((...xs: tf.Tensor[]) => tf.sum(tf.mul(f(...xs), r)))(inputs);
  const results = inputs.map((x, i) => {
    const d = randomLike(rng, x);
    const analytic = tf.tidy(() => tf.sum(tf.mul(grads[i], d)).dataSync()[0]);
    const plus = tf.tidy(() => tf.add(x, tf.mul(d, h)));
    const minus = tf.tidy(() => tf.sub(x, tf.mul(d, h)));
    const with_ = (xi: tf.Tensor) => inputs.map((t, j) => (j === i ? xi : t));
    const numeric = (loss64(with_(plus)) - loss64(with_(minus))) / (2 * h);
    tf.dispose([d, plus, minus]);
    const scale = Math.max(Math.abs(analytic), Math.abs(numeric), 1e-30);
    return { input: i, analytic, numeric, relError: Math.abs(analytic - numeric) / scale };
  });
  tf.dispose([r, ...grads]);
  return results;
}
