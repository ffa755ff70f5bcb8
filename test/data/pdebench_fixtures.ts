/** The h5py-written PDEBench-layout fixtures (test/fixtures/pdebench) and the check of their reading. */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { H5Dataset } from '../../src/data/index.js';
import { FIXTURES } from './helpers.js';

export interface PdebenchValues {
  shape: [number, number, number];
  tensor: number[];
  x: number[];
  t: number[];
  Nu: number;
}

export const PDEBENCH_DIR = path.join(FIXTURES, 'pdebench');
export const PDEBENCH_LAYOUTS = ['contiguous', 'chunked'] as const;

export function pdebenchFile(dir: string, layout: (typeof PDEBENCH_LAYOUTS)[number]): string {
  return path.join(dir, `1D_Burgers_Sols_Nu0.1.${layout}.hdf5`);
}

export function readPdebenchValues(dir: string): PdebenchValues {
  return JSON.parse(fs.readFileSync(path.join(dir, 'values.json'), 'utf8')) as PdebenchValues;
}

/** Everything our reader sees of a PDEBench-layout file equals what the script wrote. */
export function expectReadsAsWritten(file: string, py: PdebenchValues): void {
  const [n, nt, nx] = py.shape;
  expect(py.t).toHaveLength(nt + 1);
  const ds = H5Dataset.open(file);
  try {
    expect(ds.status).toBe('foreign');
    expect(ds.shape).toEqual([n, nt, nx]);
    expect(ds.dtype).toBe('float32');
    expect(ds.attrs).toEqual({ Nu: py.Nu });
    expect(ds.recipe).toBeNull();
    expect(Array.from(ds.samplesDone())).toEqual(new Array(n).fill(1));
    expect(ds.tEntriesInFile).toBe(nt + 1);
    // PDEBench's extra t entry is the last one: frame k is at t[k].
    expect(Array.from(ds.t)).toEqual(py.t.slice(0, nt));
    expect(Array.from(ds.x)).toEqual(py.x);
    expect(ds.x[0]).toBeGreaterThan(-1);
    expect(ds.x[nx - 1]).toBeLessThan(1);
    expect(Array.from(ds.readSamples(0, n))).toEqual(py.tensor);
    const size = nt * nx;
    expect(Array.from(ds.readSamples(2, 4))).toEqual(py.tensor.slice(2 * size, 4 * size));
    expect(Array.from(ds.readSample(n - 1))).toEqual(py.tensor.slice((n - 1) * size));
  } finally {
    ds.close();
  }
}
