/**
 * Fourier Neural Operator, 1D (Li et al. 2020, "Fourier Neural Operator for Parametric Partial
 * Differential Equations", arXiv:2010.08895; the reference code's FNO1d, neuraloperator's FNO):
 *
 *   v_0 = P(a(x), x)                      lifting (fc0; a two-layer MLP when liftChannels > 0)
 *   v_{l+1} = σ(W_l v_l + b_l + F⁻¹(R_l · F v_l))   nLayers Fourier layers, σ = GELU except
 *                                          after the last; F keeps the lowest nModes modes
 *   u = Q(v_L)                            projection fc1 → GELU → fc2
 *
 * Inputs [batch, s, inChannels] → outputs [batch, s, outChannels]. With positionalEmbedding the
 * coordinate x_j = j/s ∈ [0, 1) of the input's own grid is appended as a channel, so the model
 * evaluates at any s ≥ 2·nModes (resolution independence).
 *
 * Internally activations are channels-first [channels, batch·s]: the pointwise layers are one
 * untransposed matmul with the weight on the left, and the truncated DFTs are one matmul over
 * [channels·batch, s] rows (src/engine).
 *
 * Linear maps that meet without a nonlinearity between them are multiplied out first (the same
 * function, rounded differently), so the wide products run on fewer channels:
 * - a one-layer lift v_0 = A·a + α is never materialised: layer 0's pointwise branch is
 *   (W_0·A)·a + (W_0·α + b_0) on the inChannels + 1 input channels, and its spectrum
 *   F(v_0) = A·F(a) + α·F(1) comes from the input's;
 * - without dropout after the last layer, fc1 is folded into it: fc1(W·v + b + F⁻¹(g)) =
 *   (W1·W)·v + (W1·b + b1) + F⁻¹(W1·g), W1 applied to the few retained modes.
 * Together they remove one width×width product and its two gradients at each end of the stack
 * (~25% of a training step's flops at the default sizes).
 *
 * Initialisation (deterministic from config.seed; each weight draws from its own Rng stream):
 * dense layers as PyTorch's default (Kaiming-uniform with a = √5: weight and bias
 * U(−1/√fan_in, 1/√fan_in)); spectral weights as the reference code, real and imaginary parts
 * U(0, 1/(in·out)).
 *
 * Dropout (config `dropout` = rate p > 0): inverted dropout on the activations after each Fourier
 * layer (after its GELU; after the last layer's output) when a call asks for it — in training, or
 * at inference for MC dropout (Gal & Ghahramani 2016). A call's `seed` fixes its masks.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/random.js';
import { fourierLayer1d, gelu, geluLinear, linearChannelsFirst, rdft, transposeLarge } from '../engine/index.js';
import type { ModelConfig, SurrogateModel } from './model.js';
import { resolveFnoFields, uniformVariable, type Dense } from './fno_common.js';
import { ModelConfigError } from './errors.js';
import type { ModelEntry } from './registry.js';

export interface FnoConfig extends ModelConfig {
  kind: 'fno';
  /** Seed of the weight initialisation. @default 0 */
  seed: number;
  /**
   * Fourier modes kept per layer, one entry for the one axis (neuraloperator's n_modes; needs grids
   * of s ≥ 2·nModes[0]). Configs that give a number, as every fno config written before the
   * array, still resolve. @default [16]
   */
  nModes: number[];
  /** Channels of the Fourier layers. @default 64 */
  width: number;
  /** Fourier layers. @default 4 */
  nLayers: number;
  /** Input channels (without the positional channel). @default 1 */
  inChannels: number;
  /** Output channels. @default 1 */
  outChannels: number;
  /**
   * Hidden channels of a two-layer lifting MLP (neuraloperator's lifting_channels); 0 lifts with
   * one linear layer, as fc0 in the reference code. @default 0
   */
  liftChannels: number;
  /** Hidden channels of the projection fc1 → GELU → fc2 (128 in the reference code). @default 128 */
  projectionChannels: number;
  /** Append the grid coordinate x ∈ [0, 1) as an input channel. @default true */
  positionalEmbedding: boolean;
  /**
   * Dropout rate in [0, 1) after each Fourier layer (training and MC dropout). Optional: a config
   * without it (every config written before it existed) has none. @default 0
   */
  dropout?: number;
}

/** Options of one call: fno's dropout is on when `dropout` (default: `training`) and its rate > 0. */
export interface FnoApplyOptions {
  training?: boolean;
  /** Dropout on, also outside training (MC dropout). @default training */
  dropout?: boolean;
  /** Seed of this call's dropout masks (layer l uses `${seed}:${l}`); none: tfjs's global RNG. */
  seed?: number;
}

