/**
 * The uncertainty and conservation report: one self-contained HTML page (plotly inlined, see
 * html.ts) comparing probabilistic surrogates of a 1D field — up to a few variants, typically the
 * base model, its ProbConserv projection onto the conservation constraint (Hansen et al. 2023) and
 * HardC — against the exact solution: a metric table across variants (MSE, CRPS, log-likelihood,
 * coverage, conservation and front errors), the mean ± 2σ band against the exact solution with a
 * time slider and a sample selector, calibration curves, mass over time against the true mass,
 * the front error over time (Stefan), errors against the PDE parameter, training curves. An
 * out-of-distribution test set (held-out parameters) is shown as a second group beside the
 * in-distribution one. The metrics come from `uqMetrics` (src/metrics/uq.ts).
 *
 * Size: only the best / median / worst samples of each group by the base model's MSE are embedded,
 * each frame as base64 little-endian Float32 (mean and σ per variant, the truth once), at most
 * `maxFrames` frames and `maxPoints` points (every k-th point, never averaged); the band μ ± 2σ is
 * computed in the page. 3 samples × 11 frames × 3 variants of 1024 points take about 1.3 MB a group.
 * Line data are written with 6 significant digits.
 */
import { pickBestMedianWorst, type UqMetrics } from '../metrics/index.js';
import {
  base64,
  curvesFigure,
  DECODE_FLOAT32_JS,
  fmt,
  frameControlsJs,
  fromBase64,
  insertBefore,
  type CurvePoint,
  r6,
  thin,
  type FmtOptions,
} from './format.js';
import { renderPage, scriptJson, writeHtml, type PlotlyFigure } from './html.js';

export interface UqReportVariant {
  /** 'base' (the unconstrained model), 'projected' (ProbConserv), 'hardc' (HardC), or any other name; unique in a group. */
  name: 'base' | 'projected' | 'hardc' | (string & {});
  /** Predictive mean, `[n, nt, nx]`. */
  mean: ArrayLike<number>;
  /** Predictive variance, `[n, nt, nx]`. */
  variance: ArrayLike<number>;
  /** uqMetrics of this variant on the group's truth. */
  metrics: UqMetrics;
}

/** One test set: its exact solutions and every variant's prediction of them. */
export interface UqReportGroup {
  /** e.g. 'out-of-distribution (k ∈ [4, 5])'. */
  label: string;
  /** Exact solution, `[n, nt, nx]`. */
  truth: ArrayLike<number>;
  /** The variants, in the order shown (the same names in both groups). */
  variants: UqReportVariant[];
  /** The PDE parameter of each sample (e.g. k, p*): shown with the samples and against the errors. */
  parameters?: number[];
}

export interface UqReportInput {
  title: string;
  /** Run facts shown as a table: dataset, models, ensemble size, projection… */
  info?: [string, string][];
  /** The grid, nx points. */
  x: number[];
  /** Times of the nt frames. */
  times: number[];
  /** Label of the main test set. @default 'in-distribution' */
  label?: string;
  /** Exact solution of the main test set, `[n, nt, nx]`. */
  truth: ArrayLike<number>;
  variants: UqReportVariant[];
  parameters?: number[];
  /** A second test set (e.g. held-out parameters) on the same grid and times, shown beside the first. */
  ood?: UqReportGroup;
  /** Name of the PDE parameter. @default 'parameter' */
  parameterName?: string;
  /** Training curves, one entry per epoch. */
  curves?: CurvePoint[];
  /** Most frames offered by the time slider (evenly spaced, first and last kept). @default 11 */
  maxFrames?: number;
  /** Most grid points drawn per line. @default 1024 */
  maxPoints?: number;
}

/** The fields of one group embedded in the page (JSON in `<script id="uq-report-data">`), exported for tests. */
export interface UqBandData {
  /** Id of the band figure the page's controls drive. */
  figure: string;
  group: string;
  /** Frame indices offered by the slider, and their times. */
  frames: number[];
  times: number[];
  /** The grid points shown (every stride-th point) and their x. */
  stride: number;
  x: (number | null)[];
  variants: { name: string; label: string }[];
  samples: {
    label: 'best' | 'median' | 'worst';
    index: number;
    /** The base model's MSE of the sample (what it was picked by). */
    mse: number;
    parameter?: number;
    /** One base64 Float32 array of the shown points per offered frame. */
    truth: string[];
    /** [variant][offered frame], base64 Float32. */
    mean: string[][];
    /** [variant][offered frame], base64 Float32 standard deviation σ = √variance. */
    sd: string[][];
  }[];
  /** Shown when the page opens: the median sample (else the first) at the last offered frame. */
  initial: { sample: number; slot: number };
}

