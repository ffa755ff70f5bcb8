/**
 * The Navier–Stokes rollout report: one self-contained HTML page (plotly inlined, see html.ts)
 * comparing a surrogate's vorticity rollouts with the DNS — vorticity snapshots DNS | surrogate |
 * error with a time slider and a sample selector, vorticity correlation against time, energy
 * spectra, error growth, enstrophy and energy, band errors of the spectrum, per-sample and summary
 * tables, training curves. The metrics come from `nsRolloutMetrics` (src/metrics/ns.ts).
 *
 * Size: only the best / median / worst samples by rollout relL2 are embedded, each frame as
 * base64 little-endian Float32 (4 bytes a value before base64), at most `maxFrames` frames and
 * `maxGrid` points per axis (every k-th point, never averaged); the error is computed in the page.
 * 3 samples × 21 frames of 64² take about 2.8 MB. Line data are written with 6 significant digits.
 */
import { checkNsFields, pickBestMedianWorst, type NsFields, type NsRolloutMetrics } from '../metrics/index.js';
import {
  base64,
  curvesFigure,
  DECODE_FLOAT32_JS,
  fmt,
  frameControlsJs,
  fromBase64,
  insertBefore,
  legendTop,
  type CurvePoint,
  median,
  r6,
  thin,
} from './format.js';
import { renderPage, scriptJson, writeHtml, type PageOptions, type PlotlyFigure } from './html.js';

export interface NsReportInput {
  title: string;
  /** Run facts shown as a table: dataset, model, backend, checkpoint… */
  info?: [string, string][];
  /** From nsRolloutMetrics(fields). */
  metrics: NsRolloutMetrics;
  /** The rollouts the metrics were computed on (all of them: the report picks the samples to show). */
  fields: NsFields;
  /** Training curves, one entry per epoch. */
  curves?: CurvePoint[];
  /** Most frames offered by the time slider (evenly spaced, first and last kept). @default 21 */
  maxFrames?: number;
  /** Most grid points per axis in a vorticity heatmap. @default 128 */
  maxGrid?: number;
}

/** The vorticity data embedded in the page (JSON in `<script id="ns-report-data">`), exported for tests. */
export interface NsVorticityData {
  /** Id of the heatmap figure the page's controls drive. */
  figure: string;
  /** Frame indices offered by the slider, and their times. */
  frames: number[];
  times: number[];
  /** Heatmap size after thinning: nyShown rows (y) of nxShown columns (x). */
  nxShown: number;
  nyShown: number;
  /** Grid stride of the thinning along x and y. */
  stride: [number, number];
  samples: {
    label: 'best' | 'median' | 'worst';
    index: number;
    relL2: number;
    /** One base64 Float32 `[nyShown][nxShown]` array per offered frame. */
    truth: string[];
    pred: string[];
    /** Colour range ±vmax of DNS and surrogate per offered frame: max |ω_DNS| of the frame. */
    vmax: number[];
    /** Colour range ±emax of the error, over all offered frames of the sample (so growth shows). */
    emax: number;
  }[];
  /** Shown when the page opens: the median sample (else the first) at the last offered frame. */
  initial: { sample: number; slot: number };
}

const DEFAULT_MAX_FRAMES = 21;
const DEFAULT_MAX_GRID = 128;
/** Most per-sample lines drawn in the correlation and error-growth plots. */
const MAX_SAMPLE_LINES = 50;

const DNS_COLOUR = '#1f3b73';
const SURROGATE_COLOUR = '#d9480f';
const PICK_COLOURS: Record<string, string> = { best: '#2b8a3e', median: '#1971c2', worst: '#c92a2a' };
const BAND_COLOURS = ['#1971c2', '#e67700', '#c92a2a'];
const TIME_COLOURS = ['#1971c2', '#2b8a3e', '#e67700', '#c92a2a', '#7048e8', '#0c8599'];
/** Diverging, white at 0 and distinct from the vorticity's RdBu: magenta (too low) to green (too high). */
const ERROR_COLOURSCALE = [
  [0, '#8e0152'],
  [0.25, '#de77ae'],
  [0.5, '#f7f7f7'],
  [0.75, '#7fbc41'],
  [1, '#276419'],
];

const REPORT = 'Navier–Stokes report';

function fail(message: string): never {
  throw new Error(`${REPORT}: ${message}`);
}

