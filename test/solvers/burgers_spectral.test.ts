import { describe, expect, it } from 'vitest';
import { coleHopfField, coleHopfSolution, type ColeHopfProblem } from '../../solvers/burgers/cole_hopf.js';
import {
  createSpectralStepper,
  DEFAULT_SPECTRAL_CFL,
  solveBurgersSpectral,
  SPECTRAL_STEPPERS,
  type SpectralOptions,
  type SpectralStepper,
} from '../../solvers/burgers/spectral.js';
import { SolverInputError, SolverInstabilityError } from '../../solvers/errors.js';
import { rfft } from '../../core/fft/fft.js';
import { Grid1D, sumCompensated } from '../../core/grid.js';

function maxErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let e = 0;
  for (let i = 0; i < a.length; i++) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

const TWO_PI = 2 * Math.PI;

/** An exact periodic solution: Cole–Hopf, optionally Galilean-shifted (u = c + U(x − c·t, t)). */
interface ExactProblem {
  name: string;
  p: ColeHopfProblem;
  shift?: number;
  length: number;
  n: number;
  times: number[];
  /** Fixed step for the fixed-dt runs. */
  dt: number;
  /** Max-norm tolerances: fixed dt, then the default CFL step. */
  tol: Record<SpectralStepper, { dt: number; cfl: number }>;
}

function exactField(pr: ExactProblem, x: Float64Array, t: number): Float64Array {
  const c = pr.shift ?? 0;
  if (c === 0) return coleHopfField(pr.p, x, t);
  return Float64Array.from(x, (xi) => c + coleHopfSolution(pr.p, xi - c * t, t));
}

// Tolerances are about 10× the errors measured when the table was set up.
const PROBLEMS: ExactProblem[] = [
  {
    name: 'one mode, nu=0.1 on [0, 2π)',
    p: { nu: 0.1, a: 2, modes: [{ b: 1, k: 1, theta: 0 }] },
    length: TWO_PI,
    n: 64,
    times: [0, 0.5, 1],
    dt: 0.05,
    tol: { etdrk4: { dt: 5e-10, cfl: 1e-6 }, 'cn-rk3': { dt: 1e-6, cfl: 5e-5 } },
  },
  {
    name: 'two modes, nu=0.02 on [0, 1)',
    p: {
      nu: 0.02,
      a: 1.3,
      modes: [
        { b: 0.8, k: TWO_PI, theta: 0.3 },
        { b: 0.3, k: 2 * TWO_PI, theta: 1 },
      ],
    },
    length: 1,
    n: 256,
    times: [0.1, 0.3],
    dt: 0.3 / 40,
    tol: { etdrk4: { dt: 5e-9, cfl: 5e-9 }, 'cn-rk3': { dt: 1e-5, cfl: 1e-5 } },
  },
  {
    name: 'Galilean shift c=0.5 (nonzero mean), nu=0.05',
    p: { nu: 0.05, a: 2, modes: [{ b: 1, k: 1, theta: 0.4 }] },
    shift: 0.5,
    length: TWO_PI,
    n: 64,
    times: [1],
    dt: 0.01,
    tol: { etdrk4: { dt: 1e-10, cfl: 5e-7 }, 'cn-rk3': { dt: 5e-8, cfl: 2e-5 } },
  },
  {
    name: 'steep front (max|u| ≈ 1, width ≈ 0.1), nu=0.05',
    p: { nu: 0.05, a: 1.005, modes: [{ b: 1, k: 1, theta: 0 }] },
    length: TWO_PI,
    n: 512,
    times: [0.1, 0.2],
    dt: 0.002,
    tol: { etdrk4: { dt: 5e-9, cfl: 1e-6 }, 'cn-rk3': { dt: 1e-5, cfl: 1e-4 } },
  },
];