interface Group extends UqReportGroup {
  key: 'id' | 'ood';
  n: number;
}

const DEFAULT_MAX_FRAMES = 11;
const DEFAULT_MAX_POINTS = 1024;
const EXACT_COLOUR = '#212529';
const VARIANT_STYLE: Record<string, { label: string; colour: string }> = {
  base: { label: 'base', colour: '#1971c2' },
  projected: { label: 'projected (ProbConserv)', colour: '#d9480f' },
  hardc: { label: 'HardC', colour: '#2b8a3e' },
};
const OTHER_COLOURS = ['#7048e8', '#0c8599', '#e67700', '#c2255c'];

/** ±∞ as symbols: a deterministic variant's log-likelihood is −∞ wherever it is not exact. */
const FMT: FmtOptions = { infinity: 'symbol' };
const REPORT = 'UQ report';

function fail(message: string): never {
  throw new Error(`${REPORT}: ${message}`);
}

function pct(v: number): string {
  return Number.isFinite(v) ? `${(100 * v).toFixed(1)}%` : 'n/a';
}

/** Label and colour of a variant: the known names get theirs, others a colour by position. */
function variantStyle(name: string, position: number): { label: string; colour: string } {
  return VARIANT_STYLE[name] ?? { label: name, colour: OTHER_COLOURS[position % OTHER_COLOURS.length] };
}

/** The variant the samples are picked by: 'base', else the first. */
function baseVariant(g: UqReportGroup): UqReportVariant {
  return g.variants.find((v) => v.name === 'base') ?? g.variants[0];
}

function checkLength(name: string, a: unknown, size: number, what: string): void {
  if (a === null || typeof a !== 'object' || typeof (a as ArrayLike<number>).length !== 'number')
    fail(`${name} is ${a === null ? 'null' : typeof a}: give a Float32Array or number[] ${what}`);
  if ((a as ArrayLike<number>).length !== size) fail(`${name} has ${(a as ArrayLike<number>).length} values but ${what} needs ${size}`);
}

function checkGroup(g: UqReportGroup, where: string, nt: number, nx: number): number {
  if (!Array.isArray(g.variants) || g.variants.length === 0) fail(`${where}.variants is empty: give at least one variant`);
  const n = g.variants[0].metrics?.n;
  const names = new Set<string>();
  for (const [i, v] of g.variants.entries()) {
    const at = `${where}.variants[${i}] ("${v.name}")`;
    if (typeof v.name !== 'string' || v.name === '') fail(`${where}.variants[${i}].name is ${JSON.stringify(v.name)}: give a name such as 'base'`);
    if (names.has(v.name)) fail(`${where}.variants has "${v.name}" twice: give each variant its own name`);
    names.add(v.name);
    const m = v.metrics;
    if (m === null || typeof m !== 'object') fail(`${at}.metrics is missing: give uqMetrics of the variant`);
    if (m.n !== n || m.nt !== nt || m.nx !== nx)
      fail(`${at}.metrics has [n, nt, nx] = [${m.n}, ${m.nt}, ${m.nx}] but the report needs [${n}, ${nt}, ${nx}] (times and x)`);
    checkLength(`${at}.mean`, v.mean, n * nt * nx, `[n, nt, nx] = [${n}, ${nt}, ${nx}]`);
    checkLength(`${at}.variance`, v.variance, n * nt * nx, `[n, nt, nx] = [${n}, ${nt}, ${nx}]`);
  }
  checkLength(`${where}.truth`, g.truth, n * nt * nx, `[n, nt, nx] = [${n}, ${nt}, ${nx}]`);
  if (g.parameters !== undefined && (!Array.isArray(g.parameters) || g.parameters.length !== n)) {
    fail(`${where}.parameters has ${Array.isArray(g.parameters) ? g.parameters.length : typeof g.parameters} entries but there are ${n} samples`);
  }
  return n;
}

