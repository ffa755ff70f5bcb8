import { describe, expect, it } from 'vitest';
import {
  evaluateTrigSeries,
  GRF_PRESETS,
  grfModeStd,
  resolveSamplerConfig,
  SAMPLER_KINDS,
  sampleInitialCondition,
  SUM_OF_SINES_DEFAULTS,
  type SamplerConfig,
} from '../../datasets/samplers/index.js';
import { SolverInputError } from '../../solvers/errors.js';
import { rfft } from '../../core/fft/fft.js';
import { Grid1D } from '../../core/grid.js';
import { Rng } from '../../core/random.js';

const bytes = (a: Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('registry and determinism', () => {
  const grid = new Grid1D(128, [0, 1], 'node');
  const configs: SamplerConfig[] = [{ kind: 'grf' }, { kind: 'sum-of-sines' }];

  it('lists the kinds', () => {
    expect([...SAMPLER_KINDS].sort()).toEqual(['grf', 'sum-of-sines']);
  });

  it.each(configs)('$kind: same seed and stream give identical bytes; other seeds or streams differ', (config) => {
    const a = sampleInitialCondition(config, grid, new Rng(7, 3));
    const b = sampleInitialCondition(config, grid, new Rng(7, 3));
    expect(bytes(a).equals(bytes(b))).toBe(true);
    expect(bytes(a).equals(bytes(sampleInitialCondition(config, grid, new Rng(8, 3))))).toBe(false);
    expect(bytes(a).equals(bytes(sampleInitialCondition(config, grid, new Rng(7, 4))))).toBe(false);
    expect(a.length).toBe(grid.n);
    expect(a.every(Number.isFinite)).toBe(true);
  });

  it('resolveSamplerConfig fills every default and sampling a resolved config is the same as sampling the partial one', () => {
    const grf = resolveSamplerConfig({ kind: 'grf' });
    expect(grf).toStrictEqual({ kind: 'grf', preset: 'fno-paper', ...GRF_PRESETS['fno-paper'], mean: 0 });
    expect(JSON.parse(JSON.stringify(grf))).toStrictEqual(grf);
    expect(resolveSamplerConfig({ kind: 'grf', nModes: 16 })).toMatchObject({ nModes: 16 });
    const sos = resolveSamplerConfig({ kind: 'sum-of-sines', kMax: 6 });
    expect(sos).toEqual({ kind: 'sum-of-sines', ...SUM_OF_SINES_DEFAULTS, kMax: 6 });
    const again = sampleInitialCondition(sos, grid, new Rng(1));
    expect(bytes(again).equals(bytes(sampleInitialCondition({ kind: 'sum-of-sines', kMax: 6 }, grid, new Rng(1))))).toBe(true);
  });

  it('rejects unknown kinds and bad options with one-line messages naming field and value', () => {
    expect(() => resolveSamplerConfig({ kind: 'gaussian' })).toThrow(SolverInputError);
    expect(() => resolveSamplerConfig({ kind: 'gaussian' })).toThrow("unknown sampler kind 'gaussian': use one of grf, sum-of-sines");
    expect(() => resolveSamplerConfig({ kind: 'grf', sigma: -1 })).toThrow('grf sigma=-1 is not allowed: need a finite number > 0');
    expect(() => resolveSamplerConfig({ kind: 'grf', tau: Infinity })).toThrow('grf tau=Infinity is not allowed: need a finite number >= 0');
    expect(() => resolveSamplerConfig({ kind: 'grf', gamma: '2' })).toThrow('grf gamma=2 is not allowed: need a finite number > 0');
    expect(() => resolveSamplerConfig({ kind: 'grf', nModes: 2.5 })).toThrow('grf nModes=2.5 is not allowed: need an integer >= 1');
    expect(() => resolveSamplerConfig({ kind: 'grf', preset: 'fno' })).toThrow("grf preset 'fno' is unknown: use one of fno-paper, fno-burgers-script");
    expect(() => resolveSamplerConfig({ kind: 'grf', sgima: 3 })).toThrow(
      "unknown option 'sgima' for sampler 'grf': known options are preset, sigma, tau, gamma, mean, nModes",
    );
    expect(() => sampleInitialCondition({ kind: 'grf', nModes: 65 }, new Grid1D(128, [0, 1], 'node'), new Rng(0))).toThrow(
      'grf nModes=65 is not allowed for n=128: need nModes <= n/2 = 64',
    );
    expect(() => resolveSamplerConfig({ kind: 'sum-of-sines', kMax: 0 })).toThrow('sum-of-sines kMax=0 is not allowed: need an integer >= 1');
    expect(() => resolveSamplerConfig({ kind: 'sum-of-sines', pAbs: 1.5 })).toThrow('sum-of-sines pAbs=1.5 is not allowed: need a probability in [0, 1]');
    expect(() => resolveSamplerConfig({ kind: 'sum-of-sines', amplitude: [1, 0] })).toThrow(
      'sum-of-sines amplitude=[1,0] is not allowed: need [lo, hi] with -Infinity <= lo <= hi <= Infinity',
    );
    expect(() => resolveSamplerConfig({ kind: 'sum-of-sines', windowLeft: [0.2, 1.2] })).toThrow(
      'sum-of-sines windowLeft=[0.2,1.2] is not allowed: need [lo, hi] with 0 <= lo <= hi <= 1',
    );
    expect(() => resolveSamplerConfig({ kind: 'sum-of-sines', modeSelection: 'random' })).toThrow(
      'sum-of-sines modeSelection="random" is not allowed: need one of pdebench, distinct',
    );
    expect(() => resolveSamplerConfig({ kind: 'sum-of-sines', modeSelection: 'distinct', nModes: 5 })).toThrow(
      'sum-of-sines nModes=5 is not allowed: need nModes <= kMax=4 for distinct wavenumbers',
    );
    expect(() => resolveSamplerConfig({ kind: 'sum-of-sines', normalise: true })).toThrow("unknown option 'normalise' for sampler 'sum-of-sines'");
  });
});

describe('Gaussian random field', () => {
  it('evaluates the trigonometric series exactly on node and cell grids, by FFT and by direct sums', () => {
    const rng = new Rng(5);
    for (const [n, staggering] of [
      [64, 'node'],
      [64, 'cell'],
      [48, 'node'],
      [48, 'cell'],
    ] as const) {
      const grid = new Grid1D(n, [-1, 2], staggering);
      const K = n / 2;
      const a = Float64Array.from({ length: K + 1 }, (_, k) => (k === 0 ? 0 : rng.normal()));
      const b = Float64Array.from({ length: K + 1 }, (_, k) => (k === 0 ? 0 : rng.normal()));
      const u = evaluateTrigSeries(0.3, a, b, grid);
      const x = grid.points();
      let err = 0;
      for (let j = 0; j < n; j++) {
        let ref = 0.3;
        for (let k = 1; k <= K; k++) {
          const th = (2 * Math.PI * k * (x[j] - grid.xmin)) / grid.length;
          ref += a[k] * Math.cos(th) + b[k] * Math.sin(th);
        }
        err = Math.max(err, Math.abs(u[j] - ref));
      }
      expect(err).toBeLessThan(1e-12);
    }
  });

  it('the spectrum averaged over many samples matches the covariance σ²(−Δ + τ²)^−γ mode by mode', () => {
    const n = 32;
    const grid = new Grid1D(n, [0, 1], 'node');
    const config = resolveSamplerConfig({ kind: 'grf' });
    const samples = 3000;
    const power = new Float64Array(n / 2 + 1);
    const pointMean = new Float64Array(n);
    let pointVar = 0;
    for (let s = 0; s < samples; s++) {
      const u = sampleInitialCondition(config, grid, new Rng(2024, s));
      const c = rfft(u);
      for (let k = 0; k <= n / 2; k++) power[k] += (c[2 * k] ** 2 + c[2 * k + 1] ** 2) / samples;
      for (let j = 0; j < n; j++) {
        pointMean[j] += u[j] / samples;
        pointVar += (u[j] * u[j]) / (samples * n);
      }
    }
    const p = GRF_PRESETS['fno-paper'];
    // |X_k|² = (n/2)²(ξ² + η²)·s_k² for 0 < k < n/2: mean (n²/2)s_k², relative sd 1/√samples.
    const tol = 5 / Math.sqrt(samples);
    expect(power[0]).toBeLessThan(1e-20);
    let varSum = 0;
    for (let k = 1; k < n / 2; k++) {
      const s2 = grfModeStd(k, p, 1) ** 2;
      varSum += s2;
      expect(Math.abs(power[k] / ((n * n * s2) / 2) - 1)).toBeLessThan(tol);
    }
    // Nyquist: only the cosine survives on nodes, X = n·ξ·s: mean n²s², relative sd √2/√samples.
    const sN = grfModeStd(n / 2, p, 1) ** 2;
    varSum += sN;
    expect(Math.abs(power[n / 2] / (n * n * sN) - 1)).toBeLessThan(Math.SQRT2 * tol);
    // Pointwise: mean 0, variance Σ_k s_k².
    const sd = Math.sqrt(varSum);
    for (let j = 0; j < n; j++) expect(Math.abs(pointMean[j])).toBeLessThan((5 * sd) / Math.sqrt(samples));
    expect(Math.abs(pointVar / varSum - 1)).toBeLessThan(tol);
  });

  it('the paper preset has the paper covariance 625(−Δ + 25I)^−2, and mean and nModes act as documented', () => {
    expect(GRF_PRESETS['fno-paper']).toEqual({ sigma: 25, tau: 5, gamma: 2 });
    // s_k² = 2·625·((2πk)² + 25)^−2: the KL weight of the √2·cos, √2·sin eigenfunctions.
    expect(grfModeStd(1, GRF_PRESETS['fno-paper'], 1) ** 2).toBeCloseTo(1250 / (4 * Math.PI ** 2 + 25) ** 2, 14);
    const grid = new Grid1D(64, [0, 1], 'node');
    const u = sampleInitialCondition({ kind: 'grf', mean: 2.5, nModes: 4 }, grid, new Rng(3));
    const c = rfft(u);
    expect(c[0] / 64).toBeCloseTo(2.5, 12);
    for (let k = 5; k <= 32; k++) expect(Math.hypot(c[2 * k], c[2 * k + 1])).toBeLessThan(1e-12);
    expect(Math.hypot(c[8], c[9])).toBeGreaterThan(1e-6);
  });

  it('the same seed on a finer grid gives the same field with more modes resolved', () => {
    const coarse = new Grid1D(32, [0, 1], 'node');
    const fine = new Grid1D(128, [0, 1], 'node');
    const uc = sampleInitialCondition({ kind: 'grf', nModes: 16 }, coarse, new Rng(11));
    const uf = sampleInitialCondition({ kind: 'grf', nModes: 16 }, fine, new Rng(11));
    // Node j of the coarse grid is node 4j of the fine one.
    expect(Math.max(...uc.map((v, j) => Math.abs(v - uf[4 * j])))).toBeLessThan(1e-12);
  });
});

describe('PDEBench sum of sines', () => {
  const n = 256;
  const grid = new Grid1D(n, [0, 1], 'node');
  const clean = { pAbs: 0, pFlip: 0, pWindow: 0 };

  /** Amplitude of every integer wavenumber 0 … n/2 (cosine-and-sine amplitude; the mean for 0). */
  const amplitudes = (u: Float64Array): number[] => {
    const c = rfft(u);
    return Array.from({ length: n / 2 + 1 }, (_, m) => (m === 0 ? c[0] / n : (2 * Math.hypot(c[2 * m], c[2 * m + 1])) / n));
  };

  it('distinct selection: exactly nModes wavenumbers in 1 … kMax, amplitudes in range, zero mean', () => {
    for (let s = 0; s < 50; s++) {
      const u = sampleInitialCondition(
        { kind: 'sum-of-sines', modeSelection: 'distinct', nModes: 3, kMax: 5, amplitude: [0.5, 0.7], ...clean },
        grid,
        new Rng(1, s),
      );
      const amp = amplitudes(u);
      const active = amp.map((a, m) => [m, a] as const).filter(([, a]) => a > 1e-12);
      expect(active.length).toBe(3);
      for (const [m, a] of active) {
        expect(m).toBeGreaterThanOrEqual(1);
        expect(m).toBeLessThanOrEqual(5);
        expect(a).toBeGreaterThanOrEqual(0.5 - 1e-12);
        expect(a).toBeLessThan(0.7 + 1e-12);
      }
    }
  });

  it('PDEBench selection: wavenumbers k·(times drawn) ≤ 2·kMax, and the indices not drawn add A·sin(φ) to the mean', () => {
    let sawDouble = false;
    let sawOffset = false;
    for (let s = 0; s < 100; s++) {
      const u = sampleInitialCondition({ kind: 'sum-of-sines', ...clean }, grid, new Rng(2, s));
      const amp = amplitudes(u);
      const active = amp.map((a, m) => [m, a] as const).filter(([m, a]) => m > 0 && a > 1e-12);
      expect(active.length).toBeGreaterThanOrEqual(1);
      expect(active.length).toBeLessThanOrEqual(2);
      for (const [m, a] of active) {
        expect(m).toBeLessThanOrEqual(8);
        expect(a).toBeLessThan(1);
        if (active.length === 1) sawDouble ||= m % 2 === 0;
      }
      // At least kMax − nModes = 2 indices are never drawn: each adds A·sin(φ) with |A| < 1.
      expect(Math.abs(amp[0])).toBeLessThan(4);
      sawOffset ||= Math.abs(amp[0]) > 1e-3;
    }
    expect(sawDouble).toBe(true);
    expect(sawOffset).toBe(true);
  });

  it('phases are uniform on [0, 2π): the mean of e^{iφ} over many samples is near 0', () => {
    let re = 0;
    let im = 0;
    const samples = 2000;
    for (let s = 0; s < samples; s++) {
      const u = sampleInitialCondition(
        { kind: 'sum-of-sines', modeSelection: 'distinct', nModes: 1, kMax: 1, amplitude: [1, 1], ...clean },
        grid,
        new Rng(3, s),
      );
      // u = sin(2πx + φ): u(0) = sin φ, u(1/4) = cos φ.
      re += u[n / 4] / samples;
      im += u[0] / samples;
    }
    expect(Math.hypot(re, im)).toBeLessThan(5 / Math.sqrt(samples));
  });

  it('abs gives u ≥ 0, the flip then u ≤ 0, and each happens with its probability', () => {
    const allAbs = sampleInitialCondition({ kind: 'sum-of-sines', pAbs: 1, pFlip: 0, pWindow: 0 }, grid, new Rng(4));
    expect(Math.min(...allAbs)).toBeGreaterThanOrEqual(0);
    const flipped = sampleInitialCondition({ kind: 'sum-of-sines', pAbs: 1, pFlip: 1, pWindow: 0 }, grid, new Rng(4));
    expect(Math.max(...flipped)).toBeLessThanOrEqual(0);
    expect(Array.from(flipped)).toEqual(Array.from(allAbs, (v) => -v));
    // Frequencies over many samples (distinct modes: a plain sum of sines always has both signs).
    const samples = 4000;
    let nonNegative = 0;
    let nonPositive = 0;
    for (let s = 0; s < samples; s++) {
      const u = sampleInitialCondition({ kind: 'sum-of-sines', modeSelection: 'distinct', pWindow: 0 }, grid, new Rng(5, s));
      if (Math.min(...u) >= 0) nonNegative++;
      if (Math.max(...u) <= 0) nonPositive++;
    }
    // P(|u|, no flip) = 0.1·0.5 each way.
    const p = 0.05;
    const band = 5 * Math.sqrt((p * (1 - p)) / samples);
    expect(Math.abs(nonNegative / samples - p)).toBeLessThan(band);
    expect(Math.abs(nonPositive / samples - p)).toBeLessThan(band);
  });

  it('the tanh window zeroes the field near both ends, and is drawn with probability pWindow', () => {
    const opts = { kind: 'sum-of-sines', modeSelection: 'distinct', pAbs: 0, pFlip: 0 } as const;
    const u = sampleInitialCondition({ ...opts, pWindow: 1 }, grid, new Rng(6));
    const plain = sampleInitialCondition({ ...opts, pWindow: 0 }, grid, new Rng(6));
    const x = grid.points();
    const scale = Math.max(1, ...plain.map(Math.abs));
    for (let j = 0; j < n; j++) {
      // Edges lie in [0.1, 0.45) and [0.55, 0.9) with width 0.01: 8 widths beyond them the mask is < 1e-7.
      if (x[j] < 0.02 || x[j] > 0.98) expect(Math.abs(u[j])).toBeLessThan(1e-6 * scale);
      // At the centre, at least 5 widths inside both edges, the field is kept (mask > 0.9999).
      if (x[j] === 0.5) expect(Math.abs(u[j] - plain[j])).toBeLessThan(1e-4 * scale);
      expect(Math.abs(u[j])).toBeLessThanOrEqual(Math.abs(plain[j]) + 1e-15);
    }
    const samples = 4000;
    let windowed = 0;
    for (let s = 0; s < samples; s++) {
      const v = sampleInitialCondition({ ...opts }, grid, new Rng(7, s));
      if (Math.abs(v[0]) < 1e-6 && Math.abs(v[n - 1]) < 1e-6) windowed++;
    }
    const band = 5 * Math.sqrt((0.1 * 0.9) / samples);
    expect(Math.abs(windowed / samples - 0.1)).toBeLessThan(band);
  });

  it('normalize rescales to [0, 1]; the span wavenumber length is PDEBench’s non-periodic variant', () => {
    const u = sampleInitialCondition({ kind: 'sum-of-sines', normalize: true }, grid, new Rng(8));
    expect(Math.min(...u)).toBe(0);
    expect(Math.max(...u)).toBe(1);
    const g = new Grid1D(64, [0, 1], 'node');
    const opts = { kind: 'sum-of-sines', modeSelection: 'distinct', nModes: 1, kMax: 1, amplitude: [1, 1], ...clean } as const;
    const periodic = sampleInitialCondition({ ...opts, wavenumberLength: 'period' }, g, new Rng(9));
    const span = sampleInitialCondition({ ...opts, wavenumberLength: 'span' }, g, new Rng(9));
    // Same draws, only the wavenumber differs: 2π, or 2π/(x_last − x_first) = 2π/(1 − dx) as in PDEBench.
    const x = g.points();
    const phase = Math.atan2(periodic[0], periodic[16]);
    for (let j = 0; j < 64; j++) {
      expect(periodic[j]).toBeCloseTo(Math.sin(2 * Math.PI * x[j] + phase), 12);
      expect(span[j]).toBeCloseTo(Math.sin(((2 * Math.PI) / (1 - g.dx)) * x[j] + phase), 12);
    }
  });
});
