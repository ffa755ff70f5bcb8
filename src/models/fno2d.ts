/**
 * Fourier Neural Operator, 2D (Li et al. 2020, "Fourier Neural Operator for Parametric Partial
 * Differential Equations", arXiv:2010.08895; the reference code's fourier_2d.py and
 * fourier_2d_time.py):
 *
 *   v_0 = P(a(x, y), x, y)                 lifting fc0 of the inChannels input fields (e.g. the
 *                                          last 10 time steps) and the grid coordinates
 *   v_{l+1} = σ(W_l v_l + b_l + F⁻¹(R_l · F v_l))   nLayers Fourier layers, σ = GELU except after
 *                                          the last; F = rfft2 keeping the nModes[0] lowest |kx| on
 *                                          both sides and the nModes[1] lowest ky ≥ 0
 *   u = Q(v_L)                             projection fc1 → GELU → fc2
 *
 * Inputs [batch, X, Y, inChannels] → outputs [batch, X, Y, outChannels]. With positionalEmbedding
 * the coordinates x_i = i/X, y_j = j/Y ∈ [0, 1) of the input's own grid are appended as channels,
 * so the model evaluates at any X, Y ≥ 2·modes (resolution independence). With padding > 0 the
 * lifted fields are zero-padded by that many points at the end of both axes before the Fourier
 * layers and cropped after them (the reference's domain padding for non-periodic data).
 *
 * Internally activations are channels-first [channels, batch·X·Y]: pointwise layers are one
 * untransposed matmul with the weight on the left; the 2D truncated DFT is a real DFT along y (one
 * matmul over all channel·batch·x rows), one SIMD layout pass and a complex DFT along x over the
 * kept ky only (src/engine/dft_nd.ts); the mode mixing runs per ky block (spectral_nd.ts).
 *
 * Initialisation (deterministic from config.seed; each weight draws from its own Rng stream):
 * dense layers as PyTorch's default (weight and bias U(−1/√fan_in, 1/√fan_in)); spectral weights
 * as the reference code, real and imaginary parts U(0, 1/(width²)). The spectral weight of a layer
 * is [nModes[1], width, width, 2, 2·nModes[0]]: per ky, (in, out), real then imaginary parts, and the kx
 * order 0 … nModes[0]−1, −nModes[0] … −1 — the reference's weights1 and weights2 side by side.
 */
import * as tf from '@tensorflow/tfjs';
import { Rng } from '../../core/random.js';
import { complexModeMixBlocks, gelu, irdftNd, linearChannelsFirst, modesToBack, modesToFront, rdftNd, spectrumShape, view } from '../engine/index.js';
import type { FnoApplyOptions } from './fno.js';
import { resolveFnoFields, uniformVariable, type Dense } from './fno_common.js';
import type { ModelConfig, SurrogateModel } from './model.js';
import { ModelConfigError } from './errors.js';
import type { ModelEntry } from './registry.js';

export interface Fno2dConfig extends ModelConfig {
  kind: 'fno2d';
  /** Seed of the weight initialisation. @default 0 */
  seed: number;
  /**
   * Fourier modes kept per axis (neuraloperator's n_modes): along x on each side, |kx| < nModes[0]
   * (needs X ≥ 2·nModes[0]); along y, 0 ≤ ky < nModes[1] (needs Y ≥ 2·nModes[1]). Configs with
   * `modes1`, `modes2` (every fno2d config written before the array) or one number still resolve.
   * @default [12, 12]
   */
  nModes: number[];
  /** Channels of the Fourier layers. @default 20 */
  width: number;
  /** Fourier layers. @default 4 */
  nLayers: number;
  /** Input channels (without the positional channels), e.g. 10 input time steps. @default 10 */
  inChannels: number;
  /** Output channels. @default 1 */
  outChannels: number;
  /** Hidden channels of the projection fc1 → GELU → fc2. @default 128 */
  projectionChannels: number;
  /** Append the grid coordinates x, y ∈ [0, 1) as input channels. @default true */
  positionalEmbedding: boolean;
  /** Zero-padding of both axes (at the end) around the Fourier layers, for non-periodic data. @default 0 */
  padding: number;
  /** Dropout rate in [0, 1) after each Fourier layer (training and MC dropout; see fno.ts). Optional. @default 0 */
  dropout?: number;
}

export const FNO2D_DEFAULTS: Omit<Fno2dConfig, 'kind'> = {
  seed: 0,
  nModes: [12, 12],
  width: 20,
  nLayers: 4,
  inChannels: 10,
  outChannels: 1,
  projectionChannels: 128,
  positionalEmbedding: true,
  padding: 0,
};

