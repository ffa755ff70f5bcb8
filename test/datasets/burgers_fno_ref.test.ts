/**
 * The `burgers-fno-ref` recipe: the FNO repository's own Burgers generator
 * (zongyi-li/fourier_neural_operator, data_generation/burgers/gen_burgers1.m + GRF1.m + burgers1.m),
 * the data behind the paper's table and the reference script fourier_1d.py.
 */
import { describe, expect, it } from 'vitest';
import { resolveRecipe, RECIPE_NAMES, recipeSummaries } from '../../datasets/recipes.js';
import { computeSample, initialCondition, restrictToStored, solveSample } from '../../datasets/sample.js';
import { GRF_PRESETS, grfModeStd } from '../../datasets/samplers/index.js';
import { rfft } from '../../core/fft/fft.js';
import { pdes } from '../helpers/cli.js';

/** gen_burgers1.m's values, as written there: gamma = 2.5; tau = 7; sigma = 7^(2); visc = 1/1000. */
const SCRIPT = { gamma: 2.5, tau: 7, sigma: 7 ** 2, visc: 1 / 1000 };

/**
 * GRF1.m's periodic eigenvalues, transcribed: my_eigs(k) = sqrt(2)*(abs(sigma).*((2*pi.*k).^2 +
 * tau^2).^(-gamma/2)), the standard deviation of the cos and sin coefficients of mode k.
 */
const grf1Eig = (k: number): number => Math.sqrt(2) * Math.abs(SCRIPT.sigma) * ((2 * Math.PI * k) ** 2 + SCRIPT.tau ** 2) ** (-SCRIPT.gamma / 2);

/** max_j |u_{j+1} − u_j| / Δx on the periodic unit interval. */
const maxSlope = (u: Float64Array): number => {
  let m = 0;
  for (let j = 0; j < u.length; j++) m = Math.max(m, Math.abs(u[(j + 1) % u.length] - u[j]) * u.length);
  return m;
};

const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