/** The worst value: the largest, or the smallest when lowerIsWorse; NaN if any is NaN (a diverged sample). */
function worst(v: number[], lowerIsWorse = false): number {
  let w = lowerIsWorse ? Infinity : -Infinity;
  for (const x of v) {
    if (Number.isNaN(x)) return NaN;
    w = lowerIsWorse ? Math.min(w, x) : Math.max(w, x);
  }
  return w;
}

function checkInput(input: NsReportInput): { maxFrames: number; maxGrid: number } {
  const { metrics: m, fields: f } = input;
  checkNsFields(f);
  if (typeof input.title !== 'string') fail(`title is ${typeof input.title}: give a string`);
  for (const key of ['n', 'nt', 'nx', 'ny'] as const) {
    if (m[key] !== f[key]) fail(`metrics.${key} = ${m[key]} but fields.${key} = ${f[key]}: compute the metrics from these fields`);
  }
  const maxFrames = input.maxFrames ?? DEFAULT_MAX_FRAMES;
  const maxGrid = input.maxGrid ?? DEFAULT_MAX_GRID;
  if (!Number.isInteger(maxFrames) || maxFrames < 2) fail(`maxFrames = ${maxFrames} is not allowed: use an integer >= 2`);
  if (!Number.isInteger(maxGrid) || maxGrid < 2) fail(`maxGrid = ${maxGrid} is not allowed: use an integer >= 2`);
  for (const [i, c] of (input.curves ?? []).entries()) {
    if (!Number.isFinite(c.epoch) || typeof c.trainLoss !== 'number') fail(`curves[${i}] is not { epoch, trainLoss, valLoss? }`);
  }
  return { maxFrames, maxGrid };
}

/** Frame t of sample b, thinned, transposed to rows of y ([ny'][nx'], what a heatmap's z wants). */
function frameRows(a: Float32Array, f: NsFields, b: number, t: number, xi: number[], yi: number[]): Float32Array {
  const off = (b * f.nt + t) * f.nx * f.ny;
  const out = new Float32Array(xi.length * yi.length);
  yi.forEach((j, r) => xi.forEach((i, c) => (out[r * xi.length + c] = a[off + i * f.ny + j])));
  return out;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) if (Math.abs(v) > m) m = Math.abs(v);
  return m;
}

/** The embedded vorticity data of the best / median / worst samples by rollout relL2. */
export function nsVorticityData(input: NsReportInput): NsVorticityData {
  const { maxFrames, maxGrid } = checkInput(input);
  const f = input.fields;
  const frames = thin(f.nt, maxFrames);
  const sx = Math.ceil(f.nx / maxGrid);
  const sy = Math.ceil(f.ny / maxGrid);
  const xi = Array.from({ length: Math.ceil(f.nx / sx) }, (_, k) => k * sx);
  const yi = Array.from({ length: Math.ceil(f.ny / sy) }, (_, k) => k * sy);
  const picks = pickBestMedianWorst(input.metrics.relL2.perSample);
  const samples = picks.map(({ label, index }) => {
    const truth: string[] = [];
    const pred: string[] = [];
    const vmax: number[] = [];
    let emax = 0;
    for (const t of frames) {
      const u = frameRows(f.truth, f, index, t, xi, yi);
      const v = frameRows(f.pred, f, index, t, xi, yi);
      truth.push(base64(u));
      pred.push(base64(v));
      // A zero frame would give an empty colour range, which plotly widens by itself to ±0.5 anyway.
      vmax.push(r6(maxAbs(u)) ?? 0);
      for (let i = 0; i < u.length; i++) {
        // As the page computes it (float32); NaN (a diverged surrogate) leaves the range alone.
        const e = Math.abs(Math.fround(v[i] - u[i]));
        if (e > emax) emax = e;
      }
    }
    return { label, index, relL2: input.metrics.relL2.perSample[index], truth, pred, vmax, emax: r6(emax) ?? 0 };
  });
  const median = samples.findIndex((s) => s.label === 'median');
  return {
    figure: 'ns-vorticity',
    frames,
    times: frames.map((t) => f.times[t]),
    nxShown: xi.length,
    nyShown: yi.length,
    stride: [sx, sy],
    samples,
    initial: { sample: median >= 0 ? median : 0, slot: frames.length - 1 },
  };
}