/** A config value as it should read in an error: strings quoted. */
/** Fills defaults and validates; throws ModelConfigError naming the field and value. */
export function resolveFno2dConfig(partial: Partial<Fno2dConfig> & { kind: string }): Fno2dConfig {
  return resolveFnoFields<Fno2dConfig>(
    'fno2d',
    FNO2D_DEFAULTS,
    {
      width: 1,
      nLayers: 1,
      inChannels: 1,
      outChannels: 1,
      projectionChannels: 1,
      padding: 0,
    },
    partial,
  );
}

export interface FourierLayerNd {
  /** [G, width, width, 2, 2·nModes[0]] (see rdftNd's block layout). */
  spectral: tf.Variable;
  pointwise: Dense;
}

/**
 * The weights of an FNO over D ≥ 2 axes, initialised from the seed in a fixed stream order (lift,
 * then per layer spectral, pointwise weight, pointwise bias, then the projection): shared by Fno2d
 * and Fno3d.
 */
export class FnoWeights {
  readonly lift: Dense;
  readonly layers: FourierLayerNd[];
  readonly projection: [Dense, Dense];

  constructor(opts: { seed: number; liftIn: number; width: number; nLayers: number; modes: number[]; projectionChannels: number; outChannels: number }) {
    const { seed, liftIn, width, nLayers, modes, projectionChannels, outChannels } = opts;
    let stream = 0;
    const dense = (cin: number, cout: number): Dense => {
      const bound = 1 / Math.sqrt(cin);
      return {
        w: uniformVariable(new Rng(seed, stream++), [cout, cin], -bound, bound),
        b: uniformVariable(new Rng(seed, stream++), [cout], -bound, bound),
      };
    };
    const [g, , twoK] = spectrumShape(1, modes);
    this.lift = dense(liftIn, width);
    this.layers = Array.from({ length: nLayers }, () => ({
      spectral: uniformVariable(new Rng(seed, stream++), [g, width, width, 2, twoK / 2], 0, 1 / (width * width)),
      pointwise: dense(width, width),
    }));
    this.projection = [dense(width, projectionChannels), dense(projectionChannels, outChannels)];
  }

  all(): tf.Variable[] {
    return [this.lift.w, this.lift.b, ...this.layers.flatMap((l) => [l.spectral, l.pointwise.w, l.pointwise.b]), ...this.projection.flatMap((d) => [d.w, d.b])];
  }

  /** The lifting: [liftIn, n] → [width, n]. */
  liftUp(h: tf.Tensor2D): tf.Tensor2D {
    return linearChannelsFirst(h, this.lift.w as tf.Tensor2D, this.lift.b as tf.Tensor1D);
  }

  /**
   * The Fourier layers on h [width, batch·Π dims] (row-major grid per channel and sample):
   * σ(W v + b + F⁻¹(R · F v)), σ = GELU except after the last; with `dropout`, inverted dropout
   * after each layer (layer l's masks seeded by `${seed}:${l}` when a seed is given).
   */
  fourierLayers(h: tf.Tensor2D, batch: number, dims: number[], modes: number[], dropout: { rate: number; seed?: number } | null = null): tf.Tensor2D {
    const width = h.shape[0];
    const rows = width * batch;
    const points = dims.reduce((p, q) => p * q, 1);
    const [g, , twoK] = spectrumShape(rows, modes);
    this.layers.forEach((layer, l) => {
      const f = view(rdftNd(view(h, [rows, points]) as tf.Tensor2D, dims, modes), [g, width, batch, twoK]) as tf.Tensor4D;
      const mixed = view(complexModeMixBlocks(f, layer.spectral), [g, rows, twoK]) as tf.Tensor3D;
      const pointwise = linearChannelsFirst(h, layer.pointwise.w as tf.Tensor2D, layer.pointwise.b as tf.Tensor1D);
      const z = view(irdftNd(mixed, dims, modes, view(pointwise, [rows, points]) as tf.Tensor2D), [width, batch * points]) as tf.Tensor2D;
      h = l < this.layers.length - 1 ? gelu(z) : z;
      if (dropout !== null) h = tf.dropout(h, dropout.rate, undefined, dropout.seed === undefined ? undefined : `${dropout.seed}:${l}`) as tf.Tensor2D;
    });
    return h;
  }

  /** The projection fc1 → GELU → fc2: [width, n] → [outChannels, n]. */
  project(h: tf.Tensor2D): tf.Tensor2D {
    const [p1, p2] = this.projection;
    return linearChannelsFirst(gelu(linearChannelsFirst(h, p1.w as tf.Tensor2D, p1.b as tf.Tensor1D)), p2.w as tf.Tensor2D, p2.b as tf.Tensor1D);
  }

  dispose(): void {
    for (const v of this.all()) v.dispose();
  }
}

/** The dropout a call applies: the config's rate when the call asks for dropout (default: in training). */
export function dropoutOf(config: { dropout?: number }, opts: FnoApplyOptions): { rate: number; seed?: number } | null {
  const rate = config.dropout ?? 0;
  if (rate <= 0 || !(opts.dropout ?? opts.training ?? false)) return null;
  return opts.seed === undefined ? { rate } : { rate, seed: opts.seed };
}

