/**
 * Every notebook under notebooks/ executes top to bottom as the tslab kernel runs it — tslab's
 * own converter and executor (test/helpers/run_notebook.mjs), no Jupyter needed — failing on any
 * compile or runtime error. Real `jupyter nbconvert --execute` runs in the interop suite.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tmpDir } from './helpers/cli.js';

const NOTEBOOKS = fs
  .readdirSync(path.join(ROOT, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

interface CellResult {
  index: number;
  ok: boolean;
  stdout: string;
  stderr: string;
  displays: Record<string, string>[];
}

describe('notebooks (tslab converter and executor, in process)', () => {
  it('has at least one notebook', () => {
    expect(NOTEBOOKS.length).toBeGreaterThan(0);
  });

  it.each(NOTEBOOKS)('%s executes every cell without errors', (name) => {
    const report = path.join(tmpDir('pdes-nb-'), `${name}.json`);
    const r = spawnSync(process.execPath, [path.join(ROOT, 'test', 'helpers', 'run_notebook.mjs'), path.join(ROOT, 'notebooks', name), report], {
      encoding: 'utf8',
      timeout: 900_000,
    });
    expect(fs.existsSync(report), `runner wrote no report (status ${r.status}): ${r.stderr.slice(-2000)}`).toBe(true);
    const { cells, results } = JSON.parse(fs.readFileSync(report, 'utf8')) as { cells: number; results: CellResult[] };
    const failed = results.find((c) => !c.ok);
    expect(failed, failed ? `cell ${failed.index} failed:\n${failed.stderr}` : '').toBeUndefined();
    expect(results).toHaveLength(cells);
    expect(r.status).toBe(0);
    // tslab reports compile errors on stderr without raising; nothing else should write there.
    expect(results.map((c) => c.stderr).filter((s) => s !== '')).toEqual([]);
    // Every code cell shows something: the notebook shows results, not just runs.
    for (const c of results) expect(c.stdout.length + c.displays.length, `cell ${c.index} shows nothing`).toBeGreaterThan(0);
  });
});
