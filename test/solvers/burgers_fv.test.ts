import { describe, expect, it } from 'vitest';
import { type ColeHopfProblem, coleHopfCellAverages } from '../../solvers/burgers/cole_hopf.js';
import {
  FV_FLUXES,
  FV_RECONSTRUCTIONS,
  type FvOptions,
  type Reconstruction,
  type RiemannFlux,
  createFvStepper,
  solveBurgersFv,
} from '../../solvers/burgers/finite_volume.js';
import { burgersFlux, godunovFluxPoint, rusanovFluxPoint } from '../../solvers/burgers/riemann.js';
import { SolverInputError, SolverInstabilityError } from '../../solvers/errors.js';
import { Grid1D } from '../../core/grid.js';
import { Rng } from '../../core/random.js';
import { SSP_RK2, SSP_RK3, createShuOsherTableau } from '../../solvers/time/ssp_rk.js';

const TWO_PI = 2 * Math.PI;
const SCHEMES: { reconstruction: Reconstruction; flux: RiemannFlux }[] = FV_RECONSTRUCTIONS.flatMap((reconstruction) =>
  FV_FLUXES.map((flux) => ({ reconstruction, flux })),
);

function l1Error(u: ArrayLike<number>, v: ArrayLike<number>, dx: number): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += Math.abs(u[i] - v[i]);
  return s * dx;
}

function orders(errors: number[]): number[] {
  return errors.slice(1).map((e, i) => Math.log2(errors[i] / e));
}

function totalVariation(u: Float64Array): number {
  let s = 0;
  for (let i = 0; i < u.length; i++) s += Math.abs(u[(i + 1) % u.length] - u[i]);
  return s;
}

/** Cole–Hopf solution advected by a Galilean drift c: c + u(x − c·t, t) is again a Burgers solution (non-zero mean). */
function driftedCellAverages(p: ColeHopfProblem, c: number, grid: Grid1D, t: number): Float64Array {
  const centres = grid.points().map((x) => x - c * t);
  return coleHopfCellAverages(p, centres, grid.dx, t).map((v) => v + c);
}

/**
 * Exact cell averages of smooth inviscid Burgers with u0 = m + A·sin 2πx before the shock time, through
 * the Lagrangian map x = ξ + t·u0(ξ): ∫_a^b u dx = [U0(ξ) + t·u0(ξ)²/2] between the feet of a and b.
 */
function inviscidCellAverages(m: number, A: number, grid: Grid1D, t: number): Float64Array {
  const u0 = (s: number): number => m + A * Math.sin(TWO_PI * s);
  const foot = (x: number): number => {
    let s = x - t * u0(x);
    for (let it = 0; it < 60; it++) {
      const ds = (s + t * u0(s) - x) / (1 + t * A * TWO_PI * Math.cos(TWO_PI * s));
      s -= ds;
      if (Math.abs(ds) < 1e-16) break;
    }
    return s;
  };
  const G = (s: number): number => m * s - (A * Math.cos(TWO_PI * s)) / TWO_PI + 0.5 * t * u0(s) ** 2;
  const out = new Float64Array(grid.n);
  for (let i = 0; i < grid.n; i++) {
    const a = grid.xmin + i * grid.dx;
    out[i] = (G(foot(a + grid.dx)) - G(foot(a))) / grid.dx;
  }
  return out;
}