describe('exact Cole–Hopf solutions × steppers', () => {
  for (const pr of PROBLEMS) {
    for (const stepper of SPECTRAL_STEPPERS) {
      for (const mode of ['dt', 'cfl'] as const) {
        it(`${pr.name}: ${stepper}, ${mode === 'dt' ? `dt=${pr.dt}` : 'default CFL step'}`, () => {
          const grid = new Grid1D(pr.n, [0, pr.length], 'node');
          const x = grid.points();
          const opts: SpectralOptions = { nu: pr.p.nu, stepper, ...(mode === 'dt' ? { dt: pr.dt } : {}) };
          const frames = solveBurgersSpectral(exactField(pr, x, 0), grid, pr.times, opts);
          expect(frames.length).toBe(pr.times.length);
          for (let i = 0; i < pr.times.length; i++) {
            expect(maxErr(frames[i], exactField(pr, x, pr.times[i]))).toBeLessThan(pr.tol[stepper][mode]);
          }
        });
      }
    }
  }

  it.each(SPECTRAL_STEPPERS)('inviscid (nu=0) %s matches the characteristics solution before the shock', (stepper) => {
    // u_t + u·u_x = 0, u0 = sin x: u = sin(x − u·t), smooth until t = 1.
    const grid = new Grid1D(256, [0, TWO_PI], 'node');
    const t = 0.5;
    const exact = Float64Array.from(grid.points(), (xi) => {
      let u = Math.sin(xi);
      for (let it = 0; it < 60; it++) u -= (u - Math.sin(xi - u * t)) / (1 + t * Math.cos(xi - u * t));
      return u;
    });
    const [u] = solveBurgersSpectral(grid.sample(Math.sin), grid, [t], { nu: 0, stepper, dt: t / 200 });
    expect(maxErr(u, exact)).toBeLessThan(stepper === 'etdrk4' ? 1e-10 : 5e-8);
  });
});

describe('convergence', () => {
  const p: ColeHopfProblem = { nu: 0.1, a: 2, modes: [{ b: 1, k: 1, theta: 0 }] };

  it('is spectral in space: each doubling of n gains orders of magnitude until round-off', () => {
    const errs = [16, 32, 64].map((n) => {
      const grid = new Grid1D(n, [0, TWO_PI], 'node');
      const x = grid.points();
      const [u] = solveBurgersSpectral(coleHopfField(p, x, 0), grid, [1], { nu: p.nu, stepper: 'etdrk4', dt: 1 / 400 });
      return maxErr(u, coleHopfField(p, x, 1));
    });
    expect(errs[0]).toBeGreaterThan(1e-6);
    expect(errs[1] / errs[0]).toBeLessThan(1e-2);
    expect(errs[2] / errs[1]).toBeLessThan(1e-4);
    expect(errs[2]).toBeLessThan(1e-12);
  });

  const designed: Record<SpectralStepper, number> = { etdrk4: 4, 'cn-rk3': 2 };
  const cases = [
    { name: 'nu=0.1, one mode', p, length: TWO_PI, n: 64, T: 1, steps: [10, 20, 40] },
    {
      name: 'nu=0.02, two modes',
      p: {
        nu: 0.02,
        a: 1.3,
        modes: [
          { b: 0.8, k: TWO_PI, theta: 0.3 },
          { b: 0.3, k: 2 * TWO_PI, theta: 1 },
        ],
      },
      length: 1,
      n: 256,
      T: 0.3,
      steps: [10, 20, 40],
    },
  ];
  for (const stepper of SPECTRAL_STEPPERS) {
    for (const c of cases) {
      it(`${stepper} has temporal order ${designed[stepper]} ± 0.3 (${c.name}, dt = T/10, T/20, T/40 vs exact)`, () => {
        const grid = new Grid1D(c.n, [0, c.length], 'node');
        const x = grid.points();
        const exact = coleHopfField(c.p, x, c.T);
        const errs = c.steps.map((ns) => {
          const [u] = solveBurgersSpectral(coleHopfField(c.p, x, 0), grid, [c.T], { nu: c.p.nu, stepper, dt: c.T / ns });
          return maxErr(u, exact);
        });
        for (let i = 1; i < errs.length; i++) {
          const order = Math.log2(errs[i - 1] / errs[i]);
          expect(Math.abs(order - designed[stepper])).toBeLessThan(0.3);
        }
      });
    }
  }
});

