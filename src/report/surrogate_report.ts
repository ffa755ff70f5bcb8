/**
 * The surrogate-vs-DNS report: one self-contained HTML page (plotly inlined, see html.ts) with the
 * test-set metrics, chosen samples u(x) against the reference, the spread of per-sample errors,
 * error against resolution, training curves and, for rollouts, error against time and x–t fields.
 *
 * Numbers are written with 6 significant digits, lines are thinned to at most 1024 points and
 * heatmaps to 256 × 256 (every k-th point, never averaged), so a report stays a few MB.
 */
import type { MetricsReport, SampleMetrics } from '../metrics/index.js';
import { curvesFigure, fmt, legendTop, median, r6, thin, type CurvePoint } from './format.js';
import { writePage, type PlotlyFigure } from './html.js';

export interface SurrogateReportSample {
  /** e.g. 'best', 'median', 'worst'. */
  label: string;
  /** Index in the test set. */
  index: number;
  relL2: number;
  /** Times of the frames (one entry for a single-output mapping). */
  t: number[];
  /** [nt][nx] */
  truth: number[][];
  /** [nt][nx] */
  pred: number[][];
}

export interface SurrogateReportData {
  title: string;
  /** The grid. */
  x: number[];
  /** Test samples to show (the caller picks best/median/worst by relL2, see pickBestMedianWorst). */
  samples: SurrogateReportSample[];
  /** From evaluateFields. */
  metrics: MetricsReport;
  /** Relative L2 of the whole test set at other resolutions. */
  resolution?: { nx: number; relL2: number }[];
  /** Training curves from the run's metrics.jsonl. */
  curves?: CurvePoint[];
  /** Rollouts: error against time (per frame) and the x–t field of one sample, [nt][nx]. */
  rollout?: { t: number[]; relL2PerFrame: number[]; sample: { index: number; truth: number[][]; pred: number[][] } };
  /** Run facts: model, backend, epochs, data file… */
  info?: [string, string][];
}

/** Most points drawn per line. */
const MAX_LINE_POINTS = 1024;
/** Most rows and columns drawn per heatmap. */
const MAX_HEATMAP = 256;
/** Most frames offered by a sample's frame selector. */
const MAX_FRAMES = 11;

const DNS_COLOUR = '#1f3b73';
const SURROGATE_COLOUR = '#d9480f';
const ERROR_COLOUR = '#2b8a3e';

function pick(v: number[], idx: number[]): (number | null)[] {
  return idx.map((i) => r6(v[i]));
}

function fail(message: string): never {
  throw new Error(`surrogate report: ${message}`);
}

function checkField(name: string, f: number[][], nt: number, nx: number): void {
  if (!Array.isArray(f) || f.length !== nt) fail(`${name} has ${Array.isArray(f) ? f.length : typeof f} frames but t has ${nt}: give [nt][nx]`);
  f.forEach((row, k) => {
    if (!Array.isArray(row) || row.length !== nx) fail(`${name}[${k}] has ${Array.isArray(row) ? row.length : typeof row} points but x has ${nx}`);
  });
}

function checkData(d: SurrogateReportData): void {
  const nx = d.x.length;
  if (nx < 2) fail(`x has ${nx} points: give the grid (at least 2 points)`);
  if (d.samples.length === 0) fail('samples is empty: give at least one sample to draw');
  for (const s of d.samples) {
    if (s.t.length === 0) fail(`samples "${s.label}" has no times: give t with one entry per frame`);
    checkField(`samples "${s.label}".truth`, s.truth, s.t.length, nx);
    checkField(`samples "${s.label}".pred`, s.pred, s.t.length, nx);
  }
  for (const [i, c] of (d.curves ?? []).entries()) {
    if (!Number.isFinite(c.epoch) || typeof c.trainLoss !== 'number') fail(`curves[${i}] is not { epoch, trainLoss, valLoss?, lr? }`);
  }
  if (d.rollout) {
    const { t, relL2PerFrame, sample } = d.rollout;
    if (relL2PerFrame.length !== t.length) fail(`rollout.relL2PerFrame has ${relL2PerFrame.length} entries but rollout.t has ${t.length}`);
    checkField('rollout.sample.truth', sample.truth, t.length, nx);
    checkField('rollout.sample.pred', sample.pred, t.length, nx);
  }
}

