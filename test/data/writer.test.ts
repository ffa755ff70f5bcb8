import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H5Dataset, ProgressiveWriter, h5ready, writeCanonical } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, sampleSizeOf, sampleValues } from './helpers.js';

const SHAPE = [6, 4, 16];
const SIZE = sampleSizeOf(SHAPE);

beforeAll(async () => {
  await h5ready();
});

afterAll(removeTmpDirs);

function canonical(file: string, shape = SHAPE): void {
  const size = sampleSizeOf(shape);
  writeCanonical(file, makeHeader(shape), (i) => sampleValues(i, size));
}

describe('writeCanonical', () => {
  it('gives byte-identical files for the same inputs, a second apart', async () => {
    const dir = makeTmpDir();
    canonical(path.join(dir, 'a.h5'));
    await new Promise((resolve) => setTimeout(resolve, 1100));
    canonical(path.join(dir, 'b.h5'));
    const a = fs.readFileSync(path.join(dir, 'a.h5'));
    const b = fs.readFileSync(path.join(dir, 'b.h5'));
    expect(a.length).toBeGreaterThan(SHAPE[0] * SIZE * 4);
    expect(a.equals(b)).toBe(true);
    // The clock is restored and no temp file is left behind.
    expect(Date.now()).toBeGreaterThan(1e12);
    expect(fs.readdirSync(dir).sort()).toEqual(['a.h5', 'b.h5']);
  });

  it('differs when one value differs (the comparison can fail)', () => {
    const dir = makeTmpDir();
    canonical(path.join(dir, 'a.h5'));
    writeCanonical(path.join(dir, 'b.h5'), makeHeader(SHAPE), (i) => {
      const s = sampleValues(i, SIZE);
      if (i === 3) s[5] += 1;
      return s;
    });
    expect(fs.readFileSync(path.join(dir, 'a.h5')).equals(fs.readFileSync(path.join(dir, 'b.h5')))).toBe(false);
  });

  it('writes a complete file the reader loads back exactly', () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'c.h5');
    canonical(file);
    const ds = H5Dataset.open(file);
    try {
      const header = makeHeader(SHAPE);
      expect(ds.status).toBe('complete');
      expect(ds.shape).toEqual(SHAPE);
      expect([ds.nSamples, ds.nt, ds.spatialShape, ds.nChannels]).toEqual([6, 4, [16], 1]);
      expect(ds.x).toEqual(header.coordinates.x);
      expect(ds.t).toEqual(header.coordinates.t);
      expect(ds.attrs).toEqual({ ...header.attrs, generator: 'pde-surrogate', complete: 1 });
      expect(ds.recipe).toEqual(JSON.parse(header.attrs.recipe as string));
      expect(Array.from(ds.samplesDone())).toEqual([1, 1, 1, 1, 1, 1]);
      const all = ds.readSamples(0, 6);
      for (let i = 0; i < 6; i++) expect(all.subarray(i * SIZE, (i + 1) * SIZE)).toEqual(sampleValues(i, SIZE));
      expect(ds.readSample(4)).toEqual(sampleValues(4, SIZE));
    } finally {
      ds.close();
    }
  });

  it('round-trips 2D and multi-field shapes', () => {
    const dir = makeTmpDir();
    for (const shape of [
      [3, 2, 5, 4],
      [2, 3, 4, 3, 2],
    ]) {
      const file = path.join(dir, `r${shape.length}.h5`);
      canonical(file, shape);
      const ds = H5Dataset.open(file);
      expect(ds.shape).toEqual(shape);
      expect(ds.spatialShape).toEqual(shape.slice(2, 4));
      expect(ds.nChannels).toBe(shape.length === 5 ? shape[4] : 1);
      expect(ds.y).toEqual(makeHeader(shape).coordinates.y);
      expect(ds.readSample(1)).toEqual(sampleValues(1, sampleSizeOf(shape)));
      ds.close();
    }
  });

  it('replaces an existing file atomically and removes its temp file when a sample fails', () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'd.h5');
    canonical(file);
    const before = fs.readFileSync(file);
    expect(() =>
      writeCanonical(file, makeHeader(SHAPE), (i) => {
        if (i === 2) throw new Error('solver blew up');
        return sampleValues(i, SIZE);
      }),
    ).toThrow('solver blew up');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['d.h5']);
  });
});

