import { describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { frontPosition, gaussianCrps, MetricsInputError, normalCdf, normalQuantile, uqMetrics, type UqFields } from '../../src/metrics/index.js';

/** Fields of n samples × nt frames × nx points from per-point functions of (b, t, j). */
function fields(
  n: number,
  nt: number,
  nx: number,
  fn: (b: number, t: number, j: number) => { mu: number; v: number; y: number },
  extra: Partial<UqFields> = {},
): UqFields {
  const size = n * nt * nx;
  const f: UqFields = { mean: new Float64Array(size), variance: new Float64Array(size), truth: new Float64Array(size), n, nt, nx, weights: 1, ...extra };
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < nt; t++) {
      for (let j = 0; j < nx; j++) {
        const i = (b * nt + t) * nx + j;
        const { mu, v, y } = fn(b, t, j);
        (f.mean as Float64Array)[i] = mu;
        (f.variance as Float64Array)[i] = v;
        (f.truth as Float64Array)[i] = y;
      }
    }
  }
  return f;
}

/** CRPS by its definition ∫ (F(x) − 1{x ≥ y})² dx, Simpson's rule on [μ − 12σ, μ + 12σ] split at y. */
function crpsByQuadrature(mu: number, sigma: number, y: number): number {
  const F = (x: number) => normalCdf((x - mu) / sigma);
  const simpson = (a: number, b: number, g: (x: number) => number) => {
    const m = 20000;
    const h = (b - a) / m;
    let s = g(a) + g(b);
    for (let i = 1; i < m; i++) s += (i % 2 ? 4 : 2) * g(a + i * h);
    return (s * h) / 3;
  };
  const lo = Math.min(mu - 12 * sigma, y);
  const hi = Math.max(mu + 12 * sigma, y);
  return simpson(lo, y, (x) => F(x) ** 2) + simpson(y, hi, (x) => (1 - F(x)) ** 2);
}

describe('normal distribution helpers', () => {
  it('Φ and Φ⁻¹ match tabulated values in the centre and the tails', () => {
    expect(normalCdf(0)).toBe(0.5);
    // R: pnorm(c(1, -1.5, -5, -10)), qnorm(c(0.975, 0.75, 1e-6)).
    expect(normalCdf(1)).toBeCloseTo(0.8413447460685429, 15);
    expect(normalCdf(-1.5)).toBeCloseTo(0.06680720126885807, 15);
    expect(normalCdf(-5) / 2.866515718791939e-7).toBeCloseTo(1, 12);
    expect(normalCdf(-10) / 7.61985302416047e-24).toBeCloseTo(1, 12);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.75)).toBeCloseTo(0.6744897501960817, 13);
    expect(normalQuantile(1e-6)).toBeCloseTo(-4.753424308822899, 11);
    for (const p of [1e-12, 0.01, 0.3, 0.5, 0.77, 0.999, 1 - 1e-9]) expect(normalCdf(normalQuantile(p)) / p).toBeCloseTo(1, 12);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(() => normalQuantile(1.2)).toThrow('normalQuantile(1.2) is not defined: give a probability in [0, 1]');
  });
});

describe('gaussianCrps', () => {
  it('is (√2 − 1)/√π for N(0, 1) at its mean, the closed form elsewhere, |e| for σ = 0', () => {
    expect(gaussianCrps(0, 1, 0)).toBeCloseTo((Math.SQRT2 - 1) / Math.sqrt(Math.PI), 15);
    // Scales with σ and is shift-invariant.
    expect(gaussianCrps(3, 2, 3)).toBeCloseTo((2 * (Math.SQRT2 - 1)) / Math.sqrt(Math.PI), 14);
    for (const [mu, s, y] of [
      [0, 1, 0.7],
      [1, 0.3, -0.4],
      [-2, 5, 9],
    ]) {
      expect(gaussianCrps(mu, s, y)).toBeCloseTo(crpsByQuadrature(mu, s, y), 9);
    }
    expect(gaussianCrps(1, 0, -0.5)).toBe(1.5);
    expect(() => gaussianCrps(0, -1, 0)).toThrow('sigma = -1 is not allowed');
  });
});

