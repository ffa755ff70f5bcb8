/**
 * Mappings: which frames of a sample a model reads and which it predicts (initial-to-final pairs,
 * next-step pairs, autoregressive windows), and the file frames of each item of a sample. Training
 * builds its items from them; inference plans its rollouts with them.
 */
import { TrainOptionsError } from './errors.js';

/** u(t_in) → u(t_out) (the FNO paper's Burgers task: u(0) → u(T)). */
export interface InitialToFinalMapping {
  kind: 'initial-to-final';
  /** Input frame; negative counts from the end. @default 0 */
  inFrame: number;
  /** Output frame; negative counts from the end. @default -1 */
  outFrame: number;
}

/** Every pair u(t_k) → u(t_{k+stride}) of a sample; evaluated by autoregressive rollout. */
export interface NextStepMapping {
  kind: 'next-step';
  /** Frames between input and output. @default 1 */
  stride: number;
}

/**
 * Autoregressive windows: `history` frames in, the next `future` frames out, frames stacked as
 * channels oldest first (model input k·C channels, output m·C, C fields per point). Training
 * items are every window of each training sample (teacher forcing); evaluated by rollout.
 *
 * `pushforward` p > 0 is Brandstetter et al.'s pushforward trick (2022, "Message passing neural
 * PDE solvers", §2.3): an item spans history + p·future + future frames; the model is unrolled p
 * times from the true first `history` frames, its own predictions fed back with no gradient
 * through the unroll, and the loss is taken on the item's last `future` frames only.
 */
export interface WindowMapping {
  kind: 'window';
  /** Input frames k per model call. @default 10 */
  history: number;
  /** Output frames m per model call. @default 1 */
  future: number;
  /** Frames of the file between consecutive window frames. @default 1 */
  stride: number;
  /** Unrolled steps p without gradient before the loss (0: teacher forcing only). @default 0 */
  pushforward: number;
}

export type Mapping = InitialToFinalMapping | NextStepMapping | WindowMapping;
export type MappingKind = Mapping['kind'];
export const MAPPING_KINDS: readonly MappingKind[] = ['initial-to-final', 'next-step', 'window'];

/** Frames per model call and the frame step, for any mapping (1 in, 1 out for the pair kinds). */
export interface FrameStack {
  /** Input frames per model call (channels k·C). */
  history: number;
  /** Output frames per model call (channels m·C). */
  future: number;
  /** Frame step between the frames of a window (the next-step stride; 0 for initial-to-final). */
  stride: number;
  /** Unrolled steps without gradient before the loss. */
  pushforward: number;
}

export function frameStack(mapping: Mapping): FrameStack {
  if (mapping.kind === 'window') return { history: mapping.history, future: mapping.future, stride: mapping.stride, pushforward: mapping.pushforward };
  return { history: 1, future: 1, stride: mapping.kind === 'next-step' ? mapping.stride : 0, pushforward: 0 };
}

/**
 * File frames of each item of one sample under `mapping` (see PairLayout.items); throws naming
 * the mapping fields and the frames allowed when the mapping does not fit in `nt` frames.
 */
export function mappingItems(mapping: Mapping, nt: number, path: string): number[][] {
  if (mapping.kind === 'initial-to-final') {
    const frame = (field: string, f: number): number => {
      if (f < -nt || f >= nt) throw new TrainOptionsError(`mapping.${field}=${f} is not allowed for ${path} with ${nt} frames: use -${nt} to ${nt - 1}`);
      return f < 0 ? nt + f : f;
    };
    const a = frame('inFrame', mapping.inFrame);
    const b = frame('outFrame', mapping.outFrame);
    if (a === b)
      throw new TrainOptionsError(
        `mapping inFrame=${mapping.inFrame} and outFrame=${mapping.outFrame} are the same frame of ${path}: use two different frames`,
      );
    return [[a, b]];
  }
  if (mapping.kind === 'next-step') {
    if (mapping.stride >= nt) throw new TrainOptionsError(`mapping.stride=${mapping.stride} is not allowed for ${path} with ${nt} frames: use 1 to ${nt - 1}`);
    return Array.from({ length: nt - mapping.stride }, (_, k) => [k, k + mapping.stride]);
  }
  const { history: k, future: m, stride: s, pushforward: p } = mapping;
  const length = k + p * m + m;
  const span = (length - 1) * s + 1;
  if (span > nt) {
    throw new TrainOptionsError(
      `mapping.history=${k}, future=${m}, pushforward=${p} at stride ${s} span ${span} frames but ${path} has ${nt}: use history + (pushforward + 1) × future <= ${Math.floor((nt - 1) / s) + 1}`,
    );
  }
  return Array.from({ length: nt - span + 1 }, (_, f) => [
    ...Array.from({ length: k }, (_, j) => f + j * s),
    ...Array.from({ length: m }, (_, j) => f + (k + p * m + j) * s),
  ]);
}
