/** An HTML page that shows a few samples of a dataset: u(x) at several times and an x–t heatmap. */
import { H5Dataset } from '../data/index.js';
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
    if (ds.spatialShape.length !== 1 || ds.nChannels !== 1) {
      throw new Error(`plotting supports 1D single-field datasets; ${datasetPath} has shape [${ds.shape.join(', ')}]`);
    }
    const samples = opts.samples ?? [0, 1, 2].filter((i) => i < ds.nSamples);
    for (const i of samples) {
      if (!Number.isInteger(i) || i < 0 || i >= ds.nSamples) {
        throw new Error(`sample ${i} is not in ${datasetPath}: use 0..${ds.nSamples - 1}`);
      }
    }
    const nx = ds.spatialShape[0];
    const nt = ds.nt;
    const x = Array.from(ds.x);
    const t = Array.from(ds.t);
    const nTimes = Math.min(opts.nTimes ?? 5, nt);
    const frameIdx = [...new Set(Array.from({ length: nTimes }, (_, k) => Math.round((k * (nt - 1)) / Math.max(nTimes - 1, 1))))];
    const figures: PlotlyFigure[] = [];
    for (const i of samples) {
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
    figures.push({
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
