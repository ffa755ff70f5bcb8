import { describe, expect, it } from 'vitest';
import { evaluateFields, pickBestMedianWorst, relativeL2Batch, type SampleMetrics } from '../../src/metrics/index.js';

/** Builds [n, nt, nx] arrays from functions of (sample, frame, point). */
function field(shape: { n: number; nt: number; nx: number }, f: (b: number, t: number, j: number) => number): Float64Array {
  const out = new Float64Array(shape.n * shape.nt * shape.nx);
  for (let b = 0; b < shape.n; b++) for (let t = 0; t < shape.nt; t++) for (let j = 0; j < shape.nx; j++) out[(b * shape.nt + t) * shape.nx + j] = f(b, t, j);
  return out;
}

function expectMetrics(got: SampleMetrics, want: SampleMetrics, digits = 12): void {
  for (const key of Object.keys(want) as (keyof SampleMetrics)[]) {
    if (Number.isNaN(want[key])) expect(got[key], key).toBeNaN();
    else expect(got[key], key).toBeCloseTo(want[key], digits);
  }
}

describe('evaluateFields: hand-computed single samples', () => {
  it('a sine error of amplitude A in mode 7 lands only in fMid, with A/2 spread over the 8 mid modes', () => {
    const shape = { n: 1, nt: 1, nx: 32 };
    const A = 0.5;
    const truth = field(shape, () => 2);
    const pred = field(shape, (_b, _t, j) => 2 + A * Math.sin((2 * Math.PI * 7 * j) / 32));
    const r = evaluateFields(pred, truth, shape);
    // rms of a full-period sine = A/√2; ‖truth‖ rms = 2; e_0 = 0, e_31 = −A·sin(7π/16); sin(2π·7·24/32) = 1.
    expectMetrics(r.perSample[0], {
      relL2: A / Math.SQRT2 / 2,
      rmse: A / Math.SQRT2,
      nrmse: A / Math.SQRT2 / 2,
      crmse: 0,
      brmse: (A * Math.sin((7 * Math.PI) / 16)) / Math.SQRT2,
      fLow: 0,
      fMid: A / 2 / 8,
      fHigh: 0,
      maxErr: A,
    });
    // PDEBench's Lx multiplies the Fourier bands only.
    const r2 = evaluateFields(pred, truth, shape, { domainLength: 2 });
    expect(r2.perSample[0].fMid).toBeCloseTo(A / 8, 12);
    expect(r2.perSample[0].rmse).toBeCloseTo(A / Math.SQRT2, 12);
    // Mode 7 is in the low band once iLow = 8.
    const r3 = evaluateFields(pred, truth, shape, { iLow: 8, iHigh: 10 });
    expect(r3.perSample[0].fLow).toBeCloseTo(A / 2 / 8, 12);
    expect(r3.perSample[0].fMid).toBeCloseTo(0, 12);
  });

  it('a constant offset c lands in crmse and fLow (c/iLow), not in the other bands', () => {
    const shape = { n: 1, nt: 1, nx: 32 };
    const c = 0.25;
    const truth = field(shape, (_b, _t, j) => Math.cos((2 * Math.PI * j) / 32));
    const pred = field(shape, (_b, _t, j) => Math.cos((2 * Math.PI * j) / 32) + c);
    const r = evaluateFields(pred, truth, shape);
    // rms(cos) = 1/√2.
    expectMetrics(r.perSample[0], { relL2: c * Math.SQRT2, rmse: c, nrmse: c * Math.SQRT2, crmse: c, brmse: c, fLow: c / 4, fMid: 0, fHigh: 0, maxErr: c });
  });

  it('an error at the two boundary points only: brmse, and an empty high band is NaN (nx = 10 has modes 0..5)', () => {
    const shape = { n: 1, nt: 1, nx: 10 };
    const truth = field(shape, () => 1);
    const pred = field(shape, (_b, _t, j) => 1 + (j === 0 ? 0.3 : j === 9 ? -0.4 : 0));
    const r = evaluateFields(pred, truth, shape);
    // E_k = 0.3 − 0.4·e^{−2πi·9k/10}, |E_k|² = 0.25 − 0.24·cos(πk/5).
    const amp = (k: number) => Math.sqrt(0.25 - 0.24 * Math.cos((Math.PI * k) / 5)) / 10;
    expectMetrics(r.perSample[0], {
      relL2: 0.5 / Math.sqrt(10),
      rmse: Math.sqrt(0.025),
      nrmse: 0.5 / Math.sqrt(10),
      crmse: 0.01,
      brmse: Math.sqrt(0.125),
      fLow: (amp(0) + amp(1) + amp(2) + amp(3)) / 4,
      fMid: (amp(4) + amp(5)) / 2,
      fHigh: NaN,
      maxErr: 0.4,
    });
    // Trapezoid weights (½ at the ends) when the grid includes both end points.
    const nonPeriodic = evaluateFields(pred, truth, shape, { periodic: false });
    expect(nonPeriodic.perSample[0].relL2).toBeCloseTo(Math.sqrt(0.125) / 3, 12);
    expect(nonPeriodic.perSample[0].nrmse).toBeCloseTo(0.5 / Math.sqrt(10), 12);
    expect(relativeL2Batch(pred, truth, shape, { periodic: false })[0]).toBeCloseTo(Math.sqrt(0.125) / 3, 12);
  });

  it('a perfect prediction has every error 0; Float32 and Float64 inputs agree', () => {
    const shape = { n: 2, nt: 3, nx: 32 };
    const truth = field(shape, (b, t, j) => b + t * 0.5 + j * 0.25 + 1);
    const r = evaluateFields(Float32Array.from(truth), truth, shape);
    for (const m of [...r.perSample, r.mean, r.pdebench])
      expectMetrics(m, { relL2: 0, rmse: 0, nrmse: 0, crmse: 0, brmse: 0, fLow: 0, fMid: 0, fHigh: 0, maxErr: 0 });
    const pred = field(shape, (b, t, j) => b + t * 0.5 + j * 0.25 + 1 + (j % 3) * 0.125);
    expect(evaluateFields(Float32Array.from(pred), Float32Array.from(truth), shape)).toEqual(evaluateFields(pred, truth, shape));
  });
});

