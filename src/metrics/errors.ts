/** A caller passed arrays, shapes or options the metrics cannot use. Messages are one line and name the value. */
export class MetricsInputError extends Error {
  override readonly name = 'MetricsInputError';
}
