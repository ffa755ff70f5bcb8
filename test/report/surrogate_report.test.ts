import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateFields } from '../../src/metrics/index.js';
import type { PlotlyFigure } from '../../src/report/html.js';
import { surrogateReportFigures, writeSurrogateReport, type SurrogateReportData } from '../../src/report/surrogate_report.js';

// Two samples, 3 frames, 4 points. Sample 0 is exact but for +0.5 at point 1 of every frame.
const x = [0, 0.25, 0.5, 0.75];
const t = [0, 0.5, 1];
const truth0 = [
  [1, 2, 3, 4],
  [0.1234567891, -2, 3, 4],
  [4, 3, 2, 1],
];
const pred0 = truth0.map((row) => row.map((v, j) => v + (j === 1 ? 0.5 : 0)));
const truth1 = truth0.map((row) => row.map((v) => -v));
const pred1 = truth1.map((row) => row.map((v) => v * 1.1));

function metrics() {
  const flat = (a: number[][][]) => Float64Array.from(a.flat(2));
  return evaluateFields(flat([pred0, pred1]), flat([truth0, truth1]), { n: 2, nt: 3, nx: 4 });
}

function minimal(): SurrogateReportData {
  return { title: 'T', x, samples: [{ label: 'best', index: 0, relL2: 0.1, t, truth: truth0, pred: pred0 }], metrics: metrics() };
}

function full(): SurrogateReportData {
  return {
    ...minimal(),
    resolution: [
      { nx: 8, relL2: 0.2 },
      { nx: 4, relL2: 0.1 },
    ],
    curves: [
      { epoch: 1, trainLoss: 1, valLoss: 2, lr: 1e-3 },
      { epoch: 2, trainLoss: 0.1, valLoss: 0.2, lr: 5e-4 },
      { epoch: 3, trainLoss: 0.01, valLoss: 0.02, lr: 1e-4 },
    ],
    rollout: { t, relL2PerFrame: [0, 0.1, 0.2], sample: { index: 1, truth: truth1, pred: pred1 } },
    info: [['model', 'fno']],
  };
}

interface Figure {
  id: string;
  title?: string;
  data: Record<string, unknown>[];
  layout: Record<string, unknown>;
}

function byId(figs: PlotlyFigure[], id: string): Figure {
  const f = figs.find((g) => g.id === id);
  if (!f) throw new Error(`no figure ${id} in ${figs.map((g) => g.id).join(', ')}`);
  return f as Figure;
}