function summaryTable(m: NsRolloutMetrics): PlotlyFigure {
  const rel = m.relL2.perSample;
  const finalCorr = m.perSample.map((s) => s.finalCorrelation);
  const hct = m.highCorrelationTime.perSample;
  const last = m.nt - 1;
  const mean = (v: number[]) => v.reduce((a, x) => a + x, 0) / v.length;
  const rows: [string, string, string, string, string][] = [
    ['relL2 (rollout)', fmt(m.relL2.mean), fmt(median(rel)), fmt(worst(rel)), '‖e‖/‖ω‖ over space and all frames, per sample'],
    [
      'relL2 (last frame)',
      fmt(m.relL2.perFrame[last]),
      fmt(median(m.relL2.perSampleFrame.map((r) => r[last]))),
      fmt(worst(m.relL2.perSampleFrame.map((r) => r[last]))),
      `‖e‖/‖ω‖ at t = ${fmt(m.times[last])}`,
    ],
    [
      'high-correlation time',
      fmt(m.highCorrelationTime.mean),
      fmt(m.highCorrelationTime.median),
      fmt(worst(hct, true)),
      `t at which the vorticity correlation first falls below ${fmt(m.highCorrelationTime.threshold)} (TSM); ${fmt(m.times[last])} = never`,
    ],
    [
      'final correlation',
      fmt(mean(finalCorr)),
      fmt(median(finalCorr)),
      fmt(worst(finalCorr, true)),
      `Pearson correlation with the DNS at t = ${fmt(m.times[last])}`,
    ],
  ];
  m.spectrumError.bands.forEach((b, i) => {
    rows.push([
      `${b.name}-band energy error (last frame)`,
      fmt(m.spectrumError.relErr[i][last]),
      '—',
      '—',
      `|E − E_DNS|/E_DNS of the energy in shells ${b.shellMin}–${b.shellMax}; surrogate/DNS energy ${fmt(m.spectrumError.energyRatio[i][last])}`,
    ]);
  });
  rows.push(['enstrophy ratio (last frame)', fmt(m.enstrophy.surrogate[last] / m.enstrophy.dns[last]), '—', '—', 'surrogate/DNS of ½⟨ω²⟩, mean over samples']);
  rows.push(['energy ratio (last frame)', fmt(m.energy.surrogate[last] / m.energy.dns[last]), '—', '—', 'surrogate/DNS of ½⟨|u|²⟩, mean over samples']);
  return {
    id: 'ns-metrics',
    title: `Metrics over ${m.n} rollouts of ${m.nt} frames (${m.nx} × ${m.ny}, L = ${fmt(m.length)})`,
    data: [
      {
        type: 'table',
        columnwidth: [1.6, 0.8, 0.8, 0.9, 4],
        header: { values: ['metric', 'mean', 'median', 'worst sample', 'meaning'], align: 'left', fill: { color: '#f4f4f4' }, font: { size: 13 } },
        cells: { values: [0, 1, 2, 3, 4].map((c) => rows.map((r) => r[c])), align: 'left', height: 26, font: { size: 13 } },
      },
    ],
    layout: { margin: { t: 10, b: 10, l: 10, r: 10 } },
  };
}

