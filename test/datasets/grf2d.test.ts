import { describe, expect, it } from 'vitest';
import { grf2dPointVariance, grf2dSigma, resolveGrf2dOptions, sampleGrf2d } from '../../datasets/samplers/grf2d.js';
import { Rng } from '../../core/random.js';

/** Fourier coefficient (1/n²)Σ w e^{−2πi(kx·i + ky·j)/n} by a direct sum. */
function mode(w: Float64Array, n: number, kx: number, ky: number): [number, number] {
  let re = 0;
  let im = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const th = (-2 * Math.PI * (kx * i + ky * j)) / n;
      re += w[i * n + j] * Math.cos(th);
      im += w[i * n + j] * Math.sin(th);
    }
  }
  return [re / (n * n), im / (n * n)];
}

describe('grf2d sampler (FNO Navier–Stokes initial vorticity)', () => {
  it("uses the FNO script's sigma = tau^(alpha - 1) by default", () => {
    const o = resolveGrf2dOptions({});
    expect(o).toEqual({ kind: 'grf2d', alpha: 2.5, tau: 7, sigma: null });
    expect(grf2dSigma(o)).toBeCloseTo(Math.pow(7, 1.5), 12);
  });

  it('has zero mean exactly and the covariance pointwise variance over many samples', () => {
    const o = resolveGrf2dOptions({});
    const n = 16;
    const nSamples = 400;
    let sumSq = 0;
    const perSample: number[] = [];
    for (let s = 0; s < nSamples; s++) {
      const w = sampleGrf2d(o, n, 1, new Rng(3, s));
      let mean = 0;
      let sq = 0;
      for (const v of w) {
        mean += v;
        sq += v * v;
      }
      expect(Math.abs(mean / w.length)).toBeLessThan(1e-12);
      perSample.push(sq / w.length);
      sumSq += sq / w.length;
    }
    const est = sumSq / nSamples;
    const sd = Math.sqrt(perSample.reduce((a, v) => a + (v - est) ** 2, 0) / (nSamples - 1) / nSamples);
    const exact = grf2dPointVariance(o, n, 1);
    expect(Math.abs(est - exact)).toBeLessThan(5 * sd);
    // The check can fail: a wrong amplitude factor of sqrt(2) moves the estimate by > 30 sd.
    expect(Math.abs(2 * est - exact)).toBeGreaterThan(5 * sd);
  });

  it('puts each mode at the amplitude 2·sigma·lambda^(-alpha/2) (a single draw, checked mode by mode)', () => {
    const o = resolveGrf2dOptions({ alpha: 2, tau: 3 });
    const n = 16;
    // Mean square of |c_k| over samples: E|c_k|^2 = (2σλ^{-α/2})²·(1/4 + 1/4) = 2σ²λ^{-α}.
    const k: [number, number] = [2, -1];
    let acc = 0;
    const m = 600;
    for (let s = 0; s < m; s++) {
      const [re, im] = mode(sampleGrf2d(o, n, 1, new Rng(1, s)), n, k[0], k[1]);
      acc += re * re + im * im;
    }
    const lambda = (2 * Math.PI) ** 2 * (k[0] ** 2 + k[1] ** 2) + 9;
    const expected = 2 * grf2dSigma(o) ** 2 * lambda ** -2;
    // |c|² is exponential with mean `expected` (sd = mean): 5 sd of the average.
    expect(Math.abs(acc / m - expected)).toBeLessThan((5 * expected) / Math.sqrt(m));
  });

  it('gives the same large scales at a finer grid from the same seed', () => {
    const o = resolveGrf2dOptions({});
    const a = sampleGrf2d(o, 16, 1, new Rng(9, 4));
    const b = sampleGrf2d(o, 32, 1, new Rng(9, 4));
    for (const [kx, ky] of [
      [1, 0],
      [0, 1],
      [3, -2],
      [-5, 7],
      [7, 7],
    ] as const) {
      const ma = mode(a, 16, kx, ky);
      const mb = mode(b, 32, kx, ky);
      expect(Math.abs(ma[0] - mb[0]) + Math.abs(ma[1] - mb[1])).toBeLessThan(1e-12 * (1 + Math.hypot(...ma)));
      expect(Math.hypot(...ma)).toBeGreaterThan(0);
    }
  });

  it('is deterministic in the Rng and differs between streams', () => {
    const o = resolveGrf2dOptions({});
    expect(sampleGrf2d(o, 16, 1, new Rng(5, 2))).toEqual(sampleGrf2d(o, 16, 1, new Rng(5, 2)));
    expect(sampleGrf2d(o, 16, 1, new Rng(5, 2))).not.toEqual(sampleGrf2d(o, 16, 1, new Rng(5, 3)));
  });

  it.each([
    [{ alpha: 1 }, 'grf2d alpha=1 is not allowed: need a finite number > 1'],
    [{ tau: -1 }, 'grf2d tau=-1 is not allowed'],
    [{ beta: 2 }, "unknown option 'beta' for sampler 'grf2d'"],
  ])('rejects %j', (opts, msg) => {
    expect(() => resolveGrf2dOptions(opts)).toThrow(msg);
  });

  it('rejects a grid that is not a power of two', () => {
    expect(() => sampleGrf2d(resolveGrf2dOptions({}), 24, 1, new Rng(0))).toThrow('grf2d grid n=24 is not allowed: use a power of two >= 4');
  });
});