export const FNO_DEFAULTS: Omit<FnoConfig, 'kind'> = {
  seed: 0,
  nModes: [16],
  width: 64,
  nLayers: 4,
  inChannels: 1,
  outChannels: 1,
  liftChannels: 0,
  projectionChannels: 128,
  positionalEmbedding: true,
};

const INT_FIELDS: Record<string, number> = {
  width: 1,
  nLayers: 1,
  inChannels: 1,
  outChannels: 1,
  liftChannels: 0,
  projectionChannels: 1,
};

/** Fills defaults and validates; throws ModelConfigError naming the field and value. */
export function resolveFnoConfig(partial: Partial<FnoConfig> & { kind: string }): FnoConfig {
  return resolveFnoFields<FnoConfig>('fno', FNO_DEFAULTS, INT_FIELDS, partial);
}

interface FourierLayer {
  spectral: tf.Variable; // [width, width, 2, nModes]
  pointwise: Dense;
}

/** A channel map y = w·x + b (w [cout, cin], b [cout]) as tensors of one call. */
interface Affine {
  w: tf.Tensor2D;
  b: tf.Tensor1D;
}

function affine(d: Dense): Affine {
  return { w: d.w as tf.Tensor2D, b: d.b as tf.Tensor1D };
}

/** outer ∘ inner as one map: w = outer.w·inner.w, b = outer.w·inner.b + outer.b (small, differentiable products). */
function compose(outer: Affine, inner: Affine): Affine {
  const mid = inner.w.shape[0];
  return {
    w: linearChannelsFirst(inner.w, outer.w),
    b: tf.reshape(linearChannelsFirst(tf.reshape(inner.b, [mid, 1]) as tf.Tensor2D, outer.w, outer.b), [outer.w.shape[0]]) as tf.Tensor1D,
  };
}

export class Fno implements SurrogateModel<FnoConfig> {
  readonly kind = 'fno';
  readonly config: Readonly<FnoConfig>;
  private readonly lift: Dense[];
  private readonly layers: FourierLayer[];
  private readonly projection: [Dense, Dense];
  private readonly weights: tf.Variable[];

  constructor(config: FnoConfig) {
    this.config = Object.freeze({ ...config });
    const { seed, width, nLayers, inChannels, outChannels, liftChannels, projectionChannels, positionalEmbedding } = config;
    const [nModes] = config.nModes;
    let stream = 0;
    const dense = (cin: number, cout: number): Dense => {
      const bound = 1 / Math.sqrt(cin);
      return {
        w: uniformVariable(new Rng(seed, stream++), [cout, cin], -bound, bound),
        b: uniformVariable(new Rng(seed, stream++), [cout], -bound, bound),
      };
    };
    const cin0 = inChannels + (positionalEmbedding ? 1 : 0);
    this.lift = liftChannels > 0 ? [dense(cin0, liftChannels), dense(liftChannels, width)] : [dense(cin0, width)];
    this.layers = Array.from({ length: nLayers }, () => ({
      spectral: uniformVariable(new Rng(seed, stream++), [width, width, 2, nModes], 0, 1 / (width * width)),
      pointwise: dense(width, width),
    }));
    this.projection = [dense(width, projectionChannels), dense(projectionChannels, outChannels)];
    this.weights = [
      ...this.lift.flatMap((d) => [d.w, d.b]),
      ...this.layers.flatMap((l) => [l.spectral, l.pointwise.w, l.pointwise.b]),
      ...this.projection.flatMap((d) => [d.w, d.b]),
    ];
  }