const METRIC_ROWS: [keyof SampleMetrics, string][] = [
  ['relL2', '‖e‖/‖u‖ over space-time (LpLoss, p = 2)'],
  ['rmse', 'RMS error over x, mean over frames'],
  ['nrmse', '‖e‖/‖u‖ per frame, mean over frames'],
  ['crmse', 'error of the spatial mean (conserved quantity)'],
  ['brmse', 'RMS error at the two boundary points'],
  ['fLow', 'Fourier error, low modes'],
  ['fMid', 'Fourier error, middle modes'],
  ['fHigh', 'Fourier error, high modes'],
  ['maxErr', 'largest |e| (PDEBench: worst per frame, mean over frames)'],
];

function metricsTable(m: MetricsReport): PlotlyFigure {
  const { iLow, iHigh } = m.options;
  const meaning = (key: keyof SampleMetrics, text: string): string =>
    key === 'fLow' ? `${text} 0–${iLow - 1}` : key === 'fMid' ? `${text} ${iLow}–${iHigh - 1}` : key === 'fHigh' ? `${text} ≥ ${iHigh}` : text;
  const column = (f: (key: keyof SampleMetrics) => number) => METRIC_ROWS.map(([key]) => fmt(f(key)));
  const values = (key: keyof SampleMetrics) => m.perSample.map((s) => s[key]);
  const worst = (key: keyof SampleMetrics) => values(key).reduce((a, b) => (b > a || Number.isNaN(b) ? b : a), -Infinity);
  return {
    id: 'metrics',
    title: `Metrics over ${m.perSample.length} test samples`,
    data: [
      {
        type: 'table',
        columnwidth: [0.7, 3, 1.1, 1.5, 1.1, 1.1],
        header: {
          values: ['metric', 'meaning', 'mean', 'PDEBench (set as one batch)', 'median', 'worst sample'],
          align: 'left',
          fill: { color: '#f4f4f4' },
          font: { size: 13 },
        },
        cells: {
          values: [
            METRIC_ROWS.map(([key]) => key),
            METRIC_ROWS.map(([key, text]) => meaning(key, text)),
            column((key) => m.mean[key]),
            column((key) => m.pdebench[key]),
            column((key) => median(values(key))),
            column(worst),
          ],
          align: 'left',
          height: 26,
          font: { size: 13 },
        },
      },
    ],
    layout: { margin: { t: 10, b: 10, l: 10, r: 10 } },
  };
}

/** u(x) of the reference and the surrogate with the pointwise error below; a frame selector when nt > 1. */
function sampleFigure(s: SurrogateReportSample, x: number[], id: string): PlotlyFigure {
  const xi = thin(x.length, MAX_LINE_POINTS);
  const xs = pick(x, xi);
  const frame = (k: number) => {
    const truth = pick(s.truth[k], xi);
    const pred = pick(s.pred[k], xi);
    const err = xi.map((i) => r6(s.pred[k][i] - s.truth[k][i]));
    return { truth, pred, err };
  };
  const nt = s.t.length;
  const last = frame(nt - 1);
  const layout: Record<string, unknown> = {
    margin: { t: 40, b: 50, l: 70, r: 20 },
    xaxis: { anchor: 'y2', title: { text: 'x' } },
    yaxis: { domain: [0.38, 1], title: { text: 'u' } },
    yaxis2: { domain: [0, 0.27], title: { text: 'surrogate − DNS' }, zeroline: true },
    legend: legendTop(),
    hovermode: 'x',
  };
  if (nt > 1) {
    const frames = thin(nt, MAX_FRAMES);
    layout.updatemenus = [
      {
        type: 'dropdown',
        x: 0,
        xanchor: 'left',
        y: 1.02,
        yanchor: 'bottom',
        active: frames.length - 1,
        showactive: true,
        buttons: frames.map((k) => {
          const f = k === nt - 1 ? last : frame(k);
          return { method: 'restyle', label: `t = ${fmt(s.t[k])}`, args: [{ y: [f.truth, f.pred, f.err] }] };
        }),
      },
    ];
  }
  const when = nt > 1 ? `frame selector, last frame t = ${fmt(s.t[nt - 1])} shown first` : `t = ${fmt(s.t[0])}`;
  return {
    id,
    title: `${s.label}: sample ${s.index}, relL2 = ${fmt(s.relL2)} (${when})`,
    data: [
      { type: 'scatter', mode: 'lines', name: 'DNS', x: xs, y: last.truth, line: { color: DNS_COLOUR, width: 2 } },
      { type: 'scatter', mode: 'lines', name: 'surrogate', x: xs, y: last.pred, line: { color: SURROGATE_COLOUR, width: 1.5, dash: 'dash' } },
      { type: 'scatter', mode: 'lines', name: 'error', x: xs, y: last.err, yaxis: 'y2', line: { color: ERROR_COLOUR, width: 1 }, showlegend: false },
    ],
    layout,
  };
}

