/**
 * The NumPy transcription of PDEBench's `metric_func` (test/fixtures/pdebench_metric_func.py),
 * run now with Debian's NumPy: its results equal the committed golden values that `npm test`
 * checks our aggregate against, and our aggregate directly. A missing NumPy fails, never skips.
 * `PDES_UPDATE_GOLDEN=1 npm run test:interop -- pdebench_metric` rewrites the golden file.
 */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluateFields } from '../../src/metrics/index.js';
import { requireH5py, runPythonScript } from '../data/helpers.js';
import { METRIC_CASES, METRIC_GOLDEN, METRIC_SCRIPT, metricScriptInput, type PdebenchMetrics } from '../metrics/pdebench_cases.js';

describe('NumPy metric_func transcription', () => {
  it('gives the committed golden values, and our aggregate gives its values', () => {
    requireH5py();
    const out = JSON.parse(runPythonScript(METRIC_SCRIPT, [], metricScriptInput(METRIC_CASES))) as { results: PdebenchMetrics[] };
    if (process.env.PDES_UPDATE_GOLDEN === '1') fs.writeFileSync(METRIC_GOLDEN, `${JSON.stringify({ results: out.results }, null, 1)}\n`);
    const golden = JSON.parse(fs.readFileSync(METRIC_GOLDEN, 'utf8')) as { results: PdebenchMetrics[] };
    expect(out.results).toHaveLength(METRIC_CASES.length);
    for (const [k, c] of METRIC_CASES.entries()) {
      const ours = evaluateFields(c.pred, c.truth, c.shape, c.opts).pdebench;
      for (const key of Object.keys(out.results[k]) as (keyof PdebenchMetrics)[]) {
        expect(golden.results[k][key], `golden ${key} (regenerate: PDES_UPDATE_GOLDEN=1)`).toBeCloseTo(out.results[k][key], 14);
        expect(ours[key], key).toBeCloseTo(out.results[k][key], 13);
      }
    }
  });
});
