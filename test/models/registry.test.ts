/**
 * The registry knows the built-in kinds without any module imported for its side effect (this file
 * imports the registry and the plug-in loader only), and plug-ins are loaded by plugins.ts.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ModelConfigError } from '../../src/models/errors.js';
import { registerModelModules } from '../../src/models/plugins.js';
import { modelKinds, resolveModelConfig } from '../../src/models/registry.js';

const TOY_MODULE = fileURLToPath(new URL('../training/toy_model.js', import.meta.url));

describe('the model registry', () => {
  it('registers the built-in kinds on its first lookup', () => {
    expect(modelKinds()).toEqual(['fno', 'fno2d', 'fno3d']);
    expect(resolveModelConfig({ kind: 'fno2d' }).nModes).toEqual([12, 12]);
  });

  it('adds the kinds of a plug-in module, once however often it is loaded', async () => {
    await registerModelModules([TOY_MODULE]);
    await registerModelModules([TOY_MODULE]);
    expect(modelKinds()).toEqual(['fno', 'fno2d', 'fno3d', 'toy-conv']);
  });

  it('refuses a plug-in module that does not exist, naming it', async () => {
    await expect(registerModelModules(['missing.mjs'])).rejects.toThrow(ModelConfigError);
    await expect(registerModelModules(['missing.mjs'])).rejects.toThrow('modelModules=missing.mjs cannot be imported: no such module');
  });
});
