/** Bad files and bad arguments: every message is asserted by its text. */
import fs from 'node:fs';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFormatError, DataInputError, H5Dataset, ProgressiveWriter, h5ready, writeCanonical } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, sampleSizeOf, sampleValues } from './helpers.js';

const SHAPE = [4, 3, 8];
const SIZE = sampleSizeOf(SHAPE);

beforeAll(async () => {
  await h5ready();
});

afterAll(removeTmpDirs);

function complete(dir: string, name = 'ok.h5'): string {
  const file = path.join(dir, name);
  writeCanonical(file, makeHeader(SHAPE), (i) => sampleValues(i, SIZE));
  return file;
}

/** Writes a file with h5wasm directly: `datasets` as name → [data, shape, dtype]; `attrs` on the root. */
function rawFile(file: string, datasets: Record<string, [ArrayLike<number>, number[], string]>, attrs: Record<string, number | string> = {}): string {
  const f = new h5wasm.File(file, 'w');
  for (const [name, [data, shape, dtype]] of Object.entries(datasets)) {
    const typed = dtype === '<i' ? Int32Array.from(data) : dtype === '<f' ? Float32Array.from(data) : Float64Array.from(data);
    f.create_dataset({ name, data: typed, shape, dtype });
  }
  for (const [k, v] of Object.entries(attrs)) f.create_attribute(k, v);
  f.close();
  return file;
}

function expectError(fn: () => unknown, cls: typeof DataFormatError | typeof DataInputError, message: string | RegExp): void {
  let caught: unknown = null;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(cls);
  const text = (caught as Error).message;
  expect(text).not.toContain('\n');
  if (typeof message === 'string') expect(text).toBe(message);
  else expect(text).toMatch(message);
}

const range = (n: number): number[] => [...Array(n).keys()];