  apply(x: tf.Tensor, opts: FnoApplyOptions = {}): tf.Tensor {
    const { width, inChannels, outChannels, positionalEmbedding, nLayers } = this.config;
    const [nModes] = this.config.nModes;
    const dropout = this.config.dropout ?? 0;
    const drop = dropout > 0 && (opts.dropout ?? opts.training ?? false);
    if (x.rank !== 3 || x.shape[2] !== inChannels) {
      throw new ModelConfigError(`fno: input shape [${x.shape.join(', ')}] is not allowed: use [batch, s, ${inChannels}]`);
    }
    const [batch, s] = x.shape as [number, number, number];
    if (s < 2 * nModes) {
      throw new ModelConfigError(`fno: grid size s=${s} is too small for nModes=${nModes}: use s >= ${2 * nModes} (nModes must be <= s/2)`);
    }
    const n = batch * s;
    return tf.tidy(() => {
      let x0 = (inChannels === 1 ? tf.reshape(x, [1, n]) : transposeLarge(tf.reshape(x, [n, inChannels]) as tf.Tensor2D)) as tf.Tensor2D;
      if (positionalEmbedding) {
        const grid = new Float32Array(n);
        for (let b = 0; b < batch; b++) for (let j = 0; j < s; j++) grid[b * s + j] = j / s;
        x0 = tf.concat([x0, tf.tensor2d(grid, [1, n])], 0);
      }
      const [p1, p2] = this.projection;
      const cin0 = x0.shape[0];
      // A layer's pointwise branch multiplies `operand`; with `operandMap` set the layer's input h is
      // operandMap(operand), never materialised (see the class comment: the folded lift).
      let operand: tf.Tensor2D = x0;
      let operandMap: Affine | null = null;
      // Layer 0's spectrum from the input when the lift is one linear map: F(W·x + b) = W·F(x) +
      // b·F(1), F(1) being s at mode 0 (real part), so the wide rdft (and its gradient) runs on
      // inChannels + 1 rows per sample instead of width.
      let f0: tf.Tensor3D | null = null;
      if (this.lift.length === 1) {
        const [d] = this.lift;
        const fin = tf.reshape(rdft(tf.reshape(x0, [cin0 * batch, s]), nModes), [cin0, batch * 2 * nModes]) as tf.Tensor2D;
        const unit = new Float32Array(batch * 2 * nModes);
        for (let b = 0; b < batch; b++) unit[b * 2 * nModes] = s;
        const biasPart = linearChannelsFirst(tf.tensor2d(unit, [1, batch * 2 * nModes]), tf.reshape(d.b, [width, 1]) as tf.Tensor2D);
        f0 = tf.reshape(linearChannelsFirst(fin, d.w as tf.Tensor2D, null, biasPart), [width, batch, 2 * nModes]) as tf.Tensor3D;
        operandMap = affine(d);
      } else {
        this.lift.forEach((d, i) => {
          operand = linearChannelsFirst(operand, d.w as tf.Tensor2D, d.b as tf.Tensor1D);
          if (i < this.lift.length - 1) operand = gelu(operand);
        });
      }
      // Each layer is one engine op (fourierLayer1d) that applies the previous layer's GELU to its
      // input itself; the last layer's output goes straight into fc1 unless dropout sits between.
      let input = operand;
      let geluInput = false;
      let projected = false;
      this.layers.forEach((layer, l) => {
        const last = l === nLayers - 1;
        let map = affine(layer.pointwise);
        if (operandMap !== null) map = compose(map, operandMap);
        let modeMap: tf.Tensor2D | undefined;
        if (last && !drop) {
          // fc1 folded in: fc1(W·h + b + F⁻¹(g)) = (W1·W)·h + (W1·b + b1) + F⁻¹(W1·g).
          map = compose(affine(p1), map);
          modeMap = p1.w as tf.Tensor2D;
          projected = true;
        }
        const spectrum = f0 !== null && l === 0 ? f0 : undefined;
        const z = fourierLayer1d(input, layer.spectral as tf.Tensor4D, map.w, map.b, { batch, s, geluInput, spectrum, modeMap });
        if (drop) {
          input = tf.dropout(last ? z : gelu(z), dropout, undefined, opts.seed === undefined ? undefined : `${opts.seed}:${l}`) as tf.Tensor2D;
          geluInput = false;
        } else {
          input = z;
          geluInput = !last;
        }
        operandMap = null;
      });
      const fc1 = projected ? input : linearChannelsFirst(input, p1.w as tf.Tensor2D, p1.b as tf.Tensor1D);
      const y = geluLinear(fc1, p2.w as tf.Tensor2D, p2.b as tf.Tensor1D);
      return outChannels === 1 ? tf.reshape(y, [batch, s, 1]) : tf.reshape(transposeLarge(y), [batch, s, outChannels]);
    });
  }

  trainableWeights(): tf.Variable[] {
    return [...this.weights];
  }

  dispose(): void {
    for (const v of this.weights) v.dispose();
  }
}

/** The registry's entry of 'fno' (registered by registerBuiltinModels). */
export const FNO_ENTRY: ModelEntry<FnoConfig> = {
  kind: 'fno',
  summary: 'Fourier Neural Operator, 1D (Li et al. 2020): lifting, spectral convolutions on the lowest modes + pointwise skips, projection',
  resolveConfig: resolveFnoConfig,
  create: (config) => new Fno(config),
};
