/**
 * Where this package runs from: its version (from its package.json) and the URL of a compiled
 * module for a worker thread.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | null = null;

/** This package's version, read from the nearest package.json above this module (source or dist). */
export function packageVersion(): string {
  if (cached) return cached;
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const file = path.join(dir, 'package.json');
    if (fs.existsSync(file)) {
      const pkg = JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'pde-surrogate' && pkg.version) return (cached = pkg.version);
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error('package.json of pde-surrogate not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}

/**
 * Path of a compiled sibling module for a worker thread. Under vitest the sources run as .ts,
 * which a worker cannot load; the compiled twin in dist/ (built by `npm test`) is used instead.
 */
export function compiledModuleUrl(importMetaUrl: string, relJs: string): URL {
  const here = fileURLToPath(importMetaUrl);
  if (here.endsWith('.ts')) {
    let root = path.dirname(here);
    while (!fs.existsSync(path.join(root, 'package.json'))) root = path.dirname(root);
    const rel = path.relative(root, path.dirname(here));
    return new URL(`file://${path.join(root, 'dist', rel, relJs)}`);
  }
  return new URL(relJs, importMetaUrl);
}