describe('Cole–Hopf exact solutions × every reconstruction × every flux', () => {
  // Tolerances: L1 error of the cell averages at both output times. With ν > 0 every scheme is
  // 2nd order (central viscous flux); the steeper problems separate the reconstructions.
  const problems: {
    name: string;
    p: ColeHopfProblem;
    drift: number;
    n: number;
    t: number;
    tol: Record<Reconstruction, number>;
  }[] = [
    {
      name: 'one mode, nu=0.05',
      p: { nu: 0.05, a: 2, modes: [{ b: 1, k: TWO_PI, theta: 0 }] },
      drift: 0,
      n: 64,
      t: 0.2,
      tol: { 'muscl-minmod': 1.5e-4, 'muscl-vanleer': 1.5e-4, weno5: 1.5e-4 },
    },
    {
      name: 'steep front, nu=0.01',
      p: { nu: 0.01, a: 1.1, modes: [{ b: 1, k: TWO_PI, theta: 0 }] },
      drift: 0,
      n: 128,
      t: 0.1,
      tol: { 'muscl-minmod': 1.2e-4, 'muscl-vanleer': 9e-5, weno5: 7e-5 },
    },
    {
      name: 'two modes with drift 0.7, nu=0.02',
      p: {
        nu: 0.02,
        a: 1.5,
        modes: [
          { b: 0.8, k: TWO_PI, theta: 0.3 },
          { b: 0.4, k: 2 * TWO_PI, theta: -1 },
        ],
      },
      drift: 0.7,
      n: 128,
      t: 0.25,
      tol: { 'muscl-minmod': 3.5e-4, 'muscl-vanleer': 1.5e-4, weno5: 6e-5 },
    },
    {
      name: 'near-shock, drift -0.1, nu=0.003',
      p: { nu: 0.003, a: 1.02, modes: [{ b: 1, k: TWO_PI, theta: 0 }] },
      drift: -0.1,
      n: 256,
      t: 0.15,
      tol: { 'muscl-minmod': 6e-5, 'muscl-vanleer': 3.2e-5, weno5: 2.4e-5 },
    },
  ];
  const cases = problems.flatMap((pr) => SCHEMES.map((s) => ({ ...pr, ...s })));
  it.each(cases)('$name: $reconstruction + $flux', ({ p, drift, n, t, tol, reconstruction, flux }) => {
    const grid = new Grid1D(n, [0, 1], 'cell');
    const frames = solveBurgersFv(driftedCellAverages(p, drift, grid, 0), grid, [t / 2, t], { nu: p.nu, reconstruction, flux });
    expect(frames).toHaveLength(2);
    expect(l1Error(frames[0], driftedCellAverages(p, drift, grid, t / 2), grid.dx)).toBeLessThan(tol[reconstruction]);
    expect(l1Error(frames[1], driftedCellAverages(p, drift, grid, t), grid.dx)).toBeLessThan(tol[reconstruction]);
  });
});

describe('convergence orders', () => {
  // Smooth inviscid data with a sign change (Rusanov and Godunov differ), shock time 1/(π) ≈ 0.32.
  const m = 0;
  const A = 0.5;
  const T = 0.2;

  it.each(FV_FLUXES)('WENO5 + %s: space order 5 in L1 (N = 128, 256, 512; dt = 2·dx^(5/3) so time error ∝ dx^5)', (flux) => {
    const errors = [128, 256, 512].map((n) => {
      const grid = new Grid1D(n, [0, 1], 'cell');
      const dt = Math.min((0.4 * grid.dx) / (Math.abs(m) + A), 2 * grid.dx ** (5 / 3));
      const [u] = solveBurgersFv(inviscidCellAverages(m, A, grid, 0), grid, [T], { nu: 0, reconstruction: 'weno5', flux, dt });
      return l1Error(u, inviscidCellAverages(m, A, grid, T), grid.dx);
    });
    for (const p of orders(errors)) expect(Math.abs(p - 5)).toBeLessThan(0.3);
  });

  // The limiters clip at the two extrema of the data, which costs accuracy on O(1) cells there: the
  // max-norm order drops to ≈ 1.3, while the L1 error, to which those cells add only O(dx³), keeps order ≈ 2.
  const muscl = SCHEMES.filter((s) => s.reconstruction !== 'weno5');
  it.each(muscl)('$reconstruction + $flux: space order 2 in L1 (N = 128, 256, 512, cfl 0.4)', ({ reconstruction, flux }) => {
    const errors = [128, 256, 512].map((n) => {
      const grid = new Grid1D(n, [0, 1], 'cell');
      const [u] = solveBurgersFv(inviscidCellAverages(m, A, grid, 0), grid, [T], { nu: 0, reconstruction, flux });
      return l1Error(u, inviscidCellAverages(m, A, grid, T), grid.dx);
    });
    for (const p of orders(errors)) expect(Math.abs(p - 2)).toBeLessThan(0.3);
  });

  it.each(FV_RECONSTRUCTIONS)('%s with nu > 0: order 2 (central viscous flux) on a Cole–Hopf solution', (reconstruction) => {
    const p: ColeHopfProblem = { nu: 0.05, a: 2, modes: [{ b: 1, k: TWO_PI, theta: 0 }] };
    const errors = [32, 64, 128].map((n) => {
      const grid = new Grid1D(n, [0, 1], 'cell');
      const [u] = solveBurgersFv(driftedCellAverages(p, 0, grid, 0), grid, [0.2], { nu: p.nu, reconstruction, flux: 'rusanov' });
      return l1Error(u, driftedCellAverages(p, 0, grid, 0.2), grid.dx);
    });
    for (const q of orders(errors)) expect(Math.abs(q - 2)).toBeLessThan(0.3);
  });

  it.each([0, 0.01])('SSP-RK3 time order 3 (WENO5, N = 32, nu = %s; dt = T/16, T/32, T/64 vs T/1280)', (nu) => {
    const grid = new Grid1D(32, [0, 1], 'cell');
    const u0 = grid.sample((x) => 0.2 + 0.5 * Math.sin(TWO_PI * x));
    const opts = (dt: number): FvOptions => ({ nu, reconstruction: 'weno5', flux: 'godunov', dt });
    const [ref] = solveBurgersFv(u0, grid, [T], opts(T / 1280));
    const errors = [16, 32, 64].map((k) => l1Error(solveBurgersFv(u0, grid, [T], opts(T / k))[0], ref, grid.dx));
    for (const p of orders(errors)) expect(Math.abs(p - 3)).toBeLessThan(0.3);
  });
});

