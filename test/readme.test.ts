/**
 * The README's library example runs as written (against the built package, imported by name as
 * a user would), and the README keeps exactly the two Quickstart commands.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, tmpDir } from './helpers/cli.js';

const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');

describe('README', () => {
  it('has a Quickstart of exactly the two commands', () => {
    const quick = readme.split('## Quickstart')[1].split('```sh')[1].split('```')[0];
    const commands = quick
      .split('\n')
      .map((l) => l.replace(/#.*$/, '').trim())
      .filter(Boolean);
    expect(commands).toEqual(['npm install && npm run demo', 'npm test']);
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.demo).toBeTruthy();
    expect(pkg.scripts.test).toBeTruthy();
  });

  it('library example runs as written', () => {
    const block = readme.split('## Library use')[1].split('```ts')[1].split('```')[0];
    // Self-reference by package name works from inside the package directory.
    const script = path.join(ROOT, 'dist', `readme-example-${process.pid}.mjs`);
    fs.writeFileSync(script, block);
    const cwd = tmpDir();
    try {
      const r = spawnSync(process.execPath, [script], { cwd, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const lines = r.stdout.trim().split('\n');
      expect(lines[0]).toBe('test samples: 56 57 58 59 60 61 62 63');
      expect(lines[1]).toMatch(/^test relative L2 0\.\d{4}; report: runs\/small\/report\.html$/);
      expect(fs.existsSync(path.join(cwd, 'data', 'small.h5'))).toBe(true);
      expect(fs.readFileSync(path.join(cwd, 'runs', 'small', 'report.html'), 'utf8')).toContain('Plotly.newPlot');
    } finally {
      fs.rmSync(script, { force: true });
    }
  });
});