describe('H5Dataset.open on bad files', () => {
  it('names a missing file (an input error: the path is the caller\'s)', () => {
    const file = path.join(makeTmpDir(), 'nope.h5');
    expectError(() => H5Dataset.open(file), DataInputError, `${file}: no such file`);
  });

  it('rejects a directory', () => {
    const dir = makeTmpDir();
    expectError(() => H5Dataset.open(dir), DataFormatError, `${dir}: not a regular file`);
  });

  it('rejects a text file by its signature', () => {
    const file = path.join(makeTmpDir(), 'notes.h5');
    fs.writeFileSync(file, 'tensor,x,t\n1,2,3\n'.repeat(100));
    expectError(() => H5Dataset.open(file), DataFormatError, `${file}: not an HDF5 file (no HDF5 signature at offset 0 or any user-block offset)`);
  });

  it('rejects a file too short to be HDF5', () => {
    const file = path.join(makeTmpDir(), 'tiny.h5');
    fs.writeFileSync(file, 'abc');
    expectError(() => H5Dataset.open(file), DataFormatError, `${file}: not an HDF5 file (3 bytes, too short for the HDF5 signature)`);
  });

  it('reports a truncated HDF5 file', () => {
    const dir = makeTmpDir();
    const file = complete(dir);
    const size = fs.statSync(file).size;
    fs.truncateSync(file, Math.floor(size / 2));
    expectError(() => H5Dataset.open(file), DataFormatError, new RegExp(`^${escape(file)}: truncated or unreadable HDF5 file \\(HDF5: truncated file: eof = ${Math.floor(size / 2)}, .*\\)$`));
  });

  it('reports a file of another layout: no tensor', () => {
    const file = rawFile(path.join(makeTmpDir(), 'other.h5'), { u: [range(6), [2, 3], '<d'], grid: [range(3), [3], '<d'] });
    expectError(() => H5Dataset.open(file), DataFormatError, `${file}: no \`tensor\` dataset (found: grid, u)`);
  });

  it('reports a tensor of rank 2', () => {
    const file = rawFile(path.join(makeTmpDir(), 'rank2.h5'), { tensor: [range(6), [2, 3], '<f'] });
    expectError(
      () => H5Dataset.open(file),
      DataFormatError,
      `${file}: \`tensor\` has rank 2 (shape [2, 3]); expected rank 3 to 5: [N, T, X], [N, T, X, Y] or [N, T, X, Y, C]`,
    );
  });

  it('reports an integer tensor', () => {
    const file = rawFile(path.join(makeTmpDir(), 'int.h5'), { tensor: [range(8), [2, 2, 2], '<i'] });
    expectError(() => H5Dataset.open(file), DataFormatError, `${file}: \`tensor\` has dtype <i; expected little-endian float32 or float64`);
  });

  it('reports a missing coordinate', () => {
    const file = rawFile(path.join(makeTmpDir(), 'nox.h5'), { tensor: [range(8), [2, 2, 2], '<f'], 't-coordinate': [[0, 1], [2], '<d'] });
    expectError(() => H5Dataset.open(file), DataFormatError, `${file}: no \`x-coordinate\` dataset`);
  });

  it('reports coordinate lengths that do not match the shape', () => {
    const dir = makeTmpDir();
    const tensor: [number[], number[], string] = [range(2 * 3 * 4), [2, 3, 4], '<f'];
    const badX = rawFile(path.join(dir, 'x.h5'), { tensor, 'x-coordinate': [range(5), [5], '<d'], 't-coordinate': [range(3), [3], '<d'] });
    expectError(() => H5Dataset.open(badX), DataFormatError, `${badX}: x-coordinate has 5 entries but X=4 (tensor shape [2, 3, 4])`);
    const badT = rawFile(path.join(dir, 't.h5'), { tensor, 'x-coordinate': [range(4), [4], '<d'], 't-coordinate': [range(5), [5], '<d'] });
    expectError(() => H5Dataset.open(badT), DataFormatError, `${badT}: t-coordinate has 5 entries but T=3 (tensor shape [2, 3, 4]): expected 3 or 4`);
  });

  it('reports a recipe attribute that is not JSON', () => {
    const file = rawFile(
      path.join(makeTmpDir(), 'recipe.h5'),
      { tensor: [range(8), [2, 2, 2], '<f'], 'x-coordinate': [[0, 1], [2], '<d'], 't-coordinate': [[0, 1], [2], '<d'] },
      { recipe: '{not json' },
    );
    expectError(() => H5Dataset.open(file), DataFormatError, new RegExp(`^${escape(file)}: attribute \`recipe\` is not valid JSON \\(.+\\)$`));
  });
});

describe('H5Dataset reads', () => {
  it('checks sample ranges and use after close', () => {
    const file = complete(makeTmpDir());
    const ds = H5Dataset.open(file);
    expectError(() => ds.readSamples(2, 5), DataInputError, `readSamples(2, 5) is out of range for ${file}: use integers 0 <= start <= end <= 4`);
    expectError(() => ds.readSamples(3, 2), DataInputError, `readSamples(3, 2) is out of range for ${file}: use integers 0 <= start <= end <= 4`);
    expectError(() => ds.readSample(-1), DataInputError, `sample index -1 is out of range for ${file}: use an integer in [0, 4)`);
    ds.close();
    expectError(() => ds.readSample(0), DataInputError, `${file} is closed`);
  });
});

