import { describe, expect, it } from 'vitest';
import { createFvEquation, createFvStepper, FV_RECONSTRUCTIONS } from '../../solvers/burgers/finite_volume.js';
import { createSpectralBurgersEquation, solveBurgersSpectral, SPECTRAL_STEPPER_ALIASES } from '../../solvers/burgers/spectral.js';
import { Grid1D } from '../../core/grid.js';
import { createNs2dStepper, NavierStokes2D, NS_SCHEMES } from '../../solvers/ns2d/index.js';
import { CN_RK3, createImexRkCnTableau, IMEX_RK_CN_TABLEAUS, imexRkCnStepper } from '../../solvers/time/imex_rk_cn.js';
import { integrateToTimes } from '../../solvers/time/output_times.js';
import { explicitRkStepper, SSP_RK3 } from '../../solvers/time/ssp_rk.js';
import { implicitStepper } from '../../solvers/time/implicit.js';
import { GPME_SCHEMES, solveGpme } from '../../solvers/gpme/index.js';
import type { ImexEquation } from '../../solvers/time/types.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

const TWO_PI = 2 * Math.PI;
const STEPS = 10;

/** One row: an equation with one of its schemes, the fast in-place path and the generic reference after `steps` steps. */
interface Row {
  equation: string;
  scheme: string;
  dt: number;
  fast: (steps: number) => Float64Array;
  reference: (steps: number) => Float64Array;
}

function smoothField(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => Math.sin((TWO_PI * i) / n) + 0.5 * Math.cos((2 * TWO_PI * i) / n) + 0.2);
}

function nsField(n: number): Float64Array {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const x = (TWO_PI * i) / n;
      const y = (TWO_PI * j) / n;
      w[i * n + j] = Math.cos(x) * Math.sin(2 * y) + 0.4 * Math.sin(3 * x + y) + 0.3 * Math.cos(2 * x - 3 * y);
    }
  }
  return w;
}

const rows: Row[] = [];

// Navier–Stokes 2D (pseudo-spectral, state: the rfft2 spectrum) × every NS scheme.
for (const scheme of NS_SCHEMES) {
  const flow = { n: 32, length: TWO_PI, nu: 0.02, drag: 0.1, forcing: 'kolmogorov' as const };
  const dt = 0.02;
  rows.push({
    equation: 'navier-stokes-2d',
    scheme,
    dt,
    fast: (steps) => {
      const eq = new NavierStokes2D(flow);
      eq.setVorticity(nsField(32));
      const st = createNs2dStepper(eq, scheme);
      for (let s = 0; s < steps; s++) st.step(dt, s * dt);
      return Float64Array.from(eq.w);
    },
    reference: (steps) => {
      const eq = new NavierStokes2D(flow);
      eq.setVorticity(nsField(32));
      const step = imexRkCnStepper(eq, IMEX_RK_CN_TABLEAUS[scheme]);
      let w = Float64Array.from(eq.w);
      for (let s = 0; s < steps; s++) w = step(w, s * dt, dt);
      return w;
    },
  });
}

// Burgers pseudo-spectral (state: the rfft spectrum) × its IMEX RK–CN scheme.
{
  const grid = new Grid1D(64, [0, TWO_PI], 'node');
  const dt = 0.01;
  const start = (eq: ReturnType<typeof createSpectralBurgersEquation>): Float64Array => {
    const u = eq.field();
    u.set(smoothField(64));
    const v = eq.spectrum();
    eq.toSpectral(u, v);
    return v;
  };
  rows.push({
    equation: 'burgers-spectral',
    scheme: 'cn-rk3',
    dt,
    fast: (steps) => {
      const eq = createSpectralBurgersEquation(grid, { nu: 0.05, stepper: 'cn-rk3' });
      const v = start(eq);
      for (let s = 0; s < steps; s++) eq.step(v, dt);
      return Float64Array.from(v);
    },
    reference: (steps) => {
      const eq = createSpectralBurgersEquation(grid, { nu: 0.05, stepper: 'cn-rk3' });
      const step = imexRkCnStepper(eq, CN_RK3);
      let v = Float64Array.from(start(eq));
      for (let s = 0; s < steps; s++) v = step(v, s * dt, dt);
      return v;
    },
  });
}