/** DNS | surrogate | error heatmaps of one frame; the page's script swaps frames and samples. */
function vorticityFigure(d: NsVorticityData, f: NsFields): PlotlyFigure {
  const s = d.samples[d.initial.sample];
  const slot = d.initial.slot;
  const spec = (bdata: string) => ({ dtype: 'f4', bdata, shape: `${d.nyShown},${d.nxShown}` });
  const a = fromBase64(s.truth[slot]);
  const b = fromBase64(s.pred[slot]);
  const err = new Float32Array(a.length);
  for (let i = 0; i < err.length; i++) err[i] = b[i] - a[i];
  const dx = (d.stride[0] * f.length) / f.nx;
  const dy = (d.stride[1] * f.length) / f.ny;
  const domains: [number, number][] = [
    [0, 0.27],
    [0.33, 0.6],
    [0.72, 0.99],
  ];
  const titles = ['DNS', 'surrogate', 'surrogate − DNS'];
  const axes: Record<string, unknown> = {};
  domains.forEach((dom, p) => {
    const n = p === 0 ? '' : String(p + 1);
    axes[`xaxis${n}`] = { domain: dom, anchor: `y${n}`, title: { text: 'x' }, constrain: 'domain' };
    axes[`yaxis${n}`] = { domain: [0, 0.86], anchor: `x${n}`, scaleanchor: `x${n}`, constrain: 'domain', title: { text: p === 0 ? 'y' : '' } };
  });
  const vmax = s.vmax[slot];
  return {
    id: d.figure,
    title: 'Vorticity: DNS | surrogate | error (time slider, sample buttons)',
    data: [s.truth[slot], s.pred[slot], base64(err)].map((z, p) => ({
      type: 'heatmap',
      z: spec(z),
      x0: 0,
      dx,
      y0: 0,
      dy,
      xaxis: p === 0 ? 'x' : `x${p + 1}`,
      yaxis: p === 0 ? 'y' : `y${p + 1}`,
      coloraxis: p < 2 ? 'coloraxis' : 'coloraxis2',
      name: titles[p],
      hovertemplate: `${titles[p]}<br>x %{x:.3g}, y %{y:.3g}<br>%{z:.4g}<extra></extra>`,
    })),
    layout: {
      title: { text: vorticityCaption(d, d.initial.sample, slot), x: 0.5, y: 0.985, font: { size: 14 } },
      margin: { t: 70, b: 30, l: 50, r: 20 },
      ...axes,
      // RdBu: blue is negative, red positive vorticity; DNS and surrogate share the range of the DNS frame.
      coloraxis: {
        colorscale: 'RdBu',
        cmin: -vmax,
        cmax: vmax,
        colorbar: { x: 0.61, xanchor: 'left', thickness: 12, len: 0.8, y: 0.43, title: { text: 'ω' } },
      },
      coloraxis2: {
        colorscale: ERROR_COLOURSCALE,
        cmin: -s.emax,
        cmax: s.emax,
        colorbar: { x: 1.0, xanchor: 'left', thickness: 12, len: 0.8, y: 0.43, title: { text: 'error' } },
      },
      annotations: domains.map((dom, p) => ({
        text: titles[p],
        x: (dom[0] + dom[1]) / 2,
        xref: 'paper',
        xanchor: 'center',
        y: 0.87,
        yref: 'paper',
        yanchor: 'bottom',
        showarrow: false,
        font: { size: 13 },
      })),
      updatemenus: [
        {
          type: 'buttons',
          direction: 'right',
          x: 0,
          xanchor: 'left',
          y: 1.0,
          yanchor: 'bottom',
          active: d.initial.sample,
          showactive: true,
          pad: { t: 0, b: 0 },
          buttons: d.samples.map((p) => ({ method: 'skip', label: `${p.label} (#${p.index})`, args: [] })),
        },
      ],
      sliders: [
        {
          active: slot,
          x: 0.05,
          len: 0.9,
          y: 0,
          yanchor: 'top',
          pad: { t: 30 },
          currentvalue: { prefix: 't = ', xanchor: 'left', font: { size: 13 } },
          steps: d.frames.map((_, k) => ({ method: 'skip', label: fmt(d.times[k]), value: String(k), args: [] })),
        },
      ],
    },
  };
}

function vorticityCaption(d: NsVorticityData, sample: number, slot: number): string {
  const s = d.samples[sample];
  return `${s.label}: sample ${s.index}, rollout relL2 ${fmt(s.relL2)}; frame ${d.frames[slot]}, t = ${fmt(d.times[slot])}`;
}

/**
 * The page's controls: the slider's and buttons' own methods are 'skip'; their events decode the
 * chosen frame, compute the error and restyle the three heatmaps. Sets
 * `document.body.dataset.nsControls = 'ready'` once listening.
 */
function controlsScript(d: NsVorticityData): string {
  const captions = d.samples.map((_, s) => d.frames.map((__, k) => vorticityCaption(d, s, k)));
  return `<script type="application/json" id="ns-report-data">${scriptJson({ ...d, captions })}</script>
<script>
(() => {
  const d = JSON.parse(document.getElementById('ns-report-data').textContent);
${DECODE_FLOAT32_JS}
  const rows = (a) => Array.from({ length: d.nyShown }, (_, r) => Array.from(a.subarray(r * d.nxShown, (r + 1) * d.nxShown)));
  const state = { sample: d.initial.sample, slot: d.initial.slot };
  const gd = document.getElementById(d.figure);
  const show = () => {
    const s = d.samples[state.sample];
    const truth = decode(s.truth[state.slot]);
    const pred = decode(s.pred[state.slot]);
    const err = new Float32Array(truth.length);
    for (let i = 0; i < err.length; i++) err[i] = pred[i] - truth[i];
    const v = s.vmax[state.slot];
    return Plotly.update(gd, { z: [rows(truth), rows(pred), rows(err)] }, {
      'coloraxis.cmin': -v, 'coloraxis.cmax': v, 'coloraxis2.cmin': -s.emax, 'coloraxis2.cmax': s.emax,
      'title.text': d.captions[state.sample][state.slot],
    }, [0, 1, 2]);
  };
  window.__plotsRendered.then(() => {
${frameControlsJs('    ')}
    document.body.dataset.nsControls = 'ready';
  });
})();
</script>
`;
}