describe('SSP Runge–Kutta tableaux', () => {
  it('SSP-RK3 in Butcher form is the classical third-order Shu–Osher method with SSP coefficient 1', () => {
    const { a, b, c } = SSP_RK3.butcher;
    const close = (x: readonly number[], y: number[]): void => x.forEach((v, i) => expect(v).toBeCloseTo(y[i], 15));
    close(b, [1 / 6, 1 / 6, 2 / 3]);
    close(c, [0, 1, 1 / 2]);
    close(a[1], [1, 0, 0]);
    close(a[2], [1 / 4, 1 / 4, 0]);
    expect(SSP_RK3.sspCoefficient).toBe(1);
    expect(SSP_RK2.sspCoefficient).toBe(1);
  });

  it('rejects tableaux that are not convex, negative, or below their claimed order', () => {
    expect(() => createShuOsherTableau('bad-rows', 2, [[1], [0.5, 0.4]], [[1], [0, 0.5]])).toThrow(
      'tableau bad-rows: alpha row 1 sums to 0.9; each row must sum to 1',
    );
    expect(() => createShuOsherTableau('neg', 1, [[1]], [[-1]])).toThrow('SSP needs finite non-negative coefficients');
    expect(() => createShuOsherTableau('rk2-as-3', 3, SSP_RK2.alpha, SSP_RK2.beta)).toThrow(
      'tableau rk2-as-3: order condition Σb·c²=0.5 should be 0.3333333333333333 for order 3',
    );
    expect(() => createShuOsherTableau('ragged', 1, [[1, 0]], [[1]])).toThrow('stage 1 needs 1 alpha and beta entries, got 2 and 1');
  });
});

describe('conservation', () => {
  // Mean 0.3 plus a seeded smooth perturbation; inviscid runs go well past shock formation.
  const rng = new Rng(20240611);
  const modes = Array.from({ length: 4 }, (_, j) => ({ k: TWO_PI * (j + 1), amp: rng.normal() / (j + 1), phase: TWO_PI * rng.uniform() }));
  const cases = [0, 0.01].flatMap((nu) => SCHEMES.map((s) => ({ nu, ...s })));
  it.each(cases)('periodic mass conserved to 1e-12 relative: nu=$nu, $reconstruction + $flux', ({ nu, reconstruction, flux }) => {
    const grid = new Grid1D(256, [0, 1], 'cell');
    const u0 = grid.sample((x) => 0.3 + 0.5 * modes.reduce((s, md) => s + md.amp * Math.sin(md.k * x + md.phase), 0));
    const mass0 = grid.integrate(u0);
    const frames = solveBurgersFv(u0, grid, [0.1, 0.25, 0.5], { nu, reconstruction, flux });
    for (const u of frames) expect(Math.abs(grid.integrate(u) - mass0) / Math.abs(mass0)).toBeLessThan(1e-12);
  });
});

/** Exact solution of the Burgers Riemann problem (u_L, u_R) at x − x0 = ξ·t. */
function riemannSolution(uL: number, uR: number, xi: number): number {
  if (uL > uR) return xi < 0.5 * (uL + uR) ? uL : uR;
  if (xi <= uL) return uL;
  if (xi >= uR) return uR;
  return xi;
}

