/**
 * An HTML page that shows a few samples of a dataset: for 1D data u(x) at several times and an
 * x–t heatmap; for 2D data (e.g. Navier–Stokes vorticity [N, T, X, Y]) heatmaps of each sample at
 * several times on one colour scale per sample.
 */
import type { FieldBatch } from '../../core/field.js';
import { writePage, type PlotlyFigure } from './html.js';

export interface DatasetPlotOptions {
  /** Sample indices to draw. @default [0, 1, 2] (those that exist) */
  samples?: number[];
  /** How many time slices per line plot. @default 5 */
  nTimes?: number;
  title?: string;
}

/** What the page says about the file the samples come from. */
export interface DatasetPageSource {
  file: string;
  /** The file's tensor shape. */
  shape: readonly number[];
  attrs: Record<string, number | string>;
  /** The dataset index of each sample of the batch. */
  samples: readonly number[];
}

/**
 * Writes the page for `batch` (1D or 2D single-channel samples with their grid and times, e.g.
 * from H5Dataset.readBatch); `plotDatasetSamples` (src/evaluate/dataset_page.ts) reads them from a file.
 */
export function datasetPage(batch: FieldBatch, source: DatasetPageSource, outHtml: string, opts: Pick<DatasetPlotOptions, 'nTimes' | 'title'> = {}): void {
  const { nt, spatial } = batch;
  const samples = source.samples;
  const nx = spatial[0];
  const x = Array.from(batch.grid?.axes[0] ?? Array.from({ length: nx }, (_, i) => i));
  const t = Array.from(batch.times ?? Array.from({ length: nt }, (_, k) => k));
  const sample = (b: number) => batch.data.subarray(b * nt * nx * (spatial[1] ?? 1), (b + 1) * nt * nx * (spatial[1] ?? 1));
  const nTimes = Math.min(opts.nTimes ?? 5, nt);
  const frameIdx = [...new Set(Array.from({ length: nTimes }, (_, k) => Math.round((k * (nt - 1)) / Math.max(nTimes - 1, 1))))];
  const figures: PlotlyFigure[] = spatial.length === 2 ? heatmapFigures(batch, samples, frameIdx) : [];
  for (const [b, i] of spatial.length === 2 ? [] : samples.entries()) {
    const u = sample(b);
    figures.push({
      id: `sample-${i}`,
      title: `Sample ${i}: u(x) at ${frameIdx.length} times`,
      data: frameIdx.map((k) => ({
        type: 'scatter',
        mode: 'lines',
        name: `t = ${Number(t[k].toPrecision(4))}`,
        x,
        y: Array.from(u.subarray(k * nx, (k + 1) * nx)),
      })),
      layout: { xaxis: { title: { text: 'x' } }, yaxis: { title: { text: 'u' } }, margin: { t: 20 } },
    });
  }
  const first = sample(0);
  const z: number[][] = [];
  for (let k = 0; k < nt; k++) z.push(Array.from(first.subarray(k * nx, (k + 1) * nx)));
  if (spatial.length === 1)
    figures.push({
      id: 'heatmap',
      title: `Sample ${samples[0]}: space-time u(x, t)`,
      data: [{ type: 'heatmap', x, y: t, z, colorscale: 'RdBu', reversescale: false, colorbar: { title: { text: 'u' } } }],
      layout: { xaxis: { title: { text: 'x' } }, yaxis: { title: { text: 't' } }, margin: { t: 20 } },
    });
  writePage(outHtml, {
    title: opts.title ?? `Dataset ${source.file}`,
    table: [
      ['file', source.file],
      ['shape', `[${source.shape.join(', ')}]`],
      ...Object.entries(source.attrs)
        .filter(([k]) => k !== 'recipe')
        .map(([k, v]): [string, string] => [k, String(v)]),
    ],
    figures,
  });
}

/** One row of heatmaps per sample (frames side by side, shared symmetric colour scale). */
function heatmapFigures(batch: FieldBatch, samples: readonly number[], frameIdx: number[]): PlotlyFigure[] {
  const [nx, ny] = batch.spatial;
  const x = Array.from(batch.grid?.axes[0] ?? Array.from({ length: nx }, (_, i) => i));
  const y = Array.from(batch.grid?.axes[1] ?? Array.from({ length: ny }, (_, j) => j));
  const t = Array.from(batch.times ?? Array.from({ length: batch.nt }, (_, k) => k));
  const n = frameIdx.length;
  const size = batch.nt * nx * ny;
  return samples.map((i, b) => {
    const u = batch.data.subarray(b * size, (b + 1) * size);
    let zmax = 0;
    for (const k of frameIdx) for (let p = k * nx * ny; p < (k + 1) * nx * ny; p++) zmax = Math.max(zmax, Math.abs(u[p]));
    const data = frameIdx.map((k, c) => {
      // Plotly's z[row][col] is z(y_row, x_col): transpose the x-major frame.
      const z: number[][] = [];
      for (let j = 0; j < ny; j++) {
        const row = new Array<number>(nx);
        for (let a = 0; a < nx; a++) row[a] = Number(u[k * nx * ny + a * ny + j].toPrecision(5));
        z.push(row);
      }
      return {
        type: 'heatmap',
        x,
        y,
        z,
        zmin: -zmax,
        zmax,
        colorscale: 'RdBu',
        showscale: c === n - 1,
        xaxis: c === 0 ? 'x' : `x${c + 1}`,
        yaxis: c === 0 ? 'y' : `y${c + 1}`,
        name: `t = ${Number(t[k].toPrecision(4))}`,
      };
    });
    const layout: Record<string, unknown> = { grid: { rows: 1, columns: n, pattern: 'independent' }, margin: { t: 40 }, height: 300 };
    const annotations: Record<string, unknown>[] = [];
    frameIdx.forEach((k, c) => {
      const suffix = c === 0 ? '' : String(c + 1);
      layout[`xaxis${suffix}`] = { title: { text: 'x' }, scaleanchor: `y${suffix}` };
      layout[`yaxis${suffix}`] = { showticklabels: c === 0 };
      annotations.push({ text: `t = ${Number(t[k].toPrecision(4))}`, showarrow: false, xref: `x${suffix} domain`, yref: `y${suffix} domain`, x: 0.5, y: 1.12 });
    });
    layout.annotations = annotations;
    return { id: `sample-${i}`, title: `Sample ${i}: vorticity at ${n} times`, data, layout };
  });
}
