/** Shared helpers of the trainer tests: small Burgers datasets, the toy model, run options. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset } from '../../datasets/generate.js';
import { resolveRecipe } from '../../datasets/recipes.js';
import { modelKinds, registerModel } from '../../src/models/registry.js';
import type { TrainOptionsInput } from '../../src/training/index.js';
import { toyConvEntry } from './toy_model.js';

/** The toy model's module, for `modelModules` (worker threads import it). */
export const TOY_MODULE = fileURLToPath(new URL('./toy_model.js', import.meta.url));

export function registerToy(): void {
  if (!modelKinds().includes(toyConvEntry.kind)) registerModel(toyConvEntry);
}

const tmpDirs: string[] = [];

export function makeTmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-train-'));
  tmpDirs.push(dir);
  return dir;
}

export function removeTmpDirs(): void {
  for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** A small burgers-fno dataset (ν = 0.1 on [0, 1), GRF initial data), generated in this thread. */
export async function makeBurgers(dir: string, opts: { samples: number; nx: number; frames: number; tEnd?: number }): Promise<string> {
  const out = path.join(dir, `burgers-${opts.samples}-${opts.nx}-${opts.frames}.h5`);
  const recipe = resolveRecipe('burgers-fno', { samples: opts.samples, nx: opts.nx, solveNx: opts.nx, frames: opts.frames, tEnd: opts.tEnd ?? 1 });
  await generateDataset({ recipe, out, workers: 1 });
  return out;
}

/** Toy-model training options on `data`, quiet and small. */
export function toyOptions(data: string, extra: Partial<TrainOptionsInput> = {}): TrainOptionsInput {
  return {
    data,
    model: { kind: 'toy-conv', width: 8, kernel: 5 },
    split: { val: 2, test: 2 },
    epochs: 2,
    batchSize: 4,
    schedule: 'constant',
    modelModules: [TOY_MODULE],
    ...extra,
  };
}
