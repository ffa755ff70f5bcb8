/**
 * `pdes plot`: reads a few samples of a dataset file and writes the page of
 * src/report/dataset_plot.ts for them (the report layer itself reads no files).
 */
import { DataInputError, H5Dataset } from '../data/index.js';
import { datasetPage, type DatasetPlotOptions } from '../report/dataset_plot.js';

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
    const batches = samples.map((i) => ds.readBatch(i, i + 1));
    const data = new Float32Array(batches.reduce((a, b) => a + b.data.length, 0));
    batches.forEach((b, k) => data.set(b.data, k * b.data.length));
    const batch = { ...batches[0], data, n: samples.length };
    datasetPage(batch, { file: datasetPath, shape: ds.shape, attrs: ds.attrs, samples }, outHtml, opts);
    return { samples };
  } finally {
    ds.close();
  }
}