describe('Riemann problems', () => {
  it('Godunov flux equals f at the exact Riemann solution on x/t = 0; both fluxes are consistent', () => {
    const values = [-1.5, -1, -0.5, -0.2, 0, 0.3, 0.5, 1, 2];
    for (const uL of values) {
      for (const uR of values) {
        expect(godunovFluxPoint(uL, uR)).toBe(burgersFlux(riemannSolution(uL, uR, 0)));
      }
      expect(godunovFluxPoint(uL, uL)).toBe(burgersFlux(uL));
      expect(rusanovFluxPoint(uL, uL)).toBe(burgersFlux(uL));
    }
    expect(godunovFluxPoint(-1, 0.5)).toBe(0); // transonic rarefaction: the fan's sonic point
  });

  // A periodic box: u = uIn on [a, b), uOut elsewhere. Two Riemann problems that do not meet before t = 0.3.
  const problems = [
    { name: 'shock s=0.5 + rarefaction', a: 0.25, b: 0.5, uIn: 1, uOut: 0 },
    { name: 'shock s=-0.25 + transonic rarefaction', a: 0.3, b: 0.7, uIn: 0.5, uOut: -1 },
    { name: 'stationary shock + transonic rarefaction', a: 0.25, b: 0.75, uIn: -1, uOut: 1 },
  ];
  const TIMES = [0.1, 0.2, 0.3];

  function waveSpan(uL: number, uR: number): [number, number] {
    return uL > uR ? [0.5 * (uL + uR), 0.5 * (uL + uR)] : [uL, uR];
  }

  /** Exact cell averages (64-point midpoint rule per cell) of the two non-interacting Riemann solutions. */
  function exactAverages(pr: (typeof problems)[number], grid: Grid1D, t: number): Float64Array {
    const [, hiA] = waveSpan(pr.uOut, pr.uIn);
    const [loB, hiB] = waveSpan(pr.uIn, pr.uOut);
    const [loA] = waveSpan(pr.uOut, pr.uIn);
    const pIn = 0.5 * (pr.a + hiA * t + pr.b + loB * t);
    const pOut = 0.5 * (pr.b + hiB * t + pr.a + 1 + loA * t) - 1;
    const u = (x: number): number => {
      const xs = pOut + ((((x - pOut) % 1) + 1) % 1);
      return xs < pIn ? riemannSolution(pr.uOut, pr.uIn, (xs - pr.a) / t) : riemannSolution(pr.uIn, pr.uOut, (xs - pr.b) / t);
    };
    const out = new Float64Array(grid.n);
    const sub = 64;
    for (let i = 0; i < grid.n; i++) {
      let s = 0;
      for (let q = 0; q < sub; q++) s += u(grid.xmin + (i + (q + 0.5) / sub) * grid.dx);
      out[i] = s / sub;
    }
    return out;
  }

  /** Where u crosses the shock's mid value (u_L + u_R)/2, searched within 10 cells of `near`. */
  function shockPosition(u: Float64Array, grid: Grid1D, near: number, uL: number, uR: number): number {
    const mid = 0.5 * (uL + uR);
    const centre = Math.round((near - grid.xmin) / grid.dx - 0.5);
    let best = NaN;
    for (let j = centre - 10; j <= centre + 10; j++) {
      const i0 = ((j % grid.n) + grid.n) % grid.n;
      const i1 = (i0 + 1) % grid.n;
      if ((u[i0] - mid) * (u[i1] - mid) <= 0 && u[i0] !== u[i1]) {
        const x = grid.xmin + (j + 0.5) * grid.dx + (grid.dx * (mid - u[i0])) / (u[i1] - u[i0]);
        if (Number.isNaN(best) || Math.abs(x - near) < Math.abs(best - near)) best = x;
      }
    }
    return best;
  }

  const cases = problems.flatMap((pr) => SCHEMES.map((s) => ({ ...pr, ...s })));
  it.each(cases)('$name: $reconstruction + $flux', (pr) => {
    const grid = new Grid1D(200, [0, 1], 'cell');
    const u0 = grid.sample((x) => (x >= pr.a && x < pr.b ? pr.uIn : pr.uOut));
    const frames = solveBurgersFv(u0, grid, TIMES, { nu: 0, reconstruction: pr.reconstruction, flux: pr.flux });
    const shock = pr.uIn > pr.uOut ? { x0: pr.b, uL: pr.uIn, uR: pr.uOut } : { x0: pr.a, uL: pr.uOut, uR: pr.uIn };
    const s = 0.5 * (shock.uL + shock.uR);
    frames.forEach((u, k) => {
      const exactX = shock.x0 + s * TIMES[k];
      // Rankine–Hugoniot: the shock sits where speed (u_L + u_R)/2 puts it, within half a cell.
      expect(Math.abs(shockPosition(u, grid, exactX, shock.uL, shock.uR) - exactX)).toBeLessThan(0.5 * grid.dx);
      // And the whole solution, rarefaction fans included (an entropy-violating flux keeps an expansion shock).
      expect(l1Error(u, exactAverages(pr, grid, TIMES[k]), grid.dx)).toBeLessThan(0.012);
    });
  });
});

