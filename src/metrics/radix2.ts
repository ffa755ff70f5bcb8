/**
 * The in-place iterative radix-2 complex FFT that the evaluation spectra share (1D in
 * spectrum.ts, also inside its Bluestein transform; 2D in fft2d.ts). A small float64 transform
 * for evaluation only: `src/metrics` must not depend on `solvers/` and its tuned FFTs
 * (DESIGN.md, layers).
 */

/** True when n is a power of two ≥ 1. */
export function isPowerOfTwo(n: number): boolean {
  return n >= 1 && (n & (n - 1)) === 0;
}

/** In-place iterative radix-2 complex FFT of a fixed power-of-two length. */
export class Radix2 {
  private readonly rev: Uint32Array;
  private readonly cos: Float64Array;
  private readonly sin: Float64Array;

  constructor(readonly n: number) {
    const bits = Math.round(Math.log2(n));
    this.rev = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      let r = 0;
      for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
      this.rev[i] = r;
    }
    this.cos = new Float64Array(n / 2);
    this.sin = new Float64Array(n / 2);
    for (let k = 0; k < n / 2; k++) {
      this.cos[k] = Math.cos((2 * Math.PI * k) / n);
      this.sin[k] = -Math.sin((2 * Math.PI * k) / n);
    }
  }

  /** Forward transform (e^{−2πi jk/n}) of (re, im), in place. */
  forward(re: Float64Array, im: Float64Array): void {
    const n = this.n;
    for (let i = 0; i < n; i++) {
      const r = this.rev[i];
      if (r > i) {
        let tmp = re[i];
        re[i] = re[r];
        re[r] = tmp;
        tmp = im[i];
        im[i] = im[r];
        im[r] = tmp;
      }
    }
    for (let size = 2; size <= n; size *= 2) {
      const half = size / 2;
      const step = n / size;
      for (let start = 0; start < n; start += size) {
        for (let k = 0; k < half; k++) {
          const wr = this.cos[k * step];
          const wi = this.sin[k * step];
          const a = start + k;
          const b = a + half;
          const tr = re[b] * wr - im[b] * wi;
          const ti = re[b] * wi + im[b] * wr;
          re[b] = re[a] - tr;
          im[b] = im[a] - ti;
          re[a] += tr;
          im[a] += ti;
        }
      }
    }
  }
}
