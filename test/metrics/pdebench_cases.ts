/**
 * The cases on which our `pdebench` aggregate is checked against a NumPy transcription of
 * PDEBench's `metric_func` (test/fixtures/pdebench_metric_func.py): deterministic pseudo-random
 * fields, nx = 50 (Bluestein path) and 64 (radix-2), options off their defaults. Their NumPy
 * results are committed in test/fixtures/pdebench_metric_golden.json.
 */
import path from 'node:path';
import type { SampleMetrics } from '../../src/metrics/index.js';
import { FIXTURES } from '../data/helpers.js';

export const METRIC_SCRIPT = path.join(FIXTURES, 'pdebench_metric_func.py');
export const METRIC_GOLDEN = path.join(FIXTURES, 'pdebench_metric_golden.json');

export type PdebenchMetrics = Omit<SampleMetrics, 'relL2'>;

export interface MetricCase {
  shape: { n: number; nt: number; nx: number };
  opts: { iLow: number; iHigh: number; domainLength: number };
  truth: Float64Array;
  pred: Float64Array;
}

/** A fixed hash in [−0.5, 0.5): deterministic "noise" without a generator. */
function hash(i: number, seed: number): number {
  const v = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
  return v - Math.floor(v) - 0.5;
}

export const METRIC_CASES: MetricCase[] = (
  [
    [
      { n: 5, nt: 7, nx: 50 },
      { iLow: 4, iHigh: 12, domainLength: 2 },
    ],
    [
      { n: 3, nt: 2, nx: 64 },
      { iLow: 3, iHigh: 20, domainLength: 1 },
    ],
  ] as const
).map(([shape, opts]) => {
  const size = shape.n * shape.nt * shape.nx;
  const truth = Float64Array.from({ length: size }, (_, i) => 1 + hash(i, 1));
  const pred = Float64Array.from({ length: size }, (_, i) => truth[i] + 0.1 * hash(i, 2) + 0.05 * Math.sin(i));
  return { shape: { ...shape }, opts: { ...opts }, truth, pred };
});

/** The script's stdin for these cases. */
export function metricScriptInput(cases: MetricCase[]): string {
  return JSON.stringify({
    cases: cases.map((c) => ({
      shape: c.shape,
      truth: Array.from(c.truth),
      pred: Array.from(c.pred),
      Lx: c.opts.domainLength,
      iLow: c.opts.iLow,
      iHigh: c.opts.iHigh,
    })),
  });
}

export function caseName(c: MetricCase): string {
  return `n=${c.shape.n} nt=${c.shape.nt} nx=${c.shape.nx}, iLow=${c.opts.iLow} iHigh=${c.opts.iHigh} L=${c.opts.domainLength}`;
}