describe('total variation', () => {
  const grid = new Grid1D(200, [0, 1], 'cell');
  const u0 = grid.sample((x) => (x > 0.2 && x < 0.5 ? 1 : 0) + 0.5 * Math.sin(TWO_PI * x) - 0.3);

  function maxTvIncrease(reconstruction: Reconstruction, flux: RiemannFlux): number {
    const stepper = createFvStepper(grid, { nu: 0, reconstruction, flux });
    const u = Float64Array.from(u0);
    let tv = totalVariation(u);
    let worst = -Infinity;
    for (let s = 0; s < 150; s++) {
      stepper.step(u, stepper.maxDt(u));
      const next = totalVariation(u);
      worst = Math.max(worst, next - tv);
      tv = next;
    }
    return worst;
  }

  const muscl = SCHEMES.filter((s) => s.reconstruction !== 'weno5');
  it.each(muscl)('$reconstruction + $flux never increases TV step to step (cfl 0.4)', ({ reconstruction, flux }) => {
    expect(maxTvIncrease(reconstruction, flux)).toBeLessThanOrEqual(1e-13 * totalVariation(u0));
  });

  it('the check is sharp: WENO5 (not TVD) does raise TV on the same data', () => {
    expect(maxTvIncrease('weno5', 'rusanov')).toBeGreaterThan(1e-6);
  });
});

describe('bad input', () => {
  const grid = new Grid1D(16, [0, 1], 'cell');
  const u0 = new Float64Array(16).fill(0.5);
  const ok: FvOptions = { nu: 0.01, reconstruction: 'weno5', flux: 'godunov' };
  const cases: { name: string; run: () => unknown; message: string }[] = [
    { name: 'negative nu', run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, nu: -1 }), message: 'viscosity nu=-1 is not allowed: use a finite nu >= 0' },
    { name: 'NaN nu', run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, nu: NaN }), message: 'viscosity nu=NaN is not allowed: use a finite nu >= 0' },
    {
      name: 'unknown reconstruction',
      run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, reconstruction: 'eno3' as Reconstruction }),
      message: "reconstruction 'eno3' is not allowed: use one of muscl-minmod, muscl-vanleer, weno5",
    },
    {
      name: 'unknown flux',
      run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, flux: 'roe' as RiemannFlux }),
      message: "flux 'roe' is not allowed: use one of rusanov, godunov",
    },
    {
      name: 'grid too small for WENO5',
      run: () => solveBurgersFv(new Float64Array(4), new Grid1D(4), [0.1], ok),
      message: 'grid size n=4 is too small for weno5: it needs n >= 5',
    },
    {
      name: 'grid too small for MUSCL',
      run: () => createFvStepper(new Grid1D(2), { ...ok, reconstruction: 'muscl-minmod' }),
      message: 'grid size n=2 is too small for muscl-minmod: it needs n >= 3',
    },
    {
      name: 'node-staggered grid',
      run: () => solveBurgersFv(u0, new Grid1D(16, [0, 1], 'node'), [0.1], ok),
      message: "grid staggering 'node' is not allowed: the finite-volume solver needs 'cell' (cell averages)",
    },
    { name: 'cfl 0', run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, cfl: 0 }), message: 'cfl=0 is not allowed: use a number in (0, 1]' },
    { name: 'cfl 1.5', run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, cfl: 1.5 }), message: 'cfl=1.5 is not allowed: use a number in (0, 1]' },
    {
      name: 'diffusion number 0.7',
      run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, diffusionNumber: 0.7 }),
      message: 'diffusionNumber=0.7 is not allowed: use a number in (0, 0.5]',
    },
    {
      name: 'negative fixed dt',
      run: () => solveBurgersFv(u0, grid, [0.1], { ...ok, dt: -0.1 }),
      message: 'dt=-0.1 is not allowed: use a finite dt > 0, or leave it out for adaptive steps',
    },
    {
      name: 'u0 length',
      run: () => solveBurgersFv(new Float64Array(15), grid, [0.1], ok),
      message: 'initial condition has 15 values but the grid has n=16',
    },
    {
      name: 'u0 not finite',
      run: () =>
        solveBurgersFv(
          Float64Array.from(u0, (v, i) => (i === 3 ? Infinity : v)),
          grid,
          [0.1],
          ok,
        ),
      message: 'initial condition u0[3]=Infinity is not finite',
    },
    {
      name: 'output times not increasing',
      run: () => solveBurgersFv(u0, grid, [0.2, 0.1], ok),
      message: 'output time grid is not increasing: t[0]=0.2 >= t[1]=0.1; times must be strictly increasing',
    },
    {
      name: 'stepper field length',
      run: () => createFvStepper(grid, ok).step(new Float64Array(8), 0.01),
      message: 'field has 8 values but the grid has n=16',
    },
  ];
  it.each(cases)('$name', ({ run, message }) => {
    expect(run).toThrow(SolverInputError);
    expect(run).toThrow(message);
  });

  it('a fixed dt far beyond the CFL limit ends in SolverInstabilityError naming the time', () => {
    const g = new Grid1D(64, [0, 1], 'cell');
    const u = g.sample((x) => Math.sin(TWO_PI * x));
    const run = (): unknown => solveBurgersFv(u, g, [10], { nu: 0, reconstruction: 'weno5', flux: 'rusanov', dt: 0.2 });
    expect(run).toThrow(SolverInstabilityError);
    expect(run).toThrow(/^solver went unstable \(NaN\/Inf\) at t=\d+(\.\d+)?: weno5\/rusanov, n=64, nu=0$/);
  });
});

