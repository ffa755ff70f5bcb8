import { describe, expect, it } from 'vitest';
import {
  erf,
  erfc,
  heatExact,
  pmeExact,
  solveGpme,
  stefanExact,
  stefanZ,
  type GpmeOptions,
  type GpmeProblem,
  type GpmeResult,
  type GpmeScheme,
} from '../../solvers/gpme/index.js';
import { SolverInputError } from '../../solvers/errors.js';

type Dom = [number, number];

function cellAverages(n: number, dom: Dom, f: (a: number, b: number) => number): Float64Array {
  const dx = (dom[1] - dom[0]) / n;
  return Float64Array.from({ length: n }, (_, i) => f(dom[0] + i * dx, dom[0] + (i + 1) * dx));
}

function l1(a: ArrayLike<number>, b: ArrayLike<number>, dx: number): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]) * dx;
  return s;
}

/** Observed orders log2(e_k / e_{k+1}) for successive halvings. */
function orders(e: number[]): number[] {
  return e.slice(1).map((x, i) => Math.log2(e[i] / x));
}

/** Worst relative mass-balance defect |M(t) − M(0) − ∫F_left + ∫F_right| / scale over the frames. */
function massDefect(res: GpmeResult, m0: number, scale: number): number {
  let worst = 0;
  for (const f of res.frames) worst = Math.max(worst, Math.abs(f.mass - m0 - f.fluxLeft + f.fluxRight) / scale);
  return worst;
}

const HEAT_DOM: Dom = [0, 2 * Math.PI];
function heatProblem(n: number, k: number): GpmeProblem {
  return { n, domain: HEAT_DOM, diffusivity: { kind: 'constant', k }, boundary: 'periodic' };
}

function pmeProblem(n: number, m: number): GpmeProblem {
  const ex = pmeExact(m);
  return {
    n,
    domain: [0, 1],
    diffusivity: { kind: 'power', m },
    boundary: { left: { kind: 'dirichlet', value: ex.boundaryValue }, right: { kind: 'dirichlet', value: 0 } },
  };
}

function stefanProblem(n: number, pStar: number): GpmeProblem {
  return {
    n,
    domain: [0, 1],
    diffusivity: { kind: 'stefan', pStar, kMax: 1, kMin: 0 },
    boundary: { left: { kind: 'dirichlet', value: 1 }, right: { kind: 'dirichlet', value: 0 } },
  };
}

describe('special functions', () => {
  it('erf and erfc match reference values to 1e-15', () => {
    const ref: [number, number][] = [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [2.9, 0.9999589021219005],
    ];
    for (const [x, v] of ref) {
      expect(Math.abs(erf(x) - v)).toBeLessThan(2e-16 + 1e-15 * v);
      expect(erf(-x)).toBe(-erf(x));
    }
    expect(Math.abs(erfc(3) / 2.209049699858544e-5 - 1)).toBeLessThan(1e-14);
    expect(Math.abs(erfc(5) / 1.5374597944280349e-12 - 1)).toBeLessThan(1e-14);
    expect(Math.abs(erf(3.5) - (1 - erfc(3.5)))).toBe(0);
  });
});

describe('exact GPME solutions', () => {
  it('Stefan: z solves p*·erf(z)·z·e^{z²} = (1 − p*)/√π, u(x*⁻) = p* and the front carries the flux (Stefan condition)', () => {
    for (const pStar of [0.5, 0.55, 0.6, 0.7]) {
      const ex = stefanExact(pStar);
      const z = stefanZ(pStar);
      expect(Math.abs(pStar * erf(z) * z * Math.exp(z * z) - (1 - pStar) / Math.sqrt(Math.PI))).toBeLessThan(1e-15);
      expect(ex.alpha).toBe(2 * z);
      const t = 0.05;
      const xf = ex.front(t);
      expect(Math.abs(ex.value(xf * (1 - 1e-12), t) - pStar)).toBeLessThan(1e-10);
      expect(ex.value(xf * (1 + 1e-12), t)).toBe(0);
      // −u_x(x*⁻) = p*·dx*/dt, by central differences just behind the front.
      const h = 1e-6;
      const ux = (ex.value(xf - h, t) - ex.value(xf - 3 * h, t)) / (2 * h);
      const xfDot = ex.alpha / (2 * Math.sqrt(t));
      expect(Math.abs(-ux - pStar * xfDot) / (pStar * xfDot)).toBeLessThan(1e-5);
      // ProbConserv's mass 2c₁√(t/π) equals the integral of the profile.
      expect(Math.abs(ex.mass(0, 1, t) - 2 * ex.c1 * Math.sqrt(t / Math.PI))).toBeLessThan(1e-15);
    }
    // p* = 0.5: z = 0.6201... (front 0.392 at t = 0.1, inside [0, 1] over ProbConserv's t ∈ [0, 0.1]).
    expect(stefanZ(0.5)).toBeCloseTo(0.62006, 4);
  });

  it('PME: mass m^{1+1/m} t^{1+1/m}/(m+1) (ProbConserv mass_pme) and cell averages that integrate the profile', () => {
    for (const m of [1, 2.5, 6]) {
      const ex = pmeExact(m);
      const t = 0.7;
      expect(Math.abs(ex.mass(0, 1, t) - (m ** (1 + 1 / m) * t ** (1 + 1 / m)) / (m + 1))).toBeLessThan(1e-15);
      const avg = cellAverages(1000, [0, 1], (a, b) => ex.cellAverage(a, b, t));
      expect(Math.abs(avg.reduce((s, v) => s + v, 0) / 1000 - ex.mass(0, 1, t))).toBeLessThan(1e-14);
    }
  });
});

