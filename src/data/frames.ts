/**
 * Frames of a sample as the file lays them out (row-major [T, ...fileSpatial, C], ./layout.ts) in
 * the model's layout: one frame subsampled ([...spatial, C]), several frames stacked as channels
 * oldest first ([...spatial, frames·C], point-major: value (point p, frame j, field c) at
 * p·frames·C + j·C + c), and back.
 */

/** Spatial shape after subsampling: ceil(n / subsample) per axis. */
export function subsampledShape(spatial: readonly number[], subsample: number): number[] {
  return spatial.map((n) => Math.ceil(n / subsample));
}

/** The geometry `extractFrame` needs. */
export interface FrameGeometry {
  /** Spatial shape in the file, [X] or [X, Y]. */
  fileSpatial: number[];
  /** Spatial shape after subsampling: ceil(n / subsample) per axis (Python's x[::s]). */
  spatial: number[];
  /** Fields per point C (1 unless the file is [N, T, X, Y, C]). */
  channels: number;
  subsample: number;
}

/** Copies frame `f` of a row-major sample [T, ...fileSpatial, C], subsampled, into `out` at `offset`. */
export function extractFrame(sample: Float32Array, layout: FrameGeometry, f: number, out: Float32Array, offset: number): void {
  const c = layout.channels;
  const s = layout.subsample;
  const fs = layout.fileSpatial;
  if (fs.length === 1) {
    const base = f * fs[0] * c;
    if (s === 1) {
      out.set(sample.subarray(base, base + fs[0] * c), offset);
      return;
    }
    for (let i = 0, o = offset; i < layout.spatial[0]; i++) for (let k = 0; k < c; k++) out[o++] = sample[base + i * s * c + k];
    return;
  }
  const [nx, ny] = fs;
  const base = f * nx * ny * c;
  for (let i = 0, o = offset; i < layout.spatial[0]; i++) {
    for (let j = 0; j < layout.spatial[1]; j++) {
      const src = base + (i * s * ny + j * s) * c;
      for (let k = 0; k < c; k++) out[o++] = sample[src + k];
    }
  }
}

/**
 * Copies `frames` of a sample, subsampled and stacked as channels oldest first ([...spatial,
 * frames.length·C], point-major), into `out` at `offset`.
 */
export function extractStacked(sample: Float32Array, layout: FrameGeometry, frames: readonly number[], out: Float32Array, offset: number): void {
  if (frames.length === 1) {
    extractFrame(sample, layout, frames[0], out, offset);
    return;
  }
  const c = layout.channels;
  const points = layout.spatial.reduce((a, b) => a * b, 1);
  const size = points * c;
  const frame = new Float32Array(size);
  const stride = frames.length * c;
  frames.forEach((f, j) => {
    extractFrame(sample, layout, f, frame, 0);
    for (let p = 0; p < points; p++) for (let k = 0; k < c; k++) out[offset + p * stride + j * c + k] = frame[p * c + k];
  });
}

/**
 * Frames stacked as channels [batch, points, m·C] to frames one after another [batch, m, points, C]
 * (the inverse layout of `extractStacked`).
 */
export function unstackFrames(stacked: Float32Array, batch: number, frames: number, frameSize: number, channels: number): Float32Array {
  if (frames === 1) return stacked;
  const out = new Float32Array(stacked.length);
  const points = frameSize / channels;
  for (let b = 0; b < batch; b++) {
    const base = b * frames * frameSize;
    for (let p = 0; p < points; p++) {
      for (let j = 0; j < frames; j++) {
        for (let k = 0; k < channels; k++) out[base + j * frameSize + p * channels + k] = stacked[base + (p * frames + j) * channels + k];
      }
    }
  }
  return out;
}
