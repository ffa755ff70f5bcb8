import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataInputError, H5Dataset, ProgressiveWriter, describeDataset, formatSummary, h5ready, writeCanonical, type DatasetHeader } from '../../src/data/index.js';
import type { SampleRecord } from '../../src/data/writer.js';
import { makeHeader, makeTmpDir, removeTmpDirs, sampleSizeOf, sampleValues } from './helpers.js';

const SHAPE = [6, 3, 8];
const SIZE = sampleSizeOf(SHAPE);
const NT = SHAPE[1];

beforeAll(async () => {
  await h5ready();
});

afterAll(removeTmpDirs);

function header(): DatasetHeader {
  return { ...makeHeader(SHAPE, { 'parameter-name': 'm' }), extras: { parameter: [], mass: [NT] } };
}

function record(i: number): SampleRecord {
  return {
    tensor: sampleValues(i, SIZE),
    extras: { parameter: Float64Array.of(1 + i / 7), mass: Float64Array.from({ length: NT }, (_, k) => i + k / 3) },
  };
}

describe('per-sample extra datasets', () => {
  it('are written canonically and read lazily by sample range', () => {
    const file = path.join(makeTmpDir(), 'x.h5');
    writeCanonical(file, header(), record);
    const ds = H5Dataset.open(file);
    try {
      expect(ds.extras).toEqual({ mass: [NT], parameter: [] });
      expect(Array.from(ds.readExtra('parameter', 2, 5))).toEqual([2, 3, 4].map((i) => 1 + i / 7));
      const mass = ds.readExtra('mass', 4, 6);
      expect(mass).toBeInstanceOf(Float64Array);
      expect(Array.from(mass)).toEqual([...record(4).extras.mass, ...record(5).extras.mass]);
      expect(ds.readExtra('mass', 3, 3).length).toBe(0);
      expect(ds.readSample(1)).toEqual(sampleValues(1, SIZE));
      expect(() => ds.readExtra('nope', 0, 1)).toThrow(`${file} has no extra dataset "nope" (extras: mass, parameter)`);
      expect(() => ds.readExtra('mass', 2, 7)).toThrow(`readExtra(2, 7) is out of range for ${file}: use integers 0 <= start <= end <= 6`);
    } finally {
      ds.close();
    }
    const s = describeDataset(file);
    expect(s.extras).toEqual([
      { name: 'mass', shape: [6, NT] },
      { name: 'parameter', shape: [6] },
    ]);
    expect(formatSummary(s)).toMatch(/^extras +mass float64 \[6, 3\] {2}parameter float64 \[6\]$/m);
  });

  it('survive resume: written out of order with a reopen midway, the canonical rewrite has the bytes of a direct write', () => {
    const dir = makeTmpDir();
    const direct = path.join(dir, 'direct.h5');
    writeCanonical(direct, header(), record);
    const partial = path.join(dir, 'partial.h5');
    let w = ProgressiveWriter.create(partial, header());
    for (const i of [4, 1, 5]) w.writeSample(i, record(i).tensor, record(i).extras);
    w.close();
    const mid = H5Dataset.open(partial);
    expect(mid.status).toBe('incomplete');
    expect(Array.from(mid.readExtra('mass', 4, 6))).toEqual([...record(4).extras.mass, ...record(5).extras.mass]);
    expect(() => mid.readExtra('parameter', 0, 2)).toThrow(`sample 0 of ${partial} has not been written (incomplete file: 3/6 samples done)`);
    mid.close();
    w = ProgressiveWriter.open(partial);
    expect(w.header.extras).toEqual({ mass: [NT], parameter: [] });
    expect(w.readExtras(1)).toEqual(record(1).extras);
    for (const i of [0, 3, 2]) w.writeSample(i, record(i).tensor, record(i).extras);
    writeCanonical(partial, w.header, (i) => w.readRecord(i));
    w.close();
    expect(fs.readFileSync(partial).equals(fs.readFileSync(direct))).toBe(true);
  });

  it('files without extras still load and list none', () => {
    const file = path.join(makeTmpDir(), 'plain.h5');
    writeCanonical(file, makeHeader(SHAPE), (i) => sampleValues(i, SIZE));
    const ds = H5Dataset.open(file);
    expect(ds.extras).toEqual({});
    expect(() => ds.readExtra('mass', 0, 1)).toThrow(`${file} has no extra dataset "mass" (the file has no extras)`);
    ds.close();
    expect(describeDataset(file).extras).toEqual([]);
    expect(formatSummary(describeDataset(file))).not.toContain('extras');
  });

  it('refuse bad extras with one-line errors', () => {
    const dir = makeTmpDir();
    const file = path.join(dir, 'bad.h5');
    const cases: [() => unknown, string][] = [
      [() => writeCanonical(file, header(), (i) => sampleValues(i, SIZE)), 'sample 0 has no extras: the header declares mass, parameter'],
      [() => writeCanonical(file, header(), (i) => ({ ...record(i), extras: { ...record(i).extras, mass: new Float64Array(2) } })), 'sample 0: extra "mass" has 2 values; expected 3'],
      [() => writeCanonical(file, header(), (i) => ({ ...record(i), extras: { ...record(i).extras, other: new Float64Array(1) } })), 'sample 0 has extra "other" that the header does not declare (declared: mass, parameter)'],
      [() => writeCanonical(file, makeHeader(SHAPE), record), 'sample 0 has extras parameter, mass but the header declares none'],
      [() => writeCanonical(file, { ...makeHeader(SHAPE), extras: { tensor: [] } }, record), 'extra name "tensor" is not allowed: it is one of the layout\'s datasets (tensor, x-coordinate, y-coordinate, t-coordinate, samples-done)'],
      [() => writeCanonical(file, { ...makeHeader(SHAPE), extras: { mass: [0] } }, record), 'extra "mass" has per-sample shape [0]: use an array of positive integers ([] for one number per sample)'],
      [() => ProgressiveWriter.create(file, { ...makeHeader(SHAPE), extras: { 'a/b': [] } }), 'extra name "a/b" is not allowed: use a plain dataset name such as "mass"'],
    ];
    for (const [fn, msg] of cases) {
      expect(fn).toThrow(DataInputError);
      expect(fn).toThrow(msg);
    }
    expect(fs.readdirSync(dir)).toEqual([]);
  });
});
