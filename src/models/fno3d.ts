/**
 * Fourier Neural Operator, 3D space–time (Li et al. 2020, arXiv:2010.08895; the reference code's
 * fourier_3d.py): maps the first inChannels frames of a 2D field to the next outFrames frames at
 * once, convolving in space and time.
 *
 *   a(x, y, t) = (u_1 … u_in)(x, y)        the input frames repeated along a new time axis of
 *                                          outFrames points (the reference's
 *                                          a.reshape(…, 1, T_in).repeat([1, 1, 1, T, 1]))
 *   v_0 = P(a, x, y, t)                    lifting fc0 with the coordinates appended; the time
 *                                          axis then zero-padded by timePadding points (the
 *                                          reference's F.pad(x, [0, 6]): time is not periodic)
 *   v_{l+1} = σ(W_l v_l + b_l + F⁻¹(R_l · F v_l))   nLayers Fourier layers, σ = GELU except after
 *                                          the last; F = rfftn over (x, y, t) keeping the nModes[0]
 *                                          lowest |kx| and nModes[1] lowest |ky| on both sides and
 *                                          the nModes[2] lowest kt ≥ 0
 *   u = Q(v_L cropped to outFrames)        projection fc1 → GELU → fc2 (one channel per frame)
 *
 * Inputs [batch, X, Y, inChannels] → outputs [batch, X, Y, outFrames]. Coordinates x_i = i/X,
 * y_j = j/Y, t_k = k/outFrames ∈ [0, 1) (with positionalEmbedding), so the model evaluates at any
 * X, Y ≥ 2·modes. Internally activations are channels-first [channels, batch·X·Y·T] with time
 * innermost; the truncated DFT is rdftNd over (X, Y, T + timePadding) (src/engine/dft_nd.ts) with
 * one weight block per (ky, kt) mode (spectral weight [2·nModes[1]·nModes[2], width, width, 2,
 * 2·nModes[0]], the reference's four corner blocks weights1…4 side by side; see fno2d.ts for the
 * initialisation, shared).
 */
import * as tf from '@tensorflow/tfjs';
import { cropColumns, padColumns, repeatColumns, view } from '../engine/index.js';
import type { FnoApplyOptions } from './fno.js';
import { dropoutOf, FnoWeights, gridChannels, toChannelsFirst } from './fno2d.js';
import { resolveFnoFields } from './fno_common.js';
import type { ModelConfig, SurrogateModel } from './model.js';
import { ModelConfigError } from './errors.js';
import type { ModelEntry } from './registry.js';

export interface Fno3dConfig extends ModelConfig {
  kind: 'fno3d';
  /** Seed of the weight initialisation. @default 0 */
  seed: number;
  /**
   * Fourier modes kept per axis (neuraloperator's n_modes): along x and y on each side, |kx| <
   * nModes[0], |ky| < nModes[1] (needs X ≥ 2·nModes[0], Y ≥ 2·nModes[1]); along time, 0 ≤ kt <
   * nModes[2] (needs outFrames + timePadding ≥ 2·nModes[2]). Configs with `modes1` … `modes3`
   * (every fno3d config written before the array) or one number still resolve. @default [8, 8, 8]
   */
  nModes: number[];
  /** Channels of the Fourier layers. @default 20 */
  width: number;
  /** Fourier layers. @default 4 */
  nLayers: number;
  /** Input frames (channels of the input). @default 10 */
  inChannels: number;
  /** Output frames (channels of the output): the length of the model's time axis. @default 10 */
  outFrames: number;
  /** Zero-padding of the time axis (at the end) around the Fourier layers. @default 6 */
  timePadding: number;
  /** Hidden channels of the projection fc1 → GELU → fc2. @default 128 */
  projectionChannels: number;
  /** Append the coordinates x, y, t ∈ [0, 1) as input channels. @default true */
  positionalEmbedding: boolean;
  /** Dropout rate in [0, 1) after each Fourier layer (training and MC dropout; see fno.ts). Optional. @default 0 */
  dropout?: number;
}

export const FNO3D_DEFAULTS: Omit<Fno3dConfig, 'kind'> = {
  seed: 0,
  nModes: [8, 8, 8],
  width: 20,
  nLayers: 4,
  inChannels: 10,
  outFrames: 10,
  timePadding: 6,
  projectionChannels: 128,
  positionalEmbedding: true,
};