/** Validates the input; returns the groups (in-distribution first) and the resolved limits. */
function resolve(input: UqReportInput): { groups: Group[]; maxFrames: number; maxPoints: number } {
  if (typeof input.title !== 'string') fail(`title is ${typeof input.title}: give a string`);
  const { x, times } = input;
  if (!Array.isArray(x) || x.length < 2) fail(`x has ${Array.isArray(x) ? x.length : typeof x} points: give the grid (at least 2 points)`);
  if (!Array.isArray(times) || times.length < 1) fail(`times is ${Array.isArray(times) ? 'empty' : typeof times}: give one time per frame`);
  const nt = times.length;
  const nx = x.length;
  const main: UqReportGroup = { label: input.label ?? 'in-distribution', truth: input.truth, variants: input.variants, parameters: input.parameters };
  const groups: Group[] = [{ ...main, key: 'id', n: checkGroup(main, 'input', nt, nx) }];
  if (input.ood) {
    if (typeof input.ood.label !== 'string') fail('ood.label is missing: name the second test set');
    groups.push({ ...input.ood, key: 'ood', n: checkGroup(input.ood, 'ood', nt, nx) });
  }
  const levels = JSON.stringify(groups[0].variants[0].metrics.options.coverageLevels);
  for (const g of groups) {
    for (const v of g.variants) {
      if (JSON.stringify(v.metrics.options.coverageLevels) !== levels)
        fail(
          `variant "${v.name}" of ${g.label} has coverage levels ${JSON.stringify(v.metrics.options.coverageLevels)} but the first has ${levels}: compute every metric with the same levels`,
        );
    }
  }
  const maxFrames = input.maxFrames ?? DEFAULT_MAX_FRAMES;
  const maxPoints = input.maxPoints ?? DEFAULT_MAX_POINTS;
  if (!Number.isInteger(maxFrames) || maxFrames < 2) fail(`maxFrames = ${maxFrames} is not allowed: use an integer >= 2`);
  if (!Number.isInteger(maxPoints) || maxPoints < 2) fail(`maxPoints = ${maxPoints} is not allowed: use an integer >= 2`);
  for (const [i, c] of (input.curves ?? []).entries()) {
    if (!Number.isFinite(c.epoch) || typeof c.trainLoss !== 'number') fail(`curves[${i}] is not { epoch, trainLoss, valLoss? }`);
  }
  return { groups, maxFrames, maxPoints };
}

function frameSlice(a: ArrayLike<number>, nt: number, nx: number, b: number, t: number, stride: number, sqrt = false): Float32Array {
  const off = (b * nt + t) * nx;
  const out = new Float32Array(Math.ceil(nx / stride));
  for (let k = 0; k < out.length; k++) {
    const v = +a[off + k * stride];
    out[k] = sqrt ? Math.sqrt(v) : v;
  }
  return out;
}

function bandData(g: Group, input: UqReportInput, maxFrames: number, maxPoints: number): UqBandData {
  const nt = input.times.length;
  const nx = input.x.length;
  const frames = thin(nt, maxFrames);
  const stride = Math.ceil(nx / maxPoints);
  const shownX = Array.from({ length: Math.ceil(nx / stride) }, (_, k) => r6(input.x[k * stride]));
  const base = baseVariant(g);
  const picks = pickBestMedianWorst(base.metrics.perSample.map((s) => s.mse));
  const samples = picks.map(({ label, index }) => ({
    label,
    index,
    mse: base.metrics.perSample[index].mse,
    ...(g.parameters ? { parameter: g.parameters[index] } : {}),
    truth: frames.map((t) => base64(frameSlice(g.truth, nt, nx, index, t, stride))),
    mean: g.variants.map((v) => frames.map((t) => base64(frameSlice(v.mean, nt, nx, index, t, stride)))),
    sd: g.variants.map((v) => frames.map((t) => base64(frameSlice(v.variance, nt, nx, index, t, stride, true)))),
  }));
  const median = samples.findIndex((s) => s.label === 'median');
  return {
    figure: `uq-band-${g.key}`,
    group: g.label,
    frames,
    times: frames.map((t) => input.times[t]),
    stride,
    x: shownX,
    variants: g.variants.map((v, i) => ({ name: v.name, label: variantStyle(v.name, i).label })),
    samples,
    initial: { sample: median >= 0 ? median : 0, slot: frames.length - 1 },
  };
}