// Burgers finite volume (state: cell averages) × SSP-RK3, for every reconstruction and both backends.
for (const reconstruction of FV_RECONSTRUCTIONS) {
  for (const backend of reconstruction === 'weno5' ? (['js', 'wasm'] as const) : (['js'] as const)) {
    const grid = new Grid1D(64, [0, TWO_PI], 'cell');
    const opts = { nu: 0.01, reconstruction, flux: 'godunov' as const };
    const dt = 0.02;
    rows.push({
      equation: `burgers-fv-${reconstruction}-${backend}`,
      scheme: 'ssp-rk3',
      dt,
      fast: (steps) => {
        const st = createFvStepper(grid, { ...opts, backend });
        const u = smoothField(64);
        for (let s = 0; s < steps; s++) st.step(u, dt);
        return u;
      },
      reference: (steps) => {
        const eq = createFvEquation(grid, { ...opts, backend: 'js' });
        const step = explicitRkStepper(SSP_RK3, (u, t) => eq.explicitTerms(u, t));
        let u = smoothField(64);
        for (let s = 0; s < steps; s++) u = step(u, s * dt, dt);
        return u;
      },
    });
  }
}

/**
 * The periodic heat equation u_t = k·u_xx on n cells as the GPME finite-volume operator makes it
 * (Kirchhoff fluxes of a constant k are the centred difference), with a dense solve for the reference.
 */
function periodicHeat(n: number, k: number, dx: number): ImexEquation<Float64Array> {
  const lap = (u: Float64Array): Float64Array => u.map((v, i) => (k * (u[(i + 1) % n] - 2 * v + u[(i + n - 1) % n])) / (dx * dx));
  return {
    explicitTerms: (u) => new Float64Array(u.length),
    implicitTerms: lap,
    implicitSolve(x, h) {
      // (I − h·L)·y = x by Gaussian elimination with partial pivoting.
      const m = Array.from({ length: n }, (_, i) => {
        const row = new Array<number>(n + 1).fill(0);
        const s = (h * k) / (dx * dx);
        row[i] += 1 + 2 * s;
        row[(i + 1) % n] -= s;
        row[(i + n - 1) % n] -= s;
        row[n] = x[i];
        return row;
      });
      for (let c = 0; c < n; c++) {
        let p = c;
        for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
        [m[c], m[p]] = [m[p], m[c]];
        for (let r = c + 1; r < n; r++) {
          const f = m[r][c] / m[c][c];
          for (let j = c; j <= n; j++) m[r][j] -= f * m[c][j];
        }
      }
      const y = new Float64Array(n);
      for (let r = n - 1; r >= 0; r--) {
        let v = m[r][n];
        for (let j = r + 1; j < n; j++) v -= m[r][j] * y[j];
        y[r] = v / m[r][r];
      }
      return y;
    },
  };
}

// GPME finite volume (heat case: constant k, periodic) × every GPME scheme.
for (const scheme of GPME_SCHEMES) {
  const n = 16;
  const dx = TWO_PI / n;
  const dt = 0.01;
  rows.push({
    equation: 'gpme-heat',
    scheme,
    dt,
    fast: (steps) => {
      const res = solveGpme(
        smoothField(n),
        [steps * dt],
        { n, domain: [0, TWO_PI], diffusivity: { kind: 'constant', k: 0.7 }, boundary: 'periodic' },
        { dt, scheme },
      );
      return res.frames[0].u;
    },
    reference: (steps) => {
      const step = implicitStepper(periodicHeat(n, 0.7, dx), scheme);
      let u = smoothField(n);
      for (let s = 0; s < steps; s++) u = step(u, s * dt, dt);
      return u;
    },
  });
}

