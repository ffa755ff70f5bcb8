/**
 * --config: a run's own config.json replays the run bit for bit (same weights and Adam state, same
 * losses, the same resolved options but the run directory); YAML files, flags overriding the file,
 * old field names as aliases, and a file's errors naming the file and the field.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pdes, tmpDir } from '../helpers/cli.js';
import { readCheckpoint, type CheckpointMeta } from '../../src/training/checkpoint.js';

let dir: string;
let data: string;

beforeAll(() => {
  dir = tmpDir('pdes-config-');
  data = path.join(dir, 'data.h5');
  const g = pdes(['generate', 'burgers-fno', '--samples', '16', '--nx', '32', '--solve-nx', '128', '--frames', '3', '-q', '-o', data]);
  expect(g.code, g.stderr).toBe(0);
});

/** The checkpoint header less what differs between two runs of the same options: wall time, the run directory, the digest. */
function comparable(meta: CheckpointMeta): unknown {
  const { digest: _d, partial, metrics, trainOptions, ...rest } = meta;
  return {
    ...rest,
    partial: { ...partial, seconds: 0 },
    metrics: metrics.map(({ seconds: _s, ...m }) => m),
    trainOptions: { ...trainOptions, out: null },
  };
}

const lines = (file: string): Record<string, unknown>[] =>
  fs
    .readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => {
      const { seconds: _s, ...m } = JSON.parse(l) as Record<string, unknown>;
      return m;
    });

describe('pdes train --config', () => {
  it('replays a run from its own config.json bit for bit', () => {
    const run = path.join(dir, 'run');
    const a = pdes([
      'train',
      'fno',
      '--data',
      data,
      '--out',
      run,
      '--epochs',
      '2',
      '--modes',
      '4',
      '--width',
      '8',
      '--layers',
      '1',
      '--train',
      '10',
      '--val',
      '3',
      '--test',
      '3',
      '--batch-size',
      '5',
      '--lr',
      '3e-3',
      '--schedule',
      'cosine',
      '-q',
    ]);
    expect(a.code, a.stderr).toBe(0);
    const run2 = path.join(dir, 'run2');
    const b = pdes(['train', 'fno', '--config', path.join(run, 'config.json'), '--out', run2, '-q']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout.replace(run2, 'RUN')).toBe(a.stdout.replace(run, 'RUN'));
    const ca = readCheckpoint(run);
    const cb = readCheckpoint(run2);
    // Weights and Adam state, byte for byte (the data section's SHA-256 and the arrays).
    expect(cb.meta.dataSha256).toBe(ca.meta.dataSha256);
    expect(
      Buffer.concat(cb.weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength))).equals(
        Buffer.concat(ca.weights.map((w) => Buffer.from(w.buffer, w.byteOffset, w.byteLength))),
      ),
    ).toBe(true);
    expect(comparable(cb.meta)).toEqual(comparable(ca.meta));
    expect(lines(path.join(run2, 'metrics.jsonl'))).toEqual(lines(path.join(run, 'metrics.jsonl')));
    const cfgA = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    const cfgB = JSON.parse(fs.readFileSync(path.join(run2, 'config.json'), 'utf8'));
    expect({ ...cfgB, out: null }).toEqual({ ...cfgA, out: null });
    expect(cfgB.out).toBe(run2);
  });

  it('takes the model kind from the file, flags override it, and old field names still load', () => {
    const cfg = path.join(dir, 'train.yaml');
    // `force` is overwrite's old name; `modes` is not a field (nModes is).
    fs.writeFileSync(
      cfg,
      `data: ${data}\nout: ${path.join(dir, 'yaml-run')}\nepochs: 1\nbatchSize: 5\nforce: true\nmodel:\n  kind: fno\n  nModes: 4\n  width: 8\n  nLayers: 1\nsplit: { train: 10, val: 3, test: 3 }\n`,
    );
    const r = pdes(['train', '--config', cfg, '--width', '6', '-q']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(fs.readFileSync(path.join(dir, 'yaml-run', 'config.json'), 'utf8'));
    expect(out).toMatchObject({ epochs: 1, batchSize: 5, overwrite: true, model: { kind: 'fno', nModes: [4], width: 6, nLayers: 1 } });
  });
});

describe('pdes generate --config', () => {
  it('reads YAML in the library field names; flags override it; the positional recipe overrides the file', () => {
    const cfg = path.join(dir, 'gen.yml');
    fs.writeFileSync(cfg, 'recipe: burgers-pdebench\nsamples: 4\nnx: 32\nsolveNx: 128\nframes: 2\nforce: true\n');
    const r = pdes(['generate', '--config', cfg, '--nx', '64', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ name: 'burgers-pdebench', samples: 4, nx: 64, solveNx: 128, nFrames: 2 });
    const p = pdes(['generate', 'burgers-fno', '--config', cfg, '--dry-run']);
    expect(JSON.parse(p.stdout)).toMatchObject({ name: 'burgers-fno', samples: 4, nx: 32 });
  });

  it.each([
    ['an unknown field', 'recipe: burgers-fno\nsampels: 4\n', /--config=.*gen-bad\.yaml: sampels is not an option of pdes generate/],
    ['a value of the wrong type', 'recipe: burgers-fno\nsamples: 1.5\n', /gen-bad\.yaml: samples=1\.5 is not an integer/],
    ['a field and its old name', 'recipe: burgers-fno\nforce: true\noverwrite: true\n', /gen-bad\.yaml: force and overwrite are the same field/],
    ['not YAML', 'recipe: [burgers-fno\n', /gen-bad\.yaml is not YAML/],
    ['a list', '- 1\n- 2\n', /does not hold an object of options/],
  ])('refuses %s: exit 2, one line naming it', (_name, text, say) => {
    const cfg = path.join(dir, 'gen-bad.yaml');
    fs.writeFileSync(cfg, text);
    const r = pdes(['generate', '--config', cfg, '--dry-run']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(say);
  });

  it("names a file's field as the field, and a flag as the flag", () => {
    const cfg = path.join(dir, 'train-bad.json');
    fs.writeFileSync(cfg, JSON.stringify({ data, out: path.join(dir, 'never'), epochs: 0, model: { kind: 'fno' } }));
    const f = pdes(['train', '--config', cfg]);
    expect(f.code, f.stderr).toBe(2);
    expect(f.stderr).toMatch(/^pdes train: epochs=0 is not allowed/);
    const g = pdes(['train', '--config', cfg, '--epochs', '-2']);
    expect(g.code, g.stderr).toBe(2);
    expect(g.stderr).toMatch(/^pdes train: --epochs=-2 is not allowed/);
  });

  it('refuses a missing file and a flag given twice under its old and new names', () => {
    const m = pdes(['generate', '--config', path.join(dir, 'missing.json'), '--dry-run']);
    expect(m.code).toBe(2);
    expect(m.stderr).toMatch(/--config=.*missing\.json: no such file/);
    const t = pdes(['train', 'fno', '--data', data, '--out', 'r', '--modes', '4', '--n-modes', '8']);
    expect(t.code).toBe(2);
    expect(t.stderr).toMatch(/--n-modes and --modes are the same option|--modes and --n-modes are the same option/);
  });
});
