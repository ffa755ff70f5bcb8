/**
 * Interop with h5py both ways: PDEBench's published layout (written by h5py) loads here, and
 * our files load in h5py with the same shapes, dtypes, attributes and values.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { H5Dataset, h5ready, writeCanonical } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, requireH5py, runPython, sampleSizeOf, sampleValues } from './helpers.js';

interface PdebenchFixture {
  tensor: number[];
  x: number[];
  t: number[];
  Nu: number;
}

interface H5pyView {
  datasets: Record<string, { shape: number[]; dtype: string; chunks: number[] | null; maxshape: number[] }>;
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
  for (const chunked of [false, true]) {
    it(`loads as a foreign file with t trimmed to the frames (${chunked ? 'chunked' : 'contiguous'} tensor)`, () => {
      requireH5py();
      const [n, nt, nx] = [5, 7, 32];
      const file = path.join(makeTmpDir(), '1D_Burgers_Sols_Nu0.1.hdf5');
      const py = runPython<PdebenchFixture>('make_pdebench_file.py', [file, String(n), String(nt), String(nx), ...(chunked ? ['--chunked'] : [])]);
      expect(py.t).toHaveLength(nt + 1);
      const ds = H5Dataset.open(file);
      try {
        expect(ds.status).toBe('foreign');
        expect(ds.shape).toEqual([n, nt, nx]);
        expect(ds.dtype).toBe('float32');
        expect(ds.attrs).toEqual({ Nu: 0.1 });
        expect(ds.recipe).toBeNull();
        expect(Array.from(ds.samplesDone())).toEqual([1, 1, 1, 1, 1]);
        expect(ds.tEntriesInFile).toBe(nt + 1);
        // PDEBench's extra t entry is the last one: frame k is at t[k].
        expect(Array.from(ds.t)).toEqual(py.t.slice(0, nt));
        expect(Array.from(ds.x)).toEqual(py.x);
        expect(ds.x[0]).toBeGreaterThan(-1);
        expect(ds.x[nx - 1]).toBeLessThan(1);
        expect(Array.from(ds.readSamples(0, n))).toEqual(py.tensor);
        const size = nt * nx;
        expect(Array.from(ds.readSamples(2, 4))).toEqual(py.tensor.slice(2 * size, 4 * size));
        expect(Array.from(ds.readSample(4))).toEqual(py.tensor.slice(4 * size));
      } finally {
        ds.close();
      }
    });
  }
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

    expect(view.datasets.tensor).toEqual({ shape, dtype: '<f4', chunks: [1, 3, 10], maxshape: shape });
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