/**
 * The y of the band figure's traces for one sample and offered frame, three per variant: the band
 * polygon μ + 2σ forward then μ − 2σ backward (float32, as the page computes it), μ, and the truth.
 */
export function bandTraceValues(d: UqBandData, sample: number, slot: number): Float32Array[] {
  const s = d.samples[sample];
  const truth = fromBase64(s.truth[slot]);
  const out: Float32Array[] = [];
  d.variants.forEach((_, v) => {
    const mu = fromBase64(s.mean[v][slot]);
    const sd = fromBase64(s.sd[v][slot]);
    const m = mu.length;
    const band = new Float32Array(2 * m);
    for (let i = 0; i < m; i++) {
      band[i] = mu[i] + 2 * sd[i];
      band[2 * m - 1 - i] = mu[i] - 2 * sd[i];
    }
    out.push(band, mu, truth);
  });
  return out;
}

function bandCaption(d: UqBandData, sample: number, slot: number, parameterName: string): string {
  const s = d.samples[sample];
  const p = s.parameter === undefined ? '' : `, ${parameterName} = ${fmt(s.parameter, FMT)}`;
  return `${d.group} — ${s.label}: sample ${s.index}${p}, base MSE ${fmt(s.mse, FMT)}; t = ${fmt(d.times[slot], FMT)}`;
}

function f4(a: Float32Array): { dtype: string; bdata: string } {
  return { dtype: 'f4', bdata: base64(a) };
}

/** One column per variant: exact solution, mean and the ±2σ band; the page's script swaps frames and samples. */
function bandFigure(d: UqBandData, g: Group, parameterName: string): PlotlyFigure {
  const { sample, slot } = d.initial;
  const values = bandTraceValues(d, sample, slot);
  const nv = d.variants.length;
  const gap = nv > 1 ? 0.04 : 0;
  const width = (1 - gap * (nv - 1)) / nv;
  const xBack = [...d.x].reverse();
  const data: unknown[] = [];
  const layout: Record<string, unknown> = {
    title: { text: bandCaption(d, sample, slot, parameterName), x: 0.5, y: 0.985, font: { size: 14 } },
    margin: { t: 80, b: 40, l: 60, r: 20 },
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: -0.07, yanchor: 'top' },
    hovermode: 'closest',
  };
  const annotations: unknown[] = [];
  d.variants.forEach((v, i) => {
    const { colour } = variantStyle(v.name, i);
    const ax = i === 0 ? '' : String(i + 1);
    const xa = `x${ax}`;
    const ya = `y${ax}`;
    const x0 = i * (width + gap);
    // No axis title: the legend sits right under the tick labels.
    layout[`xaxis${ax}`] = { domain: [x0, x0 + width], anchor: ya };
    layout[`yaxis${ax}`] = { anchor: xa, ...(i === 0 ? { title: { text: 'u' } } : { matches: 'y', showticklabels: true }) };
    const m = g.variants[i].metrics;
    const levels = m.options.coverageLevels;
    const widest = levels.indexOf(Math.max(...levels));
    annotations.push({
      text: `${v.label}: CRPS ${fmt(m.crps, FMT)}, ${pct(m.coverage[widest])} inside the ${Number((100 * levels[widest]).toFixed(1))}% interval`,
      x: x0 + width / 2,
      xref: 'paper',
      xanchor: 'center',
      y: 1.0,
      yref: 'paper',
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 12, color: colour },
    });
    const rgba = `rgba(${parseInt(colour.slice(1, 3), 16)},${parseInt(colour.slice(3, 5), 16)},${parseInt(colour.slice(5, 7), 16)},0.25)`;
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: [...d.x, ...xBack],
      y: f4(values[3 * i]),
      xaxis: xa,
      yaxis: ya,
      fill: 'toself',
      fillcolor: rgba,
      line: { width: 0, color: rgba },
      name: `${v.label} ±2σ`,
      hoverinfo: 'skip',
    });
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: d.x,
      y: f4(values[3 * i + 1]),
      xaxis: xa,
      yaxis: ya,
      line: { color: colour, width: 2 },
      name: `${v.label} mean`,
    });
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: d.x,
      y: f4(values[3 * i + 2]),
      xaxis: xa,
      yaxis: ya,
      line: { color: EXACT_COLOUR, width: 1.5, dash: 'dash' },
      name: 'exact',
      legendgroup: 'exact',
      showlegend: i === 0,
    });
  });
  layout.annotations = annotations;
  layout.updatemenus = [
    {
      type: 'buttons',
      direction: 'right',
      x: 0,
      xanchor: 'left',
      y: 1.09,
      yanchor: 'bottom',
      active: sample,
      showactive: true,
      pad: { t: 0, b: 0 },
      buttons: d.samples.map((p) => ({ method: 'skip', label: `${p.label} (#${p.index})`, args: [] })),
    },
  ];
  if (d.frames.length > 1) {
    layout.sliders = [
      {
        active: slot,
        x: 0.05,
        len: 0.9,
        y: -0.16,
        yanchor: 'top',
        pad: { t: 10 },
        currentvalue: { prefix: 't = ', xanchor: 'left', font: { size: 13 } },
        steps: d.frames.map((_, k) => ({ method: 'skip', label: fmt(d.times[k], FMT), value: String(k), args: [] })),
      },
    ];
  }
  return { id: d.figure, title: `${g.label}: mean ± 2σ against the exact solution`, data, layout };
}

