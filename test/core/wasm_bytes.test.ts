import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { wasmApi } from '../../core/wasm/binary.js';
import { allKernelModules } from './wasm_modules.js';

/**
 * The emitted WebAssembly stays byte-identical: wasm_bytes.json holds the SHA-256 of every
 * module the emitters build, recorded before the kernels were rewritten in the shared
 * vocabulary. Same bytes, same machine code, so neither results nor speed can change.
 */
const expected = JSON.parse(readFileSync(new URL('./wasm_bytes.json', import.meta.url), 'utf8')) as Record<string, string>;

describe('emitted wasm bytes', () => {
  const modules = allKernelModules();
  it('covers the same modules as the recorded hashes', () => {
    expect([...modules.keys()].sort()).toEqual(Object.keys(expected).sort());
  });
  it.each(Object.keys(expected))('%s is byte-identical', (name) => {
    const bytes = modules.get(name);
    expect(bytes).toBeDefined();
    expect(
      createHash('sha256')
        .update(bytes as Uint8Array)
        .digest('hex'),
    ).toBe(expected[name]);
  });
  it('every module validates', () => {
    expect(wasmApi).toBeDefined();
    for (const [name, bytes] of modules) expect(wasmApi?.validate(bytes), name).toBe(true);
  });
});
