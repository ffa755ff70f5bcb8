/**
 * Model plug-ins: modules from outside src/models that add model kinds (the library's
 * `modelModules` option, the CLI's --model-module). A plug-in exports `modelEntries`, an array of
 * registry entries; loading it registers them. Only the modules a caller names are imported: a
 * dataset or checkpoint never brings code in (test/reliability/no_code_from_data.test.ts).
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ModelConfigError } from './errors.js';
import { modelKinds, registerModel, type ModelEntry } from './registry.js';

/** Module paths or URLs as absolute file URLs (relative paths against the working directory). */
export function moduleUrls(modules: readonly string[]): string[] {
  return modules.map((m) => (m.startsWith('file:') ? m : pathToFileURL(path.resolve(m)).href));
}

/**
 * Imports modules (paths or file URLs) and registers the `modelEntries` they export, skipping
 * kinds already registered (so each worker thread and each call may load the same modules).
 */
export async function registerModelModules(modules: readonly string[]): Promise<void> {
  for (const [k, url] of moduleUrls(modules).entries()) {
    let mod: { modelEntries?: ModelEntry[] };
    try {
      mod = (await import(url)) as { modelEntries?: ModelEntry[] };
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'ERR_UNSUPPORTED_DIR_IMPORT') throw err;
      throw new ModelConfigError(`modelModules=${modules[k]} cannot be imported: no such module (give the path of a .js/.mjs file exporting modelEntries)`);
    }
    for (const entry of mod.modelEntries ?? []) if (!modelKinds().includes(entry.kind)) registerModel(entry);
  }
}