function histogramFigure(d: SurrogateReportData): PlotlyFigure {
  const rel = d.metrics.perSample.map((s) => s.relL2);
  const finite = rel.filter((v) => Number.isFinite(v));
  const dropped = rel.length - finite.length;
  return {
    id: 'relL2-histogram',
    title: `Per-sample relL2 over the test set${dropped ? ` (${dropped} not finite, not drawn)` : ''}`,
    // Plotly's automatic binning gives 3–4 bins for a dozen samples: ask for about 2√n (it may merge some).
    data: [
      { type: 'histogram', x: finite.map(r6), nbinsx: Math.max(10, Math.ceil(2 * Math.sqrt(finite.length))), marker: { color: '#748ffc' }, name: 'samples' },
    ],
    layout: {
      margin: { t: 30, b: 50, l: 60, r: 20 },
      xaxis: { title: { text: 'relative L2 error' } },
      yaxis: { title: { text: 'samples' } },
      bargap: 0.05,
      shapes: d.samples.map((s) => ({
        type: 'line',
        xref: 'x',
        yref: 'paper',
        x0: r6(s.relL2),
        x1: r6(s.relL2),
        y0: 0,
        y1: 1,
        line: { color: '#495057', dash: 'dot', width: 1 },
      })),
      annotations: d.samples.map((s, i) => ({
        x: r6(s.relL2),
        xref: 'x',
        y: 1 - 0.07 * i,
        yref: 'paper',
        text: s.label,
        showarrow: false,
        xanchor: 'left',
        font: { size: 11, color: '#495057' },
      })),
    },
  };
}

function resolutionFigure(res: { nx: number; relL2: number }[]): PlotlyFigure {
  const sorted = [...res].sort((a, b) => a.nx - b.nx);
  return {
    id: 'resolution',
    title: 'Test-set relL2 against grid resolution',
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        x: sorted.map((r) => r.nx),
        y: sorted.map((r) => r6(r.relL2)),
        marker: { size: 8, color: SURROGATE_COLOUR },
        line: { color: SURROGATE_COLOUR },
        name: 'relL2',
      },
    ],
    layout: {
      margin: { t: 30, b: 50, l: 70, r: 20 },
      xaxis: { type: 'log', title: { text: 'grid points nx' }, tickvals: sorted.map((r) => r.nx), ticktext: sorted.map((r) => String(r.nx)) },
      yaxis: { title: { text: 'mean relative L2 error' }, rangemode: 'tozero' },
    },
  };
}

function rolloutErrorFigure(r: NonNullable<SurrogateReportData['rollout']>): PlotlyFigure {
  return {
    id: 'rollout-error',
    title: 'Rollout: relL2 against time (mean over test samples)',
    data: [
      {
        type: 'scatter',
        mode: 'lines+markers',
        x: r.t.map(r6),
        y: r.relL2PerFrame.map(r6),
        marker: { size: 4 },
        line: { color: SURROGATE_COLOUR },
        name: 'relL2',
      },
    ],
    layout: {
      margin: { t: 30, b: 50, l: 70, r: 20 },
      xaxis: { title: { text: 't' } },
      yaxis: { title: { text: 'relative L2 error' }, rangemode: 'tozero' },
    },
  };
}

