/**
 * One small file of every kind `pdes generate` and `pdes merge` leave on disk, for the tests that
 * read them with other HDF5 readers (jsfive in `npm test`, h5py in the interop suite):
 * - `fresh`: an uninterrupted run (the canonical rewrite at its end),
 * - `interrupted`: a run stopped after some samples (the progressive file, `samples-done`, no
 *   `complete`),
 * - `resumed`: that file finished with `resume` (canonical rewrite over a reopened file),
 * - `merged`: two shards joined by `mergeShards`,
 * - `extras`: a GPME run, whose file also holds per-sample float64 datasets.
 * Every root carries more than 8 attributes, the count at which HDF5 would switch a group to dense
 * attribute storage.
 */
import path from 'node:path';
import { GenerationInterrupted, generateDataset, mergeShards } from '../../datasets/generate.js';
import { resolveRecipe } from '../../datasets/recipes.js';
import { h5 } from '../../src/data/h5.js';

export const WRITTEN_KINDS = ['fresh', 'interrupted', 'resumed', 'merged', 'extras'] as const;
export type WrittenKind = (typeof WRITTEN_KINDS)[number];

export async function writeEveryKind(dir: string): Promise<Record<WrittenKind, string>> {
  const recipe = resolveRecipe('burgers-fno', { samples: 4, nx: 32, solveNx: 64, frames: 3, seed: 5 });
  const file = (name: string) => path.join(dir, `${name}.h5`);

  await generateDataset({ recipe, out: file('fresh'), workers: 1 });

  const stop = new AbortController();
  const interrupt = (out: string) =>
    generateDataset({ recipe, out, workers: 1, signal: stop.signal, onProgress: (p) => p.done >= 2 && stop.abort() }).then(
      () => {
        throw new Error(`${out}: the run was not interrupted`);
      },
      (err: unknown) => {
        if (!(err instanceof GenerationInterrupted)) throw err;
      },
    );
  await interrupt(file('interrupted'));
  await interrupt(file('resumed'));
  await generateDataset({ recipe, out: file('resumed'), workers: 1, resume: true });

  const shards = [0, 1].map((i) => file(`shard-${i}`));
  for (const [i, out] of shards.entries()) await generateDataset({ recipe, out, workers: 1, shard: { index: i, count: 2 } });
  await mergeShards({ shards, out: file('merged') });

  const gpme = resolveRecipe('gpme-heat', { samples: 2, nx: 8, solveNx: 16, frames: 3, seed: 1 });
  await generateDataset({ recipe: gpme, out: file('extras'), workers: 1 });

  return { fresh: file('fresh'), interrupted: file('interrupted'), resumed: file('resumed'), merged: file('merged'), extras: file('extras') };
}

/** What a reader sees of a file: every root dataset (shape, dtype as '<f4', values) and root attribute. */
export interface FileView {
  datasets: Record<string, { shape: number[]; dtype: string; values: number[] }>;
  attrs: Record<string, number | string>;
}

/** bigint (jsfive's int64) and number alike as number; strings as they are. */
export function plainAttr(v: unknown): number | string {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string') return v;
  throw new Error(`unexpected attribute value ${String(v)}`);
}

/** dtype as '<f4' / '<f8' / '<u1' (jsfive's spelling; h5wasm writes '<f', '<d', '<B'). */
export const H5WASM_DTYPES: Record<string, string> = { '<f': '<f4', '<d': '<f8', '<B': '<u1' };

/** The same view through h5wasm (the writer's own library): the reference. */
export function viewWithH5wasm(file: string): FileView {
  const f = new (h5().File)(file, 'r');
  try {
    const datasets: FileView['datasets'] = {};
    for (const name of f.keys()) {
      const ds = f.get(name) as InstanceType<ReturnType<typeof h5>['Dataset']>;
      datasets[name] = { shape: ds.shape ?? [], dtype: H5WASM_DTYPES[ds.dtype as string] ?? String(ds.dtype), values: Array.from(ds.value as ArrayLike<number>, Number) };
    }
    const attrs = Object.fromEntries(Object.entries(f.attrs).map(([k, a]) => [k, plainAttr(a.value)]));
    return { datasets, attrs };
  } finally {
    f.close();
  }
}