function timeAxis(): Record<string, unknown> {
  return { title: { text: 't' } };
}

/** Per-sample lines (light, at most MAX_SAMPLE_LINES), the picks highlighted, the mean bold. */
function perSampleLines(times: number[], perSample: number[][], mean: number[], picks: NsVorticityData['samples'], name: string): unknown[] {
  const ts = times.map(r6);
  const shown = thin(perSample.length, MAX_SAMPLE_LINES);
  const data: unknown[] = shown.map((b, i) => ({
    type: 'scatter',
    mode: 'lines',
    x: ts,
    y: perSample[b].map(r6),
    line: { color: 'rgba(134,142,150,0.35)', width: 1 },
    name: shown.length < perSample.length ? `samples (${shown.length} of ${perSample.length})` : 'samples',
    legendgroup: 'samples',
    showlegend: i === 0,
    hoverinfo: 'skip',
  }));
  for (const p of picks) {
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: ts,
      y: perSample[p.index].map(r6),
      line: { color: PICK_COLOURS[p.label], width: 1.5 },
      name: `${p.label} (#${p.index})`,
    });
  }
  data.push({ type: 'scatter', mode: 'lines+markers', x: ts, y: mean.map(r6), marker: { size: 4 }, line: { color: '#212529', width: 2.5 }, name });
  return data;
}

function correlationFigure(m: NsRolloutMetrics, picks: NsVorticityData['samples']): PlotlyFigure {
  const thr = m.highCorrelationTime.threshold;
  const tMed = m.highCorrelationTime.median;
  return {
    id: 'ns-correlation',
    title: `Vorticity correlation with the DNS (high-correlation time: median ${fmt(tMed)}, mean ${fmt(m.highCorrelationTime.mean)})`,
    data: perSampleLines(m.times, m.correlation.perSample, m.correlation.mean, picks, 'mean over samples'),
    layout: {
      margin: { t: 30, b: 50, l: 70, r: 20 },
      xaxis: timeAxis(),
      yaxis: { title: { text: 'correlation' } },
      legend: legendTop(),
      shapes: [
        { type: 'line', xref: 'paper', x0: 0, x1: 1, yref: 'y', y0: thr, y1: thr, line: { color: '#c92a2a', dash: 'dash', width: 1 } },
        { type: 'line', xref: 'x', x0: r6(tMed), x1: r6(tMed), yref: 'paper', y0: 0, y1: 1, line: { color: '#495057', dash: 'dot', width: 1 } },
      ],
      annotations: [
        {
          text: `threshold ${fmt(thr)}`,
          xref: 'paper',
          x: 0,
          xanchor: 'left',
          y: thr,
          yref: 'y',
          yanchor: 'top',
          showarrow: false,
          font: { size: 11, color: '#c92a2a' },
        },
      ],
    },
  };
}

function errorGrowthFigure(m: NsRolloutMetrics, picks: NsVorticityData['samples']): PlotlyFigure {
  return {
    id: 'ns-error-growth',
    title: 'Error growth: relL2 of each frame against time',
    data: perSampleLines(m.times, m.relL2.perSampleFrame, m.relL2.perFrame, picks, 'mean over samples'),
    layout: { margin: { t: 30, b: 50, l: 70, r: 20 }, xaxis: timeAxis(), yaxis: { title: { text: '‖e‖/‖ω_DNS‖' }, rangemode: 'tozero' }, legend: legendTop() },
  };
}

