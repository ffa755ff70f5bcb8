import { describe, expect, it } from 'vitest';
import { DataInputError, splitIndices } from '../../src/data/index.js';

const range = (a: number, b: number): number[] => Array.from({ length: b - a }, (_, k) => a + k);

describe('splitIndices', () => {
  it('takes test from the end and val before it, by fractions', () => {
    expect(splitIndices(100, { val: 0.1, test: 0.1 })).toEqual({ train: range(0, 80), val: range(80, 90), test: range(90, 100) });
  });

  it('accepts counts and leaves a gap when they do not fill n', () => {
    const s = splitIndices(100, { train: 50, val: 10, test: 20 });
    expect(s).toEqual({ train: range(0, 50), val: range(70, 80), test: range(80, 100) });
  });

  it('rounds fractions down, PDEBench-style', () => {
    const s = splitIndices(10, { train: 0.75, test: 0.15 });
    expect([s.train.length, s.val.length, s.test.length]).toEqual([7, 0, 1]);
  });

  it('shuffles with a seed: disjoint, deterministic, seed-dependent', () => {
    const a = splitIndices(50, { val: 0.2, test: 0.2 }, { shuffle: true, seed: 3 });
    const b = splitIndices(50, { val: 0.2, test: 0.2 }, { shuffle: true, seed: 3 });
    const c = splitIndices(50, { val: 0.2, test: 0.2 }, { shuffle: true, seed: 4 });
    expect(a).toEqual(b);
    expect(c.test).not.toEqual(a.test);
    expect(a.test).not.toEqual(range(40, 50));
    const all = [...a.train, ...a.val, ...a.test].sort((p, q) => p - q);
    expect(all).toEqual(range(0, 50));
    expect([a.train.length, a.val.length, a.test.length]).toEqual([30, 10, 10]);
  });

  it('rejects bad specs with one-line messages', () => {
    const cases: [() => unknown, string][] = [
      [() => splitIndices(0, {}), 'n=0 is not allowed: use a positive integer number of samples'],
      [() => splitIndices(10, { train: 8, test: 3 }), 'split train=8 + val=0 + test=3 = 11 samples exceeds n=10'],
      [() => splitIndices(10, { test: 0.05 }), 'test=0.05 of n=10 samples gives 0 samples: use a larger fraction or a count'],
      [() => splitIndices(10, { val: 1.5 }), 'val=1.5 is not allowed: use a fraction in [0, 1) or a whole count >= 1'],
      [() => splitIndices(10, { val: -1 }), 'val=-1 is not allowed: use a fraction in [0, 1) or a whole count >= 1'],
      [() => splitIndices(10, { valid: 2 } as never), 'split key "valid" is not allowed: use train, val and test'],
      [() => splitIndices(10, { val: 5, test: 5 }), 'split leaves train=0 samples of n=10: train needs at least one'],
      [() => splitIndices(10, {}, { shuffle: true, seed: -2 }), 'seed=-2 is not allowed: use an integer in [0, 2^53)'],
    ];
    for (const [fn, message] of cases) {
      expect(fn).toThrow(DataInputError);
      expect(fn).toThrow(message);
    }
  });
});
