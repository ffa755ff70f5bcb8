import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataInputError, H5Dataset, UnitGaussianNormalizer, h5ready, splitIndices, writeCanonical, type SampleSource } from '../../src/data/index.js';
import { makeHeader, makeTmpDir, removeTmpDirs, sampleSizeOf, sampleValues } from './helpers.js';

const SHAPE = [10, 3, 8];
const SIZE = sampleSizeOf(SHAPE);
const SPLIT = splitIndices(10, { val: 0.2, test: 0.2 });

beforeAll(async () => {
  await h5ready();
});

afterAll(removeTmpDirs);

/** Train samples are seeded normals; val/test samples are `heldOut(i)`, far from them. */
function writeFile(name: string, heldOut: (i: number) => Float32Array): string {
  const file = path.join(makeTmpDir(), name);
  writeCanonical(file, makeHeader(SHAPE), (i) => (SPLIT.train.includes(i) ? sampleValues(i, SIZE) : heldOut(i)));
  return file;
}

/** Float64 two-pass mean and unbiased std of each position over the train samples. */
function pointwiseReference(): { mean: number[]; std: number[] } {
  const rows = SPLIT.train.map((i) => sampleValues(i, SIZE));
  const n = rows.length;
  const mean = Array.from({ length: SIZE }, (_, j) => rows.reduce((a, r) => a + r[j], 0) / n);
  const std = mean.map((m, j) => Math.sqrt(rows.reduce((a, r) => a + (r[j] - m) ** 2, 0) / (n - 1)));
  return { mean, std };
}

/** In-memory source, for statistics of hand-made data. */
function memorySource(samples: Float32Array[], shape: number[]): SampleSource {
  const size = samples[0].length;
  return {
    shape,
    nSamples: samples.length,
    readSamples(start, end) {
      const out = new Float32Array((end - start) * size);
      for (let i = start; i < end; i++) out.set(samples[i], (i - start) * size);
      return out;
    },
  };
}

