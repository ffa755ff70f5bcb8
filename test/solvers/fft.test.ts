import { describe, expect, it } from 'vitest';
import { SolverInputError } from '../../solvers/errors.js';
import {
  ComplexFft,
  complexFft,
  createSpectralArena,
  defaultFftBackend,
  fft,
  fftWavenumbers,
  ifft,
  irfft,
  isPowerOfTwo,
  RealFft,
  realFft,
  rfft,
  rfftDealiasMask,
  rfftWavenumbers,
  type FftBackend,
} from '../../core/fft/fft.js';
import { Rng } from '../../core/random.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

/** O(n²) DFT of interleaved complex data with exact angle reduction (sign −1 forward, +1 inverse). */
function naiveDft(x: Float64Array, sign: 1 | -1): Float64Array {
  const n = x.length / 2;
  const out = new Float64Array(2 * n);
  for (let k = 0; k < n; k++) {
    let sr = 0;
    let si = 0;
    for (let j = 0; j < n; j++) {
      const a = (sign * 2 * Math.PI * ((j * k) % n)) / n;
      const c = Math.cos(a);
      const s = Math.sin(a);
      sr += x[2 * j] * c - x[2 * j + 1] * s;
      si += x[2 * j] * s + x[2 * j + 1] * c;
    }
    out[2 * k] = sr;
    out[2 * k + 1] = si;
  }
  return out;
}

function randomArray(rng: Rng, len: number): Float64Array {
  const x = new Float64Array(len);
  for (let i = 0; i < len; i++) x[i] = rng.normal();
  return x;
}

function realToComplex(x: Float64Array): Float64Array {
  const z = new Float64Array(2 * x.length);
  for (let i = 0; i < x.length; i++) z[2 * i] = x[i];
  return z;
}

