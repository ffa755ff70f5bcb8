import { SolverInputError } from './errors.js';

/**
 * A uniform periodic 1D grid on [xmin, xmax).
 *
 * `staggering: 'cell'` puts the n points at cell centres xmin + (i + 1/2)·dx (finite volume,
 * PDEBench's layout); `'node'` puts them at xmin + i·dx (pseudo-spectral, the FNO data).
 */
export class Grid1D {
  readonly n: number;
  readonly xmin: number;
  readonly xmax: number;
  readonly staggering: 'cell' | 'node';
  readonly length: number;
  readonly dx: number;

  constructor(n: number, domain: readonly [number, number] = [0, 1], staggering: 'cell' | 'node' = 'cell') {
    if (!Number.isInteger(n) || n < 2) throw new SolverInputError(`grid size n=${n} is not allowed: use an integer >= 2`);
    const [xmin, xmax] = domain;
    if (!(Number.isFinite(xmin) && Number.isFinite(xmax) && xmax > xmin)) {
      throw new SolverInputError(`domain [${xmin}, ${xmax}] is not allowed: need finite xmin < xmax`);
    }
    this.n = n;
    this.xmin = xmin;
    this.xmax = xmax;
    this.staggering = staggering;
    this.length = xmax - xmin;
    this.dx = this.length / n;
  }

  /** Coordinates of the n grid points (float64). */
  points(): Float64Array {
    const off = this.staggering === 'cell' ? 0.5 : 0;
    const x = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) x[i] = this.xmin + (i + off) * this.dx;
    return x;
  }

  /** Samples f at the grid points. */
  sample(f: (x: number) => number): Float64Array {
    const x = this.points();
    const out = new Float64Array(this.n);
    for (let i = 0; i < this.n; i++) out[i] = f(x[i]);
    return out;
  }

  /** Midpoint/trapezoid quadrature of u over one period (spectrally accurate for smooth periodic u). */
  integrate(u: ArrayLike<number>): number {
    if (u.length !== this.n) throw new SolverInputError(`field has ${u.length} points but the grid has ${this.n}`);
    return sumCompensated(u) * this.dx;
  }
}

/** Neumaier-compensated sum: mass checks at 1e-12 relative need it for large n. */
export function sumCompensated(u: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < u.length; i++) {
    const v = u[i];
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return s + c;
}
