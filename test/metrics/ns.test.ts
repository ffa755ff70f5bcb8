import { describe, expect, it } from 'vitest';
import { PowerSpectrum2d } from '../../core/spectrum.js';
import { highCorrelationTime, MetricsInputError, nsRolloutMetrics, pearsonCorrelation, type NsFields } from '../../src/metrics/index.js';

const TWO_PI = 2 * Math.PI;

/** A Fourier mode of the stream function ψ = a·cos(2π(mx·x + my·y)/L + phase). */
interface Mode {
  a: number;
  mx: number;
  my: number;
  phase?: number;
}

/** ω = −∇²ψ and the velocity u = ψ_y, v = −ψ_x of a sum of modes, exact on the grid (no differencing). */
function fromStreamFunction(modes: Mode[], nx: number, ny: number, L: number): { w: Float64Array; u: Float64Array; v: Float64Array } {
  const w = new Float64Array(nx * ny);
  const u = new Float64Array(nx * ny);
  const v = new Float64Array(nx * ny);
  for (let i = 0; i < nx; i++) {
    for (let j = 0; j < ny; j++) {
      const x = (i * L) / nx;
      const y = (j * L) / ny;
      for (const { a, mx, my, phase = 0 } of modes) {
        const kx = (TWO_PI * mx) / L;
        const ky = (TWO_PI * my) / L;
        const arg = kx * x + ky * y + phase;
        w[i * ny + j] += a * (kx * kx + ky * ky) * Math.cos(arg);
        u[i * ny + j] += -a * ky * Math.sin(arg);
        v[i * ny + j] += a * kx * Math.sin(arg);
      }
    }
  }
  return { w, u, v };
}

/** Fields of n samples × nt frames, frame (b, t) from frame(b, t) ([nx][ny]). */
function fields(
  n: number,
  times: number[],
  nx: number,
  ny: number,
  L: number,
  truth: (b: number, t: number) => ArrayLike<number>,
  pred: (b: number, t: number) => ArrayLike<number>,
): NsFields {
  const nt = times.length;
  const size = nx * ny;
  const f: NsFields = { pred: new Float32Array(n * nt * size), truth: new Float32Array(n * nt * size), n, nt, nx, ny, length: L, times };
  for (let b = 0; b < n; b++) {
    for (let t = 0; t < nt; t++) {
      f.truth.set(truth(b, t), (b * nt + t) * size);
      f.pred.set(pred(b, t), (b * nt + t) * size);
    }
  }
  return f;
}

function sum(v: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i];
  return s;
}

/** ½ mean(u² + v²) straight from the velocity. */
function kineticEnergy(u: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += u[i] * u[i] + v[i] * v[i];
  return s / (2 * u.length);
}

describe('PowerSpectrum2d', () => {
  // 8 × 4 is radix-2 on both axes; 6 × 10 and 5 × 8 take the direct transform on one or both.
  for (const [nx, ny] of [
    [8, 4],
    [6, 10],
    [5, 8],
  ]) {
    it(`${nx} × ${ny}: matches a direct O(N⁴) DFT of a pseudo-random field`, () => {
      const f = Float64Array.from({ length: nx * ny }, (_, i) => Math.sin(1.3 * i * i + 0.2) + 0.1 * i);
      const got = new Float64Array(nx * ny);
      new PowerSpectrum2d(nx, ny).compute(f, 0, got);
      for (let p = 0; p < nx; p++) {
        for (let q = 0; q < ny; q++) {
          let re = 0;
          let im = 0;
          for (let i = 0; i < nx; i++) {
            for (let j = 0; j < ny; j++) {
              const ang = -TWO_PI * ((i * p) / nx + (j * q) / ny);
              re += f[i * ny + j] * Math.cos(ang);
              im += f[i * ny + j] * Math.sin(ang);
            }
          }
          expect(got[p * ny + q]).toBeCloseTo(re * re + im * im, 8);
        }
      }
    });
  }
});

