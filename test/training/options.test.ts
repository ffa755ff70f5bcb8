import { beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigError } from '../../src/models/registry.js';
import { firstDifference, resolveTrainOptions, TrainOptionsError, type TrainOptionsInput } from '../../src/training/index.js';
import { registerToy } from './helpers.js';

beforeAll(registerToy);

const BASE: TrainOptionsInput = { data: 'd.h5', model: { kind: 'toy-conv' } };

describe('resolveTrainOptions', () => {
  it('fills the documented defaults', () => {
    const o = resolveTrainOptions(BASE);
    expect(o).toEqual({
      data: 'd.h5',
      model: { kind: 'toy-conv', seed: 0, width: 8, kernel: 5, inChannels: 1, outChannels: 1 },
      mapping: { kind: 'initial-to-final', inFrame: 0, outFrame: -1 },
      split: { train: null, val: 0.1, test: 0.1, shuffle: false },
      epochs: 500,
      batchSize: 20,
      optimizer: { kind: 'adam', lr: 1e-3, weightDecay: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8 },
      schedule: { kind: 'step', stepSize: 100, gamma: 0.5 },
      loss: 'rel-l2',
      normalize: 'pointwise',
      seed: 0,
      splitSeed: null,
      workers: 1,
      checkpointEvery: 10,
      out: null,
      subsample: 1,
      backend: null,
      resume: false,
      overwrite: false,
      skipResourceCheck: false,
      modelModules: [],
    });
  });

  it('resolves shorthands and passes the training seed to the model unless it sets its own', () => {
    const o = resolveTrainOptions({ ...BASE, seed: 7, mapping: 'next-step', schedule: 'cosine', epochs: 30 });
    expect(o.mapping).toEqual({ kind: 'next-step', stride: 1 });
    expect(o.schedule).toEqual({ kind: 'cosine', tMax: 30, etaMin: 0 });
    expect(o.model.seed).toBe(7);
    expect(resolveTrainOptions({ ...BASE, seed: 7, model: { kind: 'toy-conv', seed: 3 } }).model.seed).toBe(3);
  });

  const bad: [string, Partial<TrainOptionsInput> | Record<string, unknown>, string][] = [
    ['epochs', { epochs: 0 }, 'epochs=0 is not allowed: use an integer >= 1'],
    ['batchSize', { batchSize: 2.5 }, 'batchSize=2.5 is not allowed: use an integer >= 1'],
    ['lr', { optimizer: { lr: -1 } }, 'optimizer.lr=-1 is not allowed: use a finite number > 0'],
    ['beta2', { optimizer: { beta2: 1 } }, 'optimizer.beta2=1 is not allowed: use a number in [0, 1)'],
    ['optimizer kind', { optimizer: { kind: 'sgd' } }, "optimizer.kind='sgd' is not allowed: use 'adam', 'adamw'"],
    [
      'unknown optimizer field',
      { optimizer: { momentum: 0.9 } },
      'unknown training option optimizer.momentum: known optimizer fields are kind, lr, weightDecay, beta1, beta2, eps',
    ],
    ['unknown top-level option', { epoch: 3 }, 'unknown training option epoch: known options are data, model,'],
    ['loss', { loss: 'l1' }, "loss='l1' is not allowed: use 'rel-l2', 'mse'"],
    ['normalize', { normalize: 'channel' }, "normalize='channel' is not allowed: use 'pointwise', 'scalar', 'none'"],
    ['schedule kind', { schedule: 'linear' }, "schedule.kind='linear' is not allowed: use 'step', 'cosine', 'constant'"],
    [
      'field of another schedule',
      { schedule: { kind: 'step', tMax: 3 } },
      'unknown training option schedule.tMax: known schedule fields are kind, stepSize, gamma',
    ],
    ['stride', { mapping: { kind: 'next-step', stride: 0 } }, 'mapping.stride=0 is not allowed: use an integer >= 1'],
    [
      'mapping field',
      { mapping: { kind: 'initial-to-final', stride: 2 } },
      'unknown training option mapping.stride: known mapping fields are kind, inFrame, outFrame',
    ],
    ['split', { split: { val: -1 } }, 'split.val=-1 is not allowed: use a fraction in [0, 1) or a whole count >= 1'],
    ['workers', { workers: 0 }, 'workers=0 is not allowed: use an integer >= 1'],
    ['resume without out', { resume: true }, 'resume=true is not allowed without out'],
    ['backend', { backend: 'webgl' }, "backend='webgl' is not allowed: use 'tensorflow', 'wasm', 'cpu' or null"],
    ['data', { data: '' }, "data='' is not allowed: use the path of an HDF5 dataset"],
    ['model', { model: { width: 3 } }, 'model={"width":3} is not allowed: use a model config with a kind'],
  ];
  for (const [name, patch, message] of bad) {
    it(`names the field and value: ${name}`, () => {
      const call = (): unknown => resolveTrainOptions({ ...BASE, ...patch } as TrainOptionsInput);
      expect(call).toThrow(TrainOptionsError);
      expect(call).toThrow(message);
    });
  }

  it('passes model errors from the registry through', () => {
    expect(() => resolveTrainOptions({ ...BASE, model: { kind: 'nope' } })).toThrow(ModelConfigError);
    expect(() => resolveTrainOptions({ ...BASE, model: { kind: 'nope' } })).toThrow("unknown model 'nope': known models are");
  });
});

describe('firstDifference', () => {
  it('names the first differing field in sorted key order, skipping ignored top-level fields', () => {
    const a = resolveTrainOptions({ ...BASE, batchSize: 4, optimizer: { lr: 0.01 } });
    const b = resolveTrainOptions({ ...BASE, batchSize: 5, optimizer: { lr: 0.02 }, epochs: 9 });
    expect(firstDifference(a, b)).toBe('batchSize: 4 vs 5');
    expect(firstDifference(a, b, ['batchSize', 'epochs'])).toBe('optimizer.lr: 0.01 vs 0.02');
    expect(firstDifference(a, a)).toBeNull();
    expect(firstDifference({ x: [1, 2] }, { x: [1, 2, 3] })).toBe('x.2: undefined vs 3');
  });
});