describe('UnitGaussianNormalizer', () => {
  it('fits pointwise statistics on the training split only', () => {
    const a = H5Dataset.open(writeFile('a.h5', (i) => new Float32Array(SIZE).fill(1000 + i)));
    const b = H5Dataset.open(writeFile('b.h5', (i) => sampleValues(i + 100, SIZE).map((v) => -50 * v)));
    const na = UnitGaussianNormalizer.fit(a, SPLIT.train, { samplesPerRead: 4 });
    const nb = UnitGaussianNormalizer.fit(b, SPLIT.train);
    a.close();
    b.close();
    // Val/test differ wildly between the files and the statistics are identical: nothing leaked.
    expect(Array.from(na.mean)).toEqual(Array.from(nb.mean));
    expect(Array.from(na.std)).toEqual(Array.from(nb.std));
    const ref = pointwiseReference();
    expect(na.count).toBe(6);
    expect(na.shape).toEqual([3, 8]);
    na.mean.forEach((m, j) => expect(m).toBeCloseTo(ref.mean[j], 12));
    na.std.forEach((s, j) => expect(s).toBeCloseTo(ref.std[j], 12));
    // A fit that did include the held-out samples would be far off.
    const leaky = UnitGaussianNormalizer.fit(memorySource(Array.from({ length: 10 }, (_, i) => (SPLIT.train.includes(i) ? sampleValues(i, SIZE) : new Float32Array(SIZE).fill(1000 + i))), SHAPE), [...Array(10).keys()]);
    expect(Math.abs(leaky.mean[0] - na.mean[0])).toBeGreaterThan(100);
  });

  it('scalar and channel modes match two-pass float64 references, even with a large offset', () => {
    const samples = [0, 1, 2, 3].map((i) => sampleValues(i, 2 * 3 * 2 * 2).map((v, j) => 1e5 + v * (1 + (j % 2))));
    const shape = [4, 2, 3, 2, 2];
    const src = memorySource(samples, shape);
    const all = samples.flatMap((s) => Array.from(s));
    const stats = (vals: number[]): [number, number] => {
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      return [m, Math.sqrt(vals.reduce((a, b) => a + (b - m) ** 2, 0) / (vals.length - 1))];
    };
    const scalar = UnitGaussianNormalizer.fit(src, [0, 1, 2, 3], { mode: 'scalar' });
    const [m, s] = stats(all);
    expect(scalar.shape).toEqual([]);
    expect(scalar.mean[0]).toBeCloseTo(m, 9);
    expect(scalar.std[0]).toBeCloseTo(s, 9);
    const channel = UnitGaussianNormalizer.fit(src, [3, 1, 0, 2], { mode: 'channel' });
    expect(channel.shape).toEqual([2]);
    for (const c of [0, 1]) {
      const [mc, sc] = stats(all.filter((_, j) => j % 2 === c));
      expect(channel.mean[c]).toBeCloseTo(mc, 9);
      expect(channel.std[c]).toBeCloseTo(sc, 9);
    }
    expect(channel.std[1] / channel.std[0]).toBeGreaterThan(1.5);
  });

  it('encodes training data to zero mean and unit std, and decode inverts encode to float32 round-off', () => {
    const ds = H5Dataset.open(writeFile('c.h5', (i) => sampleValues(i, SIZE)));
    const norm = UnitGaussianNormalizer.fit(ds, SPLIT.train);
    const train = ds.readSamples(0, SPLIT.train.length);
    ds.close();
    const z = norm.encode(train);
    for (const j of [0, 5, SIZE - 1]) {
      const col = SPLIT.train.map((_, k) => z[k * SIZE + j]);
      const mean = col.reduce((a, b) => a + b, 0) / col.length;
      expect(mean).toBeCloseTo(0, 5);
      expect(Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / (col.length - 1))).toBeCloseTo(1, 5);
    }
    const back = norm.decode(z);
    let worst = 0;
    train.forEach((v, j) => {
      const g = j % SIZE;
      worst = Math.max(worst, Math.abs(back[j] - v) / (Math.abs(v) + Math.abs(norm.mean[g]) + norm.std[g]));
    });
    expect(worst).toBeGreaterThan(0);
    expect(worst).toBeLessThan(4 * 2 ** -24);
  });

  it('round-trips through JSON exactly', () => {
    const ds = H5Dataset.open(writeFile('d.h5', (i) => sampleValues(i, SIZE)));
    const norm = UnitGaussianNormalizer.fit(ds, SPLIT.train, { eps: 1e-6 });
    const x = ds.readSample(9);
    ds.close();
    const back = UnitGaussianNormalizer.fromJSON(JSON.parse(JSON.stringify(norm)));
    expect(back.toJSON()).toEqual(norm.toJSON());
    expect(back.eps).toBe(1e-6);
    expect(back.encode(x)).toEqual(norm.encode(x));
    expect(back.decode(x)).toEqual(norm.decode(x));
  });

  it('rejects bad inputs with one-line messages', () => {
    const norm = UnitGaussianNormalizer.fitSamples([Float32Array.of(1, 2, 3), Float32Array.of(2, 4, 6)]);
    const good = norm.toJSON();
    const cases: [() => unknown, string][] = [
      [() => norm.encode(new Float32Array(4)), 'encode: 4 values are not a whole number of pointwise blocks of 3 (stats shape [3])'],
      [() => UnitGaussianNormalizer.fitSamples([]), 'cannot fit a normalizer on zero samples: the training split is empty'],
      [() => UnitGaussianNormalizer.fitSamples([new Float32Array(3), new Float32Array(2)]), 'sample 1 has 2 values; the first had 3'],
      [() => UnitGaussianNormalizer.fitSamples([new Float32Array(3)], { mode: 'minmax' as never }), 'normalizer mode "minmax" is not allowed: use pointwise, scalar, channel'],
      [() => UnitGaussianNormalizer.fitSamples([new Float32Array(3)], { eps: -1 }), 'eps=-1 is not allowed: use a finite number >= 0'],
      [() => UnitGaussianNormalizer.fromJSON({ ...good, kind: 'min-max' }), 'normalizer kind "min-max" is not allowed: expected "unit-gaussian"'],
      [() => UnitGaussianNormalizer.fromJSON({ ...good, std: [1, 2] }), 'normalizer std has 2 entries; expected 3 (the product of its shape)'],
      [() => UnitGaussianNormalizer.fromJSON({ ...good, std: [1, -2, 3] }), 'normalizer std[1] = -2 is not allowed: use a finite number >= 0'],
      [() => UnitGaussianNormalizer.fit(memorySource([new Float32Array(3)], [1, 3, 1]), [1]), 'sample index 1 is not allowed: the dataset has samples 0 to 0'],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(DataInputError);
      expect(fn).toThrow(message);
    }
  });
});