describe('pearsonCorrelation and highCorrelationTime', () => {
  it('a field with itself is 1, with its negative −1, with an orthogonal mode 0', () => {
    const { w } = fromStreamFunction([{ a: 1, mx: 1, my: 2 }], 16, 16, 1);
    const { w: other } = fromStreamFunction([{ a: 1, mx: 3, my: 0 }], 16, 16, 1);
    expect(pearsonCorrelation(w, w)).toBeCloseTo(1, 14);
    expect(
      pearsonCorrelation(
        w,
        w.map((x) => -3 * x),
      ),
    ).toBeCloseTo(-1, 14);
    expect(pearsonCorrelation(w, other)).toBeCloseTo(0, 14);
    // Pearson subtracts the means: an offset and a scale change nothing.
    expect(
      pearsonCorrelation(
        w,
        w.map((x) => 2 * x + 5),
      ),
    ).toBeCloseTo(1, 14);
  });

  it('interpolates linearly in t at the first drop below the threshold', () => {
    const times = [0, 0.5, 1, 1.5, 2];
    // Drops between t = 1 (0.85) and 1.5 (0.7): 1 + (0.85 − 0.8)/(0.85 − 0.7)·0.5 = 7/6. The recovery later does not count.
    expect(highCorrelationTime([1, 0.9, 0.85, 0.7, 0.9], times, 0.8)).toBeCloseTo(7 / 6, 14);
    expect(highCorrelationTime([1, 0.95, 0.9, 0.85, 0.81], times, 0.8)).toBe(2);
    expect(highCorrelationTime([0.5, 0.95, 0.9, 0.85, 0.81], times, 0.8)).toBe(0);
    expect(highCorrelationTime([1, 0.8, 0.5, 0.4, 0.3], times, 0.8)).toBeCloseTo(0.5 + 0.5 * (0 / 0.3), 14);
    // A diverged rollout (NaN) is decorrelated from the last frame at or above the threshold.
    expect(highCorrelationTime([1, 0.9, NaN, NaN, NaN], times, 0.8)).toBe(0.5);
    expect(() => highCorrelationTime([1, 0.9], times, 0.8)).toThrow('correlation has 2 entries and times 5: give one correlation per frame');
  });
});