describe('every equation × every scheme: the fast in-place path against the generic stepper', () => {
  it.each(rows.map((r) => [r.equation, r.scheme, r] as const))('%s with %s agrees to round-off over 10 steps', (_e, _s, row) => {
    const fast = row.fast(STEPS);
    const ref = row.reference(STEPS);
    expect(fast.length).toBe(ref.length);
    expect(maxAbs(ref)).toBeGreaterThan(0.1);
    expect(maxDiff(fast, ref)).toBeLessThan(1e-12 * maxAbs(ref));
    // The check is sharp: one step fewer is far outside the tolerance.
    expect(maxDiff(fast, row.reference(STEPS - 1))).toBeGreaterThan(1e-6 * maxAbs(ref));
  });

  it('covers every scheme of every equation', () => {
    expect(rows.filter((r) => r.equation === 'navier-stokes-2d').map((r) => r.scheme)).toEqual([...NS_SCHEMES]);
    expect(rows.filter((r) => r.equation.startsWith('burgers-fv')).length).toBe(FV_RECONSTRUCTIONS.length + 1);
    expect(rows.filter((r) => r.equation === 'gpme-heat').map((r) => r.scheme)).toEqual([...GPME_SCHEMES]);
  });
});

describe('IMEX RK–CN tableaus', () => {
  it('are validated when built: order conditions and stage times', () => {
    expect([CN_RK3.name, CN_RK3.explicitOrder, CN_RK3.order]).toEqual(['cn-rk3', 3, 2]);
    expect(() => createImexRkCnTableau('bad', 3, [0, 1 / 3, 3 / 4, 1], [0, -5 / 9, -153 / 128], [1 / 3, 15 / 16, 8 / 15 + 1e-3])).toThrow(
      /order condition Σb=.* should be 1 for order 3/,
    );
    expect(() => createImexRkCnTableau('bad', 2, [0, 0.5, 1], [0, 0], [0.4, 0.6])).toThrow(/explicit stage time c_1=0.4 differs from alpha_1=0.5/);
  });

  it('Burgers-spectral uses the shared cn-rk3 tableau; imex-cnrk is an alias with the same numbers', () => {
    expect(SPECTRAL_STEPPER_ALIASES).toEqual({ 'imex-cnrk': 'cn-rk3' });
    const grid = new Grid1D(64, [0, TWO_PI], 'node');
    const times = [0, 0.25, 0.5];
    const a = solveBurgersSpectral(smoothField(64), grid, times, { nu: 0.05, stepper: 'cn-rk3' });
    const b = solveBurgersSpectral(smoothField(64), grid, times, { nu: 0.05, stepper: 'imex-cnrk' });
    expect(b.map((f) => Array.from(f))).toEqual(a.map((f) => Array.from(f)));
  });
});

describe('integrateToTimes', () => {
  const hooks = (maxDt: number, log: [number, number, number][]) => ({
    maxDt: () => maxDt,
    step: (s: number, t: number, dt: number, tNext: number) => {
      log.push([t, dt, tNext]);
      return s + dt;
    },
    snapshot: (s: number, t: number) => [s, t],
  });

  it('adaptive: shortens the step that would overshoot an output time and lands on it exactly', () => {
    const log: [number, number, number][] = [];
    const out = integrateToTimes(0, 0, [0, 0.25, 1], hooks(0.1, log));
    expect(out.map((f) => f[1])).toEqual([0, 0.25, 1]);
    expect(log.length).toBe(3 + 8);
    expect(log[2][2]).toBe(0.25);
    expect(log[2][1]).toBeCloseTo(0.05, 15);
  });

  it('equal steps: splits each interval into ⌈interval/maxDt⌉ equal steps, asking maxDt once per interval', () => {
    const log: [number, number, number][] = [];
    let asked = 0;
    const h = hooks(0.1, log);
    const out = integrateToTimes(0, 0, [0.25, 1], { ...h, maxDt: () => (asked++, 0.1) }, { equalSteps: true });
    expect(asked).toBe(2);
    expect(out.map((f) => f[1])).toEqual([0.25, 1]);
    expect(log.slice(0, 3).map(([t, dt]) => [t, dt])).toEqual([0, 1, 2].map((k) => [k * (0.25 / 3), 0.25 / 3]));
    expect(log.length).toBe(3 + 8);
    expect(log[2][2]).toBe(0.25);
    expect(log[10][2]).toBe(1);
    // An unbounded step takes each interval in one step.
    const one: [number, number, number][] = [];
    integrateToTimes(0, 0, [0.5, 1], hooks(Infinity, one), { equalSteps: true });
    expect(one).toEqual([
      [0, 0.5, 0.5],
      [0.5, 0.5, 1],
    ]);
  });
});
