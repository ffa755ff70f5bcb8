/**
 * Interop with h5py both ways (needs Debian's python3-h5py; `npm run test:interop`): the
 * committed PDEBench-layout fixtures are what h5py writes today and load here, and our files load
 * in h5py with the same shapes, dtypes, attributes and values.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h5ready, writeCanonical } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, requireH5py, runPython, runPythonScript, sampleSizeOf, sampleValues } from '../data/helpers.js';
import { WRITTEN_KINDS, viewWithH5wasm, writeEveryKind, type FileView, type WrittenKind } from '../data/written_files.js';
import { PDEBENCH_DIR, PDEBENCH_LAYOUTS, expectReadsAsWritten, pdebenchFile, readPdebenchValues, type PdebenchValues } from '../data/pdebench_fixtures.js';

interface H5pyView {
  datasets: Record<string, { shape: number[]; dtype: string; chunks: number[] | null; maxshape: number[]; values: number[] | null }>;
  attrs: Record<string, number | string>;
  attr_types: Record<string, string>;
  tensor_sum: number;
  tensor: number[] | null;
  x: number[];
  t: number[];
}

// Checked in each test, so that a missing h5py fails every test rather than skipping them.
beforeAll(async () => {
  await h5ready();
});

afterAll(removeTmpDirs);

describe("PDEBench's published layout, written by h5py", () => {
  it('the committed fixtures are what make_fixtures.py writes today, and the fresh files load as they do', () => {
    requireH5py();
    const dir = makeTmpDir();
    runPythonScript(path.join(PDEBENCH_DIR, 'make_fixtures.py'), [dir]);
    const fresh = readPdebenchValues(dir);
    const committed = readPdebenchValues(PDEBENCH_DIR);
    const data = (v: PdebenchValues) => ({ shape: v.shape, tensor: v.tensor, x: v.x, t: v.t, Nu: v.Nu });
    expect(data(fresh), 'regenerate test/fixtures/pdebench with make_fixtures.py').toEqual(data(committed));
    for (const layout of PDEBENCH_LAYOUTS) expectReadsAsWritten(pdebenchFile(dir, layout), fresh);
  });
});

describe('our files, read by h5py', () => {
  it('have the layout, attributes and values we wrote', () => {
    requireH5py();
    const shape = [4, 3, 10];
    const size = sampleSizeOf(shape);
    const header = makeHeader(shape, { solver: 'spectral ν-split ✓' });
    const file = path.join(makeTmpDir(), 'ours.h5');
    writeCanonical(file, header, (i) => sampleValues(i, size));
    const view = runPython<H5pyView>('read_with_h5py.py', [file]);

    expect(view.datasets.tensor).toMatchObject({ shape, dtype: '<f4', chunks: [1, 3, 10], maxshape: shape });
    expect(view.datasets['x-coordinate']).toMatchObject({ shape: [10], dtype: '<f8' });
    expect(view.datasets['t-coordinate']).toMatchObject({ shape: [3], dtype: '<f8' });
    expect(Object.keys(view.datasets).sort()).toEqual(['t-coordinate', 'tensor', 'x-coordinate']);
    expect(view.attrs).toEqual({ ...header.attrs, generator: 'pde-surrogate', complete: 1 });
    expect(view.attr_types).toMatchObject({ Nu: '<f8', seed: '<i8', complete: '<i8', recipe: 'str', generator: 'str' });
    expect(view.x).toEqual(Array.from(header.coordinates.x));
    expect(view.t).toEqual(Array.from(header.coordinates.t));
    const expected: number[] = [];
    for (let i = 0; i < shape[0]; i++) expected.push(...sampleValues(i, size));
    expect(view.tensor).toEqual(expected);
    expect(view.tensor_sum).toBeCloseTo(
      expected.reduce((a, b) => a + b, 0),
      9,
    );
  });

  it('2D files carry a y-coordinate that h5py reads back', () => {
    requireH5py();
    const shape = [2, 2, 6, 5];
    const header = makeHeader(shape);
    const file = path.join(makeTmpDir(), 'ours2d.h5');
    writeCanonical(file, header, (i) => sampleValues(i, sampleSizeOf(shape)));
    const view = runPython<H5pyView>('read_with_h5py.py', [file]);
    expect(view.datasets.tensor).toMatchObject({ shape, chunks: [1, 2, 6, 5] });
    expect(view.datasets['y-coordinate']).toMatchObject({ shape: [5], dtype: '<f8' });
  });
});

describe('every kind of file generation writes, read by h5py', () => {
  let files: Record<WrittenKind, string>;
  beforeAll(async () => {
    files = await writeEveryKind(makeTmpDir());
  });

  it.each(WRITTEN_KINDS)('%s: every dataset and root attribute, equal to what h5wasm reads', (kind) => {
    requireH5py();
    const view = runPython<H5pyView>('read_with_h5py.py', [files[kind]]);
    const theirs: FileView = {
      // h5py spells one-byte types without byte order ('|u1').
      datasets: Object.fromEntries(
        Object.entries(view.datasets).map(([k, d]) => [k, { shape: d.shape, dtype: d.dtype.replace('|', '<'), values: d.values ?? [] }]),
      ),
      attrs: view.attrs,
    };
    expect(theirs).toEqual(viewWithH5wasm(files[kind]));
    expect(Object.keys(view.attrs).length).toBeGreaterThanOrEqual(kind === 'interrupted' ? 8 : 9);
    expect(view.attr_types).toMatchObject({ seed: '<i8', recipe: 'str', generator: 'str' });
  });
});