/** Fills defaults and validates; throws ModelConfigError naming the field and value. */
export function resolveFno3dConfig(partial: Partial<Fno3dConfig> & { kind: string }): Fno3dConfig {
  const cfg = resolveFnoFields<Fno3dConfig>(
    'fno3d',
    FNO3D_DEFAULTS,
    {
      width: 1,
      nLayers: 1,
      inChannels: 1,
      outFrames: 1,
      timePadding: 0,
      projectionChannels: 1,
    },
    partial,
  );
  const frames = cfg.outFrames + cfg.timePadding;
  const modesT = cfg.nModes[2];
  if (2 * modesT > frames) {
    throw new ModelConfigError(
      `fno3d config: nModes[2]=${modesT} is not allowed with outFrames=${cfg.outFrames} and timePadding=${cfg.timePadding}: ` +
        `use nModes[2] <= ${Math.floor(frames / 2)} (outFrames + timePadding >= 2·nModes[2])`,
    );
  }
  return cfg;
}

export class Fno3d implements SurrogateModel<Fno3dConfig> {
  readonly kind = 'fno3d';
  readonly config: Readonly<Fno3dConfig>;
  private readonly weights: FnoWeights;

  constructor(config: Fno3dConfig) {
    this.config = Object.freeze({ ...config });
    const { seed, width, nModes, nLayers, inChannels, projectionChannels, positionalEmbedding } = config;
    this.weights = new FnoWeights({
      seed,
      width,
      nLayers,
      projectionChannels,
      outChannels: 1,
      modes: [...nModes],
      liftIn: inChannels + (positionalEmbedding ? 3 : 0),
    });
  }

  apply(x: tf.Tensor, opts: FnoApplyOptions = {}): tf.Tensor {
    const { nModes, width, inChannels, outFrames, timePadding, positionalEmbedding } = this.config;
    if (x.rank !== 4 || x.shape[3] !== inChannels) {
      throw new ModelConfigError(`fno3d: input shape [${x.shape.join(', ')}] is not allowed: use [batch, X, Y, ${inChannels}]`);
    }
    const [batch, sx, sy] = x.shape as [number, number, number, number];
    for (const [axis, size, field, m] of [
      ['X', sx, 'nModes[0]', nModes[0]],
      ['Y', sy, 'nModes[1]', nModes[1]],
    ] as const) {
      if (size < 2 * m)
        throw new ModelConfigError(`fno3d: grid size ${axis}=${size} is too small for ${field}=${m}: use ${axis} >= ${2 * m} (${field} must be <= ${axis}/2)`);
    }
    const points = batch * sx * sy;
    const frames = outFrames + timePadding;
    return tf.tidy(() => {
      // [inChannels, batch·X·Y] → repeated along time: [inChannels, batch·X·Y·outFrames].
      let h = view<tf.Tensor2D>(repeatColumns(view(toChannelsFirst(x, points, inChannels), [inChannels * points, 1]), outFrames), [
        inChannels,
        points * outFrames,
      ]);
      if (positionalEmbedding) h = tf.concat([h, gridChannels(batch, [sx, sy, outFrames])], 0);
      h = this.weights.liftUp(h);
      if (timePadding > 0) h = view(padColumns(view(h, [width * points, outFrames]), frames), [width, points * frames]);
      h = this.weights.fourierLayers(h, batch, [sx, sy, frames], [...nModes], dropoutOf(this.config, opts));
      if (timePadding > 0) h = view(cropColumns(view(h, [width * points, frames]), outFrames), [width, points * outFrames]);
      return view(this.weights.project(h), [batch, sx, sy, outFrames]);
    });
  }

  trainableWeights(): tf.Variable[] {
    return this.weights.all();
  }

  dispose(): void {
    this.weights.dispose();
  }
}

/** The registry's entry of 'fno3d' (registered by registerBuiltinModels). */
export const FNO3D_ENTRY: ModelEntry<Fno3dConfig> = {
  kind: 'fno3d',
  summary:
    'Fourier Neural Operator, 3D space-time (Li et al. 2020, fourier_3d): input frames repeated in time, 3D spectral convolutions, one output channel per frame',
  resolveConfig: resolveFno3dConfig,
  create: (config) => new Fno3d(config),
};
