import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { activeBackend, describeBackend, EngineError, initBackend, setWasmKernelsEnabled, wasmKernelsActive } from '../../src/engine/index.js';

describe('initBackend', () => {
  const saved = process.env.PDES_BACKEND;
  afterEach(() => {
    if (saved === undefined) delete process.env.PDES_BACKEND;
    else process.env.PDES_BACKEND = saved;
  });

  it('rejects an unknown name, listing the allowed ones', async () => {
    await expect(initBackend('webgpu')).rejects.toThrow(EngineError);
    await expect(initBackend('webgpu')).rejects.toThrow("backend 'webgpu' is not allowed: use tensorflow, wasm or cpu");
  });

  it("says how to install 'tensorflow' when no native package is installed", async () => {
    await expect(initBackend('tensorflow')).rejects.toThrow(
      "backend 'tensorflow' is not installed: npm install @tensorflow/tfjs-node (CPU) or @tensorflow/tfjs-node-gpu (CUDA)",
    );
  });

  it('defaults to wasm when neither the argument nor PDES_BACKEND names one and no native package is installed', async () => {
    delete process.env.PDES_BACKEND;
    await initBackend('cpu');
    const info = await initBackend();
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('takes the name from PDES_BACKEND, and checks it', async () => {
    process.env.PDES_BACKEND = 'cpu';
    expect((await initBackend()).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(activeBackend()).toBe('cpu');
    process.env.PDES_BACKEND = 'gpu';
    await expect(initBackend()).rejects.toThrow("backend 'gpu' is not allowed: use tensorflow, wasm or cpu");
  });

  it('is idempotent and switches when asked for another backend', async () => {
    const a = await initBackend('wasm');
    const b = await initBackend('wasm');
    expect(b).toBe(a);
    const [c, d] = await Promise.all([initBackend('cpu'), initBackend('cpu')]);
    expect(c.name).toBe('cpu');
    expect(d).toBe(c);
    expect((await initBackend('wasm')).name).toBe('wasm');
  });

  it('describes the wasm backend with its tfjs version, SIMD, threads and the engine kernels', async () => {
    const info = await initBackend('wasm');
    expect(info.detail).toBe(`wasm (tfjs ${tf.version.tfjs}, XNNPACK, SIMD, 1 thread, engine SIMD kernels)`);
    expect(describeBackend()).toBe(info.detail);
    expect(wasmKernelsActive()).toBe(true);
    setWasmKernelsEnabled(false);
    expect(describeBackend()).toContain('engine SIMD kernels off');
    expect(wasmKernelsActive()).toBe(false);
    setWasmKernelsEnabled(true);
    await initBackend('cpu');
    expect(describeBackend()).toBe(`cpu (tfjs ${tf.version.tfjs}, pure JS)`);
    expect(wasmKernelsActive()).toBe(false);
  });
});