describe('GPME solver: heat equation (constant k, periodic [0, 2π))', () => {
  const k = 2;
  const tEnd = 0.5;
  const exact = heatExact(k);
  const u0 = (n: number): Float64Array => cellAverages(n, HEAT_DOM, (a, b) => exact.cellAverage(a, b, 0));

  it('converges in space at order 2 (CN with a small step)', () => {
    const errs = [16, 32, 64].map((n) => {
      const res = solveGpme(u0(n), [tEnd], heatProblem(n, k), { dt: 2e-4, scheme: 'crank-nicolson' });
      return l1(
        res.frames[0].u,
        cellAverages(n, HEAT_DOM, (a, b) => exact.cellAverage(a, b, tEnd)),
        (2 * Math.PI) / n,
      );
    });
    for (const p of orders(errs)) expect(Math.abs(p - 2)).toBeLessThan(0.3);
  });

  it.each<[GpmeScheme, number]>([
    ['backward-euler', 1],
    ['crank-nicolson', 2],
    ['bdf2', 2],
  ])('%s converges in time at order %i (against a same-grid reference)', (scheme, design) => {
    const n = 64;
    const ref = solveGpme(u0(n), [tEnd], heatProblem(n, k), { dt: tEnd / 4096, scheme: 'crank-nicolson' }).frames[0].u;
    const errs = [20, 40, 80].map((steps) => l1(solveGpme(u0(n), [tEnd], heatProblem(n, k), { dt: tEnd / steps, scheme }).frames[0].u, ref, (2 * Math.PI) / n));
    for (const p of orders(errs)) expect(Math.abs(p - design)).toBeLessThan(0.3);
  });

  it('conserves the periodic mass to round-off', () => {
    const n = 128;
    const init = cellAverages(n, HEAT_DOM, (a, b) => 1 + exact.cellAverage(a, b, 0));
    const res = solveGpme(init, [0.1, 0.5, 1], heatProblem(n, k), { dt: 0.01 });
    const m0 = init.reduce((s, v) => s + v, 0) * ((2 * Math.PI) / n);
    for (const f of res.frames) {
      expect(f.fluxLeft).toBe(f.fluxRight);
      expect(Math.abs(f.mass - m0) / m0).toBeLessThan(1e-12);
    }
  });
});

