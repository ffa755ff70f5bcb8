/**
 * Our `pdebench` aggregate equals PDEBench's `metric_func` as transcribed in NumPy
 * (test/fixtures/pdebench_metric_func.py), through its committed results: no Python needed. The
 * interop suite reruns the script and checks these golden values are current.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateFields } from '../../src/metrics/index.js';
import { METRIC_CASES, METRIC_GOLDEN, caseName, type PdebenchMetrics } from './pdebench_cases.js';

const golden = JSON.parse(fs.readFileSync(METRIC_GOLDEN, 'utf8')) as { results: PdebenchMetrics[] };

describe('pdebench aggregate vs the golden NumPy metric_func results', () => {
  it('has one golden result per case, each with every metric', () => {
    expect(golden.results).toHaveLength(METRIC_CASES.length);
    for (const r of golden.results) expect(Object.keys(r).sort()).toEqual(['brmse', 'crmse', 'fHigh', 'fLow', 'fMid', 'maxErr', 'nrmse', 'rmse']);
  });

  it.each(METRIC_CASES.map((c, k) => [caseName(c), k] as const))('%s', (_name, k) => {
    const c = METRIC_CASES[k];
    const ours = evaluateFields(c.pred, c.truth, c.shape, c.opts).pdebench;
    const theirs = golden.results[k];
    for (const key of Object.keys(theirs) as (keyof PdebenchMetrics)[]) expect(ours[key], key).toBeCloseTo(theirs[key], 13);
  });
});
