/**
 * Our files through an independent reader: jsfive (pure JavaScript, read-only, its own parser of
 * the HDF5 format) sees every dataset with its shape, dtype and values and every root attribute,
 * in every kind of file generation leaves on disk: fresh, interrupted, resumed, merged, with
 * per-sample extras. jsfive reads only compact attribute storage, so this also holds us to
 * writing files whose attributes any reader finds (h5wasm's HDF5 2.0 would otherwise move a root
 * with more than 8 attributes to dense storage).
 */
import fs from 'node:fs';
import * as jsfive from 'jsfive';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h5ready } from '../../src/data/index.js';
import { makeTmpDir, removeTmpDirs } from './helpers.js';
import { WRITTEN_KINDS, plainAttr, viewWithH5wasm, writeEveryKind, type FileView, type WrittenKind } from './written_files.js';

function viewWithJsfive(file: string): FileView {
  const buf = fs.readFileSync(file);
  const f = new jsfive.File(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength), file);
  const datasets: FileView['datasets'] = {};
  for (const name of f.keys) {
    const ds = f.get(name) as jsfive.Dataset;
    datasets[name] = { shape: ds.shape, dtype: String(ds.dtype), values: Array.from(ds.value, Number) };
  }
  return { datasets, attrs: Object.fromEntries(Object.entries(f.attrs).map(([k, v]) => [k, plainAttr(v)])) };
}

let files: Record<WrittenKind, string>;
beforeAll(async () => {
  await h5ready();
  files = await writeEveryKind(makeTmpDir());
});
afterAll(removeTmpDirs);

describe('jsfive reads every file generation writes', () => {
  it.each(WRITTEN_KINDS)('%s: every dataset and root attribute, equal to what h5wasm reads', (kind) => {
    const theirs = viewWithJsfive(files[kind]);
    const ours = viewWithH5wasm(files[kind]);
    expect(Object.keys(theirs.datasets).sort()).toEqual(Object.keys(ours.datasets).sort());
    if (kind === 'interrupted') {
      // Samples 2 and 3 were never written: their chunks are unallocated. HDF5 reads them as the
      // fill value (0); jsfive does not implement fill values and returns NaN. The finished
      // samples are what a reader of an interrupted file may rely on: compare those.
      const finished = 2 * 3 * 32;
      for (const view of [theirs, ours]) view.datasets.tensor.values = view.datasets.tensor.values.slice(0, finished);
    }
    expect(theirs).toEqual(ours);

    const attrs = theirs.attrs;
    const expected = ['Nu', 'generator', 'package-version', 'recipe', 'seed', 'solver', 'solver-version'];
    if (kind === 'extras') expected.splice(0, 1, 'parameter-name');
    expect(Object.keys(attrs)).toEqual(expect.arrayContaining(expected));
    // A complete root holds 9 or more (dense storage would have started at 9); `complete` comes last.
    expect(Object.keys(attrs).length).toBeGreaterThanOrEqual(kind === 'interrupted' ? 8 : 9);
    expect(attrs.generator).toBe('pde-surrogate');
    expect(JSON.parse(String(attrs.recipe))).toMatchObject({ name: kind === 'extras' ? 'gpme-heat' : 'burgers-fno' });
    if (kind === 'interrupted') {
      expect(attrs.complete).toBeUndefined();
      expect(theirs.datasets['samples-done'].values).toEqual([1, 1, 0, 0]);
    } else {
      expect(attrs.complete).toBe(1);
      expect(theirs.datasets['samples-done']).toBeUndefined();
    }
  });

  it('sees the same tensor in the fresh, resumed and merged files (one dataset, three ways of writing it)', () => {
    const tensor = (kind: WrittenKind) => viewWithJsfive(files[kind]).datasets.tensor;
    const fresh = tensor('fresh');
    expect(fresh.shape).toEqual([4, 3, 32]);
    expect(fresh.dtype).toBe('<f4');
    expect(fresh.values.some((v) => v !== 0)).toBe(true);
    expect(tensor('resumed')).toEqual(fresh);
    expect(tensor('merged')).toEqual(fresh);
  });

  it('reads the per-sample extras of a GPME file', () => {
    const { datasets, attrs } = viewWithJsfive(files.extras);
    expect(attrs['parameter-name']).toBe('k');
    expect(datasets.parameter).toMatchObject({ shape: [2], dtype: '<f8' });
    for (const k of datasets.parameter.values) expect(k >= 1 && k <= 5).toBe(true);
    expect(datasets.mass).toMatchObject({ shape: [2, 3], dtype: '<f8' });
    expect(datasets['mass-exact']).toMatchObject({ shape: [2, 3], dtype: '<f8' });
  });
});