describe('surrogateReportFigures', () => {
  it('draws only what it is given, in a fixed order', () => {
    expect(surrogateReportFigures(minimal()).map((f) => f.id)).toEqual(['metrics', 'sample-0', 'relL2-histogram']);
    expect(surrogateReportFigures(full()).map((f) => f.id)).toEqual([
      'metrics',
      'sample-0',
      'relL2-histogram',
      'resolution',
      'training-curves',
      'rollout-error',
      'rollout-fields',
    ]);
  });

  it('a sample shows its last frame first, the error below, and a selector over every frame', () => {
    const f = byId(surrogateReportFigures(minimal()), 'sample-0');
    expect(f.data.map((d) => d.y)).toEqual([
      [4, 3, 2, 1],
      [4, 3.5, 2, 1],
      [0, 0.5, 0, 0],
    ]);
    expect(f.data[2].yaxis).toBe('y2');
    const menu = (f.layout.updatemenus as { active: number; buttons: { label: string; args: [{ y: unknown[] }] }[] }[])[0];
    expect(menu.active).toBe(2);
    expect(menu.buttons.map((b) => b.label)).toEqual(['t = 0', 't = 0.5', 't = 1']);
    // Frame 1, rounded to 6 significant digits.
    expect(menu.buttons[1].args[0].y).toEqual([
      [0.123457, -2, 3, 4],
      [0.123457, -1.5, 3, 4],
      [0, 0.5, 0, 0],
    ]);
    expect(f.title).toBe('best: sample 0, relL2 = 0.1 (frame selector, last frame t = 1 shown first)');
  });

  it('a single-frame sample has no selector; long lines are thinned to 1024 points keeping both ends', () => {
    const nx = 3000;
    const xs = Array.from({ length: nx }, (_, j) => j / nx);
    const row = xs.map((v) => Math.sin(v));
    const data: SurrogateReportData = { ...minimal(), x: xs, samples: [{ label: 'only', index: 3, relL2: 0.2, t: [0.3], truth: [row], pred: [row] }] };
    const f = byId(surrogateReportFigures(data), 'sample-0');
    expect(f.layout.updatemenus).toBeUndefined();
    expect(f.title).toBe('only: sample 3, relL2 = 0.2 (t = 0.3)');
    const xLine = f.data[0].x as number[];
    expect(xLine).toHaveLength(1024);
    expect(xLine[0]).toBe(0);
    expect(xLine[1023]).toBe(Number((2999 / 3000).toPrecision(6)));
  });

  it('x–t heatmaps: DNS and surrogate share one colour scale over both, the error a symmetric one', () => {
    const f = byId(surrogateReportFigures(full()), 'rollout-fields');
    expect(f.data.map((d) => d.coloraxis)).toEqual(['coloraxis', 'coloraxis', 'coloraxis2']);
    // truth1 spans [−4, 2], pred1 = 1.1·truth1 spans [−4.4, 2.2]; |error| = 0.1·|truth1| ≤ 0.4.
    expect(f.layout.coloraxis).toMatchObject({ cmin: -4.4, cmax: 2.2 });
    expect(f.layout.coloraxis2).toMatchObject({ cmin: -0.4, cmax: 0.4 });
    expect(f.data[2].z).toEqual(truth1.map((row) => row.map((v) => Number((0.1 * v).toPrecision(6)))));
  });

  it('the metrics table holds the mean, PDEBench, median and worst of every metric', () => {
    const m = metrics();
    const f = byId(surrogateReportFigures(minimal()), 'metrics');
    const cols = (f.data[0] as { cells: { values: string[][] } }).cells.values;
    expect(cols[0]).toEqual(['relL2', 'rmse', 'nrmse', 'crmse', 'brmse', 'fLow', 'fMid', 'fHigh', 'maxErr']);
    expect(cols[1][5]).toBe('Fourier error, low modes 0–3');
    // relL2 of sample 1 is exactly 0.1 (pred = 1.1·truth); sample 0's is ‖0.5·1_3‖/‖truth0‖.
    const rel0 = Math.sqrt(3 * 0.25) / Math.sqrt(truth0.flat().reduce((s, v) => s + v * v, 0));
    expect(m.perSample[1].relL2).toBeCloseTo(0.1, 14);
    expect(cols[2][0]).toBe(String(Number(((rel0 + 0.1) / 2).toPrecision(4))));
    expect(cols[5][0]).toBe(String(Number(Math.max(rel0, 0.1).toPrecision(4))));
    // nx = 4 has modes 0..2: the middle and high bands are empty.
    expect(cols[2][6]).toBe('n/a');
    expect(cols[2][8]).toBe('0.45'); // maxErr: mean of 0.5 and 0.1·4
  });

  it('the histogram leaves out non-finite errors and says how many', () => {
    const data = minimal();
    data.metrics = { ...data.metrics, perSample: [data.metrics.perSample[0], { ...data.metrics.perSample[1], relL2: NaN }] };
    const f = byId(surrogateReportFigures(data), 'relL2-histogram');
    expect(f.title).toBe('Per-sample relL2 over the test set (1 not finite, not drawn)');
    expect(f.data[0].x).toHaveLength(1);
  });

  it.each([
    [
      (d: SurrogateReportData) =>
        (d.samples[0].pred = [
          [1, 2, 3, 4],
          [1, 2, 3],
          [1, 2, 3, 4],
        ]),
      'surrogate report: samples "best".pred[1] has 3 points but x has 4',
    ],
    [(d: SurrogateReportData) => (d.samples[0].truth = truth0.slice(0, 2)), 'surrogate report: samples "best".truth has 2 frames but t has 3: give [nt][nx]'],
    [(d: SurrogateReportData) => (d.samples = []), 'surrogate report: samples is empty: give at least one sample to draw'],
    [
      (d: SurrogateReportData) => (d.curves = [{ epoch: 1, trainLoss: 1 }, { epoch: 2 } as never]),
      'surrogate report: curves[1] is not { epoch, trainLoss, valLoss?, lr? }',
    ],
    [
      (d: SurrogateReportData) => (d.rollout = { t, relL2PerFrame: [0], sample: { index: 0, truth: truth0, pred: pred0 } }),
      'surrogate report: rollout.relL2PerFrame has 1 entries but rollout.t has 3',
    ],
  ])('%#: bad data gives a one-line error', (spoil, message) => {
    const d = minimal();
    spoil(d);
    expect(() => surrogateReportFigures(d)).toThrow(message);
  });
});

describe('writeSurrogateReport', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-report-node-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes one page with every figure, the escaped title and the info table', () => {
    const file = path.join(dir, 'sub', 'report.html');
    const data = { ...full(), title: 'FNO <1D> & Burgers' };
    writeSurrogateReport(file, data);
    const html = fs.readFileSync(file, 'utf8');
    expect(html).toContain('<h1>FNO &lt;1D&gt; &amp; Burgers</h1>');
    expect(html.match(/class="plot"/g)).toHaveLength(7);
    expect(html).toContain('<tr><th>model</th><td>fno</td></tr>');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['report.html']);
  });
});
