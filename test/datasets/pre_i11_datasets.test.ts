/**
 * Datasets written before issue 11's restructuring (families as objects, one time-stepping
 * reference, core/): each still opens and describes, and today's generator, given the same
 * command, writes the same bytes — so the restructuring changed no number of any recipe family.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeDataset, h5ready } from '../../src/data/index.js';
import { ROOT, pdes, sameBytes, tmpDir } from '../helpers/cli.js';

const DIR = path.join(ROOT, 'test', 'fixtures', 'pre_i11_datasets');
const manifest = JSON.parse(fs.readFileSync(path.join(DIR, 'manifest.json'), 'utf8')) as { files: Record<string, string[]> };

describe('datasets written before issue 11', () => {
  let out: string;
  beforeAll(async () => {
    await h5ready();
    out = tmpDir('pdes-pre-i11-');
  });

  for (const [file, args] of Object.entries(manifest.files)) {
    it(`${file}: opens, and '${args[0]}' regenerates it byte for byte`, () => {
      const fixture = path.join(DIR, file);
      const summary = describeDataset(fixture);
      const n = Number(args[args.indexOf('--samples') + 1]);
      expect(summary.status).toBe('complete');
      expect([summary.nSamples, summary.samplesDone, summary.shape[0]]).toEqual([n, n, n]);
      expect(summary.values?.nonFinite).toBe(0);
      const fresh = path.join(out, file);
      const r = pdes(['generate', ...args, '-o', fresh]);
      expect(r.code, r.stderr).toBe(0);
      expect(sameBytes(fresh, fixture)).toBe(true);
    });
  }
});