function metricsTable(groups: Group[]): PlotlyFigure {
  const levels = groups[0].variants[0].metrics.options.coverageLevels;
  const hasFront = groups.some((g) => g.variants.some((v) => v.metrics.front));
  const rows: string[][] = [];
  for (const g of groups) {
    g.variants.forEach((v, i) => {
      const m = v.metrics;
      const row = [
        groups.length > 1 ? g.label : `${g.label} (${m.n})`,
        variantStyle(v.name, i).label,
        fmt(m.mse, FMT),
        fmt(m.crps, FMT),
        fmt(m.logLik, FMT),
        ...m.coverage.map(pct),
        fmt(m.conservation.meanAbs, FMT),
        `${fmt(m.conservation.relMaxAbs, FMT)}`,
      ];
      if (hasFront) row.push(m.front ? fmt(m.front.meanAbs, FMT) : '—');
      rows.push(row);
    });
  }
  const header = [
    'test set',
    'variant',
    'MSE',
    'CRPS',
    'log-likelihood',
    ...levels.map((p) => `${Number((100 * p).toFixed(1))}% coverage`),
    'mean |ΔM|',
    'max |ΔM| / max |M|',
    ...(hasFront ? ['mean |Δfront|'] : []),
  ];
  const n = groups.map((g) => `${g.label}: ${g.n} samples`).join(', ');
  return {
    id: 'uq-metrics',
    title: `Metrics (${n}; mean over points: MSE and CRPS lower, log-likelihood higher, coverage near the nominal level)`,
    data: [
      {
        type: 'table',
        columnwidth: [1.6, 1.6, ...header.slice(2).map(() => 1)],
        header: { values: header, align: 'left', fill: { color: '#f4f4f4' }, font: { size: 12 } },
        cells: { values: header.map((_, c) => rows.map((r) => r[c])), align: 'left', height: 26, font: { size: 12 } },
      },
    ],
    layout: { margin: { t: 10, b: 10, l: 10, r: 10 } },
  };
}

