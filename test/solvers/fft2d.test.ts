import { describe, expect, it } from 'vitest';
import { SolverInputError } from '../../solvers/errors.js';
import { ifft, irfft, type FftBackend } from '../../core/fft/fft.js';
import { createSpectralArena2d, defaultFft2dBackend, irfft2, isFft2dSize, RealFft2d, realFft2d, rfft2 } from '../../core/fft/fft2d.js';
import { Rng } from '../../core/random.js';
import { buildMemoryModule, kernel, wasmApi } from '../../core/wasm/binary.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

const BACKENDS: FftBackend[] = defaultFft2dBackend() === 'wasm' ? ['wasm', 'js'] : ['js'];

/** O((nx·ny)²) DFT: X[p, q] = Σ x[i, j]·e^{−2πi(pi/nx + qj/ny)}, q = 0 … ny/2, interleaved. */
function naiveRfft2(x: Float64Array, nx: number, ny: number): Float64Array {
  const m = ny / 2;
  const out = new Float64Array(nx * (ny + 2));
  for (let p = 0; p < nx; p++) {
    for (let q = 0; q <= m; q++) {
      let sr = 0;
      let si = 0;
      for (let i = 0; i < nx; i++) {
        for (let j = 0; j < ny; j++) {
          // Exact angle reduction: the phase is a multiple of 2π/(nx·ny).
          const a = (-2 * Math.PI * ((p * i * ny + q * j * nx) % (nx * ny))) / (nx * ny);
          sr += x[i * ny + j] * Math.cos(a);
          si += x[i * ny + j] * Math.sin(a);
        }
      }
      out[2 * (p * (m + 1) + q)] = sr;
      out[2 * (p * (m + 1) + q) + 1] = si;
    }
  }
  return out;
}

/**
 * numpy.fft.irfft2(c, s=(nx, ny)) from 1D transforms: ifft along x of every column, then irfft
 * along y of every row (numpy's irfft drops the imaginary parts of the q = 0 and q = ny/2 terms).
 */
function referenceIrfft2(c: Float64Array, nx: number, ny: number): Float64Array {
  const m = ny / 2;
  const mid = new Float64Array(c.length);
  const col = new Float64Array(2 * nx);
  for (let q = 0; q <= m; q++) {
    for (let p = 0; p < nx; p++) {
      col[2 * p] = c[2 * (p * (m + 1) + q)];
      col[2 * p + 1] = c[2 * (p * (m + 1) + q) + 1];
    }
    const t = ifft(col);
    for (let p = 0; p < nx; p++) {
      mid[2 * (p * (m + 1) + q)] = t[2 * p];
      mid[2 * (p * (m + 1) + q) + 1] = t[2 * p + 1];
    }
  }
  const out = new Float64Array(nx * ny);
  for (let i = 0; i < nx; i++) out.set(irfft(mid.subarray(2 * i * (m + 1), 2 * (i + 1) * (m + 1)), ny), i * ny);
  return out;
}

function randomArray(rng: Rng, len: number): Float64Array {
  return Float64Array.from({ length: len }, () => rng.normal());
}

const SMALL: [number, number][] = [
  [2, 4],
  [4, 4],
  [2, 8],
  [8, 4],
  [4, 16],
  [16, 8],
  [8, 32],
  [32, 8],
  [16, 16],
];

