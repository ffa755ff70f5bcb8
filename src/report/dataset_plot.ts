/**
 * An HTML page that shows a few samples of a dataset: for 1D data u(x) at several times and an
 * x–t heatmap; for 2D data (e.g. Navier–Stokes vorticity [N, T, X, Y]) heatmaps of each sample at
 * several times on one colour scale per sample.
 */
import { DataInputError, H5Dataset } from '../data/index.js';
import { writePage, type PlotlyFigure } from './html.js';

export interface DatasetPlotOptions {
  /** Sample indices to draw. @default [0, 1, 2] (those that exist) */
  samples?: number[];
  /** How many time slices per line plot. @default 5 */
  nTimes?: number;
  title?: string;
}

export function plotDatasetSamples(datasetPath: string, outHtml: string, opts: DatasetPlotOptions = {}): { samples: number[] } {
  const ds = H5Dataset.open(datasetPath);
  try {
    if (ds.spatialShape.length > 2 || ds.nChannels !== 1) {
      throw new DataInputError(`plotting supports 1D and 2D single-field datasets; ${datasetPath} has shape [${ds.shape.join(', ')}]`);
    }
    const samples = opts.samples ?? [0, 1, 2].filter((i) => i < ds.nSamples);
    for (const i of samples) {
      if (!Number.isInteger(i) || i < 0 || i >= ds.nSamples) {
        throw new DataInputError(`sample ${i} is not in ${datasetPath}: use 0..${ds.nSamples - 1}`);
      }
    }
    const nx = ds.spatialShape[0];
    const nt = ds.nt;
    const x = Array.from(ds.x);
    const t = Array.from(ds.t);
    const nTimes = Math.min(opts.nTimes ?? 5, nt);
    const frameIdx = [...new Set(Array.from({ length: nTimes }, (_, k) => Math.round((k * (nt - 1)) / Math.max(nTimes - 1, 1))))];
    const figures: PlotlyFigure[] = ds.spatialShape.length === 2 ? heatmapFigures(ds, samples, frameIdx) : [];
    for (const i of ds.spatialShape.length === 2 ? [] : samples) {
      const u = ds.readSample(i);
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
    const first = ds.readSample(samples[0]);
    const z: number[][] = [];
    for (let k = 0; k < nt; k++) z.push(Array.from(first.subarray(k * nx, (k + 1) * nx)));
    if (ds.spatialShape.length === 1) figures.push({
      id: 'heatmap',
      title: `Sample ${samples[0]}: space-time u(x, t)`,
      data: [{ type: 'heatmap', x, y: t, z, colorscale: 'RdBu', reversescale: false, colorbar: { title: { text: 'u' } } }],
      layout: { xaxis: { title: { text: 'x' } }, yaxis: { title: { text: 't' } }, margin: { t: 20 } },
    });
    writePage(outHtml, {
      title: opts.title ?? `Dataset ${datasetPath}`,
      table: [
        ['file', datasetPath],
        ['shape', `[${ds.shape.join(', ')}]`],
        ...Object.entries(ds.attrs)
          .filter(([k]) => k !== 'recipe')
          .map(([k, v]): [string, string] => [k, String(v)]),
      ],
      figures,
    });
    return { samples };
  } finally {
    ds.close();
  }
}

/** One row of heatmaps per sample (frames side by side, shared symmetric colour scale). */
function heatmapFigures(ds: H5Dataset, samples: number[], frameIdx: number[]): PlotlyFigure[] {
  const [nx, ny] = ds.spatialShape;
  const x = Array.from(ds.x);
  const y = ds.y ? Array.from(ds.y) : Array.from({ length: ny }, (_, j) => j);
  const t = Array.from(ds.t);
  const n = frameIdx.length;
  return samples.map((i) => {
    const u = ds.readSample(i);
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
