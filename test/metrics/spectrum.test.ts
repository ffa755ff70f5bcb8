import { describe, expect, it } from 'vitest';
import { PowerSpectrum } from '../../core/spectrum.js';

function power(x: number[]): number[] {
  const s = new PowerSpectrum(x.length);
  const out = new Float64Array(s.nModes);
  s.compute(x, 0, out);
  return Array.from(out);
}

/** |X_k|² of a cosine of amplitude a in mode m (0 < m < n/2): (a·n/2)² at k = m, 0 elsewhere. */
function cosineSpectrum(n: number, m: number, a: number): number[] {
  return Array.from({ length: Math.floor(n / 2) + 1 }, (_, k) => (k === m ? ((a * n) / 2) ** 2 : 0));
}

describe('PowerSpectrum', () => {
  // 8 is radix-2; 12, 7 and 10 go through Bluestein.
  for (const n of [8, 12, 7, 10]) {
    it(`n = ${n}: a cosine in mode 3 lands in mode 3 with (a·n/2)²`, () => {
      const x = Array.from({ length: n }, (_, j) => 0.7 * Math.cos((2 * Math.PI * 3 * j) / n + 0.4));
      const got = power(x);
      const want = cosineSpectrum(n, 3, 0.7);
      for (let k = 0; k < want.length; k++) expect(got[k]).toBeCloseTo(want[k], 10);
    });

    it(`n = ${n}: a constant lands in mode 0 with n²·c², a delta is flat`, () => {
      const c = power(Array.from({ length: n }, () => -1.5));
      expect(c[0]).toBeCloseTo(n * n * 2.25, 9);
      for (let k = 1; k < c.length; k++) expect(c[k]).toBeCloseTo(0, 10);
      const d = power(Array.from({ length: n }, (_, j) => (j === 0 ? 2 : 0)));
      for (const v of d) expect(v).toBeCloseTo(4, 10);
    });
  }

  it('the Nyquist mode of an even length holds (−1)^j with n²', () => {
    for (const n of [8, 12]) {
      const p = power(Array.from({ length: n }, (_, j) => (j % 2 === 0 ? 1 : -1)));
      expect(p.length).toBe(n / 2 + 1);
      expect(p[n / 2]).toBeCloseTo(n * n, 9);
      expect(p[0]).toBeCloseTo(0, 10);
    }
  });

  it('stays accurate at a large non-power-of-two length (n = 1000, mode 123)', () => {
    const n = 1000;
    const p = power(Array.from({ length: n }, (_, j) => 2 * Math.sin((2 * Math.PI * 123 * j) / n)));
    expect(p[123] / (n * n)).toBeCloseTo(1, 10);
    let leak = 0;
    for (let k = 0; k < p.length; k++) if (k !== 123) leak = Math.max(leak, p[k]);
    expect(leak / (n * n)).toBeLessThan(1e-20);
  });

  it('reads from an offset and handles n = 1', () => {
    const s = new PowerSpectrum(4);
    const out = new Float64Array(3);
    s.compute([9, 9, 1, 1, 1, 1, 9], 2, out);
    expect(Array.from(out)).toEqual([16, 0, 0]);
    const one = new Float64Array(1);
    new PowerSpectrum(1).compute([3], 0, one);
    expect(one[0]).toBe(9);
  });

  it('rejects a length that is not a positive integer', () => {
    expect(() => new PowerSpectrum(0)).toThrow('spectrum length 0 is not allowed: use a positive integer');
    expect(() => new PowerSpectrum(2.5)).toThrow('spectrum length 2.5 is not allowed');
  });
});
