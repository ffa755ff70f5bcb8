import fs from 'node:fs';
import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkFieldBatch, frameSize } from '../../core/field.js';
import { H5Dataset, ProgressiveWriter, h5ready } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, sampleValues } from './helpers.js';

beforeAll(async () => {
  await h5ready();
});

afterAll(removeTmpDirs);

describe('H5Dataset', () => {
  it('reads a float64 tensor as float32, and an empty range as an empty array', () => {
    const file = path.join(makeTmpDir(), 'f64.h5');
    const values = Float64Array.from({ length: 3 * 2 * 4 }, (_, j) => Math.PI * (j - 7) * 1e-3);
    const f = new h5wasm.File(file, 'w');
    f.create_dataset({ name: 'tensor', data: values, shape: [3, 2, 4], dtype: '<d' });
    f.create_dataset({ name: 'x-coordinate', data: Float64Array.of(0, 0.25, 0.5, 0.75), dtype: '<d' });
    f.create_dataset({ name: 't-coordinate', data: Float64Array.of(0, 1), dtype: '<d' });
    f.close();
    const ds = H5Dataset.open(file);
    expect(ds.dtype).toBe('float64');
    expect(ds.status).toBe('foreign');
    expect(ds.readSamples(1, 3)).toEqual(Float32Array.from(values.subarray(8)));
    expect(ds.readSamples(2, 2)).toEqual(new Float32Array(0));
    const batch = ds.readBatch(1, 3);
    expect(batch.data).toEqual(ds.readSamples(1, 3));
    expect([batch.n, batch.nt, batch.spatial, batch.channels]).toEqual([2, 2, [4], 1]);
    expect(batch.grid?.axes).toEqual([Float64Array.of(0, 0.25, 0.5, 0.75)]);
    expect(Array.from(batch.times ?? [])).toEqual([0, 1]);
    expect(frameSize(batch)).toBe(4);
    expect(() => checkFieldBatch(batch, 'batch')).not.toThrow();
    expect(() => checkFieldBatch({ ...batch, n: 3 }, 'batch')).toThrow('batch.data has 16 values but [n, nt, ...spatial, channels] = [3, 2, 4, 1] needs 24');
    expect(() => checkFieldBatch({ ...batch, times: [1, 0] }, 'batch')).toThrow('batch.times[1] = 0 is not allowed: times must be finite and increasing');
    expect(() => checkFieldBatch({ ...batch, grid: { axes: [new Float64Array(3)] } }, 'batch')).toThrow('batch.grid axis 0 has 3 points but spatial[0] = 4');
    ds.close();
  });

  it('opens a file whose tensor is far larger than what is on disk and reads only the asked sample', () => {
    const file = path.join(makeTmpDir(), 'big.h5');
    const shape = [100_000, 10, 100]; // 400 MB of float32 if it were all written
    const w = ProgressiveWriter.create(file, makeHeader(shape));
    const last = sampleValues(shape[0] - 1, 1000);
    w.writeSample(shape[0] - 1, last);
    w.close();
    expect(fs.statSync(file).size).toBeLessThan(1_000_000);
    const ds = H5Dataset.open(file);
    expect(ds.samplesDoneCount).toBe(1);
    expect(ds.readSample(shape[0] - 1)).toEqual(last);
    expect(() => ds.readSample(0)).toThrow('has not been written');
    ds.close();
  });
});
