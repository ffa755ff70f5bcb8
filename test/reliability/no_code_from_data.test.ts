/**
 * No code from data: module paths written in a run's or an ensemble's JSON are never imported
 * unless the caller passes them (the CLI's --model-module, the library's modelModules option).
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/engine/index.js';
import '../../src/models/index.js';
import { ENSEMBLE_FILE, loadEnsemble, trainEnsemble } from '../../src/uq/index.js';
import { makeBurgers, makeTmpDir, removeTmpDirs } from '../training/helpers.js';

let dir: string;
beforeAll(async () => {
  await initBackend('wasm');
  dir = makeTmpDir();
});
afterAll(removeTmpDirs);

describe('an ensemble folder naming a module', () => {
  it('is loaded without importing the module it names', async () => {
    const data = await makeBurgers(dir, { samples: 12, nx: 32, frames: 2 });
    const out = path.join(dir, 'ens');
    await trainEnsemble(
      {
        data,
        out,
        ensemble: 2,
        ensembleWorkers: 1,
        epochs: 1,
        batchSize: 4,
        split: { val: 2, test: 2 },
        model: { kind: 'fno', nModes: 4, width: 8, nLayers: 1 },
      },
      { progress: false },
    );
    // A module that leaves a mark when it is imported, named by the folder's own JSON.
    const marker = path.join(dir, 'imported');
    const evil = path.join(dir, 'evil.mjs');
    fs.writeFileSync(evil, `import fs from 'node:fs';\nfs.writeFileSync(${JSON.stringify(marker)}, 'ran');\n`);
    const manifestFile = path.join(out, ENSEMBLE_FILE);
    const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
    manifest.options.modelModules = [evil];
    fs.writeFileSync(manifestFile, JSON.stringify(manifest));

    const ens = await loadEnsemble(out);
    expect(ens.members).toHaveLength(2);
    ens.dispose();
    expect(fs.existsSync(marker), 'the module named in ensemble.json was imported').toBe(false);
  });
});