const SIZES = [2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const BACKENDS: FftBackend[] = ['wasm', 'js'];

describe('backends', () => {
  it('uses the WebAssembly SIMD kernels by default on Node >= 20', () => {
    expect(defaultFftBackend()).toBe('wasm');
    expect(realFft(64).backend).toBe('wasm');
  });

  it.each([2, 4, 8, 32, 128, 1024])('the wasm and JS backends give bit-identical transforms at n=%i', (n) => {
    const x = randomArray(new Rng(44, n), n);
    const c = new RealFft(n, 'wasm').forward(x);
    expect(Array.from(c)).toEqual(Array.from(new RealFft(n, 'js').forward(x)));
    expect(Array.from(new RealFft(n, 'wasm').inverse(c))).toEqual(Array.from(new RealFft(n, 'js').inverse(c)));
    const z = randomArray(new Rng(45, n), 2 * n);
    expect(Array.from(new ComplexFft(n, 'wasm').forward(z))).toEqual(Array.from(new ComplexFft(n, 'js').forward(z)));
    expect(Array.from(new ComplexFft(n, 'wasm').inverse(z))).toEqual(Array.from(new ComplexFft(n, 'js').inverse(z)));
  });

  for (const backend of BACKENDS) {
    it.each(SIZES)(`${backend}: rfft and irfft match the O(n²) DFT at n=%i`, (n) => {
      const plan = new RealFft(n, backend);
      const x = randomArray(new Rng(41, n), n);
      const ref = naiveDft(realToComplex(x), -1).subarray(0, n + 2);
      const c = plan.forward(x);
      expect(maxDiff(c, ref)).toBeLessThan(1e-14 * Math.log2(2 * n) * maxAbs(ref));
      expect(maxDiff(plan.inverse(c), x)).toBeLessThan(1e-14 * Math.log2(2 * n) * maxAbs(x));
    });

    it.each([1, 2, 4, 8, 32, 128, 512])(`${backend}: complex fft and ifft match the O(N²) DFT at N=%i`, (n) => {
      const plan = new ComplexFft(n, backend);
      const z = randomArray(new Rng(42, n), 2 * n);
      const ref = naiveDft(z, -1);
      expect(maxDiff(plan.forward(z), ref)).toBeLessThan(1e-14 * Math.log2(4 * n) * maxAbs(ref));
      const inv = naiveDft(z, 1).map((v) => v / n);
      expect(maxDiff(plan.inverse(z), inv)).toBeLessThan(1e-14 * Math.log2(4 * n) * maxAbs(inv));
    });

    it(`${backend}: the spectral arena's transforms and element-wise kernels`, () => {
      const n = 64;
      const nm = n / 2 + 1;
      const rng = new Rng(43, backend === 'wasm' ? 0 : 1);
      const A = createSpectralArena(n, 8 * (n + 2));
      const arena = backend === 'wasm' ? A : createSpectralArena(n, 8 * (n + 2), 'js');
      expect(arena.backend).toBe(backend);
      const fill = (a: Float64Array) => {
        a.set(randomArray(rng, a.length));
        return a;
      };
      const x = fill(arena.alloc(n));
      const c = arena.alloc(n + 2);
      arena.rfft(x, c);
      expect(maxDiff(c, rfft(x))).toBeLessThan(1e-13);
      const y = arena.alloc(n);
      arena.irfft(c, y);
      expect(maxDiff(y, x)).toBeLessThan(1e-14);
      const coef = fill(arena.alloc(nm));
      const out = fill(arena.alloc(n + 2));
      const before = Float64Array.from(out);
      arena.axpy(out, coef, c);
      for (let k = 0; k < nm; k++) {
        expect(out[2 * k]).toBeCloseTo(before[2 * k] + coef[k] * c[2 * k], 14);
        expect(out[2 * k + 1]).toBeCloseTo(before[2 * k + 1] + coef[k] * c[2 * k + 1], 14);
      }
      arena.scale(out, coef, c);
      for (let k = 0; k < nm; k++) expect([out[2 * k], out[2 * k + 1]]).toEqual([coef[k] * c[2 * k], coef[k] * c[2 * k + 1]]);
      arena.mulNegI(out, coef, c);
      for (let k = 0; k < nm; k++) expect([out[2 * k], out[2 * k + 1]]).toEqual([coef[k] * c[2 * k + 1], -coef[k] * c[2 * k]]);
      const sq = Float64Array.from(x, (v) => v * v);
      arena.square(x);
      expect(Array.from(x)).toEqual(Array.from(sq));
      let total = 0;
      for (const v of c) total += v;
      expect(arena.sum(c)).toBeCloseTo(total, 12);
      c[7] = NaN;
      expect(arena.sum(c)).toBeNaN();
    });
  }

  it('the wasm arena takes only its own arrays and has a fixed capacity', () => {
    const arena = createSpectralArena(16, 40, 'wasm');
    const a = arena.alloc(16);
    expect(() => arena.rfft(new Float64Array(16), arena.alloc(18))).toThrow('x is not an array of this arena: use arena.alloc()');
    expect(() => arena.alloc(100)).toThrow('FFT arena is full: 100 more doubles do not fit');
    expect(() => arena.rfft(a, a)).toThrow('rfft output must not overlap its input');
  });
});

describe('rfft / irfft', () => {
  it.each(SIZES)('rfft matches the O(n²) DFT at n=%i', (n) => {
    const x = randomArray(new Rng(11, n), n);
    const ref = naiveDft(realToComplex(x), -1).subarray(0, n + 2);
    const got = rfft(x);
    expect(got.length).toBe(n + 2);
    expect(maxDiff(got, ref)).toBeLessThan(1e-14 * Math.log2(2 * n) * maxAbs(ref));
  });

  it.each(SIZES)('irfft matches the O(n²) inverse DFT of a Hermitian spectrum at n=%i', (n) => {
    const rng = new Rng(12, n);
    const c = randomArray(rng, n + 2);
    // numpy's irfft ignores the imaginary parts of the DC and Nyquist coefficients.
    const full = new Float64Array(2 * n);
    for (let k = 0; k <= n / 2; k++) {
      const edge = k === 0 || k === n / 2;
      full[2 * k] = c[2 * k];
      full[2 * k + 1] = edge ? 0 : c[2 * k + 1];
      if (!edge) {
        full[2 * (n - k)] = c[2 * k];
        full[2 * (n - k) + 1] = -c[2 * k + 1];
      }
    }
    const ref = naiveDft(full, 1)
      .filter((_, i) => i % 2 === 0)
      .map((v) => v / n);
    const got = irfft(c, n);
    expect(maxDiff(got, ref)).toBeLessThan(1e-14 * Math.log2(2 * n) * maxAbs(ref));
  });

  it.each([2, 8, 64, 4096, 65536])('round trip irfft(rfft(x)) = x at n=%i', (n) => {
    const x = randomArray(new Rng(13, n), n);
    expect(maxDiff(irfft(rfft(x), n), x)).toBeLessThan(1e-15 * Math.log2(2 * n) * maxAbs(x) * 4);
  });

  it.each([16, 1024, 8192])("Parseval's identity at n=%i", (n) => {
    const x = randomArray(new Rng(14, n), n);
    const c = rfft(x);
    let energy = 0;
    for (let i = 0; i < n; i++) energy += x[i] * x[i];
    let spec = 0;
    for (let k = 0; k <= n / 2; k++) {
      const w = k === 0 || k === n / 2 ? 1 : 2;
      spec += w * (c[2 * k] ** 2 + c[2 * k + 1] ** 2);
    }
    expect(Math.abs(spec / n - energy) / energy).toBeLessThan(1e-13);
  });

  it('writes into a given output buffer and leaves the input untouched', () => {
    const n = 256;
    const x = randomArray(new Rng(15, 0), n);
    const xCopy = Float64Array.from(x);
    const out = new Float64Array(n + 2);
    expect(rfft(x, out)).toBe(out);
    expect(Array.from(out)).toEqual(Array.from(rfft(x)));
    expect(Array.from(x)).toEqual(Array.from(xCopy));
    const back = new Float64Array(n);
    const cCopy = Float64Array.from(out);
    expect(irfft(out, n, back)).toBe(back);
    expect(Array.from(out)).toEqual(Array.from(cCopy));
    expect(Array.from(back)).toEqual(Array.from(irfft(out, n)));
  });

  it('caches one plan per size', () => {
    expect(realFft(512)).toBe(realFft(512));
    expect(complexFft(512)).toBe(complexFft(512));
    expect(realFft(512)).not.toBe(realFft(1024));
  });
});

describe('complex fft / ifft', () => {
  it.each([1, 2, 4, 8, 16, 32, 64, 128, 256, 512])('fft and ifft match the O(N²) DFT at N=%i', (n) => {
    const z = randomArray(new Rng(21, n), 2 * n);
    const ref = naiveDft(z, -1);
    expect(maxDiff(fft(z), ref)).toBeLessThan(1e-14 * Math.log2(4 * n) * maxAbs(ref));
    const inv = naiveDft(z, 1).map((v) => v / n);
    expect(maxDiff(ifft(z), inv)).toBeLessThan(1e-14 * Math.log2(4 * n) * maxAbs(inv));
  });

  it('works in place (out === x)', () => {
    const n = 64;
    const z = randomArray(new Rng(22, 0), 2 * n);
    const expected = fft(z);
    const buf = Float64Array.from(z);
    expect(fft(buf, buf)).toBe(buf);
    expect(Array.from(buf)).toEqual(Array.from(expected));
    ifft(buf, buf);
    expect(maxDiff(buf, z)).toBeLessThan(1e-14);
  });
});

describe('wavenumbers and dealiasing', () => {
  it('rfftWavenumbers differentiate spectrally on a domain of length L', () => {
    const n = 64;
    const L = 3;
    const k = rfftWavenumbers(n, L);
    const x = Float64Array.from({ length: n }, (_, j) => (j * L) / n);
    const w = (2 * Math.PI * 5) / L;
    const u = x.map((xi) => Math.sin(w * xi) + 0.5 * Math.cos(2 * w * xi));
    const du = x.map((xi) => w * Math.cos(w * xi) - w * Math.sin(2 * w * xi));
    const c = rfft(u);
    for (let m = 0; m <= n / 2; m++) {
      const [re, im] = [c[2 * m], c[2 * m + 1]];
      c[2 * m] = -k[m] * im;
      c[2 * m + 1] = k[m] * re;
    }
    expect(maxDiff(irfft(c, n), du)).toBeLessThan(1e-12 * w);
  });

  it('fftWavenumbers follow numpy fftfreq order and agree with rfftWavenumbers', () => {
    const n = 16;
    const L = 2.5;
    const full = fftWavenumbers(n, L);
    const half = rfftWavenumbers(n, L);
    for (let m = 0; m < n / 2; m++) expect(full[m]).toBe(half[m]);
    expect(full[n / 2]).toBe(-half[n / 2]);
    for (let m = 1; m < n / 2; m++) expect(full[n - m]).toBe(-full[m]);
  });

  it.each([16, 64, 256])('the 2/3-rule mask makes a product of masked fields alias-free at n=%i', (n) => {
    const mask = rfftDealiasMask(n);
    for (let m = 0; m <= n / 2; m++) expect(mask[m]).toBe(3 * m <= n ? 1 : 0);
    const rng = new Rng(31, n);
    const spectrum = (masked: boolean): Float64Array => {
      const c = randomArray(rng, n + 2);
      for (let m = 0; m <= n / 2; m++) {
        const keep = m < n / 2 && (!masked || mask[m] === 1) ? 1 : 0;
        c[2 * m] *= keep;
        c[2 * m + 1] *= keep;
      }
      c[1] = 0;
      return c;
    };
    const product = (a: Float64Array, b: Float64Array, size: number): Float64Array => {
      const ua = irfft(a, size);
      const ub = irfft(b, size);
      return rfft(ua.map((v, i) => v * ub[i]));
    };
    // The same band-limited fields on a grid twice as fine: their product is not aliased there,
    // and its coefficients are twice the coarse-grid ones.
    const refine = (c: Float64Array): Float64Array => {
      const p = new Float64Array(2 * n + 2);
      for (let i = 0; i < n; i++) p[i] = 2 * c[i];
      return p;
    };
    const aliasError = (masked: boolean): number => {
      const a = spectrum(masked);
      const b = spectrum(masked);
      const coarse = product(a, b, n);
      const fine = product(refine(a), refine(b), 2 * n);
      let err = 0;
      for (let m = 0; 3 * m <= n; m++) {
        err = Math.max(err, Math.abs(coarse[2 * m] - fine[2 * m] / 2), Math.abs(coarse[2 * m + 1] - fine[2 * m + 1] / 2));
      }
      return err;
    };
    expect(aliasError(true)).toBeLessThan(1e-12 * n);
    // Without the mask the kept modes are aliased: the check above is not vacuous.
    expect(aliasError(false)).toBeGreaterThan(1e-2);
  });
});

describe('errors', () => {
  it('rejects sizes that are not powers of two', () => {
    expect(isPowerOfTwo(1024)).toBe(true);
    expect(isPowerOfTwo(12)).toBe(false);
    expect(() => rfft(new Float64Array(12))).toThrow(SolverInputError);
    expect(() => rfft(new Float64Array(12))).toThrow('real FFT length n=12 is not allowed: use a power of two >= 2 (e.g. 1024)');
    expect(() => rfft(new Float64Array(1))).toThrow('real FFT length n=1 is not allowed');
    expect(() => irfft(new Float64Array(8), 6)).toThrow('real FFT length n=6 is not allowed');
    expect(() => fft(new Float64Array(6))).toThrow('complex FFT size n=3 is not allowed');
    expect(() => fft(new Float64Array(5))).toThrow('interleaved complex data has odd length 5');
    expect(() => rfftWavenumbers(10)).toThrow('real FFT length n=10 is not allowed');
  });

  it('rejects mismatched buffers', () => {
    expect(() => irfft(new Float64Array(8), 8)).toThrow('spectrum has length 8 but irfft to n=8 needs 10 (n/2+1 interleaved complex)');
    expect(() => rfft(new Float64Array(8), new Float64Array(8))).toThrow('output has length 8: rfft of n=8 needs 10 (n/2+1 interleaved complex)');
    expect(() => irfft(new Float64Array(10), 8, new Float64Array(9))).toThrow('output has length 9 but irfft produces n=8 values');
    const shared = new Float64Array(30);
    expect(() => rfft(shared.subarray(0, 8), shared.subarray(4, 14))).toThrow('rfft output must not overlap its input');
    expect(() => rfftWavenumbers(8, -1)).toThrow('domain length L=-1 is not allowed: need a finite L > 0');
  });
});
