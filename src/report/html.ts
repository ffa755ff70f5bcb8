/**
 * Self-contained HTML pages with plotly.js inlined, so a report opens offline and can be mailed
 * as one file. (plotly.js-dist-min: the same bundle as plotly.js-dist, minified — 4.8 MB instead of 11.)
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';

const require = createRequire(import.meta.url);

export interface PlotlyFigure {
  /** Element id (unique in the page). */
  id: string;
  title?: string;
  data: unknown[];
  layout?: Record<string, unknown>;
}

export interface PageOptions {
  title: string;
  /** Short paragraphs (plain text, escaped) shown under the title. */
  intro?: string[];
  /** Key/value rows shown as a table (escaped). */
  table?: [string, string][];
  figures: PlotlyFigure[];
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

let plotlySource: string | null = null;
function plotlyJs(): string {
  plotlySource ??= fs.readFileSync(require.resolve('plotly.js-dist-min'), 'utf8');
  return plotlySource;
}

/** JSON safe to embed in a <script> element. */
export function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

export function renderPage(opts: PageOptions): string {
  const intro = (opts.intro ?? []).map((p) => `<p>${escapeHtml(p)}</p>`).join('\n');
  const table = opts.table?.length
    ? `<table>${opts.table.map(([k, v]) => `<tr><th>${escapeHtml(k)}</th><td>${escapeHtml(v)}</td></tr>`).join('')}</table>`
    : '';
  const divs = opts.figures
    .map((f) => `<section>${f.title ? `<h2>${escapeHtml(f.title)}</h2>` : ''}<div id="${escapeHtml(f.id)}" class="plot"></div></section>`)
    .join('\n');
  const figures = scriptJson(opts.figures.map((f) => ({ id: f.id, data: f.data, layout: f.layout ?? {} })));
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(opts.title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222}
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:90%}
th{background:#f4f4f4}td{overflow-wrap:anywhere}.plot{width:100%;height:420px}</style>
<script>${plotlyJs()}</script></head>
<body><h1>${escapeHtml(opts.title)}</h1>
${intro}
${table}
${divs}
<script>
const figures = ${figures};
window.__plotsRendered = Promise.all(figures.map((f) => Plotly.newPlot(f.id, f.data, f.layout, {responsive: true})))
  .then(() => { document.body.dataset.rendered = String(figures.length); });
</script>
</body></html>
`;
}

/** Writes a page atomically (core/atomic.ts: whole or absent). */
export function writePage(file: string, opts: PageOptions): void {
  writeHtml(file, renderPage(opts));
}

/** Writes an HTML string with the atomic writer, for pages that add to renderPage's. */
export function writeHtml(file: string, html: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileAtomic(file, html);
}
