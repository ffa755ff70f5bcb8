/**
 * Power spectrum |X_k|² of a real signal, X_k = Σ_j x_j e^{−2πi jk/n}, for k = 0..⌊n/2⌋ (the
 * modes `numpy.fft.rfft` / `torch.fft.rfft` return). Any length: radix-2 for powers of two,
 * Bluestein's chirp-z transform (through a radix-2 transform of length ≥ 2n − 1) otherwise.
 *
 * This is a small float64 transform for evaluation only; the solvers have their own tuned FFT,
 * but `src/metrics` must not depend on `solvers/` (see DESIGN.md, layers).
 */
import { MetricsInputError } from './errors.js';
import { isPowerOfTwo, Radix2 } from './radix2.js';

/** Computes |X_k|², k = 0..⌊n/2⌋, of real signals of one length; reuse it for many signals. */
export class PowerSpectrum {
  /** Number of modes: ⌊n/2⌋ + 1. */
  readonly nModes: number;
  private readonly fft: Radix2;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  /** Bluestein chirp w_k = e^{−iπ k²/n} (k < n) and the transform of its conjugate, padded. */
  private readonly chirp: { re: Float64Array; im: Float64Array; bRe: Float64Array; bIm: Float64Array } | null;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new MetricsInputError(`spectrum length ${n} is not allowed: use a positive integer`);
    this.nModes = Math.floor(n / 2) + 1;
    if (isPowerOfTwo(n)) {
      this.fft = new Radix2(n);
      this.chirp = null;
    } else {
      let m = 1;
      while (m < 2 * n - 1) m *= 2;
      this.fft = new Radix2(m);
      const re = new Float64Array(n);
      const im = new Float64Array(n);
      for (let k = 0; k < n; k++) {
        // k² mod 2n keeps the angle small, so the chirp stays accurate for large n.
        const angle = (Math.PI * ((k * k) % (2 * n))) / n;
        re[k] = Math.cos(angle);
        im[k] = -Math.sin(angle);
      }
      const bRe = new Float64Array(m);
      const bIm = new Float64Array(m);
      bRe[0] = re[0];
      bIm[0] = -im[0];
      for (let k = 1; k < n; k++) {
        bRe[k] = bRe[m - k] = re[k];
        bIm[k] = bIm[m - k] = -im[k];
      }
      this.fft.forward(bRe, bIm);
      this.chirp = { re, im, bRe, bIm };
    }
    this.re = new Float64Array(this.fft.n);
    this.im = new Float64Array(this.fft.n);
  }

  /** Writes |X_k|² of x[offset .. offset + n) into out[0 .. nModes). */
  compute(x: ArrayLike<number>, offset: number, out: Float64Array): void {
    const { n, re, im } = this;
    re.fill(0);
    im.fill(0);
    if (this.chirp === null) {
      for (let j = 0; j < n; j++) re[j] = x[offset + j];
      this.fft.forward(re, im);
      for (let k = 0; k < this.nModes; k++) out[k] = re[k] * re[k] + im[k] * im[k];
      return;
    }
    const { re: wRe, im: wIm, bRe, bIm } = this.chirp;
    const m = this.fft.n;
    for (let j = 0; j < n; j++) {
      re[j] = x[offset + j] * wRe[j];
      im[j] = x[offset + j] * wIm[j];
    }
    this.fft.forward(re, im);
    // Pointwise product, then the inverse transform as conj(FFT(conj(·)))/m.
    for (let k = 0; k < m; k++) {
      const r = re[k] * bRe[k] - im[k] * bIm[k];
      const i = re[k] * bIm[k] + im[k] * bRe[k];
      re[k] = r;
      im[k] = -i;
    }
    this.fft.forward(re, im);
    // X_k = w_k · c_k with c = conj(result)/m; |w_k| = 1, so |X_k|² = |result_k|²/m².
    const scale = 1 / (m * m);
    for (let k = 0; k < this.nModes; k++) out[k] = (re[k] * re[k] + im[k] * im[k]) * scale;
  }
}
