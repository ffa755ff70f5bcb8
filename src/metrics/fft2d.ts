/**
 * A small float64 2D DFT for evaluation: the power |F_{p,q}|² of a real field f_{i,j} (row-major
 * `[nx][ny]`), F_{p,q} = Σ_{i,j} f_{i,j} e^{−2πi (ip/nx + jq/ny)} (numpy's `fft2`, unnormalised).
 * Radix-2 (radix2.ts, shared with spectrum.ts) along an axis whose length is a power of two, a
 * direct O(n²) transform otherwise: the grids compared in reports are small (64², 128²), and
 * `src/metrics` must not depend on `solvers/` (DESIGN.md, layers).
 */
import { MetricsInputError } from './errors.js';
import { isPowerOfTwo, Radix2 } from './radix2.js';

/** Forward complex transform (e^{−2πi jk/n}) of one length, in place on (re, im). */
class LineFft {
  private readonly radix2: Radix2 | null;
  /** Twiddles e^{−2πi k/n}, k < n, of the direct transform (indexed by (j·k) mod n), and its output. */
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;
  private readonly tmpRe: Float64Array;
  private readonly tmpIm: Float64Array;

  constructor(readonly n: number) {
    const pow2 = isPowerOfTwo(n);
    this.radix2 = pow2 ? new Radix2(n) : null;
    const m = pow2 ? 0 : n;
    this.cos = new Float64Array(m);
    this.sin = new Float64Array(m);
    for (let k = 0; k < m; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
    this.tmpRe = new Float64Array(m);
    this.tmpIm = new Float64Array(m);
  }

  forward(re: Float64Array, im: Float64Array): void {
    if (this.radix2 === null) this.direct(re, im);
    else this.radix2.forward(re, im);
  }

  private direct(re: Float64Array, im: Float64Array): void {
    const { n, cos, sin, tmpRe, tmpIm } = this;
    for (let k = 0; k < n; k++) {
      let sr = 0;
      let si = 0;
      for (let j = 0; j < n; j++) {
        const w = (j * k) % n;
        sr += re[j] * cos[w] - im[j] * sin[w];
        si += re[j] * sin[w] + im[j] * cos[w];
      }
      tmpRe[k] = sr;
      tmpIm[k] = si;
    }
    re.set(tmpRe);
    im.set(tmpIm);
  }
}

/** |F_{p,q}|² of real `[nx][ny]` fields of one size; reuse one instance for many fields. */
export class PowerSpectrum2d {
  private readonly fx: LineFft;
  private readonly fy: LineFft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly lineRe: Float64Array;
  private readonly lineIm: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
  ) {
    for (const [name, v] of [['nx', nx], ['ny', ny]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new MetricsInputError(`2D spectrum ${name} = ${v} is not allowed: use a positive integer`);
    }
    this.fx = new LineFft(nx);
    this.fy = new LineFft(ny);
    this.re = new Float64Array(nx * ny);
    this.im = new Float64Array(nx * ny);
    this.lineRe = new Float64Array(nx);
    this.lineIm = new Float64Array(nx);
  }

  /** Writes |F_{p,q}|² of f[offset .. offset + nx·ny) into out[p·ny + q] (p, q in FFT order). */
  compute(f: ArrayLike<number>, offset: number, out: Float64Array): void {
    const { nx, ny, re, im, lineRe, lineIm } = this;
    for (let i = 0; i < nx * ny; i++) re[i] = f[offset + i];
    im.fill(0);
    for (let i = 0; i < nx; i++) this.fy.forward(re.subarray(i * ny, (i + 1) * ny), im.subarray(i * ny, (i + 1) * ny));
    for (let q = 0; q < ny; q++) {
      for (let p = 0; p < nx; p++) {
        lineRe[p] = re[p * ny + q];
        lineIm[p] = im[p * ny + q];
      }
      this.fx.forward(lineRe, lineIm);
      for (let p = 0; p < nx; p++) out[p * ny + q] = lineRe[p] * lineRe[p] + lineIm[p] * lineIm[p];
    }
  }
}