describe('conservation and dealiasing', () => {
  const grid = new Grid1D(128, [0, TWO_PI], 'node');
  const u0 = grid.sample((x) => 0.7 + Math.sin(x) + 0.4 * Math.cos(3 * x + 0.2) + 0.2 * Math.sin(7 * x));

  for (const stepper of SPECTRAL_STEPPERS) {
    for (const dealias of [true, false]) {
      it(`${stepper}, dealias=${dealias}: the mean (mass) is conserved to 1e-12 relative`, () => {
        const times = [0.25, 0.5, 0.75, 1];
        const frames = solveBurgersSpectral(u0, grid, times, { nu: 0.02, stepper, dealias });
        const m0 = grid.integrate(u0);
        for (const f of frames) expect(Math.abs(grid.integrate(f) - m0) / Math.abs(m0)).toBeLessThan(1e-12);
      });
    }
  }

  it('the 2/3 rule keeps every mode |k| > n/3 at zero; without it those modes fill up', () => {
    const n = 64;
    const g = new Grid1D(n, [0, TWO_PI], 'node');
    const steep: ColeHopfProblem = { nu: 0.05, a: 1.005, modes: [{ b: 1, k: 1, theta: 0 }] };
    const highModes = (dealias: boolean): number => {
      const [u] = solveBurgersSpectral(coleHopfField(steep, g.points(), 0), g, [0.05], { nu: steep.nu, stepper: 'etdrk4', dealias });
      const c = rfft(u);
      let hi = 0;
      for (let m = 0; m <= n / 2; m++) if (3 * m > n) hi = Math.max(hi, Math.hypot(c[2 * m], c[2 * m + 1]));
      return hi / sumCompensated(u.map(Math.abs));
    };
    expect(highModes(true)).toBeLessThan(1e-15);
    expect(highModes(false)).toBeGreaterThan(1e-4);
  });
});

describe('time grid, determinism and the reusable stepper', () => {
  const grid = new Grid1D(64, [0, TWO_PI], 'node');
  const u0 = grid.sample((x) => Math.sin(x) + 0.3 * Math.cos(2 * x));

  it('a time equal to 0 returns a copy of u0 and frames land on the output times', () => {
    const frames = solveBurgersSpectral(u0, grid, [0, 0.3, 0.7], { nu: 0.05, stepper: 'etdrk4' });
    expect(frames.length).toBe(3);
    expect(frames[0]).not.toBe(u0);
    expect(Array.from(frames[0])).toEqual(Array.from(u0));
    // Landing exactly on t = 0.3 then 0.7 gives the same frame as one run straight to 0.7.
    const [direct] = solveBurgersSpectral(u0, grid, [0.7], { nu: 0.05, stepper: 'etdrk4', dt: 0.7 / 70 });
    const [, , split] = solveBurgersSpectral(u0, grid, [0, 0.3, 0.7], { nu: 0.05, stepper: 'etdrk4', dt: 0.01 });
    expect(maxErr(direct, split)).toBeLessThan(1e-13);
  });

  it.each(SPECTRAL_STEPPERS)('%s: same inputs give the same bytes', (stepper) => {
    const a = solveBurgersSpectral(u0, grid, [0.2, 0.4], { nu: 0.01, stepper });
    const b = solveBurgersSpectral(u0, grid, [0.2, 0.4], { nu: 0.01, stepper });
    for (let i = 0; i < a.length; i++) expect(Buffer.from(a[i].buffer).equals(Buffer.from(b[i].buffer))).toBe(true);
  });

  it.each(SPECTRAL_STEPPERS)('%s: createSpectralStepper reproduces solveBurgersSpectral with the same steps', (stepper) => {
    const dt = 0.01;
    const [ref] = solveBurgersSpectral(u0, grid, [0.5], { nu: 0.05, stepper, dt });
    const s = createSpectralStepper(grid, { nu: 0.05, stepper });
    const u = Float64Array.from(u0);
    for (let i = 0; i < 50; i++) s.step(u, dt);
    expect(maxErr(u, ref)).toBeLessThan(1e-14);
    // A field changed by the caller is taken as the new state.
    const v = Float64Array.from(u0);
    s.step(v, dt);
    const [one] = solveBurgersSpectral(u0, grid, [dt], { nu: 0.05, stepper, dt });
    expect(maxErr(v, one)).toBeLessThan(1e-14);
  });

  it('maxDt is cfl·dx/max|u| (default cfl documented), or the fixed dt', () => {
    const s = createSpectralStepper(grid, { nu: 0.05, stepper: 'etdrk4' });
    const mx = Math.max(...u0.map(Math.abs));
    expect(s.maxDt(u0)).toBeCloseTo((DEFAULT_SPECTRAL_CFL * grid.dx) / mx, 15);
    expect(createSpectralStepper(grid, { nu: 0.05, stepper: 'etdrk4', cfl: 0.2 }).maxDt(u0)).toBeCloseTo((0.2 * grid.dx) / mx, 15);
    expect(createSpectralStepper(grid, { nu: 0.05, stepper: 'etdrk4', dt: 1e-3 }).maxDt(u0)).toBe(1e-3);
    expect(s.maxDt(new Float64Array(64))).toBe(Infinity);
  });
});

