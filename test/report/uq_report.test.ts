import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { uqMetrics } from '../../src/metrics/index.js';
import {
  bandTraceValues,
  renderUqReport,
  uqReportFigures,
  writeUqReport,
  type UqBandData,
  type UqReportGroup,
  type UqReportInput,
} from '../../src/report/uq_report.js';

const NX = 50;
const NT = 7;
const X = Array.from({ length: NX }, (_, j) => j / (NX - 1));
const TIMES = Array.from({ length: NT }, (_, t) => 0.05 * t);
const DX = 1 / (NX - 1);

/**
 * A Stefan-like test set: u = 1 left of a front s(t) = 0.2 + k·t, falling linearly to 0 over 0.2.
 * base: a bump of sample-dependent size (not monotone in b) on the truth, σ = half the bump size;
 * projected: the base mean shifted by a constant to the true mass (Σ w = NX·DX), σ shrunk; hardc: a smaller bump, σ = 0 at x = 0.
 */
function group(n: number, kOf: (b: number) => number, label: string): UqReportGroup {
  const size = n * NT * NX;
  const truth = new Float32Array(size);
  const base = { mean: new Float32Array(size), variance: new Float32Array(size) };
  const projected = { mean: new Float32Array(size), variance: new Float32Array(size) };
  const hardc = { mean: new Float32Array(size), variance: new Float32Array(size) };
  const parameters = Array.from({ length: n }, (_, b) => kOf(b));
  for (let b = 0; b < n; b++) {
    const amp = 0.02 + 0.02 * ((b * 5 + 3) % n);
    for (let t = 0; t < NT; t++) {
      const s = 0.2 + parameters[b] * TIMES[t];
      const off = (b * NT + t) * NX;
      let dm = 0;
      for (let j = 0; j < NX; j++) {
        const u = Math.min(1, Math.max(0, 1 - (X[j] - s) / 0.2));
        const bump = amp * Math.exp(-(((X[j] - 0.5) / 0.15) ** 2)) * (1 + t / NT);
        truth[off + j] = u;
        base.mean[off + j] = u + bump;
        base.variance[off + j] = (0.5 * amp) ** 2;
        hardc.mean[off + j] = u + 0.3 * bump;
        hardc.variance[off + j] = j === 0 ? 0 : (0.3 * amp) ** 2;
        dm += DX * bump;
      }
      for (let j = 0; j < NX; j++) {
        projected.mean[off + j] = base.mean[off + j] - dm / (NX * DX);
        projected.variance[off + j] = 0.8 * base.variance[off + j];
      }
    }
  }
  const variants = (
    [
      ['base', base],
      ['projected', projected],
      ['hardc', hardc],
    ] as const
  ).map(([name, v]) => ({ name, ...v, metrics: uqMetrics({ ...v, truth, n, nt: NT, nx: NX, weights: DX, x: X }, { front: { fractionOfMax: 0.5 } }) }));
  return { label, truth, variants, parameters };
}

function input(extra: Partial<UqReportInput> = {}): UqReportInput {
  const id = group(9, (b) => 1 + 0.25 * b, 'in-distribution');
  return {
    title: 'Stefan <UQ>',
    info: [
      ['dataset', 'synthetic Stefan'],
      ['ensemble', '5 members'],
    ],
    x: X,
    times: TIMES,
    truth: id.truth,
    variants: id.variants,
    parameters: id.parameters,
    parameterName: 'k',
    ood: group(5, (b) => 4 + 0.2 * b, 'out-of-distribution (k ≥ 4)'),
    ...extra,
  };
}

function decode(b64: string): number[] {
  const buf = Buffer.from(b64, 'base64');
  return Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
}

function embedded(html: string): (UqBandData & { captions: string[][] })[] {
  const m = /<script type="application\/json" id="uq-report-data">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error('no uq-report-data in the page');
  return JSON.parse(m[1]) as (UqBandData & { captions: string[][] })[];
}

/** Frame t of sample b, every stride-th point, as float32. */
function frame(a: ArrayLike<number>, b: number, t: number, stride: number, f = (v: number) => v): number[] {
  const out: number[] = [];
  for (let j = 0; j < NX; j += stride) out.push(Math.fround(f(a[(b * NT + t) * NX + j])));
  return out;
}