describe('ProgressiveWriter', () => {
  it('written in another order, with a reopen midway, re-writes canonically to the same bytes', () => {
    const dir = makeTmpDir();
    const direct = path.join(dir, 'direct.h5');
    canonical(direct);
    const partial = path.join(dir, 'partial.h5');
    const order = [4, 1, 5, 0, 3, 2];
    let w = ProgressiveWriter.create(partial, makeHeader(SHAPE));
    for (const i of order.slice(0, 3)) w.writeSample(i, sampleValues(i, SIZE));
    w.close();

    const mid = H5Dataset.open(partial);
    expect(mid.status).toBe('incomplete');
    expect(Array.from(mid.samplesDone())).toEqual([0, 1, 0, 0, 1, 1]);
    expect(mid.readSample(5)).toEqual(sampleValues(5, SIZE));
    expect(() => mid.readSample(0)).toThrow(`sample 0 of ${partial} has not been written (incomplete file: 3/6 samples done)`);
    mid.close();

    w = ProgressiveWriter.open(partial);
    expect(Array.from(w.done())).toEqual([0, 1, 0, 0, 1, 1]);
    for (const i of order.slice(3)) w.writeSample(i, sampleValues(i, SIZE));
    expect(Array.from(w.done())).toEqual([1, 1, 1, 1, 1, 1]);
    const out = path.join(dir, 'final.h5');
    writeCanonical(out, w.header, (i) => w.readSample(i));
    w.close();
    expect(fs.readFileSync(out).equals(fs.readFileSync(direct))).toBe(true);
  });

  it('keeps the same header after reopening', () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'h.h5');
    const w = ProgressiveWriter.create(file, makeHeader([2, 3, 4, 5]));
    const created = w.header;
    w.close();
    const r = ProgressiveWriter.open(file);
    expect(r.header).toEqual(created);
    expect(created.attrs.generator).toBe('pde-surrogate');
    expect(Object.keys(created.attrs)).toEqual(Object.keys(created.attrs).sort());
    r.close();
  });

  it('can be finalized in place: writeCanonical renames over the file the writer still has open', () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'inplace.h5');
    const w = ProgressiveWriter.create(file, makeHeader(SHAPE));
    for (let i = SHAPE[0] - 1; i >= 0; i--) w.writeSample(i, sampleValues(i, SIZE));
    expect(fs.existsSync(`${file}.journal`)).toBe(true);
    writeCanonical(file, w.header, (i) => w.readSample(i));
    w.removeJournal();
    w.close();
    const direct = path.join(dir, 'direct.h5');
    canonical(direct);
    expect(fs.readFileSync(file).equals(fs.readFileSync(direct))).toBe(true);
    expect(fs.readdirSync(dir).sort()).toEqual(['direct.h5', 'inplace.h5']);
  });

  it('stores non-ASCII string attributes as UTF-8', () => {
    const file = path.join(makeTmpDir(), 'utf8.h5');
    const recipe = JSON.stringify({ name: 'Burgers ν=0.01 — Ω ✓' });
    writeCanonical(file, makeHeader(SHAPE, { recipe }), (i) => sampleValues(i, SIZE));
    const ds = H5Dataset.open(file);
    expect(ds.attrs.recipe).toBe(recipe);
    ds.close();
  });

  it('refuses to overwrite an existing file unless asked', () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'o.h5');
    fs.writeFileSync(file, 'precious');
    expect(() => ProgressiveWriter.create(file, makeHeader(SHAPE))).toThrow(`${file} already exists: pass { overwrite: true } to replace it`);
    expect(fs.readFileSync(file, 'utf8')).toBe('precious');
    ProgressiveWriter.create(file, makeHeader(SHAPE), { overwrite: true }).close();
    const ds = H5Dataset.open(file);
    expect(ds.status).toBe('incomplete');
    ds.close();
  });

  it('survives SIGKILL between samples: the finished samples are intact and the run resumes', () => {
    const dir = makeTmpDir();
    const lib = transpileDataLayer(dir);
    const file = path.join(dir, 'killed.h5');
    const written = [5, 0, 2];
    const header = makeHeader(SHAPE);
    const job = {
      file,
      header: { shape: header.shape, attrs: header.attrs, x: Array.from(header.coordinates.x), t: Array.from(header.coordinates.t) },
      samples: written.map((i) => ({ i, data: Array.from(sampleValues(i, SIZE)) })),
    };
    fs.writeFileSync(path.join(dir, 'job.json'), JSON.stringify(job));
    const child = [
      `import fs from 'node:fs';`,
      `import { h5ready } from '${lib}/src/data/h5.js';`,
      `import { ProgressiveWriter } from '${lib}/src/data/writer.js';`,
      `const job = JSON.parse(fs.readFileSync(${JSON.stringify(path.join(dir, 'job.json'))}, 'utf8'));`,
      `await h5ready();`,
      `const h = job.header;`,
      `const w = ProgressiveWriter.create(job.file, { shape: h.shape, attrs: h.attrs, coordinates: { x: Float64Array.from(h.x), t: Float64Array.from(h.t) } });`,
      `for (const s of job.samples) w.writeSample(s.i, Float32Array.from(s.data));`,
      `process.kill(process.pid, 'SIGKILL');`,
    ].join('\n');
    const script = path.join(dir, 'child.mjs');
    fs.writeFileSync(script, child);
    const res = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(res.stderr).toBe('');
    expect(res.signal).toBe('SIGKILL');

    const ds = H5Dataset.open(file);
    expect(ds.status).toBe('incomplete');
    ds.close();
    const w = ProgressiveWriter.open(file);
    expect(Array.from(w.done())).toEqual([1, 0, 1, 0, 0, 1]);
    for (const i of written) expect(w.readSample(i)).toEqual(sampleValues(i, SIZE));
    for (let i = 0; i < SHAPE[0]; i++) if (!written.includes(i)) w.writeSample(i, sampleValues(i, SIZE));
    const out = path.join(dir, 'resumed.h5');
    writeCanonical(out, w.header, (i) => w.readSample(i));
    w.close();
    const direct = path.join(dir, 'direct.h5');
    canonical(direct);
    expect(fs.readFileSync(out).equals(fs.readFileSync(direct))).toBe(true);
  });
});

/**
 * Node 20 cannot run TypeScript, so the child process imports a JS transpile of src/data (and
 * the core modules it uses) placed in `dir`, with node_modules linked for h5wasm.
 */
function transpileDataLayer(dir: string): string {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const lib = path.join(dir, 'lib');
  const sources = [
    ...fs.readdirSync(path.join(root, 'src/data')).filter((f) => f.endsWith('.ts')).map((f) => `src/data/${f}`),
    ...fs.readdirSync(path.join(root, 'core')).filter((f) => f.endsWith('.ts')).map((f) => `core/${f}`),
  ];
  for (const rel of sources) {
    const out = ts.transpileModule(fs.readFileSync(path.join(root, rel), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    });
    const dest = path.join(lib, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.writeFileSync(dest, out.outputText);
  }
  fs.writeFileSync(path.join(lib, 'package.json'), '{ "type": "module" }\n');
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(lib, 'node_modules'));
  return lib;
}