describe('ProgressiveWriter errors', () => {
  it('will not resume a complete file', () => {
    const file = complete(makeTmpDir());
    expectError(() => ProgressiveWriter.open(file), DataInputError, `cannot resume ${file}: it is complete (attribute \`complete\` = 1)`);
  });

  it('will not resume a file it did not write, or a missing one', () => {
    const dir = makeTmpDir();
    const foreign = rawFile(path.join(dir, 'pdebench.h5'), { tensor: [range(8), [2, 2, 2], '<f'], 'x-coordinate': [[0, 1], [2], '<d'], 't-coordinate': [[0, 1, 2], [3], '<d'] }, { Nu: 0.1 });
    expectError(() => ProgressiveWriter.open(foreign), DataInputError, `cannot resume ${foreign}: not written by pde-surrogate (attribute \`generator\` is null)`);
    const missing = path.join(dir, 'missing.h5');
    expectError(() => ProgressiveWriter.open(missing), DataInputError, `cannot resume ${missing}: no such file`);
  });

  it('checks sample indices and data', () => {
    const file = path.join(makeTmpDir(), 'p.h5');
    const w = ProgressiveWriter.create(file, makeHeader(SHAPE));
    expectError(() => w.writeSample(4, sampleValues(0, SIZE)), DataInputError, `sample index 4 is out of range for ${file}: use an integer in [0, 4)`);
    expectError(() => w.writeSample(-1, sampleValues(0, SIZE)), DataInputError, `sample index -1 is out of range for ${file}: use an integer in [0, 4)`);
    expectError(() => w.writeSample(1.5, sampleValues(0, SIZE)), DataInputError, `sample index 1.5 is out of range for ${file}: use an integer in [0, 4)`);
    expectError(() => w.writeSample(0, new Float32Array(SIZE - 1)), DataInputError, `sample 0 has ${SIZE - 1} values; expected ${SIZE} (one sample of shape [3, 8])`);
    expectError(() => w.writeSample(0, new Float64Array(SIZE) as unknown as Float32Array), DataInputError, 'sample 0 is Float64Array: use a Float32Array');
    expectError(() => w.readSample(2), DataInputError, `sample 2 of ${file} has not been written yet`);
    expect(Array.from(w.done())).toEqual([0, 0, 0, 0]);
    w.close();
    expectError(() => w.writeSample(0, sampleValues(0, SIZE)), DataInputError, `writer for ${file} is closed`);
  });

  it('validates headers', () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'h.h5');
    const h = makeHeader(SHAPE);
    expectError(() => ProgressiveWriter.create(file, { ...h, shape: [4, 3] }), DataInputError, 'shape [4, 3] has rank 2: use rank 3 to 5, [N, T, X], [N, T, X, Y] or [N, T, X, Y, C]');
    expectError(() => ProgressiveWriter.create(file, { ...h, shape: [4, 0, 8] }), DataInputError, 'shape [4, 0, 8] has T=0: every dimension must be a positive integer');
    expectError(
      () => ProgressiveWriter.create(file, { ...h, coordinates: { x: new Float64Array(7), t: h.coordinates.t } }),
      DataInputError,
      'x-coordinate has 7 entries but X=8 (tensor shape [4, 3, 8])',
    );
    expectError(
      () => ProgressiveWriter.create(file, { ...h, coordinates: { x: h.coordinates.x, t: new Float64Array(4) } }),
      DataInputError,
      't-coordinate has 4 entries but T=3 (tensor shape [4, 3, 8]): expected 3',
    );
    expectError(() => ProgressiveWriter.create(file, { ...h, attrs: { complete: 1 } }), DataInputError, 'attribute `complete` is not allowed in a header: it is written last by writeCanonical');
    expectError(() => ProgressiveWriter.create(file, { ...h, attrs: { generator: 'pdebench' } }), DataInputError, 'attribute `generator` = "pdebench" is not allowed: it must be "pde-surrogate" or absent');
    expectError(() => ProgressiveWriter.create(file, { ...h, attrs: { Nu: Number.NaN } }), DataInputError, 'attribute `Nu` = NaN is not allowed: use a finite number or a string');
    expectError(() => writeCanonical(file, h, () => new Float32Array(3)), DataInputError, `sample 0 has 3 values; expected ${SIZE} (one sample of shape [3, 8])`);
    expect(fs.readdirSync(dir)).toEqual([]);
    const nowhere = path.join(dir, 'no', 'such', 'dir');
    expectError(() => ProgressiveWriter.create(path.join(nowhere, 'x.h5'), h), DataInputError, `cannot create ${path.join(nowhere, 'x.h5')}: directory ${nowhere} does not exist`);
  });
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