describe('evaluateFields: aggregation over samples and frames', () => {
  // n = 2, nt = 2, nx = 4, truth 1; constant errors: sample 0 frames (+1, 0), sample 1 frames (−1, +3).
  // nx = 4 has modes 0..2, all in the low band: a constant error c gives fLow = |c|/3 for its frame.
  const shape = { n: 2, nt: 2, nx: 4 };
  const errs = [
    [1, 0],
    [-1, 3],
  ];
  const truth = field(shape, () => 1);
  const pred = field(shape, (b, t) => 1 + errs[b][t]);
  const r = evaluateFields(pred, truth, shape);

  it('per sample: each metric averaged over frames; relL2 and maxErr over space-time', () => {
    expectMetrics(r.perSample[0], { relL2: 1 / Math.SQRT2, rmse: 0.5, nrmse: 0.5, crmse: 0.5, brmse: 0.5, fLow: 1 / 6, fMid: NaN, fHigh: NaN, maxErr: 1 });
    expectMetrics(r.perSample[1], { relL2: Math.sqrt(5), rmse: 2, nrmse: 2, crmse: 2, brmse: 2, fLow: 2 / 3, fMid: NaN, fHigh: NaN, maxErr: 3 });
  });

  it('mean is the arithmetic mean of the samples', () => {
    expectMetrics(r.mean, {
      relL2: (1 / Math.SQRT2 + Math.sqrt(5)) / 2,
      rmse: 1.25,
      nrmse: 1.25,
      crmse: 1.25,
      brmse: 1.25,
      fLow: 5 / 12,
      fMid: NaN,
      fHigh: NaN,
      maxErr: 2,
    });
  });

  it('pdebench: crmse and fRMSE take the RMS over samples inside each frame; maxErr is the per-frame worst, averaged', () => {
    // crmse frames: sqrt((1 + 1)/2) = 1, sqrt((0 + 9)/2) = 3/√2. fLow frames: |E_0| = 4|c|, sqrt(mean_b 16c²)/4/3.
    expectMetrics(r.pdebench, {
      relL2: (1 / Math.SQRT2 + Math.sqrt(5)) / 2,
      rmse: 1.25,
      nrmse: 1.25,
      crmse: (1 + 3 / Math.SQRT2) / 2,
      brmse: 1.25,
      fLow: (1 / 3 + 3 / Math.SQRT2 / 3) / 2,
      fMid: NaN,
      fHigh: NaN,
      maxErr: (1 + 3) / 2,
    });
  });

  it('perFrame: relL2 and rmse of each frame averaged over samples; the resolved options are kept', () => {
    expect(r.perFrame.relL2).toEqual([1, 1.5]);
    expect(r.perFrame.rmse).toEqual([1, 1.5]);
    expect(r.options).toEqual({ iLow: 4, iHigh: 12, periodic: true, domainLength: 1 });
  });

  it('a NaN in one prediction makes that sample NaN and leaves the other alone', () => {
    const bad = pred.slice();
    bad[5] = NaN; // sample 0, frame 1, point 1
    const rb = evaluateFields(bad, truth, shape);
    for (const key of ['relL2', 'rmse', 'maxErr', 'fLow'] as const) expect(rb.perSample[0][key], key).toBeNaN();
    expectMetrics(rb.perSample[1], r.perSample[1]);
    expect(rb.pdebench.maxErr).toBeNaN();
  });
});

