/** Shared helpers of the trainer tests: small Burgers datasets, the toy model, run options. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateDataset } from '../../datasets/generate.js';
import { writeCanonical } from '../../src/data/index.js';
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

export interface Grid2dData {
  samples: number;
  nt: number;
  nx: number;
  ny: number;
  /** Fields per point; > 1 writes [N, T, X, Y, C]. @default 1 */
  channels?: number;
  /** t-coordinate spacing. @default 0.1 */
  dt?: number;
  /** Value of sample i, frame f, point (x, y), field c. @default smooth travelling waves */
  value?: (i: number, f: number, x: number, y: number, c: number) => number;
}

/**
 * A small 2D dataset [N, T, X, Y] (or [..., C]) on [0, 1)², written in this thread (call h5ready
 * first). By default sample i is a wave travelling in x with a sample-dependent speed and phase,
 * u = sin(2π(x − a_i·t) + φ_i)·cos(2πy) + 0.5·cos(2π(y + b_i·t)) (+ c for field c).
 */
export function write2d(file: string, d: Grid2dData): string {
  const c = d.channels ?? 1;
  const dt = d.dt ?? 0.1;
  const value =
    d.value ??
    ((i: number, f: number, x: number, y: number, k: number): number => {
      const t = f * dt;
      const [a, phi, b] = [0.5 + 0.25 * (i % 4), 0.7 * i, 0.3 + 0.1 * (i % 3)];
      return Math.sin(2 * Math.PI * (x / d.nx - a * t) + phi) * Math.cos((2 * Math.PI * y) / d.ny) + 0.5 * Math.cos(2 * Math.PI * (y / d.ny + b * t)) + k;
    });
  const shape = c > 1 ? [d.samples, d.nt, d.nx, d.ny, c] : [d.samples, d.nt, d.nx, d.ny];
  const coordinates = {
    x: Float64Array.from({ length: d.nx }, (_, i) => i / d.nx),
    y: Float64Array.from({ length: d.ny }, (_, j) => j / d.ny),
    t: Float64Array.from({ length: d.nt }, (_, f) => f * dt),
  };
  writeCanonical(file, { shape, coordinates, attrs: { Nu: 0.01 } }, (i) => {
    const out = new Float32Array(d.nt * d.nx * d.ny * c);
    let o = 0;
    for (let f = 0; f < d.nt; f++) for (let x = 0; x < d.nx; x++) for (let y = 0; y < d.ny; y++) for (let k = 0; k < c; k++) out[o++] = value(i, f, x, y, k);
    return out;
  });
  return file;
}
