import { describe, expect, it } from 'vitest';
import { resolveRecipe, outputTimes } from '../../datasets/recipes.js';
import { initialCondition, solveGrid, solveSample } from '../../datasets/sample.js';
import { createFvStepper, FV_FLUXES, solveBurgersFv, type FvOptions } from '../../solvers/burgers/finite_volume.js';
import { wenoKernelAvailable } from '../../solvers/burgers/weno_kernel.js';
import { SolverInputError } from '../../solvers/errors.js';
import { Grid1D } from '../../core/grid.js';
import { Rng } from '../../core/random.js';

/**
 * The fused WebAssembly WENO5 step (solvers/burgers/weno_kernel.ts) against the plain-JS path it
 * transcribes: the same floating-point operations in the same order, so every result must agree
 * bit for bit, for both fluxes, with and without viscosity, for even and odd n (odd n and an odd
 * number of cell pairs exercise the lanes and pairs that run into the halo), and on data with
 * shocks, sign changes and flat parts (where the WENO weights and the flux branches differ).
 */

const sameBits = (a: Float64Array, b: Float64Array): boolean =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

/** A rough periodic state: a jump, a smooth part with a sign change, a flat stretch and seeded noise. */
function roughState(grid: Grid1D, seed: number): Float64Array {
  const rng = new Rng(seed);
  return grid.sample((x) => {
    if (x > 0.6 && x < 0.7) return 0.25; // flat: all β equal, u_L = u_R
    const jump = x > 0.2 && x < 0.45 ? 1 : -0.4;
    return jump + 0.6 * Math.sin(2 * Math.PI * x) + 0.05 * rng.normal();
  });
}

describe.runIf(wenoKernelAvailable())('WENO5 wasm step = JS step, bit for bit', () => {
  const sizes = [5, 6, 7, 8, 9, 10, 11, 13, 16, 31, 64, 101, 256, 257, 258, 259, 600, 1023, 1024];
  const cases = sizes.flatMap((n) => FV_FLUXES.flatMap((flux) => [0, 0.004].map((nu) => ({ n, flux, nu }))));
  it.each(cases)('n=$n, $flux, nu=$nu: 40 steps', ({ n, flux, nu }) => {
    const grid = new Grid1D(n, [0, 1], 'cell');
    const opts: FvOptions = { nu, reconstruction: 'weno5', flux };
    const js = createFvStepper(grid, { ...opts, backend: 'js' });
    const wasm = createFvStepper(grid, { ...opts, backend: 'wasm' });
    expect([js.backend, wasm.backend]).toEqual(['js', 'wasm']);
    const a = roughState(grid, n);
    const b = Float64Array.from(a);
    for (let s = 0; s < 40; s++) {
      const dt = js.maxDt(a);
      expect(wasm.maxDt(b)).toBe(dt);
      js.step(a, dt);
      wasm.step(b, dt);
    }
    expect(a.every(Number.isFinite)).toBe(true);
    expect(sameBits(a, b)).toBe(true);
  });

  it('stepping the stepper field in place (no copies) gives the same bits as stepping a caller array', () => {
    const grid = new Grid1D(300, [0, 1], 'cell');
    const s1 = createFvStepper(grid, { nu: 0.002, reconstruction: 'weno5', flux: 'godunov' });
    const s2 = createFvStepper(grid, { nu: 0.002, reconstruction: 'weno5', flux: 'godunov' });
    const u = roughState(grid, 7);
    s1.field.set(u);
    for (let s = 0; s < 25; s++) {
      const dt = s1.maxDt(s1.field);
      s1.step(s1.field, dt);
      s2.step(u, dt);
    }
    expect(sameBits(s1.field, u)).toBe(true);
  });

  it('burgers-pdebench (WENO5 + Godunov, nu = 0.01/pi, sum-of-sines data): the same frames as the JS path', () => {
    const r = resolveRecipe('burgers-pdebench', { nx: 256, frames: 6, tEnd: 0.5 });
    if (r.pde !== 'burgers' || r.solver.method !== 'fv') throw new Error('burgers-pdebench is a finite-volume Burgers recipe');
    const grid = solveGrid(r);
    const times = outputTimes(r);
    for (const index of [0, 1]) {
      const u0 = initialCondition(r, index);
      const opts: FvOptions = { nu: r.nu, reconstruction: r.solver.reconstruction, flux: r.solver.flux, cfl: r.solver.cfl };
      const viaJs = solveBurgersFv(u0, grid, times, { ...opts, backend: 'js' });
      const viaDataset = solveSample(r, index); // the generator's path, default backend
      expect(viaDataset).toHaveLength(times.length);
      viaDataset.forEach((frame, k) => expect(sameBits(frame, viaJs[k])).toBe(true));
    }
  });
});

describe('backend choice', () => {
  const grid = new Grid1D(32, [0, 1], 'cell');

  it("defaults to 'wasm' for WENO5 where WebAssembly SIMD runs, and to 'js' for MUSCL", () => {
    expect(createFvStepper(grid, { nu: 0, reconstruction: 'weno5', flux: 'rusanov' }).backend).toBe(wenoKernelAvailable() ? 'wasm' : 'js');
    expect(createFvStepper(grid, { nu: 0.1, reconstruction: 'muscl-minmod', flux: 'godunov' }).backend).toBe('js');
  });

  it("refuses 'wasm' for a reconstruction the kernel does not cover, and unknown backends", () => {
    const muscl = (): unknown => createFvStepper(grid, { nu: 0, reconstruction: 'muscl-vanleer', flux: 'rusanov', backend: 'wasm' });
    expect(muscl).toThrow(SolverInputError);
    expect(muscl).toThrow("backend 'wasm' covers reconstruction weno5 only, not muscl-vanleer: use 'js'");
    const unknown = (): unknown => createFvStepper(grid, { nu: 0, reconstruction: 'weno5', flux: 'rusanov', backend: 'gpu' as 'js' });
    expect(unknown).toThrow("backend 'gpu' is not allowed: use wasm or js");
  });
});
