/** Linear conservation constraints G u = b over a space–time grid, one row per frame. */
import { ProjectionInputError } from './errors.js';

/**
 * A prediction laid out frame-major: `nFrames` frames of `nPoints` values each, point index
 * `frame · nPoints + j` (a dataset sample `[T, X]` or `[T, X, Y]` flattened, see DESIGN.md).
 */
export interface SpaceTimeGrid {
  nFrames: number;
  nPoints: number;
}

/**
 * The conserved integral of each constrained frame as a quadrature: row t of G has `weights`
 * on frame t's points and zeros elsewhere, so (G u)_t = Σ_j weights_j · u[t·nPoints + j] = b[t].
 */
export interface ConservationConstraint {
  /** Quadrature weights over one frame's points (nPoints values), the same for every frame. */
  weights: Float64Array;
  /** The known integral of every frame of the grid (nFrames values, indexed by frame; values at unconstrained frames are not read). */
  b: Float64Array;
  /** The constrained frames, each at most once. @default every frame */
  frames?: number[];
}

/** Options shared by the constraint constructors. */
export interface ConstraintOptions {
  /** The constrained frames. @default every frame */
  frames?: number[];
}

function toF64(name: string, v: ArrayLike<number>): Float64Array {
  if (v === null || typeof v !== 'object' || typeof v.length !== 'number') {
    throw new ProjectionInputError(`${name} is ${v === null ? 'null' : typeof v}: give a Float64Array or number[]`);
  }
  return Float64Array.from(v);
}

function positiveFinite(name: string, v: number): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new ProjectionInputError(`${name} = ${String(v)} is not allowed: use a finite number > 0`);
}

function build(weights: Float64Array, b: ArrayLike<number>, opts: ConstraintOptions | undefined): ConservationConstraint {
  const c: ConservationConstraint = { weights, b: toF64('b', b) };
  if (opts?.frames !== undefined) c.frames = [...opts.frames];
  return c;
}

/**
 * Mass of finite-volume cell averages, Σ_j dx_j · u_j: the quantity a conservative finite-volume
 * solver keeps to round-off on a periodic grid. `dx` is one spacing (then `nPoints` is required)
 * or the width of every cell.
 */
export function finiteVolumeMass(
  dx: number | ArrayLike<number>,
  b: ArrayLike<number>,
  opts: ConstraintOptions & { nPoints?: number } = {},
): ConservationConstraint {
  let w: Float64Array;
  if (typeof dx === 'number') {
    positiveFinite('dx', dx);
    const n = opts.nPoints;
    if (n === undefined) throw new ProjectionInputError(`finiteVolumeMass(dx = ${dx}) needs nPoints (the number of cells) when dx is one number`);
    if (!Number.isInteger(n) || n < 1) throw new ProjectionInputError(`nPoints = ${String(n)} is not allowed: use an integer >= 1`);
    w = new Float64Array(n).fill(dx);
  } else {
    w = toF64('dx', dx);
    if (w.length === 0) throw new ProjectionInputError('dx has no cell widths: give one width per cell');
    w.forEach((v, i) => positiveFinite(`dx[${i}]`, v));
    if (opts.nPoints !== undefined && opts.nPoints !== w.length) {
      throw new ProjectionInputError(`nPoints = ${opts.nPoints} does not match the ${w.length} cell widths in dx`);
    }
  }
  return build(w, b, opts);
}

/**
 * Integral ∫∫ u dx dy of a field on a periodic nx × ny node grid over [0, Lx) × [0, Ly): the
 * uniform weights dx·dy = (Lx/nx)(Ly/ny), exact (spectrally accurate) for periodic data. `b` is
 * the integral, i.e. Lx·Ly × the mean — 0 for the vorticity of a periodic flow.
 */