describe('burgers-fno-ref', () => {
  it("resolves to gen_burgers1.m's setting on the paper's 8192-point path", () => {
    const r = resolveRecipe('burgers-fno-ref');
    expect(RECIPE_NAMES).toContain('burgers-fno-ref');
    expect(r).toMatchObject({
      pde: 'burgers',
      nu: SCRIPT.visc,
      attrNu: SCRIPT.visc,
      domain: [0, 1],
      staggering: 'node',
      solveNx: 8192,
      nx: 1024,
      tEnd: 1,
      samples: 1100,
    });
    expect(r.initialCondition).toStrictEqual({ kind: 'grf', preset: 'fno-burgers-script', sigma: SCRIPT.sigma, tau: SCRIPT.tau, gamma: SCRIPT.gamma, mean: 0 });
    expect(r.solver).toStrictEqual({ method: 'spectral', stepper: 'etdrk4', cfl: 0.5, dealias: true, dt: null });
    expect(recipeSummaries().find((s) => s.name === 'burgers-fno-ref')?.summary).toContain('nu = 1e-3');
    // The paper-text recipe is unchanged: it is the other setting (ν = 0.1, 625(−Δ+25I)^−2).
    expect(resolveRecipe('burgers-fno')).toMatchObject({ nu: 0.1, initialCondition: { preset: 'fno-paper', sigma: 25, tau: 5, gamma: 2 } });
  });

  it("its GRF has GRF1.m's normalisation mode by mode", () => {
    expect(GRF_PRESETS['fno-burgers-script']).toEqual({ sigma: SCRIPT.sigma, tau: SCRIPT.tau, gamma: SCRIPT.gamma });
    for (const k of [1, 2, 3, 10, 100, 512]) {
      expect(Math.abs(grfModeStd(k, GRF_PRESETS['fno-burgers-script'], 1) / grf1Eig(k) - 1)).toBeLessThan(1e-14);
    }
  });

  it('its initial data has the covariance 7^4(−Δ + 49I)^−2.5: per-mode variance within sampling error, mean 0', () => {
    const n = 32;
    const samples = 3000;
    const r = resolveRecipe('burgers-fno-ref', { nx: n, solveNx: n, samples });
    const power = new Float64Array(n / 2 + 1);
    let mean = 0;
    for (let i = 0; i < samples; i++) {
      const u = initialCondition(r, i);
      const c = rfft(u);
      for (let k = 0; k <= n / 2; k++) power[k] += (c[2 * k] ** 2 + c[2 * k + 1] ** 2) / samples;
      mean += u[0] / samples;
    }
    // For 0 < k < n/2, |X_k|² = (n/2)²(ξ² + η²)·e_k² has mean (n²/2)·e_k² and relative sd 1/√samples.
    const tol = 5 / Math.sqrt(samples);
    expect(power[0]).toBeLessThan(1e-20);
    let variance = 0;
    for (let k = 1; k < n / 2; k++) {
      variance += grf1Eig(k) ** 2;
      expect(Math.abs(power[k] / ((n * n * grf1Eig(k) ** 2) / 2) - 1)).toBeLessThan(tol);
    }
    expect(Math.abs(mean)).toBeLessThan((5 * Math.sqrt(variance)) / Math.sqrt(samples));
    // Sharpness: the paper-text covariance 625(−Δ+25I)^−2 is far outside that band at k = 1 and 8.
    for (const k of [1, 8]) {
      const paper = grfModeStd(k, GRF_PRESETS['fno-paper'], 1) ** 2;
      expect(Math.abs(power[k] / ((n * n * paper) / 2) - 1)).toBeGreaterThan(5 * tol);
    }
  });

  it('a sample is a pure function of (seed, index)', () => {
    const r = resolveRecipe('burgers-fno-ref', { nx: 64, solveNx: 1024, frames: 3, samples: 8 });
    const a = computeSample(r, 3);
    expect(bytes(a).equals(bytes(computeSample(r, 3)))).toBe(true);
    expect(bytes(a).equals(bytes(computeSample(r, 4)))).toBe(false);
    expect(bytes(a).equals(bytes(computeSample(resolveRecipe('burgers-fno-ref', { nx: 64, solveNx: 1024, frames: 3, samples: 8, seed: 1 }), 3)))).toBe(false);
    // Taking more samples does not change sample 3.
    expect(bytes(a).equals(bytes(computeSample(resolveRecipe('burgers-fno-ref', { nx: 64, solveNx: 1024, frames: 3, samples: 100 }), 3)))).toBe(true);
  });

  it('the ν = 1e-3 solution is resolved: 2048 and 4096 solve points agree to 1e-8 at the stored nodes, and u(1) has no energy above the stored Nyquist', () => {
    // Measured (this file's recipe, samples 0–3): 2048 vs 16384 points differ by ≤ 1.4e-10
    // relative, 4096 vs 16384 by ≤ 9e-12, 8192 vs 16384 by ≤ 6.3e-13; so 8192 is far past converged.
    for (const i of [0, 2]) {
      const stored: Float32Array[] = [];
      const exact: Float64Array[] = [];
      const slopes: number[] = [];
      for (const solveNx of [2048, 4096]) {
        const r = resolveRecipe('burgers-fno-ref', { frames: 2, solveNx });
        const [u0, uT] = solveSample(r, i);
        slopes.push(maxSlope(u0), maxSlope(uT));
        const out = new Float32Array(r.nx);
        restrictToStored(uT, r, out, 0);
        stored.push(out);
        exact.push(Float64Array.from({ length: r.nx }, (_, j) => uT[j * (solveNx / r.nx)]));
        // Energy of u(1) above the stored grid's Nyquist (k > 512): what striding to 1024 would alias.
        const c = rfft(uT);
        let total = 0;
        let tail = 0;
        for (let k = 1; k <= solveNx / 2; k++) {
          const e = c[2 * k] ** 2 + c[2 * k + 1] ** 2;
          total += e;
          if (k > 512) tail += e;
        }
        expect(tail / total).toBeLessThan(1e-20);
      }
      let diff = 0;
      let norm = 0;
      for (let j = 0; j < exact[0].length; j++) {
        diff += (exact[0][j] - exact[1][j]) ** 2;
        norm += exact[1][j] ** 2;
      }
      expect(Math.sqrt(diff / norm)).toBeLessThan(1e-8);
      // Sharpness of the check: by T = 1 a front has formed, its slope over 10× the initial one
      // (measured: 4.7 → 61 and 5.6 → 68), so this is not a smooth wave any grid would resolve.
      expect(slopes[3]).toBeGreaterThan(10 * slopes[2]);
      // The stored float32 values then agree to float32 rounding.
      expect(Math.max(...stored[0].map((v, j) => Math.abs(v - stored[1][j])))).toBeLessThan(1e-6);
    }
  });

  it('`pdes generate burgers-fno-ref --dry-run` prints it, and `pdes recipes` lists it', () => {
    const r = pdes(['generate', 'burgers-fno-ref', '--dry-run']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      name: 'burgers-fno-ref',
      nu: 0.001,
      solveNx: 8192,
      nx: 1024,
      initialCondition: { preset: 'fno-burgers-script' },
    });
    const list = pdes(['recipes', '--json']);
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout).map((x: { name: string }) => x.name)).toContain('burgers-fno-ref');
  });
});