describe('nsRolloutMetrics', () => {
  const L = TWO_PI;

  it('vorticity correlation per frame and the high-correlation time of a prediction that rotates away from the DNS', () => {
    // pred_t = cos θ_t·ω₁ + sin θ_t·ω₂ with ω₁ ⟂ ω₂ of equal norm: correlation cos θ_t.
    const { w: w1 } = fromStreamFunction([{ a: 1, mx: 1, my: 1 }], 16, 16, L);
    const { w: w2 } = fromStreamFunction([{ a: 1, mx: 1, my: -1 }], 16, 16, L);
    const rho = [
      [1, 0.9, 0.85, 0.7, 0.9],
      [1, 1, 1, 1, 1],
      [-1, -1, -1, -1, -1],
    ];
    const times = [0, 0.5, 1, 1.5, 2];
    const f = fields(
      3,
      times,
      16,
      16,
      L,
      () => w1,
      (b, t) => w1.map((x, i) => rho[b][t] * x + Math.sqrt(1 - rho[b][t] ** 2) * w2[i]),
    );
    const m = nsRolloutMetrics(f);
    for (let b = 0; b < 3; b++) for (let t = 0; t < 5; t++) expect(m.correlation.perSample[b][t]).toBeCloseTo(rho[b][t], 6);
    for (let t = 0; t < 5; t++) expect(m.correlation.mean[t]).toBeCloseTo((rho[0][t] + rho[1][t] + rho[2][t]) / 3, 6);
    expect(m.highCorrelationTime.threshold).toBe(0.8);
    expect(m.highCorrelationTime.perSample[0]).toBeCloseTo(7 / 6, 5);
    expect(m.highCorrelationTime.perSample.slice(1)).toEqual([2, 0]);
    expect(m.highCorrelationTime.mean).toBeCloseTo((7 / 6 + 2 + 0) / 3, 5);
    expect(m.highCorrelationTime.median).toBeCloseTo(7 / 6, 5);
    expect(m.perSample.map((s) => s.finalCorrelation)).toEqual(m.correlation.perSample.map((c) => c[4]));
    expect(m.perSample[2].highCorrelationTime).toBe(0);
    // A threshold of 0.95 is crossed between t = 0 and 0.5 by sample 0: 0.5·(1 − 0.95)/(1 − 0.9) = 0.25.
    expect(nsRolloutMetrics(f, { correlationThreshold: 0.95 }).highCorrelationTime.perSample[0]).toBeCloseTo(0.25, 5);
  });

  it('relL2 per frame, per sample and over the rollout for a prediction off by a known factor', () => {
    const { w } = fromStreamFunction([{ a: 0.3, mx: 2, my: 1 }], 8, 8, L);
    // Sample b, frame t: pred = (1 + 0.1·(t + 1)·(b + 1))·truth; truth decays with t.
    const scale = (b: number, t: number) => 1 + 0.1 * (t + 1) * (b + 1);
    const f = fields(
      2,
      [0, 1, 2],
      8,
      8,
      L,
      (_b, t) => w.map((x) => x * 0.5 ** t),
      (b, t) => w.map((x) => x * 0.5 ** t * scale(b, t)),
    );
    const m = nsRolloutMetrics(f);
    for (let b = 0; b < 2; b++) {
      for (let t = 0; t < 3; t++) expect(m.relL2.perSampleFrame[b][t]).toBeCloseTo(scale(b, t) - 1, 6);
      // Over the rollout: sqrt(Σ_t 4^{−t}(s_t − 1)²/Σ_t 4^{−t}).
      const num = [0, 1, 2].reduce((a, t) => a + 0.25 ** t * (scale(b, t) - 1) ** 2, 0);
      expect(m.relL2.perSample[b]).toBeCloseTo(Math.sqrt(num / (1 + 0.25 + 0.0625)), 6);
      expect(m.perSample[b].relL2).toBe(m.relL2.perSample[b]);
    }
    expect(m.relL2.perFrame[1]).toBeCloseTo((0.2 + 0.4) / 2, 6);
    expect(m.relL2.mean).toBeCloseTo((m.relL2.perSample[0] + m.relL2.perSample[1]) / 2, 12);
  });

  it('a single stream-function mode lands in its shell with ½⟨|u|²⟩, and its enstrophy is a²|k|⁴/4', () => {
    const a = 0.7;
    const L2 = 3; // not 2π: k = 2π m/L must carry the domain size
    const { w, u, v } = fromStreamFunction([{ a, mx: 3, my: -4, phase: 0.3 }], 32, 32, L2);
    const f = fields(
      1,
      [0],
      32,
      32,
      L2,
      () => w,
      () => w,
    );
    const m = nsRolloutMetrics(f);
    const k2 = (TWO_PI / L2) ** 2 * 25;
    const energy = (a * a * k2) / 4;
    expect(kineticEnergy(u, v)).toBeCloseTo(energy, 10);
    const spec = m.spectrum.dns[0];
    expect(m.spectrum.k[5]).toBeCloseTo((TWO_PI * 5) / L2, 14);
    expect(spec[5]).toBeCloseTo(energy, 5);
    expect(sum(spec) - spec[5]).toBeCloseTo(0, 9);
    expect(m.energy.dns[0]).toBeCloseTo(energy, 5);
    expect(m.enstrophy.dns[0]).toBeCloseTo((a * a * k2 * k2) / 4, 3);
    expect(m.enstrophy.dns[0] / ((a * a * k2 * k2) / 4)).toBeCloseTo(1, 6);
  });

  it('enstrophy of ω = A sin(2π·2x/L) is A²/4; the Nyquist shell of an even grid holds its mode', () => {
    const A = 1.5;
    const nx = 16;
    const w = Float64Array.from({ length: nx * nx }, (_, idx) => A * Math.sin((TWO_PI * 2 * Math.floor(idx / nx)) / nx));
    const m = nsRolloutMetrics(
      fields(
        1,
        [0],
        nx,
        nx,
        L,
        () => w,
        () => w,
      ),
    );
    expect(m.enstrophy.dns[0]).toBeCloseTo((A * A) / 4, 6);
    expect(m.enstrophy.surrogate[0]).toBeCloseTo((A * A) / 4, 6);
    // ω = cos(π j): |ω̂|² = N⁴ at m = (0, −N/2), energy 1/(2|k|²) with |k| = N/2 (L = 2π).
    const nyq = Float64Array.from({ length: nx * nx }, (_, idx) => (idx % 2 === 0 ? 1 : -1));
    const s = nsRolloutMetrics(
      fields(
        1,
        [0],
        nx,
        nx,
        L,
        () => nyq,
        () => nyq,
      ),
    ).spectrum.dns[0];
    expect(s[nx / 2]).toBeCloseTo(1 / (2 * (nx / 2) ** 2), 10);
    expect(sum(s)).toBeCloseTo(s[nx / 2], 12);
  });

  for (const [nx, ny] of [
    [32, 32],
    [12, 10],
  ]) {
    it(`${nx} × ${ny}: Parseval — Σ_k E(k) equals ½⟨|u|²⟩ of the velocity of several modes`, () => {
      const modes: Mode[] = [
        { a: 1, mx: 1, my: 0, phase: 0.1 },
        { a: 0.5, mx: 2, my: 3, phase: 1.2 },
        { a: 0.2, mx: -4, my: 1, phase: -0.4 },
        { a: 0.05, mx: 5, my: -4, phase: 2 },
      ];
      const { w, u, v } = fromStreamFunction(modes, nx, ny, L);
      const m = nsRolloutMetrics(
        fields(
          1,
          [0],
          nx,
          ny,
          L,
          () => w,
          () => w,
        ),
      );
      expect(sum(m.spectrum.dns[0])).toBeCloseTo(kineticEnergy(u, v), 6);
      expect(m.energy.dns[0]).toBeCloseTo(kineticEnergy(u, v), 6);
      // Each mode in its own shell with a²|m|²/4 (L = 2π: |k| = |m|).
      const want = new Map<number, number>();
      for (const { a, mx, my } of modes) {
        const s = Math.round(Math.hypot(mx, my));
        want.set(s, (want.get(s) ?? 0) + (a * a * (mx * mx + my * my)) / 4);
      }
      m.spectrum.dns[0].forEach((e, s) => expect(e, `shell ${s}`).toBeCloseTo(want.get(s) ?? 0, 6));
    });
  }

  it('band errors: 0 for identical fields, |s² − 1| and s² for a prediction scaled by s; the bands split at iLow and iHigh', () => {
    // Energy in shells 2 (low), 6 (mid) and 14 (high) of a 32² grid.
    const { w } = fromStreamFunction(
      [
        { a: 1, mx: 2, my: 0 },
        { a: 0.1, mx: 0, my: 6 },
        { a: 0.01, mx: 14, my: 0 },
      ],
      32,
      32,
      L,
    );
    const same = nsRolloutMetrics(
      fields(
        2,
        [0, 1],
        32,
        32,
        L,
        () => w,
        () => w,
      ),
    );
    expect(same.spectrumError.bands).toEqual([
      { name: 'low', shellMin: 1, shellMax: 3 },
      { name: 'mid', shellMin: 4, shellMax: 11 },
      { name: 'high', shellMin: 12, shellMax: 16 },
    ]);
    for (const band of same.spectrumError.relErr) expect(band).toEqual([0, 0]);
    for (const band of same.spectrumError.energyRatio) expect(band).toEqual([1, 1]);
    expect(same.spectrum.surrogate).toEqual(same.spectrum.dns);

    const scaled = nsRolloutMetrics(
      fields(
        1,
        [0],
        32,
        32,
        L,
        () => w,
        () => w.map((x) => 1.5 * x),
      ),
    );
    for (const band of scaled.spectrumError.relErr) expect(band[0]).toBeCloseTo(1.25, 5);
    for (const band of scaled.spectrumError.energyRatio) expect(band[0]).toBeCloseTo(2.25, 5);
    expect(scaled.enstrophy.surrogate[0] / scaled.enstrophy.dns[0]).toBeCloseTo(2.25, 5);

    // Only the mid-band mode wrong: the other bands stay exact. Moving iHigh past shell 14 folds it into mid.
    const { w: midOnly } = fromStreamFunction([{ a: 0.1, mx: 0, my: 6 }], 32, 32, L);
    const midWrong = fields(
      1,
      [0],
      32,
      32,
      L,
      () => w,
      () => w.map((x, i) => x + midOnly[i]),
    );
    const e = nsRolloutMetrics(midWrong).spectrumError.relErr;
    expect(e[0][0]).toBeCloseTo(0, 6);
    // (0.1 + 0.1)² against 0.1²: the band energy is 4 times the DNS's.
    expect(e[1][0]).toBeCloseTo(3, 5);
    expect(e[2][0]).toBeCloseTo(0, 6);
    const wide = nsRolloutMetrics(midWrong, { bands: { iLow: 3, iHigh: 15 } });
    expect(wide.spectrumError.bands.map((b) => [b.shellMin, b.shellMax])).toEqual([
      [1, 2],
      [3, 14],
      [15, 16],
    ]);
    // Shell 14 is now in mid too (E = a²|m|²/4 per mode): |0.2²·36 − 0.1²·36|/(0.1²·36 + 0.01²·196).
    expect(wide.spectrumError.relErr[1][0]).toBeCloseTo((0.2 ** 2 * 36 - 0.1 ** 2 * 36) / (0.1 ** 2 * 36 + 0.01 ** 2 * 196), 5);
    // A band past the Nyquist shell (16) is empty: NaN, as evaluateFields' empty bands.
    const empty = nsRolloutMetrics(midWrong, { bands: { iLow: 4, iHigh: 17 } });
    expect(empty.spectrumError.bands[2]).toEqual({ name: 'high', shellMin: 17, shellMax: 16 });
    expect(empty.spectrumError.relErr[2][0]).toBeNaN();
    expect(empty.spectrumError.energyRatio[2][0]).toBeNaN();
  });

  it('keeps spectra at the first, middle and last frames by default, or at the frames asked for', () => {
    const { w } = fromStreamFunction([{ a: 1, mx: 1, my: 1 }], 8, 8, L);
    const times = [0, 0.1, 0.2, 0.3, 0.4, 0.5];
    const f = fields(
      1,
      times,
      8,
      8,
      L,
      (_b, t) => w.map((x) => x * (t + 1)),
      () => w,
    );
    const m = nsRolloutMetrics(f);
    expect(m.spectrum.frames).toEqual([0, 2, 5]);
    expect(m.spectrum.times).toEqual([0, 0.2, 0.5]);
    // E ∝ ω²: the DNS at frame t carries (t + 1)² the energy of frame 0.
    expect(m.spectrum.dns[2][1] / m.spectrum.dns[0][1]).toBeCloseTo(36, 4);
    expect(nsRolloutMetrics(f, { spectrumFrames: [4] }).spectrum.frames).toEqual([4]);
    expect(
      nsRolloutMetrics(
        fields(
          1,
          [0],
          8,
          8,
          L,
          () => w,
          () => w,
        ),
      ).spectrum.frames,
    ).toEqual([0]);
  });

  it('is JSON-serialisable: a round trip gives the same object', () => {
    const { w } = fromStreamFunction(
      [
        { a: 1, mx: 1, my: 2 },
        { a: 0.3, mx: 5, my: 3 },
        { a: 0.1, mx: 13, my: 0 },
      ],
      32,
      32,
      L,
    );
    const m = nsRolloutMetrics(
      fields(
        2,
        [0, 1, 2],
        32,
        32,
        L,
        (b) => w.map((x) => x * (b + 1)),
        (b, t) => w.map((x, i) => x * (b + 1) + 0.1 * t * Math.sin(i)),
      ),
    );
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('a NaN prediction shows as NaN relL2 and correlation, and as decorrelated', () => {
    const { w } = fromStreamFunction([{ a: 1, mx: 1, my: 2 }], 8, 8, L);
    const f = fields(
      1,
      [0, 1, 2],
      8,
      8,
      L,
      () => w,
      (_b, t) => (t < 2 ? w : w.map(() => NaN)),
    );
    const m = nsRolloutMetrics(f);
    expect(m.relL2.perSample[0]).toBeNaN();
    expect(m.correlation.perSample[0][2]).toBeNaN();
    expect(m.highCorrelationTime.perSample[0]).toBe(1);
  });

  it('rejects bad fields and options with a message naming the value', () => {
    const { w } = fromStreamFunction([{ a: 1, mx: 1, my: 2 }], 8, 8, L);
    const ok = fields(
      1,
      [0, 1],
      8,
      8,
      L,
      () => w,
      () => w,
    );
    const bad = (patch: Partial<NsFields>) => () => nsRolloutMetrics({ ...ok, ...patch });
    expect(bad({ ny: 4 })).toThrow('fields.pred has 128 values but [n, nt, nx, ny] = [1, 2, 8, 4] needs 64');
    expect(bad({ times: [0] })).toThrow('fields.times has 1 entries but nt = 2');
    expect(bad({ times: [1, 1] })).toThrow('fields.times[1] = 1 is not allowed: times must be finite and increasing');
    expect(bad({ length: 0 })).toThrow('fields.length = 0 is not allowed');
    expect(bad({ truth: Array.from(ok.truth) as unknown as Float32Array })).toThrow('fields.truth is Array: give a Float32Array');
    expect(bad({ nx: 1.5 })).toThrow(MetricsInputError);
    expect(() => nsRolloutMetrics(ok, { correlationThreshold: 1.5 })).toThrow('correlationThreshold = 1.5 is not allowed: use a number in (-1, 1]');
    expect(() => nsRolloutMetrics(ok, { spectrumFrames: [2] })).toThrow('spectrumFrames contains 2: use frame indices 0..1');
    expect(() => nsRolloutMetrics(ok, { bands: { iLow: 6, iHigh: 6 } })).toThrow('bands.iHigh = 6 is not allowed: use an integer > iLow (6)');
    expect(() => nsRolloutMetrics(ok, { spectrumTimes: [0] } as never)).toThrow(
      'unknown Navier–Stokes metrics option "spectrumTimes": use one of correlationThreshold, spectrumFrames, bands',
    );
  });
});