describe('UQ report', () => {
  const data = input();

  it('shows the best, median and worst samples of each test set by the base model MSE, with every variant', () => {
    const { bands } = uqReportFigures(data);
    expect(bands.map((d) => [d.figure, d.group])).toEqual([
      ['uq-band-id', 'in-distribution'],
      ['uq-band-ood', 'out-of-distribution (k ≥ 4)'],
    ]);
    for (const [d, g] of [
      [bands[0], { variants: data.variants, parameters: data.parameters as number[] }],
      [bands[1], data.ood as UqReportGroup],
    ] as const) {
      const mse = g.variants[0].metrics.perSample.map((s) => s.mse);
      const order = mse.map((_, i) => i).sort((a, b) => mse[a] - mse[b]);
      expect(d.samples.map((s) => [s.label, s.index])).toEqual([
        ['best', order[0]],
        ['median', order[Math.floor((order.length - 1) / 2)]],
        ['worst', order[order.length - 1]],
      ]);
      // Not simply the first and last samples.
      expect(order[0]).not.toBe(0);
      expect(d.samples.map((s) => s.parameter)).toEqual(d.samples.map((s) => g.parameters?.[s.index]));
      expect(d.samples.map((s) => s.mse)).toEqual(d.samples.map((s) => mse[s.index]));
      expect(d.variants).toEqual([
        { name: 'base', label: 'base' },
        { name: 'projected', label: 'projected (ProbConserv)' },
        { name: 'hardc', label: 'HardC' },
      ]);
      expect(d.initial).toEqual({ sample: 1, slot: NT - 1 });
    }
  });

  it('embeds the shown samples: truth, mean and σ per variant and frame, thinned to maxFrames and maxPoints', () => {
    const { bands } = uqReportFigures({ ...data, maxFrames: 4, maxPoints: 20 });
    const d = bands[1];
    const ood = data.ood as UqReportGroup;
    expect(d.frames).toEqual([0, 2, 4, 6]);
    expect(d.times).toEqual([0, 0.1, 0.2, 0.30000000000000004]);
    expect(d.stride).toBe(3);
    expect(d.x).toEqual(X.filter((_, j) => j % 3 === 0).map((v) => Number(v.toPrecision(6))));
    const worst = d.samples[2];
    d.frames.forEach((t, k) => {
      expect(decode(worst.truth[k])).toEqual(frame(ood.truth, worst.index, t, 3));
      ood.variants.forEach((v, i) => {
        expect(decode(worst.mean[i][k])).toEqual(frame(v.mean, worst.index, t, 3));
        expect(decode(worst.sd[i][k])).toEqual(frame(v.variance, worst.index, t, 3, Math.sqrt));
      });
    });
    // The band: μ + 2σ forward, μ − 2σ backward, then μ and the truth, per variant.
    const y = bandTraceValues(d, 2, 1);
    expect(y).toHaveLength(9);
    const mu = frame(ood.variants[2].mean, worst.index, 2, 3);
    const sd = frame(ood.variants[2].variance, worst.index, 2, 3, Math.sqrt);
    expect(Array.from(y[6])).toEqual([...mu.map((m, i) => Math.fround(m + 2 * sd[i])), ...mu.map((m, i) => Math.fround(m - 2 * sd[i])).reverse()]);
    expect(Array.from(y[7])).toEqual(mu);
    expect(Array.from(y[8])).toEqual(frame(ood.truth, worst.index, 2, 3));
    // HardC pins x = 0 with σ = 0: its band closes there.
    expect(y[6][0]).toBe(y[6][y[6].length - 1]);
  });

  it('builds the figures in order: metrics, bands, calibration, mass, front, parameters, curves', () => {
    const curves = [1, 2, 3].map((e) => ({ epoch: e, trainLoss: 1 / e, valLoss: 1.2 / e }));
    const { figures } = uqReportFigures({ ...data, curves });
    expect(figures.map((f) => f.id)).toEqual([
      'uq-metrics',
      'uq-band-id',
      'uq-band-ood',
      'uq-calibration',
      'uq-mass-id',
      'uq-mass-ood',
      'uq-front',
      'uq-parameters',
      'training-curves',
    ]);

    // Without the second set, parameters, fronts and curves only the core figures remain.
    const plain = group(4, () => 1, 'test');
    const variants = plain.variants.slice(0, 2).map((v) => ({ ...v, metrics: uqMetrics({ ...v, truth: plain.truth, n: 4, nt: NT, nx: NX, weights: DX }) }));
    const small = uqReportFigures({ title: 't', x: X, times: TIMES, truth: plain.truth, variants });
    expect(small.figures.map((f) => f.id)).toEqual(['uq-metrics', 'uq-band-id', 'uq-calibration', 'uq-mass-id']);
    const band = small.figures[1];
    // Three traces per variant: band (filled polygon), mean, exact.
    expect(band.data).toHaveLength(6);
    expect(band.data.map((t) => (t as { fill?: string }).fill)).toEqual(['toself', undefined, undefined, 'toself', undefined, undefined]);
    expect((band.data[1] as { name: string }).name).toBe('base mean');
    expect((band.data[4] as { name: string }).name).toBe('projected (ProbConserv) mean');
  });

  it('tabulates every variant of both test sets; calibration and mass come from the metrics', () => {
    const { figures } = uqReportFigures(data);
    const table = figures[0].data[0] as { header: { values: string[] }; cells: { values: string[][] } };
    expect(table.header.values).toEqual([
      'test set',
      'variant',
      'MSE',
      'CRPS',
      'log-likelihood',
      '50% coverage',
      '90% coverage',
      '95% coverage',
      'mean |ΔM|',
      'max |ΔM| / max |M|',
      'mean |Δfront|',
    ]);
    const cells = table.cells.values;
    expect(cells[0]).toEqual([...Array(3).fill('in-distribution'), ...Array(3).fill('out-of-distribution (k ≥ 4)')]);
    expect(cells[1]).toEqual(['base', 'projected (ProbConserv)', 'HardC', 'base', 'projected (ProbConserv)', 'HardC']);
    const base = data.variants[0].metrics;
    expect(cells[2][0]).toBe(String(Number(base.mse.toPrecision(4))));
    expect(cells[6][0]).toBe(`${(100 * base.coverage[1]).toFixed(1)}%`);
    // The projection conserves mass: its mass error is float32 round-off, far below the base model's.
    const projected = data.variants[1].metrics;
    expect(projected.conservation.maxAbs).toBeLessThan(1e-5);
    expect(base.conservation.maxAbs).toBeGreaterThan(1e-3);

    const calibration = figures.find((f) => f.id === 'uq-calibration');
    const lines = (calibration?.data ?? []) as { name: string; x: number[]; y: number[]; xaxis: string }[];
    expect(lines.map((l) => [l.name, l.xaxis])).toEqual([
      ['calibrated', 'x'],
      ['base', 'x'],
      ['projected (ProbConserv)', 'x'],
      ['HardC', 'x'],
      ['calibrated', 'x2'],
      ['base', 'x2'],
      ['projected (ProbConserv)', 'x2'],
      ['HardC', 'x2'],
    ]);
    expect(lines[1].y).toEqual(base.calibration.observed.map((v) => Number(v.toPrecision(6))));

    const mass = figures.find((f) => f.id === 'uq-mass-id');
    const massLines = (mass?.data ?? []) as { name: string; y: number[] }[];
    const { bands } = uqReportFigures(data);
    const worst = bands[0].samples[2].index;
    // Per shown sample: true mass and the three variants; then mean |ΔM| per variant.
    expect(massLines).toHaveLength(3 * 4 + 3);
    expect(massLines[8].name).toBe('true mass');
    expect(massLines[8].y).toEqual(base.conservation.trueMass[worst].map((v) => Number(v.toPrecision(6))));
    expect(massLines[10].y).toEqual(projected.conservation.predMass[worst].map((v) => Number(v.toPrecision(6))));
  });

  it('writes one page with the controls data, captions and only the shown samples', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-uq-report-'));
    try {
      const file = path.join(dir, 'sub', 'uq.html');
      writeUqReport(file, data);
      const html = fs.readFileSync(file, 'utf8');
      expect(html).toBe(renderUqReport(data));
      expect(html).toContain('<title>Stefan &lt;UQ&gt;</title>');
      expect(html).toContain('<th>ensemble</th><td>5 members</td>');
      const bands = embedded(html);
      expect(bands).toHaveLength(2);
      expect(bands[0].samples).toHaveLength(3);
      expect(bands[0].captions[1][NT - 1]).toBe(
        `in-distribution — median: sample ${bands[0].samples[1].index}, k = ${String(Number(bands[0].samples[1].parameter?.toPrecision(4)))}, base MSE ${String(Number(bands[0].samples[1].mse.toPrecision(4)))}; t = 0.3`,
      );
      // The page without plotly: the embedded fields of 2 × 3 samples, not all 14.
      const plotly = fs.readFileSync(new URL('../../node_modules/plotly.js-dist-min/plotly.min.js', import.meta.url), 'utf8').length;
      expect(html.length - plotly).toBeLessThan(400_000);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects inconsistent input with messages naming the field', () => {
    const bad = (extra: Partial<UqReportInput>) => () => uqReportFigures({ ...data, ...extra });
    expect(bad({ times: TIMES.slice(1) })).toThrow(
      'UQ report: input.variants[0] ("base").metrics has [n, nt, nx] = [9, 7, 50] but the report needs [9, 6, 50] (times and x)',
    );
    expect(bad({ truth: new Float32Array(10) })).toThrow('UQ report: input.truth has 10 values but [n, nt, nx] = [9, 7, 50] needs 3150');
    expect(bad({ variants: [data.variants[0], data.variants[0]] })).toThrow('UQ report: input.variants has "base" twice');
    expect(bad({ variants: [] })).toThrow('UQ report: input.variants is empty');
    expect(bad({ variants: [{ ...data.variants[1], mean: new Float32Array(3) }] })).toThrow('UQ report: input.variants[0] ("projected").mean has 3 values');
    expect(bad({ parameters: [1, 2] })).toThrow('UQ report: input.parameters has 2 entries but there are 9 samples');
    expect(bad({ maxFrames: 1 })).toThrow('UQ report: maxFrames = 1 is not allowed: use an integer >= 2');
    const ood = data.ood as UqReportGroup;
    const v = ood.variants[0];
    const otherLevels = { ...v, metrics: uqMetrics({ ...v, truth: ood.truth, n: 5, nt: NT, nx: NX, weights: DX }, { coverageLevels: [0.8] }) };
    expect(bad({ ood: { ...ood, variants: [otherLevels] } })).toThrow(
      'UQ report: variant "base" of out-of-distribution (k ≥ 4) has coverage levels [0.8] but the first has [0.5,0.9,0.95]',
    );
  });
});