describe('GPME solver: porous-medium equation k = u^m (front x = t)', () => {
  // Degenerate front u ~ (t − x)^{1/m}: the L1 order of BDF2 is measured min(2, 1 + 1/m)
  // (m = 1: 1.96–1.99, m = 3: 1.30–1.32, m = 6: 1.16), backward Euler's is 1 (time-limited).
  const cases: [GpmeScheme, number, number][] = [
    ['bdf2', 1, 2],
    ['bdf2', 3, 1 + 1 / 3],
    ['bdf2', 6, 1 + 1 / 6],
    ['backward-euler', 3, 1],
  ];
  it.each(cases)('%s, m = %d: L1 order %d at t = 0.5 (dt ∝ dx) and mass balance to round-off', (scheme, m, design) => {
    const t = 0.5;
    const ex = pmeExact(m);
    const errs: number[] = [];
    for (const n of [100, 200, 400]) {
      const res = solveGpme(new Float64Array(n), [0.25, t], pmeProblem(n, m), { dt: 1 / n, scheme });
      const f = res.frames[1];
      errs.push(
        l1(
          f.u,
          cellAverages(n, [0, 1], (a, b) => ex.cellAverage(a, b, t)),
          1 / n,
        ),
      );
      expect(massDefect(res, 0, f.mass)).toBeLessThan(1e-12);
      expect(res.stats.picardFallbacks).toBe(0);
      // The discrete mass follows the exact one (initial mass 0 plus the boundary inflow).
      expect(Math.abs(f.mass - ex.mass(0, 1, t)) / ex.mass(0, 1, t)).toBeLessThan(0.02);
    }
    for (const p of orders(errs)) expect(Math.abs(p - design)).toBeLessThan(0.3);
  });

  it('Picard (lagged k, arithmetic faces) reaches the Newton solution; Kirchhoff and arithmetic faces agree to discretization error', () => {
    const n = 25;
    const p = pmeProblem(n, 3);
    const opts: GpmeOptions = { dt: 1 / n, faceFlux: 'arithmetic' };
    const newton = solveGpme(new Float64Array(n), [0.5], p, opts).frames[0].u;
    const picard = solveGpme(new Float64Array(n), [0.5], p, { ...opts, nonlinearSolver: 'picard' });
    expect(l1(picard.frames[0].u, newton, 1)).toBeLessThan(1e-10);
    const kirch = solveGpme(new Float64Array(n), [0.5], p, { dt: 1 / n }).frames[0].u;
    expect(l1(kirch, newton, 1 / n)).toBeLessThan(5e-3);
  });
});

describe('GPME solver: Stefan problem (k jumps from 0 to 1 at p*)', () => {
  // The front cell fills and empties in steps (Maddix et al. 2018b), so errors are averaged over
  // 20 frames in t ∈ (0, 0.1]: space-time L1 order 1 for backward Euler (measured 0.86–1.07),
  // 1.0–2.0 for BDF2; the front (the melted length Σ dx·min(u/p*, 1)) converges at order 1.
  it.each([0.5, 0.6, 0.7])('p* = %d: space-time L1 order 1, front position order 1, mass balance to round-off', (pStar) => {
    const ex = stefanExact(pStar);
    const times = Array.from({ length: 20 }, (_, k) => (0.1 * (k + 1)) / 20);
    const errs: number[] = [];
    const frontErrs: number[] = [];
    const bdf2Errs: number[] = [];
    for (const n of [100, 200, 400, 800]) {
      for (const scheme of ['backward-euler', 'bdf2'] as const) {
        const res = solveGpme(new Float64Array(n), times, stefanProblem(n, pStar), { dt: 0.1 / n, scheme });
        let e = 0;
        let fe = 0;
        for (const f of res.frames) {
          e +=
            l1(
              f.u,
              cellAverages(n, [0, 1], (a, b) => ex.cellAverage(a, b, f.t)),
              1 / n,
            ) / times.length;
          let xf = 0;
          for (const v of f.u) xf += Math.min(1, Math.max(v, 0) / pStar) / n;
          fe += Math.abs(xf - ex.front(f.t)) / times.length;
        }
        const last = res.frames[res.frames.length - 1];
        expect(massDefect(res, 0, last.mass)).toBeLessThan(1e-12);
        if (scheme === 'bdf2') bdf2Errs.push(e);
        else {
          errs.push(e);
          frontErrs.push(fe);
        }
      }
    }
    for (const p of orders(errs)) expect(Math.abs(p - 1)).toBeLessThan(0.3);
    const frontOrder = Math.log2(frontErrs[0] / frontErrs[3]) / 3;
    expect(Math.abs(frontOrder - 1)).toBeLessThan(0.3);
    expect(frontErrs[3]).toBeLessThan(1e-4);
    for (const p of orders(bdf2Errs)) expect(p).toBeGreaterThan(1);
  });
});