/** Observed against expected central-interval coverage, one column per test set, with the diagonal. */
function calibrationFigure(groups: Group[]): PlotlyFigure {
  const width = groups.length > 1 ? 0.46 : 1;
  const data: unknown[] = [];
  const layout: Record<string, unknown> = {
    margin: { t: 40, b: 50, l: 70, r: 20 },
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.08, yanchor: 'bottom' },
  };
  const annotations: unknown[] = [];
  groups.forEach((g, gi) => {
    const ax = gi === 0 ? '' : String(gi + 1);
    const x0 = gi * 0.54;
    layout[`xaxis${ax}`] = { domain: [x0, x0 + width], anchor: `y${ax}`, range: [-0.02, 1.02], title: { text: 'expected coverage' } };
    layout[`yaxis${ax}`] = { anchor: `x${ax}`, range: [-0.02, 1.02], ...(gi === 0 ? { title: { text: 'observed coverage' } } : {}) };
    if (groups.length > 1)
      annotations.push({
        text: g.label,
        x: x0 + width / 2,
        xref: 'paper',
        xanchor: 'center',
        y: 1,
        yref: 'paper',
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 13 },
      });
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: [0, 1],
      y: [0, 1],
      xaxis: `x${ax}`,
      yaxis: `y${ax}`,
      line: { color: '#adb5bd', dash: 'dot', width: 1 },
      name: 'calibrated',
      legendgroup: 'diag',
      showlegend: gi === 0,
      hoverinfo: 'skip',
    });
    g.variants.forEach((v, i) => {
      const { label, colour } = variantStyle(v.name, i);
      const c = v.metrics.calibration;
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        x: c.expected.map(r6),
        y: c.observed.map(r6),
        xaxis: `x${ax}`,
        yaxis: `y${ax}`,
        marker: { size: 5 },
        line: { color: colour, width: 2 },
        name: label,
        legendgroup: v.name,
        showlegend: gi === 0,
      });
    });
  });
  layout.annotations = annotations;
  return {
    id: 'uq-calibration',
    title: 'Calibration: observed against expected coverage of the central intervals (below the diagonal: overconfident)',
    data,
    layout,
  };
}

/** Subplot axes side by side in one figure: p-th of `panels`, with its title above. */
function panelAxes(
  layout: Record<string, unknown>,
  annotations: unknown[],
  p: number,
  panels: number,
  title: string,
  axes: { x: Record<string, unknown>; y: Record<string, unknown> },
): { xaxis: string; yaxis: string } {
  const gap = panels > 1 ? 0.06 : 0;
  const width = (1 - gap * (panels - 1)) / panels;
  const ax = p === 0 ? '' : String(p + 1);
  const x0 = p * (width + gap);
  layout[`xaxis${ax}`] = { domain: [x0, x0 + width], anchor: `y${ax}`, ...axes.x };
  layout[`yaxis${ax}`] = { anchor: `x${ax}`, ...axes.y };
  if (title)
    annotations.push({
      text: title,
      x: x0 + width / 2,
      xref: 'paper',
      xanchor: 'center',
      y: 1,
      yref: 'paper',
      yanchor: 'bottom',
      showarrow: false,
      font: { size: 12 },
    });
  return { xaxis: `x${ax}`, yaxis: `y${ax}` };
}

function legendAbove(): Record<string, unknown> {
  return { orientation: 'h', x: 1, xanchor: 'right', y: 1.1, yanchor: 'bottom' };
}

/**
 * Mass Σ w·μ over time of the shown samples, every variant against the true mass (before and after
 * the projection), and the mean |ΔM| over all samples of the group.
 */
function massFigure(g: Group, d: UqBandData, times: number[]): PlotlyFigure {
  const ts = times.map(r6);
  const base = baseVariant(g);
  const panels = d.samples.length + 1;
  const data: unknown[] = [];
  const layout: Record<string, unknown> = { margin: { t: 50, b: 50, l: 70, r: 20 }, legend: legendAbove() };
  const annotations: unknown[] = [];
  d.samples.forEach((s, p) => {
    const axes = panelAxes(layout, annotations, p, panels, `${s.label} (#${s.index})`, {
      x: { title: { text: 't' } },
      y: p === 0 ? { title: { text: 'mass Σ w·u' } } : {},
    });
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: ts,
      y: base.metrics.conservation.trueMass[s.index].map(r6),
      ...axes,
      line: { color: EXACT_COLOUR, width: 2, dash: 'dash' },
      name: 'true mass',
      legendgroup: 'true',
      showlegend: p === 0,
    });
    g.variants.forEach((v, i) => {
      const { label, colour } = variantStyle(v.name, i);
      data.push({
        type: 'scatter',
        mode: 'lines',
        x: ts,
        y: v.metrics.conservation.predMass[s.index].map(r6),
        ...axes,
        line: { color: colour, width: 1.5 },
        name: label,
        legendgroup: v.name,
        showlegend: p === 0,
      });
    });
  });
  const axes = panelAxes(layout, annotations, panels - 1, panels, `mean |ΔM| over ${g.n} samples`, { x: { title: { text: 't' } }, y: { rangemode: 'tozero' } });
  g.variants.forEach((v, i) => {
    const { label, colour } = variantStyle(v.name, i);
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: ts,
      y: v.metrics.perFrame.massErrMean.map(r6),
      ...axes,
      line: { color: colour, width: 1.5 },
      name: label,
      legendgroup: v.name,
      showlegend: false,
    });
  });
  layout.annotations = annotations;
  return { id: `uq-mass-${g.key}`, title: `${g.label}: mass over time against the true mass`, data, layout };
}