function spectrumFigure(m: NsRolloutMetrics): PlotlyFigure {
  const k = m.spectrum.k;
  const positive = (v: number) => (v > 0 && Number.isFinite(v) ? r6(v) : null);
  const data: unknown[] = [];
  m.spectrum.frames.forEach((frame, i) => {
    const colour = TIME_COLOURS[i % TIME_COLOURS.length];
    const when = `t = ${fmt(m.spectrum.times[i])}`;
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: k.slice(1).map(r6),
      y: m.spectrum.dns[i].slice(1).map(positive),
      line: { color: colour, width: 2 },
      name: `DNS, ${when}`,
      legendgroup: String(frame),
    });
    data.push({
      type: 'scatter',
      mode: 'lines',
      x: k.slice(1).map(r6),
      y: m.spectrum.surrogate[i].slice(1).map(positive),
      line: { color: colour, width: 1.5, dash: 'dash' },
      name: `surrogate, ${when}`,
      legendgroup: String(frame),
    });
  });
  // Float32 round-off leaves a floor near 1e−15 of the peak past the resolved scales: show 12 decades.
  const values = [...m.spectrum.dns, ...m.spectrum.surrogate].flatMap((row) => row.slice(1)).filter((v) => v > 0 && Number.isFinite(v));
  const peak = Math.max(...values);
  const floor = Math.max(Math.min(...values), peak * 1e-12);
  const yRange = values.length ? { range: [Math.log10(floor) - 0.2, Math.log10(peak) + 0.3] } : {};
  const kNyquist = (2 * Math.PI * Math.floor(Math.min(m.nx, m.ny) / 2)) / m.length;
  const edges = m.spectrumError.bands.slice(1).map((b) => (2 * Math.PI * (b.shellMin - 0.5)) / m.length);
  return {
    id: 'ns-spectra',
    title: 'Energy spectrum E(k), shell sums (DNS solid, surrogate dashed; dotted: band edges and the Nyquist shell)',
    data,
    layout: {
      margin: { t: 30, b: 50, l: 70, r: 20 },
      xaxis: { type: 'log', title: { text: 'wavenumber k' }, exponentformat: 'power' },
      yaxis: { type: 'log', title: { text: 'E(k)' }, exponentformat: 'power', ...yRange },
      legend: { x: 1, xanchor: 'right', y: 1, yanchor: 'top', bgcolor: 'rgba(255,255,255,0.7)' },
      shapes: [...edges, kNyquist]
        .filter((x) => x > 0)
        .map((x) => ({ type: 'line', xref: 'x', x0: r6(x), x1: r6(x), yref: 'paper', y0: 0, y1: 1, line: { color: '#adb5bd', dash: 'dot', width: 1 } })),
    },
  };
}

function bandErrorFigure(m: NsRolloutMetrics): PlotlyFigure {
  const ts = m.times.map(r6);
  const positive = (v: number) => (v > 0 && Number.isFinite(v) ? r6(v) : null);
  return {
    id: 'ns-spectrum-error',
    title: 'Spectrum error by band: |E − E_DNS|/E_DNS of the band energy, mean over samples',
    data: m.spectrumError.bands.map((b, i) => ({
      type: 'scatter',
      mode: 'lines+markers',
      x: ts,
      y: m.spectrumError.relErr[i].map(positive),
      marker: { size: 4 },
      line: { color: BAND_COLOURS[i] },
      name: `${b.name} (shells ${b.shellMin}–${b.shellMax})`,
    })),
    layout: {
      margin: { t: 30, b: 50, l: 70, r: 20 },
      xaxis: timeAxis(),
      yaxis: { type: 'log', title: { text: 'relative band-energy error' }, exponentformat: 'power' },
      legend: legendTop(),
    },
  };
}

function enstrophyFigure(m: NsRolloutMetrics): PlotlyFigure {
  const ts = m.times.map(r6);
  const line = (y: number[], name: string, colour: string, dash: string, axis: string, legend: boolean) => ({
    type: 'scatter',
    mode: 'lines',
    x: ts,
    y: y.map(r6),
    xaxis: axis === '' ? 'x' : `x${axis}`,
    yaxis: axis === '' ? 'y' : `y${axis}`,
    line: { color: colour, width: 2, dash },
    name,
    legendgroup: name,
    showlegend: legend,
  });
  return {
    id: 'ns-enstrophy',
    title: 'Enstrophy ½⟨ω²⟩ and kinetic energy ½⟨|u|²⟩ against time (mean over samples)',
    data: [
      line(m.enstrophy.dns, 'DNS', DNS_COLOUR, 'solid', '', true),
      line(m.enstrophy.surrogate, 'surrogate', SURROGATE_COLOUR, 'dash', '', true),
      line(m.energy.dns, 'DNS', DNS_COLOUR, 'solid', '2', false),
      line(m.energy.surrogate, 'surrogate', SURROGATE_COLOUR, 'dash', '2', false),
    ],
    layout: {
      margin: { t: 30, b: 50, l: 70, r: 20 },
      xaxis: { ...timeAxis(), domain: [0, 0.45], anchor: 'y' },
      yaxis: { title: { text: 'enstrophy' }, rangemode: 'tozero' },
      xaxis2: { ...timeAxis(), domain: [0.55, 1], anchor: 'y2' },
      yaxis2: { title: { text: 'energy' }, rangemode: 'tozero', anchor: 'x2' },
      legend: legendTop(),
    },
  };
}