describe('output times and determinism', () => {
  const p: ColeHopfProblem = { nu: 0.02, a: 1.5, modes: [{ b: 1, k: TWO_PI, theta: 0.4 }] };
  const grid = new Grid1D(96, [0, 1], 'cell');
  const u0 = driftedCellAverages(p, 0.3, grid, 0);
  const times = [0, 0.013, 0.1, 0.37];

  it.each(SCHEMES)('$reconstruction + $flux: non-uniform output times land exactly and match a chained run', (s) => {
    const opts: FvOptions = { nu: p.nu, ...s };
    const frames = solveBurgersFv(u0, grid, times, opts);
    expect(frames).toHaveLength(times.length);
    expect(frames[0]).not.toBe(u0);
    expect(Array.from(frames[0])).toEqual(Array.from(u0));
    // Each frame matches the exact solution at its own time (a frame off by one step, dt ≈ 0.01, would not).
    for (let k = 1; k < times.length; k++) {
      expect(l1Error(frames[k], driftedCellAverages(p, 0.3, grid, times[k]), grid.dx)).toBeLessThan(2e-4);
    }
    // Restarting from each frame and stopping at the next time gives the same states.
    let u = u0;
    for (let k = 1; k < times.length; k++) {
      [u] = solveBurgersFv(u, grid, [times[k] - times[k - 1]], opts);
      let maxDiff = 0;
      for (let i = 0; i < grid.n; i++) maxDiff = Math.max(maxDiff, Math.abs(u[i] - frames[k][i]));
      expect(maxDiff).toBeLessThan(1e-12);
    }
  });

  it('fixed dt lands on times that are not multiples of it', () => {
    const frames = solveBurgersFv(u0, grid, [0.013, 0.1], { nu: p.nu, reconstruction: 'weno5', flux: 'godunov', dt: 0.0015 });
    expect(l1Error(frames[0], driftedCellAverages(p, 0.3, grid, 0.013), grid.dx)).toBeLessThan(2e-4);
    expect(l1Error(frames[1], driftedCellAverages(p, 0.3, grid, 0.1), grid.dx)).toBeLessThan(2e-4);
  });

  it('same inputs give the same bytes', () => {
    const opts: FvOptions = { nu: 0.005, reconstruction: 'weno5', flux: 'rusanov' };
    const a = solveBurgersFv(u0, grid, times, opts);
    const b = solveBurgersFv(u0, grid, times, opts);
    a.forEach((f, k) => expect(Buffer.from(f.buffer).equals(Buffer.from(b[k].buffer))).toBe(true));
  });

  it('u ≡ 0 with nu = 0 stays 0 (fallback step)', () => {
    const frames = solveBurgersFv(new Float64Array(grid.n), grid, [0.5], { nu: 0, reconstruction: 'muscl-vanleer', flux: 'godunov' });
    expect(frames[0].every((v) => v === 0)).toBe(true);
  });
});