describe('relativeL2Batch and pickBestMedianWorst', () => {
  it('relativeL2Batch equals the relL2 of evaluateFields', () => {
    const shape = { n: 3, nt: 2, nx: 5 };
    const truth = field(shape, (b, t, j) => Math.sin(j + t) + b + 2);
    const pred = field(shape, (b, t, j) => Math.sin(j + t) + b + 2 + 0.1 * (b + 1) * Math.cos(j));
    const rel = relativeL2Batch(pred, truth, shape);
    const full = evaluateFields(pred, truth, shape).perSample;
    for (let b = 0; b < 3; b++) expect(rel[b]).toBeCloseTo(full[b].relL2, 14);
    // Sample 0 by hand: ‖0.1·cos(j)‖ over both frames over ‖sin(j + t) + 2‖.
    let se = 0;
    let su = 0;
    for (let t = 0; t < 2; t++) {
      for (let j = 0; j < 5; j++) {
        se += (0.1 * Math.cos(j)) ** 2;
        su += (Math.sin(j + t) + 2) ** 2;
      }
    }
    expect(rel[0]).toBeCloseTo(Math.sqrt(se / su), 14);
  });

  it('picks best, median (lower middle) and worst; NaN ranks worst; no index twice', () => {
    expect(pickBestMedianWorst([0.3, 0.1, 0.5, 0.2])).toEqual([
      { label: 'best', index: 1 },
      { label: 'median', index: 3 },
      { label: 'worst', index: 2 },
    ]);
    expect(pickBestMedianWorst([0.1, NaN, 0.2]).map((p) => p.index)).toEqual([0, 2, 1]);
    expect(pickBestMedianWorst([0.2, 0.1])).toEqual([
      { label: 'best', index: 1 },
      { label: 'worst', index: 0 },
    ]);
    expect(() => pickBestMedianWorst([])).toThrow('scores is empty: give at least one score');
  });
});

describe('evaluateFields: bad input', () => {
  const shape = { n: 2, nt: 1, nx: 4 };
  const ok = new Float64Array(8);
  it.each([
    [() => evaluateFields(new Float64Array(7), ok, shape), 'pred has 7 values but shape { n: 2, nt: 1, nx: 4 } needs 8'],
    [() => evaluateFields(ok, new Float32Array(9), shape), 'truth has 9 values but shape { n: 2, nt: 1, nx: 4 } needs 8'],
    [() => evaluateFields(ok, ok, { n: 2, nt: 0, nx: 4 }), 'shape.nt = 0 is not allowed: use an integer >= 1'],
    [() => evaluateFields(ok, ok, { n: 2.5, nt: 1, nx: 4 }), 'shape.n = 2.5 is not allowed: use an integer >= 1'],
    [() => evaluateFields(ok, ok, { n: 8, nt: 1, nx: 1 }), 'shape.nx = 1 is not allowed: use an integer >= 2'],
    [() => evaluateFields(ok, ok, shape, { iLow: 0 }), 'iLow = 0 is not allowed: use an integer >= 1'],
    [() => evaluateFields(ok, ok, shape, { iLow: 6, iHigh: 6 }), 'iHigh = 6 is not allowed: use an integer > iLow (6)'],
    [() => evaluateFields(ok, ok, shape, { domainLength: -1 }), 'domainLength = -1 is not allowed: use a finite number > 0'],
    [() => evaluateFields(ok, ok, shape, { ilow: 3 } as never), 'unknown metrics option "ilow": use one of iLow, iHigh, periodic, domainLength'],
    [() => relativeL2Batch(ok, null as never, shape), 'truth is null: give a Float32Array, Float64Array or number[]'],
  ])('%#: one-line message', (fn, message) => {
    expect(fn).toThrow(message);
    expect(fn).toThrow(expect.objectContaining({ name: 'MetricsInputError' }));
  });
});