function samplesTable(m: NsRolloutMetrics, picks: NsVorticityData['samples']): PlotlyFigure {
  const order = [...m.perSample].sort(
    (a, b) => (Number.isNaN(a.relL2) ? Infinity : a.relL2) - (Number.isNaN(b.relL2) ? Infinity : b.relL2) || a.index - b.index,
  );
  const label = (i: number) => picks.find((p) => p.index === i)?.label ?? '';
  return {
    id: 'ns-samples',
    title: `Per-sample metrics (${m.n} rollouts, sorted by rollout relL2)`,
    data: [
      {
        type: 'table',
        header: {
          values: ['sample', 'rollout relL2', 'final correlation', `high-correlation time (ρ ≥ ${fmt(m.highCorrelationTime.threshold)})`, 'shown above'],
          align: 'left',
          fill: { color: '#f4f4f4' },
          font: { size: 13 },
        },
        cells: {
          values: [
            order.map((s) => String(s.index)),
            order.map((s) => fmt(s.relL2)),
            order.map((s) => fmt(s.finalCorrelation)),
            order.map((s) => fmt(s.highCorrelationTime)),
            order.map((s) => label(s.index)),
          ],
          align: 'left',
          height: 24,
          font: { size: 13 },
        },
      },
    ],
    layout: { margin: { t: 10, b: 10, l: 10, r: 10 } },
  };
}

/** The page's figures, in order, and the embedded vorticity data (exported for tests). */
export function nsReportFigures(input: NsReportInput): { figures: PlotlyFigure[]; vorticity: NsVorticityData } {
  const vorticity = nsVorticityData(input);
  const m = input.metrics;
  const figures = [
    summaryTable(m),
    vorticityFigure(vorticity, input.fields),
    correlationFigure(m, vorticity.samples),
    errorGrowthFigure(m, vorticity.samples),
    spectrumFigure(m),
    bandErrorFigure(m),
    enstrophyFigure(m),
    samplesTable(m, vorticity.samples),
  ];
  if (input.curves?.length) figures.push(curvesFigure(input.curves, { logLoss: true }));
  return { figures, vorticity };
}

function pageOptions(input: NsReportInput, figures: PlotlyFigure[]): PageOptions {
  const m = input.metrics;
  return {
    title: input.title,
    intro: [
      `Surrogate vorticity rollouts against the DNS on ${m.n} samples of ${m.nt} frames (t = ${fmt(m.times[0])} … ${fmt(m.times[m.nt - 1])}, ` +
        `${m.nx} × ${m.ny} grid): mean rollout relL2 ${fmt(m.relL2.mean)}, median high-correlation time ${fmt(m.highCorrelationTime.median)} ` +
        `(correlation ≥ ${fmt(m.highCorrelationTime.threshold)}, Kochkov et al. 2021 / TSM).`,
    ],
    table: input.info,
    figures,
  };
}

/** The report as one HTML string (figures as in nsReportFigures, plus the slider and sample controls). */
export function renderNsReport(input: NsReportInput): string {
  const { figures, vorticity } = nsReportFigures(input);
  let html = renderPage(pageOptions(input, figures));
  html = insertBefore(html, '</head>', `<style>#${vorticity.figure}.plot{height:560px}</style>\n`, REPORT);
  return insertBefore(html, '</body>', controlsScript(vorticity), REPORT);
}

/** Writes the report atomically (temp file + rename, as html.ts's writePage). */
export function writeNsReport(file: string, input: NsReportInput): void {
  writeHtml(file, renderNsReport(input));
}