/** Mean |front(μ) − front(truth)| over samples against time, per variant; dashed for the second test set. */
function frontFigure(groups: Group[], times: number[]): PlotlyFigure {
  const ts = times.map(r6);
  const data: unknown[] = [];
  for (const g of groups) {
    g.variants.forEach((v, i) => {
      const f = v.metrics.front;
      if (!f) return;
      const { label, colour } = variantStyle(v.name, i);
      data.push({
        type: 'scatter',
        mode: 'lines+markers',
        x: ts,
        y: f.perFrameMeanAbs.map(r6),
        marker: { size: 4 },
        line: { color: colour, width: 2, dash: g.key === 'id' ? 'solid' : 'dash' },
        name: groups.length > 1 ? `${label}, ${g.label}` : label,
      });
    });
  }
  return {
    id: 'uq-front',
    title: 'Front position error of the mean: |front(μ) − front(exact)|, mean over samples',
    data,
    layout: {
      margin: { t: 30, b: 50, l: 70, r: 20 },
      xaxis: { title: { text: 't' } },
      yaxis: { title: { text: 'mean |Δfront|' }, rangemode: 'tozero' },
      legend: legendAbove(),
    },
  };
}

/** Per-sample MSE and CRPS against the PDE parameter; circles for the first test set, crosses for the second. */
function parameterFigure(groups: Group[], name: string): PlotlyFigure {
  const data: unknown[] = [];
  const layout: Record<string, unknown> = { margin: { t: groups.length > 1 ? 80 : 50, b: 50, l: 70, r: 20 }, legend: legendAbove() };
  const annotations: unknown[] = [];
  const positive = (v: number) => (v > 0 && Number.isFinite(v) ? r6(v) : null);
  (['mse', 'crps'] as const).forEach((key, p) => {
    const axes = panelAxes(layout, annotations, p, 2, key === 'mse' ? 'MSE per sample' : 'CRPS per sample', {
      x: { title: { text: name } },
      y: { type: 'log', exponentformat: 'power' },
    });
    for (const g of groups) {
      if (!g.parameters) continue;
      const params = g.parameters;
      g.variants.forEach((v, i) => {
        const { label, colour } = variantStyle(v.name, i);
        data.push({
          type: 'scatter',
          mode: 'markers',
          x: params.map(r6),
          y: v.metrics.perSample.map((s) => positive(s[key])),
          ...axes,
          marker: { color: colour, size: 6, symbol: g.key === 'id' ? 'circle' : 'x' },
          name: groups.length > 1 ? `${label}, ${g.label}` : label,
          legendgroup: `${g.key}-${v.name}`,
          showlegend: p === 0,
        });
      });
    }
  });
  layout.annotations = annotations;
  return { id: 'uq-parameters', title: `Errors against ${name}`, data, layout };
}

/** The page's figures, in order, and the embedded band data of each group (exported for tests). */
export function uqReportFigures(input: UqReportInput): { figures: PlotlyFigure[]; bands: UqBandData[] } {
  const { groups, maxFrames, maxPoints } = resolve(input);
  const parameterName = input.parameterName ?? 'parameter';
  const bands = groups.map((g) => bandData(g, input, maxFrames, maxPoints));
  const figures: PlotlyFigure[] = [metricsTable(groups), ...groups.map((g, i) => bandFigure(bands[i], g, parameterName)), calibrationFigure(groups)];
  groups.forEach((g, i) => figures.push(massFigure(g, bands[i], input.times)));
  if (groups.some((g) => g.variants.some((v) => v.metrics.front))) figures.push(frontFigure(groups, input.times));
  if (groups.some((g) => g.parameters)) figures.push(parameterFigure(groups, parameterName));
  if (input.curves?.length) figures.push(curvesFigure(input.curves));
  return { figures, bands };
}

