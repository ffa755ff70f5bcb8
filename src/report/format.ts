/**
 * What the report pages (surrogate_report.ts, ns_report.ts, uq_report.ts) share: number
 * formatting, thinning, base64 Float32 frames and their page-side decoder, the frame / sample
 * controls' listeners, insertion into the page renderPage wrote, and the training-curve figure.
 * One copy each, so the pages keep writing the same bytes for the same numbers.
 */
import type { PlotlyFigure } from './html.js';

/** 6 significant digits; NaN and ±Infinity become null (what JSON can hold). */
export function r6(v: number): number | null {
  return Number.isFinite(v) ? Number(v.toPrecision(6)) : null;
}

export interface FmtOptions {
  /**
   * How ±Infinity is written: 'js' as String(v) ('Infinity', '-Infinity'), 'symbol' as '+∞' / '−∞'.
   * @default 'js'
   */
  infinity?: 'js' | 'symbol';
}

/** A number for a table or caption: 4 significant digits, exponential outside [1e-3, 1e4); NaN is 'n/a'. */
export function fmt(v: number, opts: FmtOptions = {}): string {
  if (Number.isNaN(v)) return 'n/a';
  if (!Number.isFinite(v)) return opts.infinity === 'symbol' ? (v > 0 ? '+∞' : '−∞') : String(v);
  return v === 0 || (Math.abs(v) >= 1e-3 && Math.abs(v) < 1e4) ? String(Number(v.toPrecision(4))) : v.toExponential(3);
}

/** Indices 0..n−1 thinned to at most max, evenly spaced, first and last kept. */
export function thin(n: number, max: number): number[] {
  if (n <= max) return Array.from({ length: n }, (_, i) => i);
  return [...new Set(Array.from({ length: max }, (_, k) => Math.round((k * (n - 1)) / (max - 1))))];
}

/** Median of the values that are not NaN; NaN if there are none. */
export function median(v: number[]): number {
  const s = v.filter((x) => !Number.isNaN(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The bytes of a Float32Array (little-endian on every platform Node runs on) as base64. */
export function base64(a: Float32Array): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

/** The inverse of base64(); copies out of Buffer's pool, whose offsets need not be multiples of 4. */
export function fromBase64(s: string): Float32Array {
  const buf = Buffer.from(s, 'base64');
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Page-side `decode(s)`, the inverse of base64(), as a line of a page script's IIFE (2-space indent). */
export const DECODE_FLOAT32_JS = `  const decode = (s) => {
    const bin = atob(s);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return new Float32Array(bytes.buffer);
  };`;

/**
 * Page-side listeners of a figure `gd` with a frame slider and sample buttons whose own methods are
 * 'skip': each sets `state.slot` / `state.sample` and calls `show()`. Every line starts with `indent`.
 */
export function frameControlsJs(indent: string): string {
  return [
    `gd.on('plotly_sliderchange', (e) => {`,
    `  const slot = Number(e.step.value);`,
    `  if (slot === state.slot) return;`,
    `  state.slot = slot;`,
    `  show();`,
    `});`,
    `gd.on('plotly_buttonclicked', (e) => {`,
    `  if (e.active === state.sample || e.active < 0) return;`,
    `  state.sample = e.active;`,
    `  show();`,
    `});`,
  ]
    .map((line) => indent + line)
    .join('\n');
}

/**
 * Puts `text` before the last `marker` of the page renderPage wrote (the last: the inlined plotly
 * comes first, and everything renderPage escapes holds no '<'); throws, naming `report`, if it is missing.
 */
export function insertBefore(html: string, marker: string, text: string, report: string): string {
  const at = html.lastIndexOf(marker);
  if (at < 0) throw new Error(`${report}: the page from renderPage has no "${marker}" to attach the controls to`);
  return html.slice(0, at) + text + html.slice(at);
}

/** A horizontal legend above the plot, right-aligned. */
export function legendTop(): Record<string, unknown> {
  return { orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom' };
}

/** One epoch of a run's training curves (src/evaluate reads them from metrics.jsonl). */
export interface CurvePoint {
  epoch: number;
  trainLoss: number;
  valLoss?: number;
  /** Learning rate; drawn on a second axis where every epoch has one. */
  lr?: number;
}

export interface CurvesFigureOptions {
  /** Loss on a log axis. @default false */
  logLoss?: boolean;
}

/**
 * A log axis: ticks at 1, 2, 5 × 10^k over up to three decades, at powers of ten beyond (plotly's
 * own choice labels every digit over two decades, which crowds a 300-pixel axis).
 */
function logAxis(values: (number | null)[], title: string): Record<string, unknown> {
  const pos = values.filter((v): v is number => v !== null && v > 0);
  const decades = pos.length ? Math.log10(Math.max(...pos) / Math.min(...pos)) : 0;
  return { type: 'log', title: { text: title }, exponentformat: 'power', dtick: decades > 3 ? 1 : 'D2' };
}

/**
 * Training and (where any epoch has one) validation loss against epoch, one entry per epoch, and
 * the learning rate on a second (log) axis where every epoch has one.
 */
export function curvesFigure(c: readonly CurvePoint[], opts: CurvesFigureOptions = {}): PlotlyFigure {
  const epoch = c.map((e) => e.epoch);
  const train = c.map((e) => r6(e.trainLoss));
  const data: unknown[] = [{ type: 'scatter', mode: 'lines', name: 'train loss', x: epoch, y: train, line: { color: '#1f3b73' } }];
  const val = c.some((e) => e.valLoss !== undefined) ? c.map((e) => (e.valLoss === undefined ? null : r6(e.valLoss))) : [];
  if (val.length) data.push({ type: 'scatter', mode: 'lines', name: 'validation loss', x: epoch, y: val, line: { color: '#d9480f' } });
  const hasLr = c.length > 0 && c.every((e) => e.lr !== undefined);
  const layout: Record<string, unknown> = {
    margin: { t: 30, b: 50, l: 70, r: hasLr ? 80 : 20 },
    xaxis: { title: { text: 'epoch' } },
    yaxis: opts.logLoss ? logAxis([...train, ...val], 'loss') : { title: { text: 'loss' } },
    legend: legendTop(),
  };
  if (hasLr) {
    const lr = c.map((e) => r6(e.lr as number));
    data.push({ type: 'scatter', mode: 'lines', name: 'learning rate', x: epoch, y: lr, yaxis: 'y2', line: { color: '#868e96', dash: 'dot', width: 1 } });
    layout.yaxis2 = { ...logAxis(lr, 'learning rate'), overlaying: 'y', side: 'right', showgrid: false };
  }
  return { id: 'training-curves', title: 'Training curves', data, layout };
}