describe.each(BACKENDS)('real 2D FFT, %s backend', (backend) => {
  it.each(SMALL)('rfft2 of [%i, %i] matches the direct DFT', (nx, ny) => {
    const x = randomArray(new Rng(nx * 100 + ny), nx * ny);
    const got = new RealFft2d(nx, ny, backend).forward(x);
    const want = naiveRfft2(x, nx, ny);
    expect(maxDiff(got, want) / maxAbs(want)).toBeLessThan(1e-14);
  });

  it.each(SMALL)('irfft2 of [%i, %i] follows numpy (imaginary parts of the q = 0 and Nyquist columns ignored)', (nx, ny) => {
    // An arbitrary spectrum, not the transform of a real field.
    const c = randomArray(new Rng(7 + nx * ny), nx * (ny + 2));
    const got = new RealFft2d(nx, ny, backend).inverse(c);
    const want = referenceIrfft2(c, nx, ny);
    expect(maxDiff(got, want) / maxAbs(want)).toBeLessThan(1e-14);
  });

  it.each([
    [64, 128],
    [128, 64],
    [256, 256],
  ])('round trip irfft2(rfft2(x)) = x at [%i, %i]', (nx, ny) => {
    const x = randomArray(new Rng(3), nx * ny);
    const p = new RealFft2d(nx, ny, backend);
    expect(maxDiff(p.inverse(p.forward(x)), x)).toBeLessThan(5e-15 * maxAbs(x));
  });

  it('packed layout: rfft2Packed(pack(x)) = rfft2(x), irfft2Packed then unpack = irfft2, pruned columns', () => {
    const nx = 32;
    const ny = 64;
    const m = ny / 2;
    const A = createSpectralArena2d(nx, ny, 5 * nx * (ny + 2), backend);
    const x = A.alloc(nx * ny);
    const t = A.alloc(nx * ny);
    const c = A.alloc(nx * (ny + 2));
    const c2 = A.alloc(nx * (ny + 2));
    const y = A.alloc(nx * ny);
    x.set(randomArray(new Rng(11), nx * ny));
    A.rfft2(x, c);
    A.pack(x, t);
    A.rfft2Packed(t, c2);
    expect(maxDiff(c2, c)).toBeLessThan(1e-13 * maxAbs(c));
    // Only the first `cols` columns are computed; the others are left untouched.
    const cols = 11;
    c2.fill(7);
    A.rfft2Packed(t, c2, cols);
    for (let p = 0; p < nx; p++) {
      for (let q = 0; q <= m; q++) {
        for (let l = 0; l < 2; l++) {
          const i = 2 * (p * (m + 1) + q) + l;
          if (q < cols) expect(Math.abs(c2[i] - c[i])).toBeLessThan(1e-13 * maxAbs(c));
          else expect(c2[i]).toBe(7);
        }
      }
    }
    // irfft2Packed with cols reads only those columns (the rest are taken as zero).
    const trunc = Float64Array.from(c);
    for (let p = 0; p < nx; p++) for (let q = cols; q <= m; q++) trunc.fill(0, 2 * (p * (m + 1) + q), 2 * (p * (m + 1) + q) + 2);
    const want = referenceIrfft2(trunc, nx, ny);
    A.irfft2Packed(c, t, cols);
    A.unpack(t, y);
    expect(maxDiff(y, want)).toBeLessThan(1e-14 * maxAbs(x) * 10);
    // A later full-width inverse is not affected by the pruned one (scratch rows re-zeroed).
    A.irfft2Packed(c, t, m + 1);
    c2.set(trunc);
    A.irfft2Packed(c2, t, cols);
    A.unpack(t, y);
    expect(maxDiff(y, want)).toBeLessThan(1e-13);
    A.irfft2(c, y);
    expect(maxDiff(y, x)).toBeLessThan(1e-14 * maxAbs(x) * 10);
  });

  it.each([
    [256, 256, 4, 86],
    [64, 32, 4, 11],
    [8, 16, 4, 3],
    [2, 8, 4, 5],
    [16, 8, 1, 5],
    [32, 16, 5, 6],
    [4, 4, 23, 2],
  ])('rfft2OfProduct at [%i, %i] with %i fields, cols=%i: bit-identical to irfft2Packed each, combine, rfft2Packed', (nx, ny, k, cols) => {
    const m = ny / 2;
    const spec = nx * (ny + 2);
    const A = createSpectralArena2d(nx, ny, (2 * k + 2) * spec + (k + 1) * nx * ny + 64, backend);
    const rng = new Rng(nx + ny + k);
    const specs = Array.from({ length: k }, () => A.alloc(spec));
    for (const c of specs) c.set(randomArray(rng, spec));
    const work = Array.from({ length: k }, () => A.alloc(2 * nx * cols));
    const fields = Array.from({ length: k }, () => A.alloc(nx * ny));
    const prod = A.alloc(nx * ny);
    const want = A.alloc(spec);
    const got = A.alloc(spec);
    // The combine under test: out = Σ_j (j + 1)·f_j·f_{(j+1) mod k}, point by point, in JS on the arena buffer.
    const f = new Float64Array(A.buffer);
    const combine = (ins: readonly number[], out: number, pairs: number) => {
      for (let i = 0; i < 2 * pairs; i++) {
        let s = 0;
        for (let j = 0; j < ins.length; j++) s += (j + 1) * f[ins[j] / 8 + i] * f[ins[(j + 1) % ins.length] / 8 + i];
        f[out / 8 + i] = s;
      }
    };
    for (let j = 0; j < k; j++) A.irfft2Packed(specs[j], fields[j], cols);
    combine(
      fields.map((a) => a.byteOffset),
      prod.byteOffset,
      (nx * ny) / 2,
    );
    A.rfft2Packed(prod, want, cols);
    got.fill(7);
    A.rfft2OfProduct(specs, work, got, cols, combine);
    expect(maxAbs(want)).toBeGreaterThan(0);
    for (let p = 0; p < nx; p++) {
      for (let q = 0; q <= m; q++) {
        const i = 2 * (p * (m + 1) + q);
        if (q < cols) expect([got[i], got[i + 1]]).toEqual([want[i], want[i + 1]]);
        else expect([got[i], got[i + 1]]).toEqual([7, 7]);
      }
    }
  });
});

