/** The layout of a set of fields and its validation. */
import { MetricsInputError } from './errors.js';

/**
 * Row-major `[n samples, nt frames, nx points]`; nt = 1 for single-output mappings
 * (u0 ↦ u(T)), nt > 1 for rollouts.
 */
export interface FieldShape {
  n: number;
  nt: number;
  nx: number;
}

function describeShape(shape: FieldShape): string {
  return `{ n: ${shape.n}, nt: ${shape.nt}, nx: ${shape.nx} }`;
}

/** Throws MetricsInputError unless shape is well formed and both arrays hold n·nt·nx values. */
export function checkFields(pred: ArrayLike<number>, truth: ArrayLike<number>, shape: FieldShape, minNx = 1): void {
  if (shape === null || typeof shape !== 'object') throw new MetricsInputError(`shape ${String(shape)} is not allowed: give { n, nt, nx }`);
  for (const key of ['n', 'nt', 'nx'] as const) {
    const v = shape[key];
    const min = key === 'nx' ? minNx : 1;
    if (!Number.isInteger(v) || v < min) throw new MetricsInputError(`shape.${key} = ${String(v)} is not allowed: use an integer >= ${min}`);
  }
  const size = shape.n * shape.nt * shape.nx;
  for (const [name, arr] of [
    ['pred', pred],
    ['truth', truth],
  ] as const) {
    if (arr === null || typeof arr !== 'object' || typeof arr.length !== 'number') {
      throw new MetricsInputError(`${name} is ${arr === null ? 'null' : typeof arr}: give a Float32Array, Float64Array or number[]`);
    }
    if (arr.length !== size) throw new MetricsInputError(`${name} has ${arr.length} values but shape ${describeShape(shape)} needs ${size}`);
  }
}

/**
 * Quadrature weights along x for the L2 norm: 1 everywhere on a periodic grid (points cover one
 * period, the last point is not a copy of the first); trapezoid weights ½, 1, …, 1, ½ on a grid
 * that includes both end points of a bounded interval. The spacing h is left out: it cancels in
 * every relative norm.
 */
export function quadratureWeights(nx: number, periodic: boolean): Float64Array {
  const w = new Float64Array(nx).fill(1);
  if (!periodic && nx > 1) {
    w[0] = 0.5;
    w[nx - 1] = 0.5;
  }
  return w;
}