/** DNS | surrogate | error x–t heatmaps; DNS and surrogate share one colour scale, the error has its own, symmetric about 0. */
function rolloutFieldsFigure(r: NonNullable<SurrogateReportData['rollout']>, x: number[]): PlotlyFigure {
  const ti = thin(r.t.length, MAX_HEATMAP);
  const xi = thin(x.length, MAX_HEATMAP);
  const grid = (f: (k: number, i: number) => number) => ti.map((k) => xi.map((i) => r6(f(k, i))));
  const truth = grid((k, i) => r.sample.truth[k][i]);
  const pred = grid((k, i) => r.sample.pred[k][i]);
  const err = grid((k, i) => r.sample.pred[k][i] - r.sample.truth[k][i]);
  let lo = Infinity;
  let hi = -Infinity;
  let emax = 0;
  for (const z of [truth, pred]) {
    for (const row of z) {
      for (const v of row) {
        if (v === null) continue;
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  for (const row of err) for (const v of row) if (v !== null) emax = Math.max(emax, Math.abs(v));
  const xs = pick(x, xi);
  const ts = pick(r.t, ti);
  const domains: [number, number][] = [
    [0, 0.28],
    [0.33, 0.61],
    [0.72, 0.95],
  ];
  const titles = ['DNS', 'surrogate', 'surrogate − DNS'];
  const axes: Record<string, unknown> = {};
  domains.forEach((dom, p) => {
    const s = p === 0 ? '' : String(p + 1);
    axes[`xaxis${s}`] = { domain: dom, anchor: `y${s}`, title: { text: 'x' } };
    axes[`yaxis${s}`] = { anchor: `x${s}`, title: { text: p === 0 ? 't' : '' }, ...(p > 0 ? { matches: 'y', showticklabels: true } : {}) };
  });
  return {
    id: 'rollout-fields',
    title: `Rollout of sample ${r.sample.index}: u(x, t)`,
    data: [truth, pred, err].map((z, p) => ({
      type: 'heatmap',
      x: xs,
      y: ts,
      z,
      xaxis: p === 0 ? 'x' : `x${p + 1}`,
      yaxis: p === 0 ? 'y' : `y${p + 1}`,
      coloraxis: p < 2 ? 'coloraxis' : 'coloraxis2',
      name: titles[p],
    })),
    layout: {
      margin: { t: 40, b: 50, l: 60, r: 20 },
      ...axes,
      coloraxis: { colorscale: 'Viridis', cmin: r6(lo), cmax: r6(hi), colorbar: { x: 0.62, xanchor: 'left', thickness: 12, title: { text: 'u' } } },
      // Plotly's RdBu runs blue (low) to red (high): a positive error (surrogate too high) is red.
      coloraxis2: { colorscale: 'RdBu', cmin: r6(-emax), cmax: r6(emax), colorbar: { x: 0.96, xanchor: 'left', thickness: 12, title: { text: 'error' } } },
      annotations: domains.map((dom, p) => ({
        text: titles[p],
        x: (dom[0] + dom[1]) / 2,
        xref: 'paper',
        xanchor: 'center',
        y: 1,
        yref: 'paper',
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 14 },
      })),
    },
  };
}

/** The page's figures, in order (exported for tests and for callers that assemble their own page). */
export function surrogateReportFigures(data: SurrogateReportData): PlotlyFigure[] {
  checkData(data);
  const figures: PlotlyFigure[] = [metricsTable(data.metrics)];
  data.samples.forEach((s, i) => figures.push(sampleFigure(s, data.x, `sample-${i}`)));
  figures.push(histogramFigure(data));
  if (data.resolution?.length) figures.push(resolutionFigure(data.resolution));
  if (data.curves?.length) figures.push(curvesFigure(data.curves, { logLoss: true }));
  if (data.rollout) figures.push(rolloutErrorFigure(data.rollout), rolloutFieldsFigure(data.rollout, data.x));
  return figures;
}

/** Writes the report page atomically (figures as in surrogateReportFigures). */
export function writeSurrogateReport(file: string, data: SurrogateReportData): void {
  const figures = surrogateReportFigures(data);
  const m = data.metrics;
  writePage(file, {
    title: data.title,
    intro: [
      `Surrogate predictions against the reference (DNS) on ${m.perSample.length} test samples: mean relative L2 error ${fmt(m.mean.relL2)}, ` +
        `mean RMSE ${fmt(m.mean.rmse)}. Metrics follow PDEBench (fRMSE bands split at modes ${m.options.iLow} and ${m.options.iHigh}).`,
    ],
    table: data.info,
    figures,
  });
}
