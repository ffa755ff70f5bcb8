import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { pdes, tmpDir } from '../helpers/cli.js';

describe('pdes command: help and usage errors', () => {
  it('prints help for the command and each subcommand', () => {
    const main = pdes(['--help']);
    expect(main.code).toBe(0);
    for (const c of ['generate', 'train', 'evaluate', 'report', 'merge', 'info', 'plot', 'recipes', 'demo']) expect(main.stdout).toContain(c);
    for (const c of ['generate', 'train', 'evaluate', 'report', 'merge', 'info', 'plot', 'recipes', 'demo']) {
      const r = pdes([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.stdout).toContain(`Usage: pdes ${c}`);
    }
    expect(pdes(['generate', '--help']).stdout).toContain('--shard i/N');
  });

  it('lists recipes', () => {
    const r = pdes(['recipes', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((x: { name: string }) => x.name)).toEqual([
      'burgers-fno',
      'burgers-pdebench',
      'burgers-fno-ref',
      'ns-fno-nu1e-3',
      'ns-fno-nu1e-4',
      'ns-fno-nu1e-5',
      'ns-kolmogorov-re1000',
      'gpme-heat',
      'gpme-pme',
      'gpme-stefan',
    ]);
  });

  it.each([
    [['frobnicate'], "unknown command 'frobnicate': known commands are generate, train, evaluate, report, merge, info, plot, recipes, demo"],
    [['generate', 'burgers-xyz', '-o', 'x.h5'], "unknown recipe 'burgers-xyz': known recipes are burgers-fno, burgers-pdebench"],
    [['generate', 'burgers-fno', '--bogus', '-o', 'x.h5'], "Unknown option '--bogus'"],
    [['generate', 'burgers-fno', '--nu', '0', '-o', 'x.h5'], '--nu=0 is not allowed: Burgers recipes need a viscosity nu > 0'],
    [['generate', 'burgers-fno', '--nu', '-0.5', '-o', 'x.h5'], '--nu=-0.5 is not allowed'],
    [['generate', 'burgers-pdebench', '--nu', '0.3', '-o', 'x.h5'], "--nu=0.3 is not in PDEBench's list: use one of 0.001, 0.002"],
    [['generate', 'burgers-fno', '--samples', 'ten', '-o', 'x.h5'], '--samples=ten is not an integer'],
    [['generate', 'burgers-fno', '--solve-nx', '1000', '-o', 'x.h5'], '--solve-nx=1000 is not allowed with --nx=1024'],
    [['generate', 'burgers-fno', '--nx', '96', '--solve-nx', '960', '-o', 'x.h5'], '--solve-nx=960 is not allowed for the spectral solver: use a power of two'],
    [['generate', 'burgers-fno', '--method', 'fv', '--scheme', 'weno7', '-o', 'x.h5'], '--scheme=weno7 is not allowed with --method=fv: use one of'],
    [
      ['generate', 'burgers-fno', '--scheme', 'rk4', '-o', 'x.h5'],
      '--scheme=rk4 is not allowed with --method=spectral: use one of etdrk4, cn-rk3 (imex-cnrk is an alias of cn-rk3)',
    ],
    [['generate', 'burgers-fno', '--cfl', '1.5', '-o', 'x.h5'], '--cfl=1.5 is not allowed: use a number in (0, 1]'],
    [['generate', 'burgers-fno', '--ic', 'brownian', '-o', 'x.h5'], '--ic=brownian is not allowed: use one of'],
    [['generate', 'burgers-fno', '--shard', '3/3', '-o', 'x.h5'], '--shard=3/3 is not allowed: use i/N with 0 <= i < N'],
    [['generate', 'burgers-fno'], 'pdes generate needs an output file: -o FILE.h5'],
    [['merge', 'a.h5'], 'pdes merge needs an output file: -o OUT.h5'],
  ])('%j is a usage error (exit 2) with a one-line message', (args, message) => {
    const r = pdes(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('reports a missing file as a usage error (exit 2), a non-HDF5 and a truncated one with exit 1; one line each', () => {
    const dir = tmpDir();
    const missing = pdes(['info', path.join(dir, 'nope.h5')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.h5.*(does not exist|not found|no such file)/i);
    const text = path.join(dir, 'notes.h5');
    fs.writeFileSync(text, 'these are not the bytes you are looking for\n');
    const r = pdes(['info', text]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/notes\.h5.*not an HDF5 file/i);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('prints the resolved recipe with --dry-run', () => {
    const r = pdes(['generate', 'burgers-pdebench', '--nu', '0.1', '--nx', '256', '--dry-run']);
    expect(r.code).toBe(0);
    const recipe = JSON.parse(r.stdout);
    expect(recipe).toMatchObject({ name: 'burgers-pdebench', attrNu: 0.1, nx: 256, solveNx: 256, nFrames: 201, tEnd: 2 });
    expect(recipe.nu).toBeCloseTo(0.1 / Math.PI, 15);
  });
});
