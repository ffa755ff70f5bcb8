/**
 * Backend selection. Three tfjs backends are supported:
 *
 * - 'tensorflow': libtensorflow through `@tensorflow/tfjs-node-gpu` (CUDA) or `@tensorflow/tfjs-node`
 *   (CPU). Optional: both download libtensorflow at install time from a host outside the package
 *   registry, so they are never dependencies; they are used when the user has installed one.
 * - 'wasm': `@tensorflow/tfjs-backend-wasm` (XNNPACK, SIMD). The default here. In Node it runs on
 *   one thread; the engine adds its own SIMD kernels on the same memory (see wasm_kernels.ts).
 * - 'cpu': tfjs's pure-JS backend. Slow (~1.4 GFLOP/s), but float32 everywhere and every kernel.
 *
 * `initBackend()` picks, in order: its argument, the PDES_BACKEND environment variable, 'tensorflow'
 * when one of the native packages can be imported, else 'wasm'.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.js';
import { wasmKernelsStatus } from './wasm_kernels.js';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Native packages in order of preference (the GPU build first). */
const NATIVE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

export interface BackendInfo {
  name: BackendName;
  /** e.g. "wasm (tfjs 4.22.0, XNNPACK, SIMD, 1 thread, engine SIMD kernels)". */
  detail: string;
}

let current: BackendInfo | null = null;
let nativePackage: string | null | undefined;
let pending: Promise<BackendInfo | null> | null = null;

function isBackendName(name: string): name is BackendName {
  return (BACKENDS as readonly string[]).includes(name);
}

/**
 * Imports the first native tfjs package that is installed (which registers the 'tensorflow'
 * backend) and returns its name, or null when none is installed. A package that is installed but
 * fails to load (e.g. libtensorflow missing) is an error, not a reason to fall back.
 */
async function loadNativePackage(): Promise<string | null> {
  if (nativePackage !== undefined) return nativePackage;
  for (const pkg of NATIVE_PACKAGES) {
    try {
      // A variable specifier keeps TypeScript from resolving a package that is not a dependency.
      const specifier: string = pkg;
      await import(specifier);
      nativePackage = pkg;
      return pkg;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const missing = (e.code === 'ERR_MODULE_NOT_FOUND' || e.code === 'MODULE_NOT_FOUND') && String(e.message).includes(`'${pkg}'`);
      if (!missing) throw new EngineError(`backend 'tensorflow': ${pkg} is installed but failed to load: ${e.message}`);
    }
  }
  nativePackage = null;
  return null;
}

/**
 * Selects and initialises the backend (see the module comment for the order). Idempotent: asking
 * again for the active backend returns at once; asking for another one switches.
 * @throws EngineError for an unknown name, or 'tensorflow' when no native package is installed.
 */
export async function initBackend(name?: string): Promise<BackendInfo> {
  const requested = name ?? process.env.PDES_BACKEND ?? undefined;
  if (requested !== undefined && !isBackendName(requested)) {
    throw new EngineError(`backend '${requested}' is not allowed: use tensorflow, wasm or cpu`);
  }
  // Calls run one after another (tf.setBackend is async). A previous call's failure belongs to
  // its own caller, so this one starts either way.
  const previous = pending ?? Promise.resolve(null);
  const run = previous.then(
    () => select(requested),
    () => select(requested),
  );
  pending = run;
  try {
    return await run;
  } finally {
    if (pending === run) pending = null;
  }
}

async function select(requested: BackendName | undefined): Promise<BackendInfo> {
  let chosen: BackendName;
  if (requested === 'tensorflow' || requested === undefined) {
    const pkg = await loadNativePackage();
    if (pkg === null && requested === 'tensorflow') {
      throw new EngineError("backend 'tensorflow' is not installed: npm install @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA)");
    }
    chosen = pkg === null ? 'wasm' : 'tensorflow';
  } else {
    chosen = requested;
  }
  if (current && current.name === chosen && tf.getBackend() === chosen) return current;
  if (!(await tf.setBackend(chosen))) throw new EngineError(`backend '${chosen}' failed to initialise`);
  await tf.ready();
  current = { name: chosen, detail: describe(chosen) };
  return current;
}

function describe(name: BackendName): string {
  const version = `tfjs ${tf.version.tfjs}`;
  if (name === 'wasm') {
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT') ? 'SIMD' : 'no SIMD';
    const threads = tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') ? getThreadsCount() : 1;
    return `wasm (${version}, XNNPACK, ${simd}, ${threads} thread${threads === 1 ? '' : 's'}, ${wasmKernelsStatus()})`;
  }
  if (name === 'tensorflow') return `tensorflow (${version}, libtensorflow via ${nativePackage ?? 'a native package'})`;
  return `cpu (${version}, pure JS)`;
}

/** The active backend in words, e.g. "wasm (tfjs 4.22.0, XNNPACK, SIMD, 1 thread, …)". */
export function describeBackend(): string {
  const name = tf.getBackend();
  if (!isBackendName(name)) return `${name} (tfjs ${tf.version.tfjs}, not selected by initBackend)`;
  return describe(name);
}

/** The active backend's name as initBackend knows it, or null when another backend is active. */
export function activeBackend(): BackendName | null {
  const name = tf.getBackend();
  return isBackendName(name) ? name : null;
}