/**
 * The page's controls, one set per band figure: the slider's and buttons' own methods are 'skip';
 * their events decode the chosen frame, compute μ ± 2σ (float32, as bandTraceValues) and restyle
 * the figure. Sets `document.body.dataset.uqControls = 'ready'` once listening.
 */
function controlsScript(bands: UqBandData[], parameterName: string): string {
  const payload = bands.map((d) => ({ ...d, captions: d.samples.map((_, s) => d.frames.map((__, k) => bandCaption(d, s, k, parameterName))) }));
  return `<script type="application/json" id="uq-report-data">${scriptJson(payload)}</script>
<script>
(() => {
  const all = JSON.parse(document.getElementById('uq-report-data').textContent);
${DECODE_FLOAT32_JS}
  const values = (d, sample, slot) => {
    const s = d.samples[sample];
    const truth = decode(s.truth[slot]);
    const out = [];
    d.variants.forEach((_, v) => {
      const mu = decode(s.mean[v][slot]);
      const sd = decode(s.sd[v][slot]);
      const m = mu.length;
      const band = new Float32Array(2 * m);
      for (let i = 0; i < m; i++) {
        band[i] = mu[i] + 2 * sd[i];
        band[2 * m - 1 - i] = mu[i] - 2 * sd[i];
      }
      out.push(band, mu, truth);
    });
    return out;
  };
  window.__plotsRendered.then(() => {
    for (const d of all) {
      const gd = document.getElementById(d.figure);
      const state = { sample: d.initial.sample, slot: d.initial.slot };
      const show = () => {
        const y = values(d, state.sample, state.slot);
        return Plotly.update(gd, { y }, { 'title.text': d.captions[state.sample][state.slot] }, y.map((_, i) => i));
      };
${frameControlsJs('      ')}
    }
    document.body.dataset.uqControls = 'ready';
  });
})();
</script>
`;
}

function intro(input: UqReportInput): string[] {
  const base = baseVariant({ label: '', truth: input.truth, variants: input.variants });
  const names = input.variants.map((v, i) => variantStyle(v.name, i).label).join(', ');
  const m = base.metrics;
  const lines = [
    `Probabilistic predictions (Gaussian mean and variance per point) of ${m.n} test samples of ${m.nt} frames on ${m.nx} points, t = ${fmt(input.times[0], FMT)} … ${fmt(input.times[m.nt - 1], FMT)}; variants: ${names}.`,
    `The samples shown are the best, median and worst of each test set by the ${variantStyle(base.name, 0).label} model's MSE; ΔM is the predicted mass Σ w·μ minus the true mass.`,
  ];
  if (input.ood)
    lines.push(
      `Second test set: ${input.ood.label} (${input.ood.variants[0].metrics.n} samples), shown beside the first (${input.label ?? 'in-distribution'}).`,
    );
  if (m.deterministic)
    lines.push(
      `The ${variantStyle(base.name, 0).label} model is deterministic (variance 0): its CRPS is the mean absolute error and its log-likelihood −∞ wherever it is not exact.`,
    );
  return lines;
}

/** The report as one HTML string (figures as in uqReportFigures, plus the slider and sample controls). */
export function renderUqReport(input: UqReportInput): string {
  const { figures, bands } = uqReportFigures(input);
  let html = renderPage({ title: input.title, intro: intro(input), table: input.info, figures });
  html = insertBefore(html, '</head>', `<style>${bands.map((d) => `#${d.figure}.plot`).join(',')}{height:520px}</style>\n`, REPORT);
  return insertBefore(html, '</body>', controlsScript(bands, input.parameterName ?? 'parameter'), REPORT);
}

/** Writes the report atomically (temp file + rename, as html.ts's writePage). */
export function writeUqReport(file: string, input: UqReportInput): void {
  writeHtml(file, renderUqReport(input));
}
