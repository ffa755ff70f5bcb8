/**
 * Forward complex DFT of any length n ≥ 1, X_k = Σ_j x_j e^{−2πi jk/n} (numpy.fft.fft,
 * unnormalised), on interleaved data [re0, im0, re1, im1, …]: a power-of-two n runs `ComplexFft`
 * directly, any other n Bluestein's chirp-z transform through `ComplexFft` of the power of two
 * m ≥ 2n − 1. With w_j = e^{−iπ j²/n} and jk = (j² + k² − (k − j)²)/2,
 * X_k = w_k · Σ_j (x_j w_j) · conj(w_{k−j}): a circular convolution of length m [Bluestein 1970].
 */
import { InputError } from '../errors.js';
import { ComplexFft, isPowerOfTwo } from './fft.js';

/** The DFT of one length; keeps its tables and work arrays, so reuse one instance for many signals. */
export class AnyLengthFft {
  private readonly fft: ComplexFft;
  /** Bluestein: the chirp w_j (interleaved, j < n), the transform of the padded conj(w), work array. */
  private readonly chirp: { w: Float64Array; bHat: Float64Array; a: Float64Array } | null;

  constructor(readonly n: number) {
    if (!Number.isInteger(n) || n < 1) throw new InputError(`DFT length ${n} is not allowed: use a positive integer`);
    if (isPowerOfTwo(n)) {
      this.fft = new ComplexFft(n);
      this.chirp = null;
      return;
    }
    let m = 1;
    while (m < 2 * n - 1) m *= 2;
    this.fft = new ComplexFft(m);
    const w = new Float64Array(2 * n);
    for (let j = 0; j < n; j++) {
      // j² mod 2n keeps the angle small, so the chirp stays accurate for large n.
      const angle = (Math.PI * ((j * j) % (2 * n))) / n;
      w[2 * j] = Math.cos(angle);
      w[2 * j + 1] = -Math.sin(angle);
    }
    // b_j = conj(w_j) at j and m − j, the kernel of the circular convolution.
    const b = new Float64Array(2 * m);
    b[0] = w[0];
    b[1] = -w[1];
    for (let j = 1; j < n; j++) {
      b[2 * j] = b[2 * (m - j)] = w[2 * j];
      b[2 * j + 1] = b[2 * (m - j) + 1] = -w[2 * j + 1];
    }
    this.chirp = { w, bHat: this.fft.forward(b), a: new Float64Array(2 * m) };
  }

  /**
   * X = DFT(x) of the interleaved x (length 2n) into out (length ≥ 2n; may be x itself). `re` of
   * a real signal: pass `real` = x's n values instead (x is then read as x_j + 0i).
   */
  forward(x: ArrayLike<number>, out: Float64Array, real = false): Float64Array {
    const n = this.n;
    const at = (j: number): [number, number] => (real ? [x[j], 0] : [x[2 * j], x[2 * j + 1]]);
    if (this.chirp === null) {
      const z = out.length === 2 * n ? out : out.subarray(0, 2 * n);
      for (let j = n - 1; j >= 0; j--) [z[2 * j], z[2 * j + 1]] = at(j);
      this.fft.forward(z, z);
      return out;
    }
    const { w, bHat, a } = this.chirp;
    a.fill(0);
    for (let j = 0; j < n; j++) {
      const [xr, xi] = at(j);
      a[2 * j] = xr * w[2 * j] - xi * w[2 * j + 1];
      a[2 * j + 1] = xr * w[2 * j + 1] + xi * w[2 * j];
    }
    this.fft.forward(a, a);
    for (let k = 0; k < a.length; k += 2) {
      const r = a[k] * bHat[k] - a[k + 1] * bHat[k + 1];
      a[k + 1] = a[k] * bHat[k + 1] + a[k + 1] * bHat[k];
      a[k] = r;
    }
    this.fft.inverse(a, a);
    for (let k = 0; k < n; k++) {
      const cr = a[2 * k];
      const ci = a[2 * k + 1];
      out[2 * k] = cr * w[2 * k] - ci * w[2 * k + 1];
      out[2 * k + 1] = cr * w[2 * k + 1] + ci * w[2 * k];
    }
    return out;
  }
}
