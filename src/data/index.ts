/** Data layer: HDF5 datasets in PDEBench's layout, lazy reading, splits, normalizers, batches. */
export { DataFormatError, DataInputError } from './errors.js';
export { h5ready, withFixedClock } from './h5.js';
export * as layout from './layout.js';
export { H5Dataset, checkIsHdf5File, type DatasetStatus, type SampleSource } from './reader.js';
export { ProgressiveWriter, writeCanonical, normalizeHeader, type CreateOptions, type DatasetHeader } from './writer.js';
export { describeDataset, formatSummary, type CoordinateSummary, type DatasetSummary, type DescribeOptions, type ValueSummary } from './info.js';
export { splitIndices, shuffleInPlace, type SplitOptions, type SplitSpec, type Splits } from './splits.js';
export {
  UnitGaussianNormalizer,
  type FitSamplesOptions,
  type NormalizerJSON,
  type NormalizerMode,
  type NormalizerOptions,
} from './normalizer.js';
export { batchOrder, countBatches, iterateBatches, readGathered, type Batch, type BatchOptions } from './batches.js';
