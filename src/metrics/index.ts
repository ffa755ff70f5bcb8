/** Error metrics of surrogate predictions against reference (DNS) fields. */
export { MetricsInputError } from './errors.js';
export { quadratureWeights, type FieldShape } from './shape.js';
export {
  evaluateFields,
  pickBestMedianWorst,
  relativeL2Batch,
  resolveMetricsOptions,
  type FieldMetricsOptions,
  type MetricsReport,
  type SampleMetrics,
} from './field_metrics.js';
export {
  checkNsFields,
  highCorrelationTime,
  nsRolloutMetrics,
  pearsonCorrelation,
  resolveNsMetricsOptions,
  type NsBandName,
  type NsFields,
  type NsMetricsOptions,
  type NsRolloutMetrics,
  type ResolvedNsMetricsOptions,
} from './ns.js';
export { EnergySpectrum2d, PowerSpectrum, PowerSpectrum2d } from '../../core/spectrum.js';
export {
  checkUqFields,
  frontPosition,
  gaussianCrps,
  normalCdf,
  normalQuantile,
  resolveUqMetricsOptions,
  uqMetrics,
  type FrontOptions,
  type ResolvedUqMetricsOptions,
  type UqFields,
  type UqMetrics,
  type UqMetricsOptions,
  type UqSampleMetrics,
} from './uq.js';
