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
    const check = `
console.log(JSON.stringify({ n: ds.nSamples, train: train.length, val: val.length, test: test.length, shape: norm.shape }));
ds.close();`;
    fs.writeFileSync(script, block + check);
    const cwd = tmpDir();
    try {
      const r = spawnSync(process.execPath, [script], { cwd, encoding: 'utf8', timeout: 120_000 });
      expect(r.status, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout.trim().split('\n').pop() as string);
      expect(out).toMatchObject({ n: 64, train: 51, val: 6, test: 6 });
      expect(fs.existsSync(path.join(cwd, 'data', 'small.h5'))).toBe(true);
    } finally {
      fs.rmSync(script, { force: true });
    }
  });
});