describe('errors', () => {
  const grid = new Grid1D(64, [0, TWO_PI], 'node');
  const u0 = grid.sample(Math.sin);
  const base: SpectralOptions = { nu: 0.1, stepper: 'etdrk4' };

  it('rejects bad inputs with one-line messages', () => {
    // Options arrive from JSON recipes and the CLI, so wrong types are exercised too.
    const run =
      (over: Record<string, unknown>, g = grid, u = u0) =>
      () =>
        solveBurgersSpectral(u, g, [0.1], { ...base, ...over } as unknown as SpectralOptions);
    expect(run({ nu: -0.1 })).toThrow(SolverInputError);
    expect(run({ nu: -0.1 })).toThrow('viscosity nu=-0.1 is not allowed: need a finite nu >= 0');
    expect(run({ nu: NaN })).toThrow('viscosity nu=NaN is not allowed');
    expect(run({ stepper: 'rk4' })).toThrow("unknown stepper 'rk4': use one of etdrk4, cn-rk3 (imex-cnrk is an alias of cn-rk3)");
    expect(run({}, new Grid1D(48, [0, TWO_PI], 'node'), new Float64Array(48))).toThrow(
      'grid size n=48 is not allowed: the pseudo-spectral solver needs a power of two (e.g. 1024)',
    );
    expect(run({}, new Grid1D(64, [0, TWO_PI], 'cell'))).toThrow(
      "grid staggering 'cell' is not allowed: the pseudo-spectral solver needs a 'node' grid (points at xmin + i·dx)",
    );
    expect(run({}, grid, new Float64Array(32))).toThrow('u0 has 32 points but the grid has 64');
    const bad = Float64Array.from(u0);
    bad[3] = NaN;
    expect(run({}, grid, bad)).toThrow('u0[3]=NaN is not finite');
    expect(run({ dt: 0 })).toThrow('time step dt=0 is not allowed: need a finite dt > 0');
    expect(run({ dt: -1 })).toThrow('time step dt=-1 is not allowed');
    expect(run({ cfl: 0 })).toThrow('cfl=0 is not allowed: need a finite cfl > 0');
    expect(run({ dealias: 'yes' })).toThrow('dealias=yes is not allowed: use true or false');
    expect(() => solveBurgersSpectral(u0, grid, [0.2, 0.1], base)).toThrow('output time grid is not increasing');
    const s = createSpectralStepper(grid, base);
    expect(() => s.step(new Float64Array(8), 0.1)).toThrow('u has 8 points but the grid has 64');
    expect(() => s.step(Float64Array.from(u0), 0)).toThrow('time step dt=0 is not allowed: need a finite dt > 0');
  });

  it.each(SPECTRAL_STEPPERS)('%s: a blow-up raises SolverInstabilityError with the time', (stepper) => {
    // Inviscid, large amplitude, a step far beyond the explicit stability limit.
    const big = grid.sample((x) => 50 * Math.sin(x) + 20 * Math.cos(5 * x));
    const call = () => solveBurgersSpectral(big, grid, [10], { nu: 0, stepper, dt: 0.5 });
    expect(call).toThrow(SolverInstabilityError);
    expect(call).toThrow(/^solver went unstable \(NaN\/Inf\) at t=\d/);
  });
});
