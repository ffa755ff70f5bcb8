/**
 * Every notebook under notebooks/ executes top to bottom with the tslab kernel through
 * `jupyter nbconvert --execute` (Debian's jupyter-nbconvert and python3-ipykernel; .ci/run
 * installs them). The kernel spec is installed into a temporary prefix, nothing global.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT, tmpDir } from '../helpers/cli.js';

const NOTEBOOKS = fs
  .readdirSync(path.join(ROOT, 'notebooks'))
  .filter((f) => f.endsWith('.ipynb'))
  .sort();

interface Output {
  output_type: string;
  text?: string | string[];
  ename?: string;
  evalue?: string;
}

function text(o: Output): string {
  return Array.isArray(o.text) ? o.text.join('') : (o.text ?? '');
}

describe('notebooks', () => {
  let jupyterPath: string;
  beforeAll(() => {
    const nbconvert = spawnSync('jupyter-nbconvert', ['--version'], { encoding: 'utf8' });
    if (nbconvert.status !== 0) {
      throw new Error('jupyter-nbconvert is not installed: apt-get install jupyter-nbconvert jupyter-client python3-ipykernel');
    }
    const prefix = tmpDir('pdes-jupyter-');
    const python = process.env.PDES_PYTHON ?? '/usr/bin/python3';
    const tslab = path.join(ROOT, 'node_modules', '.bin', 'tslab');
    const r = spawnSync(tslab, ['install', `--python=${python}`, `--binary=${tslab}`, `--prefix=${prefix}`], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    jupyterPath = path.join(prefix, 'share', 'jupyter');
  });

  it('has at least one notebook', () => {
    expect(NOTEBOOKS.length).toBeGreaterThan(0);
  });

  it.each(NOTEBOOKS)('%s executes without errors', (name) => {
    const out = path.join(tmpDir('pdes-nb-'), name);
    const r = spawnSync('jupyter-nbconvert', ['--to', 'notebook', '--execute', name, '--output', out, '--ExecutePreprocessor.timeout=600'], {
      cwd: path.join(ROOT, 'notebooks'),
      encoding: 'utf8',
      env: { ...process.env, JUPYTER_PATH: jupyterPath },
      timeout: 900_000,
    });
    expect(r.status, r.stderr.split('\n').slice(-15).join('\n')).toBe(0);
    const nb = JSON.parse(fs.readFileSync(out, 'utf8')) as { cells: { cell_type: string; outputs?: Output[] }[] };
    const code = nb.cells.filter((c) => c.cell_type === 'code');
    const outputs = code.flatMap((c) => c.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === 'error')).toEqual([]);
    // tslab reports compile errors on stderr without raising.
    expect(outputs.filter((o) => o.output_type === 'stream' && (o as { name?: string }).name === 'stderr').map(text)).toEqual([]);
    // Every code cell printed something: the notebook shows results, not just runs.
    for (const c of code) expect((c.outputs ?? []).length).toBeGreaterThan(0);
  });
});