/** [n, c] → [c, n] (a channels-last input to channels-first). */
export function toChannelsFirst(x: tf.Tensor, n: number, c: number): tf.Tensor2D {
  return (c === 1 ? view(x, [1, n]) : view(modesToFront(x, 1, n, 1, c), [c, n])) as tf.Tensor2D;
}

/** [c, n] → [n, c]. */
export function toChannelsLast(y: tf.Tensor2D): tf.Tensor2D {
  const [c, n] = y.shape;
  return (c === 1 ? view(y, [n, 1]) : view(modesToBack(y, 1, n, 1, c), [n, c])) as tf.Tensor2D;
}

/** Coordinate rows [D, batch·Π dims]: row a holds i_a/dims[a] ∈ [0, 1) for every point of every sample. */
export function gridChannels(batch: number, dims: number[]): tf.Tensor2D {
  const points = dims.reduce((p, q) => p * q, 1);
  const n = batch * points;
  const out = new Float32Array(dims.length * n);
  const idx = new Array<number>(dims.length).fill(0);
  for (let p = 0; p < points; p++) {
    let rem = p;
    for (let a = dims.length - 1; a >= 0; a--) {
      idx[a] = rem % dims[a];
      rem = Math.floor(rem / dims[a]);
    }
    for (let a = 0; a < dims.length; a++) {
      const v = idx[a] / dims[a];
      for (let b = 0; b < batch; b++) out[a * n + b * points + p] = v;
    }
  }
  return tf.tensor2d(out, [dims.length, n]);
}

export class Fno2d implements SurrogateModel<Fno2dConfig> {
  readonly kind = 'fno2d';
  readonly config: Readonly<Fno2dConfig>;
  private readonly weights: FnoWeights;

  constructor(config: Fno2dConfig) {
    this.config = Object.freeze({ ...config });
    const { seed, width, nModes, nLayers, inChannels, outChannels, projectionChannels, positionalEmbedding } = config;
    this.weights = new FnoWeights({
      seed,
      width,
      nLayers,
      projectionChannels,
      outChannels,
      modes: [...nModes],
      liftIn: inChannels + (positionalEmbedding ? 2 : 0),
    });
  }

  apply(x: tf.Tensor, opts: FnoApplyOptions = {}): tf.Tensor {
    const { nModes, width, inChannels, outChannels, positionalEmbedding, padding } = this.config;
    if (x.rank !== 4 || x.shape[3] !== inChannels) {
      throw new ModelConfigError(`fno2d: input shape [${x.shape.join(', ')}] is not allowed: use [batch, X, Y, ${inChannels}]`);
    }
    const [batch, sx, sy] = x.shape as [number, number, number, number];
    for (const [axis, size, field, m] of [
      ['X', sx, 'nModes[0]', nModes[0]],
      ['Y', sy, 'nModes[1]', nModes[1]],
    ] as const) {
      if (size + padding < 2 * m) {
        const pad = padding > 0 ? ` + padding ${padding}` : '';
        throw new ModelConfigError(
          `fno2d: grid size ${axis}=${size}${pad} is too small for ${field}=${m}: use ${axis}${pad} >= ${2 * m} (${field} must be <= ${axis}/2)`,
        );
      }
    }
    const n = batch * sx * sy;
    return tf.tidy(() => {
      let h = toChannelsFirst(x, n, inChannels);
      if (positionalEmbedding) h = tf.concat([h, gridChannels(batch, [sx, sy])], 0);
      h = this.weights.liftUp(h);
      const [px, py] = [sx + padding, sy + padding];
      if (padding > 0) {
        h = view(
          tf.pad(view(h, [width * batch, sx, sy]), [
            [0, 0],
            [0, padding],
            [0, padding],
          ]),
          [width, batch * px * py],
        ) as tf.Tensor2D;
      }
      h = this.weights.fourierLayers(h, batch, [px, py], [...nModes], dropoutOf(this.config, opts));
      if (padding > 0) h = view(tf.slice(view(h, [width * batch, px, py]), [0, 0, 0], [width * batch, sx, sy]), [width, n]) as tf.Tensor2D;
      return view(toChannelsLast(this.weights.project(h)), [batch, sx, sy, outChannels]);
    });
  }

  trainableWeights(): tf.Variable[] {
    return this.weights.all();
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/** The registry's entry of 'fno2d' (registered by registerBuiltinModels). */
export const FNO2D_ENTRY: ModelEntry<Fno2dConfig> = {
  kind: 'fno2d',
  summary: 'Fourier Neural Operator, 2D (Li et al. 2020, fourier_2d): lifting, 2D spectral convolutions on the lowest modes + pointwise skips, projection',
  resolveConfig: resolveFno2dConfig,
  create: (config) => new Fno2d(config),
};