describe('frontPosition', () => {
  const x = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
  const u = [1, 1, 0.8, 0.4, 0, 0];
  it('interpolates linearly between the last point at or above the level and the first below', () => {
    expect(frontPosition(u, x, 0.5)).toBeCloseTo(0.2 + (0.3 / 0.4) * 0.1, 15);
    // Exactly at a grid value: that point is not below, the next one is.
    expect(frontPosition(u, x, 0.8)).toBeCloseTo(0.2, 15);
    expect(frontPosition(u, x, 0.9)).toBeCloseTo(0.1 + 0.5 * 0.1, 15);
  });
  it('gives x_0 when the profile starts below the level, the last x when it never drops, NaN for NaN', () => {
    expect(frontPosition(u, x, 2)).toBe(0);
    expect(frontPosition(u, x, -1)).toBe(0.5);
    expect(frontPosition([1, NaN, 0, 0, 0, 0], x, 0.5)).toBeNaN();
    // offset: the second profile of a flat array.
    expect(frontPosition([...u, 1, 0.5, 0, 0, 0, 0], x, 0.25, 6)).toBeCloseTo(0.15, 15);
  });
});

describe('uqMetrics', () => {
  it('MSE, log-likelihood and CRPS per point, per sample and aggregated', () => {
    // Sample 0: μ = 1, σ² = 4, y = 2 everywhere. Sample 1: μ = 0, σ² = 1, y = 0.
    const f = fields(2, 3, 4, (b) => (b === 0 ? { mu: 1, v: 4, y: 2 } : { mu: 0, v: 1, y: 0 }));
    const m = uqMetrics(f);
    const ll0 = -0.5 * Math.log(2 * Math.PI * 4) - 1 / 8;
    const ll1 = -0.5 * Math.log(2 * Math.PI);
    expect(m.perSample[0].mse).toBe(1);
    expect(m.perSample[1].mse).toBe(0);
    expect(m.perSample[0].logLik).toBeCloseTo(ll0, 14);
    expect(m.perSample[1].logLik).toBeCloseTo(ll1, 14);
    expect(m.perSample[0].crps).toBeCloseTo(gaussianCrps(1, 2, 2), 14);
    expect(m.perSample[1].crps).toBeCloseTo((Math.SQRT2 - 1) / Math.sqrt(Math.PI), 14);
    expect(m.mse).toBe(0.5);
    expect(m.logLik).toBeCloseTo((ll0 + ll1) / 2, 14);
    expect(m.crps).toBeCloseTo((gaussianCrps(1, 2, 2) + gaussianCrps(0, 1, 0)) / 2, 14);
    expect(m.perFrame.mse).toEqual([0.5, 0.5, 0.5]);
    expect(m.deterministic).toBe(false);
  });

  it('coverage of the 50/90/95% intervals is exactly k/N on a constructed case', () => {
    // σ = 1; |e| = 0.1 (inside every interval), 0.8 (outside 50%: z = 0.674; inside 90%: 1.645),
    // 1.8 (inside 95% only: 1.960), 3 (outside all): 5, 4, 3 and 8 of 20 points, signs alternating.
    const errs = [...Array(5).fill(0.1), ...Array(4).fill(0.8), ...Array(3).fill(1.8), ...Array(8).fill(3)] as number[];
    const f = fields(1, 2, 10, (_, t, j) => ({ mu: 0.5, v: 1, y: 0.5 + (j % 2 ? 1 : -1) * errs[t * 10 + j] }));
    const m = uqMetrics(f);
    expect(m.options.coverageLevels).toEqual([0.5, 0.9, 0.95]);
    expect(m.coverage).toEqual([5 / 20, 9 / 20, 12 / 20]);
    expect(m.perSample[0].coverage).toEqual([5 / 20, 9 / 20, 12 / 20]);
    // Calibration levels 0.05..0.95: 0.1 is inside from p = 0.1 (z = 0.126) on; at p = 0.05 (z = 0.063) nothing is.
    expect(m.calibration.expected).toEqual([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
    expect(m.calibration.observed[0]).toBe(0);
    expect(m.calibration.observed[1]).toBe(5 / 20);
    expect(m.calibration.observed[17]).toBe(9 / 20);
    expect(m.calibration.observed[18]).toBe(12 / 20);
    // Custom levels: 99.9% (z = 3.29) holds every point.
    expect(uqMetrics(f, { coverageLevels: [0.999] }).coverage).toEqual([1]);
  });

  it('is calibrated on data drawn from the predicted Gaussians and not when σ is halved (seeded)', () => {
    const rng = new Rng(2024);
    const n = 8;
    const nt = 25;
    const nx = 200;
    const f = fields(n, nt, nx, (b, t, j) => {
      const mu = Math.sin(0.1 * j + b) + 0.05 * t;
      const s = 0.05 + (0.5 * ((b + j) % 7)) / 7;
      return { mu, v: s * s, y: mu + s * rng.normal() };
    });
    const m = uqMetrics(f);
    // 40 000 points: the binomial standard error of an observed coverage is at most 0.0025.
    m.calibration.observed.forEach((o, k) => expect(Math.abs(o - m.calibration.expected[k])).toBeLessThan(0.01));
    m.coverage.forEach((c, k) => expect(Math.abs(c - [0.5, 0.9, 0.95][k])).toBeLessThan(0.01));
    // E CRPS = σ/√π and E log N = −½ log(2πσ²) − ½ under the model.
    let crps = 0;
    let ll = 0;
    for (let i = 0; i < f.variance.length; i++) {
      crps += Math.sqrt(f.variance[i]) / Math.sqrt(Math.PI);
      ll += -0.5 * Math.log(2 * Math.PI * f.variance[i]) - 0.5;
    }
    expect(m.crps / (crps / f.variance.length)).toBeCloseTo(1, 1);
    expect(Math.abs(m.logLik - ll / f.variance.length)).toBeLessThan(0.02);

    const over = uqMetrics({ ...f, variance: Float64Array.from(f.variance, (v) => v / 4) });
    over.calibration.observed.forEach((o, k) => expect(o).toBeLessThan(over.calibration.expected[k] - 0.02));
    expect(over.logLik).toBeLessThan(m.logLik);
    expect(over.crps).toBeGreaterThan(m.crps);
  });

  it('variance 0: CRPS is the mean |error|, log-likelihood −∞ with any error (exact points left out), coverage only of exact points', () => {
    const f = fields(2, 2, 4, (b, t, j) => ({ mu: j, v: 0, y: b === 0 ? j + (t + 1) * 0.5 * (j % 2) : j }));
    const m = uqMetrics(f);
    expect(m.deterministic).toBe(true);
    // Sample 0: |e| = 0.5 at odd j in frame 0, 1 at odd j in frame 1: mean |e| = (2·0.5 + 2·1)/8.
    expect(m.perSample[0].crps).toBe(3 / 8);
    expect(m.perSample[0].logLik).toBe(-Infinity);
    expect(m.perSample[0].coverage).toEqual([0.5, 0.5, 0.5]);
    expect(m.perSample[1].crps).toBe(0);
    // Exact everywhere: every point left out of the mean.
    expect(m.perSample[1].logLik).toBeNaN();
    expect(m.perSample[1].coverage).toEqual([1, 1, 1]);
    expect(m.logLik).toBe(-Infinity);
    expect(m.coverage).toEqual([0.75, 0.75, 0.75]);
    expect(m.crps).toBe(3 / 16);
    // In JSON the infinities become null.
    expect(JSON.parse(JSON.stringify(m)).perSample[0].logLik).toBeNull();

    // A point pinned exactly with σ² = 0 (a hard boundary value) is left out; the others count as usual.
    const pinned = fields(1, 1, 3, (_, __, j) => (j === 0 ? { mu: 1, v: 0, y: 1 } : { mu: 0, v: 1, y: 0 }));
    expect(uqMetrics(pinned).logLik).toBeCloseTo(-0.5 * Math.log(2 * Math.PI), 14);
    expect(uqMetrics(pinned).crps).toBeCloseTo((2 / 3) * gaussianCrps(0, 1, 0), 14);
    expect(uqMetrics(pinned).deterministic).toBe(false);
  });

  it('conservation error: weighted mass of the mean against Σ w·truth or the given true mass', () => {
    // nx = 5, dx = 0.1: the mean has an extra c(t) = 0.2·(t + 1) at point 2, so ΔM = 0.1·c(t).
    const f = fields(
      2,
      3,
      5,
      (b, t, j) => {
        const y = 1 + b + 0.1 * j + t;
        return { mu: y + (j === 2 && b === 1 ? 0.2 * (t + 1) : 0), v: 0.01, y };
      },
      { weights: 0.1 },
    );
    const m = uqMetrics(f);
    const c = m.conservation;
    // True mass Σ_j 0.1·(1 + b + 0.1j + t) = 0.5(1 + b + t) + 0.1.
    expect(c.trueMass[1].map((v) => Number(v.toFixed(12)))).toEqual([1.1, 1.6, 2.1]);
    expect(c.predMass[0]).toEqual(c.trueMass[0]);
    c.predMass[1].forEach((v, t) => expect(v - c.trueMass[1][t]).toBeCloseTo(0.02 * (t + 1), 14));
    expect(m.perSample[0].massErrMax).toBe(0);
    expect(m.perSample[1].massErrMean).toBeCloseTo(0.04, 14);
    expect(m.perSample[1].massErrMax).toBeCloseTo(0.06, 14);
    expect(m.perSample[1].massErrRel).toBeCloseTo(0.06 / 2.1, 13);
    expect(c.meanAbs).toBeCloseTo(0.02, 14);
    expect(c.maxAbs).toBeCloseTo(0.06, 14);
    expect(c.scale).toBeCloseTo(2.1, 13);
    expect(c.relMaxAbs).toBeCloseTo(0.06 / 2.1, 13);
    expect(c.trueMassGiven).toBe(false);
    expect(m.perFrame.massErrMean.map((v) => Number(v.toFixed(12)))).toEqual([0.01, 0.02, 0.03]);

    // Trapezoid weights, and a given true mass (e.g. the exact solution's integral).
    const w = [0.05, 0.1, 0.1, 0.1, 0.05];
    const given = uqMetrics({ ...f, weights: w, trueMass: [1, 1, 1, 2, 2, 2] });
    expect(given.conservation.trueMassGiven).toBe(true);
    expect(given.conservation.trueMass).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
    const m00 = w.reduce((s, wj, j) => s + wj * (1 + 0.1 * j), 0);
    expect(given.conservation.predMass[0][0]).toBeCloseTo(m00, 14);
    expect(given.perSample[0].massErrMean).toBeCloseTo((Math.abs(m00 - 1) + Math.abs(m00 + 0.4 - 1) + Math.abs(m00 + 0.8 - 1)) / 3, 13);
  });

  it('scales the mass error of a signed field (zero mass, e.g. sin x over a period) by its L1 mass', () => {
    // y = sin(2πj/8) over one period: Σ w·y = 0, Σ w·|y| = 0.125·(0 + 2·(√½ + 1 + √½)) = 0.25(1 + √2).
    const f = fields(
      1,
      1,
      8,
      (_b, _t, j) => {
        const y = Math.sin((2 * Math.PI * j) / 8);
        return { mu: y + (j === 0 ? 0.08 : 0), v: 0.01, y };
      },
      { weights: 0.125 },
    );
    const c = uqMetrics(f).conservation;
    expect(Math.abs(c.trueMass[0][0])).toBeLessThan(1e-15);
    expect(c.scale).toBeCloseTo(0.25 * (1 + Math.SQRT2), 14);
    expect(c.maxAbs).toBeCloseTo(0.01, 14);
    expect(c.relMaxAbs).toBeCloseTo(0.01 / (0.25 * (1 + Math.SQRT2)), 13);
  });

  it('front error of the mean against the truth at a fixed, per-sample or relative level', () => {
    // Profiles u = clamp(1 − (x − s)/0.2, 0, 1) with the front (u = 0.5) at s + 0.1: truth s = 0.3 + 0.1t,
    // mean s shifted by 0.05·(b + 1) (exactly on the grid of spacing 0.01, so interpolation is exact).
    const nx = 101;
    const x = Array.from({ length: nx }, (_, j) => j / 100);
    const ramp = (xj: number, s: number) => Math.min(1, Math.max(0, 1 - (xj - s) / 0.2));
    const f = fields(2, 3, nx, (b, t, j) => ({ mu: ramp(x[j], 0.3 + 0.1 * t + 0.05 * (b + 1)), v: 0.01, y: ramp(x[j], 0.3 + 0.1 * t) }), { x });
    const m = uqMetrics(f, { front: { level: 0.5 } });
    const fr = m.front;
    if (!fr) throw new Error('no front metrics');
    fr.truth.forEach((row) => row.forEach((v, t) => expect(v).toBeCloseTo(0.4 + 0.1 * t, 12)));
    fr.pred.forEach((row, b) => row.forEach((v, t) => expect(v).toBeCloseTo(0.4 + 0.1 * t + 0.05 * (b + 1), 12)));
    expect(m.perSample[0].frontErrMean).toBeCloseTo(0.05, 12);
    expect(m.perSample[1].frontErrMax).toBeCloseTo(0.1, 12);
    expect(fr.meanAbs).toBeCloseTo(0.075, 12);
    expect(fr.maxAbs).toBeCloseTo(0.1, 12);
    fr.perFrameMeanAbs.forEach((v) => expect(v).toBeCloseTo(0.075, 12));
    expect(fr.level).toEqual([
      [0.5, 0.5, 0.5],
      [0.5, 0.5, 0.5],
    ]);

    // Per-sample level p* (0.25 for sample 1: front at s + 0.15), and half of the frame's maximum (= 0.5 here).
    const perSample = uqMetrics(f, { front: { level: [0.5, 0.25] } });
    expect(perSample.front?.truth[1][0]).toBeCloseTo(0.45, 12);
    const relative = uqMetrics(f, { front: { fractionOfMax: 0.5 } });
    expect(relative.front?.truth).toEqual(fr.truth);
    expect(relative.front?.level[0]).toEqual([0.5, 0.5, 0.5]);
    expect(uqMetrics(f).front).toBeUndefined();
    expect(uqMetrics(f).perSample[0].frontErrMean).toBeUndefined();
  });

  it('NaN in one sample makes that sample NaN and leaves the others alone; results survive JSON', () => {
    const f = fields(2, 2, 3, (b, t, j) => ({ mu: b === 1 && t === 1 && j === 2 ? NaN : 0.1 * j, v: 0.04, y: 0.1 * j + 0.05 }), { x: [0, 1, 2] });
    const m = uqMetrics(f, { front: { fractionOfMax: 0.5 } });
    expect(Number.isFinite(m.perSample[0].mse)).toBe(true);
    expect(Number.isFinite(m.perSample[0].crps)).toBe(true);
    for (const key of ['mse', 'logLik', 'crps', 'massErrMean', 'massErrMax'] as const) expect(m.perSample[1][key], key).toBeNaN();
    expect(m.perSample[1].coverage.every(Number.isNaN)).toBe(true);
    expect(m.coverage.every(Number.isNaN)).toBe(true);
    expect(m.mse).toBeNaN();
    const clean = uqMetrics({ ...f, mean: Float64Array.from(f.mean, (v) => (Number.isNaN(v) ? 0 : v)) }, { front: { level: 0.1 } });
    expect(JSON.parse(JSON.stringify(clean))).toEqual(clean);
  });

  it('accepts Float32Array fields and accumulates in float64', () => {
    const f = fields(1, 1, 3, (_, __, j) => ({ mu: 0.1 * j, v: 0.25, y: 0.1 * j + 0.3 }));
    const f32 = { ...f, mean: Float32Array.from(f.mean), variance: Float32Array.from(f.variance), truth: Float32Array.from(f.truth) };
    expect(uqMetrics(f32).crps).toBeCloseTo(uqMetrics(f).crps, 6);
  });

  it('rejects bad input with messages naming the field and value', () => {
    const f = fields(2, 2, 3, () => ({ mu: 0, v: 1, y: 0 }));
    const bad =
      (g: Partial<UqFields>, opts = {}) =>
      () =>
        uqMetrics({ ...f, ...g }, opts);
    expect(bad({ nt: 0 })).toThrow(MetricsInputError);
    expect(bad({ nt: 0 })).toThrow('fields.nt = 0 is not allowed: use an integer >= 1');
    expect(bad({ truth: new Float32Array(5) })).toThrow('fields.truth has 5 values but [n, nt, nx] = [2, 2, 3] needs 12');
    expect(bad({ variance: Float64Array.from(f.variance, (v, i) => (i === 7 ? -0.1 : v)) })).toThrow(
      'variance[7] = -0.1 is negative (sample 1, frame 0, point 1)',
    );
    expect(bad({ weights: [1, 1] })).toThrow('fields.weights has 2 values but nx = 3 needs 3');
    expect(bad({ weights: 0 })).toThrow('fields.weights = 0 is not allowed');
    expect(bad({ trueMass: [1, 2, 3] })).toThrow('fields.trueMass has 3 values but [n, nt] = [2, 2] needs 4');
    expect(bad({}, { front: { level: 0.5 } })).toThrow('fields.x is missing: the front metrics need the grid');
    expect(bad({ x: [0, 2, 1] })).toThrow('fields.x[2] = 1 is not allowed: the grid must be finite and increasing');
    expect(bad({ x: [0, 1, 2] }, { front: {} })).toThrow('front needs exactly one of level and fractionOfMax');
    expect(bad({ x: [0, 1, 2] }, { front: { level: [0.5] } })).toThrow('front.level has 1 values but there are 2 samples');
    expect(bad({ x: [0, 1, 2] }, { front: { level: 0.5, side: 'left' } })).toThrow('unknown front option "side"');
    expect(bad({}, { coverage: [0.5] })).toThrow('unknown uq metrics option "coverage": use one of coverageLevels, calibrationLevels, front');
    expect(bad({}, { coverageLevels: [0.5, 1] })).toThrow('coverageLevels[1] = 1 is not allowed: use a level in (0, 1)');
    expect(bad({}, { calibrationLevels: [] })).toThrow('calibrationLevels is empty');
  });
});
