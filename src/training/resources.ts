/**
 * A training run's memory, estimated from the resolved options before the model is built, so a
 * model that cannot fit (`--width 1048576`) is refused with one line instead of running for a
 * minute and dying in the allocator. The estimate knows the fields the FNO family and most
 * neural operators share (width, layers, Fourier modes, projection channels); a model kind
 * without a `width` is not estimated.
 *
 * Parameters: per layer a spectral weight of width² × Π(2·modes) (complex, both signs of all but
 * the last axis) plus a width² pointwise weight; lifting and projection. Each parameter costs its
 * value, gradient and two Adam moments (16 bytes). Activations: per sample and grid point about
 * 8 tensors of `width` channels kept per layer for the backward pass, plus the projection, in
 * float32. Workers each hold a replica (parameters and their share of the batch).
 */
import { checkMemory } from '../../core/resources.js';
import type { TrainOptions } from './options.js';

/** Estimated bytes, or null when the model kind's size is not known from its config. */
export function estimateTrainingBytes(opts: TrainOptions, spatial: number[], channels: number): number | null {
  const m = opts.model as Record<string, unknown>;
  const width = typeof m.width === 'number' ? m.width : null;
  if (width === null) return null;
  const layers = typeof m.nLayers === 'number' ? m.nLayers : 4;
  // Resolved FNO configs hold one nModes entry per axis; other kinds may spell it as one number.
  const modes = Array.isArray(m.nModes) ? m.nModes.filter((x): x is number => typeof x === 'number') : [];
  if (modes.length === 0) for (let d = 0; d < spatial.length; d++) modes.push(typeof m.nModes === 'number' ? m.nModes : 16);
  const spectral = modes.reduce((a, k, i) => a * (i === modes.length - 1 ? k : 2 * k), 2);
  const proj = typeof m.projectionChannels === 'number' ? m.projectionChannels : 128;
  const inC = (typeof m.inChannels === 'number' ? m.inChannels : channels) + spatial.length;
  const outC = typeof m.outChannels === 'number' ? m.outChannels : channels;
  const params = layers * (width * width * spectral + width * width + width) + inC * width + width * proj + proj * outC;
  const points = spatial.reduce((a, b) => a * b, 1);
  const activations = opts.batchSize * points * (8 * width * layers + 2 * proj) * 4;
  return Math.max(1, opts.workers) * params * 16 + activations;
}

/** Refuses a run whose estimate exceeds the available memory (or the wasm backend's 4 GiB heap). */
export function checkTrainingMemory(opts: TrainOptions, spatial: number[], channels: number, backend: string): void {
  const bytes = estimateTrainingBytes(opts, spatial, channels);
  if (bytes === null) return;
  const kind = String((opts.model as { kind: string }).kind);
  const what = `training ${kind} (width ${String((opts.model as { width?: number }).width)}, batch ${opts.batchSize}, grid ${spatial.join('×')})`;
  if (backend === 'wasm') checkMemory(bytes, what, 4 * 2 ** 30, "the wasm backend's heap");
  else checkMemory(bytes, what);
}