describe('GPME solver: boundary conditions and mass balance', () => {
  it('flux and Neumann boundaries: initial mass + integrated boundary flux = final mass to round-off', () => {
    const n = 50;
    const init = cellAverages(n, [0, 1], (a, b) => 0.5 + ((Math.sin(3 * b) - Math.sin(3 * a)) / (3 * (b - a))) * 0.3);
    const m0 = init.reduce((s, v) => s + v, 0) / n;
    const p: GpmeProblem = {
      n,
      domain: [0, 1],
      diffusivity: { kind: 'power', m: 2 },
      boundary: { left: { kind: 'flux', value: (t) => 0.3 * Math.cos(5 * t) }, right: { kind: 'neumann', value: -0.2 } },
    };
    for (const scheme of ['backward-euler', 'crank-nicolson', 'bdf2'] as const) {
      const res = solveGpme(init, [0.1, 0.2, 0.4], p, { dt: 0.01, scheme });
      expect(massDefect(res, m0, m0)).toBeLessThan(1e-12);
      // A prescribed flux enters exactly (CN and BE integrate it with their own weights; BDF2 with its quadrature).
      if (scheme === 'crank-nicolson') {
        let q = 0;
        for (let s = 0; s < 40; s++) q += 0.005 * (0.3 * Math.cos(5 * s * 0.01) + 0.3 * Math.cos(5 * (s + 1) * 0.01));
        expect(Math.abs(res.frames[2].fluxLeft - q)).toBeLessThan(1e-14);
      }
    }
  });

  it('zero-flux ends conserve the mass of a Stefan melt', () => {
    const n = 64;
    const init = cellAverages(n, [0, 1], (a, b) => (b <= 0.5 ? 1 : a >= 0.5 ? 0 : 0.5));
    const p: GpmeProblem = {
      n,
      domain: [0, 1],
      diffusivity: { kind: 'stefan', pStar: 0.6, kMax: 1, kMin: 0 },
      boundary: { left: { kind: 'flux', value: 0 }, right: { kind: 'flux', value: 0 } },
    };
    const res = solveGpme(init, [0.01, 0.05], p, { dt: 1e-3 });
    for (const f of res.frames) expect(Math.abs(f.mass - 0.5) / 0.5).toBeLessThan(1e-12);
  });
});

describe('GPME solver: bad input', () => {
  const ok = pmeProblem(10, 2);
  const u0 = new Float64Array(10);
  const cases: [string, () => unknown, string][] = [
    [
      'm <= 0',
      () => solveGpme(u0, [1], { ...ok, diffusivity: { kind: 'power', m: 0 } }, { dt: 0.1 }),
      'exponent m=0 is not allowed: the porous-medium diffusivity k(u) = u^m needs m > 0',
    ],
    ['p* outside (0, 1)', () => solveGpme(u0, [1], stefanProblem(10, 1.2), { dt: 0.1 }), 'p*=1.2 is not allowed: the Stefan threshold must lie in (0, 1)'],
    [
      'k <= 0',
      () => solveGpme(u0, [1], { ...ok, diffusivity: { kind: 'constant', k: -1 } }, { dt: 0.1 }),
      'diffusivity k=-1 is not allowed: the heat equation needs a constant k > 0',
    ],
    ['one cell', () => solveGpme(new Float64Array(1), [1], { ...ok, n: 1 }, { dt: 0.1 }), 'grid size n=1 is not allowed: use an integer >= 2'],
    ['reversed domain', () => solveGpme(u0, [1], { ...ok, domain: [1, 0] }, { dt: 0.1 }), 'domain [1, 0] is not allowed: need finite xmin < xmax'],
    [
      'times not increasing',
      () => solveGpme(u0, [0.5, 0.2], ok, { dt: 0.1 }),
      'output time grid is not increasing: t[0]=0.5 >= t[1]=0.2; times must be strictly increasing',
    ],
    ['negative time', () => solveGpme(u0, [-1], ok, { dt: 0.1 }), 'output time t[0]=-1 is before the start time 0'],
    ['dt <= 0', () => solveGpme(u0, [1], ok, { dt: 0 }), 'dt=0 is not allowed: use a time step > 0'],
    ['wrong u0 length', () => solveGpme(new Float64Array(9), [1], ok, { dt: 0.1 }), 'initial condition has 9 values but the grid has 10 cells'],
    [
      'unknown scheme',
      () => solveGpme(u0, [1], ok, { dt: 0.1, scheme: 'rk4' as GpmeScheme }),
      "scheme 'rk4' is not allowed: use one of backward-euler, crank-nicolson, bdf2",
    ],
    [
      'infinite boundary data',
      () => solveGpme(u0, [1], { ...ok, boundary: { left: { kind: 'dirichlet', value: Infinity }, right: { kind: 'flux', value: 0 } } }, { dt: 0.1 }),
      'left boundary value Infinity is not allowed: use a finite number or a function of t',
    ],
    ['exact PME m <= 0', () => pmeExact(-1), 'exponent m=-1 is not allowed: the porous-medium diffusivity k(u) = u^m needs m > 0'],
    ['exact Stefan p* = 0', () => stefanExact(0), 'p*=0 is not allowed: the Stefan threshold must lie in (0, 1)'],
  ];
  it.each(cases)('%s', (_, fn, message) => {
    expect(fn).toThrow(SolverInputError);
    expect(fn).toThrow(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
  });
});
