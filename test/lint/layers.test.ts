/**
 * The layer rules of DESIGN.md are eslint rules (eslint.config.js): lint small sources as if they
 * sat in a layer's folder and check that a forbidden import is reported and an allowed one is not.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

let eslint: ESLint;
beforeAll(() => {
  eslint = new ESLint({ cwd: ROOT });
});

/** The no-restricted-imports messages for `source` linted as the file `rel` of the repository. */
async function layerErrors(rel: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, rel) });
  expect(result.messages.filter((m) => m.fatal)).toEqual([]);
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

const use = (names: string) => `\nexport const used = [${names}];\n`;

describe('layer rules', () => {
  it.each([
    ['solvers/burgers/fixture.ts', "import * as tf from '@tensorflow/tfjs';" + use('tf'), 'solvers/ must not import tfjs'],
    ['solvers/fixture.ts', "import { train } from '../src/training/trainer.js';" + use('train'), 'solvers/ may import only core'],
    ['solvers/fixture.ts', "import { SOLVER_VERSION } from '../datasets/version.js';" + use('SOLVER_VERSION'), 'solvers/ may import only core'],
    [
      'core/fixture.ts',
      "import { SolverInstabilityError } from '../solvers/errors.js';" + use('SolverInstabilityError'),
      'core/ may import only node built-ins',
    ],
    ['core/fft/fixture.ts', "export { H5Dataset } from '../../src/data/index.js';", 'core/ may import only node built-ins'],
    ['src/metrics/fixture.ts', "import { H5Dataset } from '../data/index.js';" + use('H5Dataset'), 'src/metrics/ may import only core'],
    ['src/metrics/fixture.ts', "import { rfft2 } from '../../solvers/ns2d/index.js';" + use('rfft2'), 'src/metrics/ may import only core'],
    [
      'src/data/fixture.ts',
      "import type { SurrogateModel } from '../models/model.js';\nexport type M = SurrogateModel;",
      'src/data/ may import only core, h5wasm',
    ],
    ['src/engine/fixture.ts', "import { readCheckpoint } from '../training/checkpoint.js';" + use('readCheckpoint'), 'src/engine/ may import only core, tfjs'],
    ['src/models/fixture.ts', "import { H5Dataset } from '../data/index.js';" + use('H5Dataset'), 'src/models/ may import only core, src/engine, tfjs'],
    ['datasets/fixture.ts', "import { train } from '../src/training/trainer.js';" + use('train'), 'datasets/ may import only core, solvers, src/data'],
    ['src/report/fixture.ts', "import { H5Dataset } from '../data/index.js';" + use('H5Dataset'), 'src/report/ may import only core, src/metrics, plotly'],
  ])('%s: a forbidden import is an error (case %#)', async (rel, source, message) => {
    const errors = await layerErrors(rel, source);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(message);
  });

  it.each([
    [
      'solvers/burgers/fixture.ts',
      "import { Rng } from '../../core/random.js';\nimport { SolverInputError } from '../errors.js';" + use('Rng, SolverInputError'),
    ],
    ['core/fft/fixture.ts', "import fs from 'node:fs';\nimport { InputError } from '../errors.js';" + use('fs, InputError')],
    [
      'src/metrics/fixture.ts',
      "import { PowerSpectrum } from '../../core/spectrum.js';\nimport { MetricsInputError } from './errors.js';" + use('PowerSpectrum, MetricsInputError'),
    ],
    ['src/models/fixture.ts', "import * as tf from '@tensorflow/tfjs';\nimport { spectralConv1d } from '../engine/index.js';" + use('tf, spectralConv1d')],
    [
      'datasets/fixture.ts',
      "import { H5Writer } from '../src/data/writer.js';\nimport { solveNs2d } from '../solvers/ns2d/index.js';" + use('H5Writer, solveNs2d'),
    ],
    [
      'src/training/fixture.ts',
      "import { H5Dataset } from '../data/index.js';\nimport { createModel } from '../models/index.js';" + use('H5Dataset, createModel'),
    ],
    ['test/fixture.ts', "import * as tf from '@tensorflow/tfjs';\nimport { train } from '../src/training/trainer.js';" + use('tf, train')],
  ])('%s: allowed imports pass', async (rel, source) => {
    expect(await layerErrors(rel, source)).toEqual([]);
  });
});
