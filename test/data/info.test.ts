import path from 'node:path';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProgressiveWriter, describeDataset, formatSummary, h5ready, writeCanonical } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, sampleSizeOf, sampleValues } from './helpers.js';

const SHAPE = [5, 4, 16];
const SIZE = sampleSizeOf(SHAPE);

beforeAll(async () => {
  await h5ready();
});

afterAll(removeTmpDirs);

/** Two-pass float64 reference statistics over the given samples. */
function reference(indices: number[]): { min: number; max: number; mean: number; std: number } {
  const all = indices.flatMap((i) => Array.from(sampleValues(i, SIZE)));
  const mean = all.reduce((a, b) => a + b, 0) / all.length;
  const variance = all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length;
  return { min: Math.min(...all), max: Math.max(...all), mean, std: Math.sqrt(variance) };
}

describe('describeDataset', () => {
  it('summarises a complete file: shape, coordinates, attributes and streamed value statistics', () => {
    const file = path.join(makeTmpDir(), 'c.h5');
    const header = makeHeader(SHAPE);
    writeCanonical(file, header, (i) => sampleValues(i, SIZE));
    const s = describeDataset(file, { samplesPerRead: 2 });
    expect(s).toMatchObject({ path: file, shape: SHAPE, axes: ['N', 'T', 'X'], dtype: 'float32', status: 'complete', samplesDone: 5, nSamples: 5, tEntriesInFile: 4 });
    expect(s.coordinates.map((c) => c.name)).toEqual(['x-coordinate', 't-coordinate']);
    expect(s.coordinates[0]).toMatchObject({ length: 16, min: header.coordinates.x[0], max: header.coordinates.x[15] });
    expect(s.coordinates[0].spacing).toBeCloseTo(2 / 16, 14);
    expect(s.coordinates[1].spacing).toBeCloseTo(0.05, 14);
    expect(s.attrs).toEqual({ Nu: 0.01, complete: 1, generator: 'pde-surrogate', 'package-version': '0.1.0', seed: 1234, solver: 'test', 'solver-version': '1' });
    expect(s.recipe).toEqual({ pde: 'burgers', nu: 0.01, samples: 5 });
    const ref = reference([0, 1, 2, 3, 4]);
    expect(s.values?.min).toBe(ref.min);
    expect(s.values?.max).toBe(ref.max);
    expect(s.values?.mean).toBeCloseTo(ref.mean, 12);
    expect(s.values?.std).toBeCloseTo(ref.std, 12);
    expect(s.values).toMatchObject({ samples: 5, nonFinite: 0 });
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);

    const first2 = describeDataset(file, { maxSamples: 2 });
    expect(first2.values?.samples).toBe(2);
    expect(first2.values?.std).toBeCloseTo(reference([0, 1]).std, 12);
  });

  it('covers only finished samples of an incomplete file and says so', () => {
    const file = path.join(makeTmpDir(), 'p.h5');
    const w = ProgressiveWriter.create(file, makeHeader(SHAPE));
    w.writeSample(3, sampleValues(3, SIZE));
    w.writeSample(1, sampleValues(1, SIZE));
    w.close();
    const s = describeDataset(file);
    expect(s.status).toBe('incomplete');
    expect(s.samplesDone).toBe(2);
    expect(s.values?.samples).toBe(2);
    expect(s.values?.mean).toBeCloseTo(reference([1, 3]).mean, 12);
    const text = formatSummary(s);
    expect(text).toMatch(/^status +incomplete: 2\/5 samples done \(resume to finish\)$/m);
    expect(describeDataset(file, { maxSamples: 0 }).values).toBeNull();
  });

  it('formats a compact, readable summary', () => {
    const file = path.join(makeTmpDir(), 'pdebench.h5');
    const f = new h5wasm.File(file, 'w');
    f.create_dataset({ name: 'tensor', data: Float32Array.from({ length: 2 * 3 * 4 }, (_, j) => j - 4), shape: [2, 3, 4], dtype: '<f' });
    f.create_dataset({ name: 'x-coordinate', data: Float64Array.of(-0.75, -0.25, 0.25, 0.75), dtype: '<d' });
    f.create_dataset({ name: 't-coordinate', data: Float64Array.of(0, 0.01, 0.02, 0.03), dtype: '<d' });
    f.create_attribute('Nu', 0.1);
    f.close();
    const text = formatSummary(describeDataset(file));
    expect(text.split('\n')).toEqual([
      `file          ${file}`,
      'status        foreign, not written by pde-surrogate (2 samples)',
      'tensor        float32 [2, 3, 4] (N, T, X)',
      'x-coordinate  4 points in [-0.75, 0.75], spacing 0.5',
      't-coordinate  3 points in [0, 0.02], spacing 0.01; 4 in file, last one unused',
      'attrs         Nu=0.1',
      'values        min -4  max 19  mean 7.5  std 6.92219  (2 samples)',
    ]);
  });
});