describe('real 2D FFT: backends, conventions and errors', () => {
  it('where WebAssembly SIMD works, the 2D FFT module validates (no silent fall-back to JS)', () => {
    // A module with one v128 local validates exactly where SIMD is supported.
    const simd = buildMemoryModule([kernel('probe', {}, { v128: ['v'] }, () => [])]);
    if (wasmApi === undefined || !wasmApi.validate(simd)) return;
    expect(defaultFft2dBackend()).toBe('wasm');
  });

  it('the wasm and JS backends give bit-identical results', () => {
    if (defaultFft2dBackend() !== 'wasm') return;
    // Every first pass: radix 4 (64, 16), radix 8 (32, 128, 8) and radix 2 (2).
    for (const [nx, ny] of [
      [64, 32],
      [32, 256],
      [8, 16],
      [2, 4],
    ]) {
      const x = randomArray(new Rng(5), nx * ny);
      const a = new RealFft2d(nx, ny, 'wasm').forward(x);
      const b = new RealFft2d(nx, ny, 'js').forward(x);
      expect(maxDiff(a, b)).toBe(0);
      expect(maxDiff(new RealFft2d(nx, ny, 'wasm').inverse(a), new RealFft2d(nx, ny, 'js').inverse(a))).toBe(0);
    }
  });

  it('rfft2 / irfft2 use numpy layout: a single mode lands at [p, q]', () => {
    const nx = 8;
    const ny = 16;
    const x = new Float64Array(nx * ny);
    // cos(2π(3i/nx + 5j/ny)): coefficients nx·ny/2 at (3, 5); the (−3, −5) twin is not stored.
    for (let i = 0; i < nx; i++) for (let j = 0; j < ny; j++) x[i * ny + j] = Math.cos(2 * Math.PI * ((3 * i) / nx + (5 * j) / ny));
    const c = rfft2(x, nx, ny);
    const m = ny / 2;
    for (let p = 0; p < nx; p++) {
      for (let q = 0; q <= m; q++) {
        const re = c[2 * (p * (m + 1) + q)];
        const want = p === 3 && q === 5 ? (nx * ny) / 2 : 0;
        expect(Math.abs(re - want)).toBeLessThan(1e-12);
        expect(Math.abs(c[2 * (p * (m + 1) + q) + 1])).toBeLessThan(1e-12);
      }
    }
    expect(maxDiff(irfft2(c, nx, ny), x)).toBeLessThan(1e-15 * nx * ny);
    expect(realFft2d(nx, ny)).toBe(realFft2d(nx, ny));
  });

  it('sizes: powers of two, nx >= 2 and ny >= 4; others are refused by name', () => {
    expect(isFft2dSize(2, 4)).toBe(true);
    expect(isFft2dSize(256, 256)).toBe(true);
    expect(isFft2dSize(6, 8)).toBe(false);
    expect(isFft2dSize(8, 2)).toBe(false);
    expect(() => new RealFft2d(6, 8)).toThrow(new SolverInputError('2D FFT size nx=6 is not allowed: use a power of two >= 2 (e.g. 256)'));
    expect(() => new RealFft2d(8, 12)).toThrow(new SolverInputError('2D FFT size ny=12 is not allowed: use a power of two >= 4 (e.g. 256)'));
    expect(() => new RealFft2d(8, 2)).toThrow(/ny=2 is not allowed/);
    expect(() => new RealFft2d(1, 8)).toThrow(/nx=1 is not allowed/);
    expect(() => rfft2(new Float64Array(10), 4, 4)).toThrow(new SolverInputError('real 2D input has length 10 but this FFT has nx=4, ny=4 (needs 16)'));
    expect(() => irfft2(new Float64Array(16), 4, 4)).toThrow(/spectrum has length 16 but irfft2 to \[4, 4\] needs 24/);
  });

  it('arena arrays must come from the arena and must not overlap', () => {
    const A = createSpectralArena2d(4, 8, 200);
    const x = A.alloc(32);
    const c = A.alloc(40);
    expect(() => A.rfft2(new Float64Array(32), c)).toThrow(/x is not an array of this arena: use arena.alloc\(\)/);
    expect(() => A.rfft2(x, A.alloc(10))).toThrow(/out has length 10: need 40/);
    expect(() => A.rfft2(c.subarray(0, 32), c)).toThrow(/must not overlap/);
    expect(() => A.rfft2Packed(x, c, 6)).toThrow(/cols=6 is not allowed: use an integer in \[1, 5\]/);
    expect(() => A.alloc(1000)).toThrow(/2D FFT arena is full/);
    const w = A.alloc(16);
    const c2 = A.alloc(40);
    const none = () => undefined;
    expect(() => A.rfft2OfProduct([], [], c, 2, none)).toThrow(/rfft2OfProduct of 0 fields is not allowed: use 1 to 23/);
    expect(() => A.rfft2OfProduct([c], [], c, 2, none)).toThrow(/needs one work array per spectrum: got 0 for 1/);
    expect(() => A.rfft2OfProduct([c], [c], c2, 2, none)).toThrow(/must not overlap/);
    expect(() => A.rfft2OfProduct([c], [w.subarray(0, 8)], c2, 2, none)).toThrow(/work\[0\] has length 8: need 16/);
    expect(() => createSpectralArena2d(4, 8, -1)).toThrow(/arena capacity=-1 is not allowed/);
  });
});