export function periodicMean2d(
  nx: number,
  ny: number,
  length: number | readonly [number, number],
  b: ArrayLike<number>,
  opts?: ConstraintOptions,
): ConservationConstraint {
  for (const [name, v] of [
    ['nx', nx],
    ['ny', ny],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new ProjectionInputError(`${name} = ${String(v)} is not allowed: use an integer >= 1`);
  }
  const [lx, ly] = typeof length === 'number' ? [length, length] : length;
  positiveFinite('Lx', lx);
  positiveFinite('Ly', ly);
  return build(new Float64Array(nx * ny).fill((lx / nx) * (ly / ny)), b, opts);
}

/**
 * Trapezoid rule over node values at increasing coordinates x (ProbConserv's "trapezoid"
 * Riemann weights): w_0 = (x_1 − x_0)/2, w_j = (x_{j+1} − x_{j−1})/2, w_{n−1} = (x_{n−1} − x_{n−2})/2.
 */
export function trapezoidMass(x: ArrayLike<number>, b: ArrayLike<number>, opts?: ConstraintOptions): ConservationConstraint {
  const xs = toF64('x', x);
  if (xs.length < 2) throw new ProjectionInputError(`x has ${xs.length} coordinates: the trapezoid rule needs at least 2`);
  for (let j = 0; j < xs.length; j++) {
    if (!Number.isFinite(xs[j])) throw new ProjectionInputError(`x[${j}] = ${xs[j]} is not finite`);
    if (j > 0 && !(xs[j] > xs[j - 1]))
      throw new ProjectionInputError(`x[${j}] = ${xs[j]} is not above x[${j - 1}] = ${xs[j - 1]}: give increasing coordinates`);
  }
  const n = xs.length;
  const w = new Float64Array(n);
  for (let j = 0; j < n - 1; j++) {
    const h = 0.5 * (xs[j + 1] - xs[j]);
    w[j] += h;
    w[j + 1] += h;
  }
  return build(w, b, opts);
}

/**
 * Checks the constraint against the grid and returns the constrained frames (in the order given).
 * b must be finite at the constrained frames.
 */
export function resolveConstraint(c: ConservationConstraint, grid: SpaceTimeGrid, nSamples = 1): { frames: number[]; bPerSample: boolean } {
  if (c === null || typeof c !== 'object') throw new ProjectionInputError(`constraint ${String(c)} is not allowed: give { weights, b, frames? }`);
  if (!(c.weights instanceof Float64Array)) throw new ProjectionInputError('constraint.weights is not a Float64Array');
  if (!(c.b instanceof Float64Array)) throw new ProjectionInputError('constraint.b is not a Float64Array');
  if (c.weights.length !== grid.nPoints) {
    throw new ProjectionInputError(`constraint.weights has ${c.weights.length} values but the grid has ${grid.nPoints} points per frame`);
  }
  for (let j = 0; j < c.weights.length; j++) {
    if (!Number.isFinite(c.weights[j])) throw new ProjectionInputError(`constraint.weights[${j}] = ${c.weights[j]} is not finite`);
  }
  let bPerSample = false;
  if (c.b.length !== grid.nFrames) {
    if (nSamples > 1 && c.b.length === nSamples * grid.nFrames) bPerSample = true;
    else {
      const batch = nSamples > 1 ? ` (or ${nSamples} samples × ${grid.nFrames} = ${nSamples * grid.nFrames})` : '';
      throw new ProjectionInputError(`constraint.b has ${c.b.length} values but the grid has ${grid.nFrames} frames${batch}`);
    }
  }
  let frames: number[];
  if (c.frames === undefined) frames = Array.from({ length: grid.nFrames }, (_, t) => t);
  else {
    if (!Array.isArray(c.frames)) throw new ProjectionInputError('constraint.frames is not an array of frame indices');
    if (c.frames.length === 0) throw new ProjectionInputError('constraint.frames is empty: constrain at least one frame, or leave it out for all');
    const seen = new Set<number>();
    c.frames.forEach((f, k) => {
      if (!Number.isInteger(f) || f < 0 || f >= grid.nFrames) {
        throw new ProjectionInputError(`constraint.frames[${k}] = ${String(f)} is not a frame of the grid (nFrames = ${grid.nFrames})`);
      }
      if (seen.has(f)) throw new ProjectionInputError(`constraint.frames lists frame ${f} twice`);
      seen.add(f);
    });
    frames = [...c.frames];
  }
  const nb = bPerSample ? nSamples : 1;
  for (let s = 0; s < nb; s++) {
    for (const f of frames) {
      const i = s * grid.nFrames + f;
      if (!Number.isFinite(c.b[i])) throw new ProjectionInputError(`constraint.b[${i}] = ${c.b[i]} is not finite (frame ${f} is constrained)`);
    }
  }
  return { frames, bPerSample };
}
