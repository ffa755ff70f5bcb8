import { describe, expect, it } from 'vitest';
import { SolverInputError, SolverInstabilityError } from '../../solvers/errors.js';
import { createSpectralArena2d, defaultFft2dBackend, irfft2, rfft2 } from '../../core/fft/fft2d.js';
import { nsKernelsFor } from '../../solvers/ns2d/kernels.js';
import {
  advectiveDtBound,
  createImexRkCnTableau,
  createNs2dStepper,
  dtBoundForVelocity,
  energySpectrum,
  forcingField,
  NavierStokes2d,
  NS_FORCINGS,
  NS_SCHEMES,
  NS_TABLEAUS,
  nsDiagnostics,
  resolveNs2dConfig,
  solveNs2d,
  spectralResample,
  velocityFromVorticity,
  type Ns2dConfig,
  type NsScheme,
} from '../../solvers/ns2d/index.js';
import { Rng } from '../../core/random.js';
import { maxAbs, maxDiff } from '../helpers/numeric.js';

const TWO_PI = 2 * Math.PI;

function sampleGrid(n: number, length: number, f: (x: number, y: number) => number): Float64Array {
  const w = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) w[i * n + j] = f((i * length) / n, (j * length) / n);
  return w;
}

/** A smooth random vorticity: modes with max(|kx|, |ky|) <= kmax, amplitude ~ amp/|k|² (mean zero). */
function randomModesField(n: number, seed: number, kmax: number, amp: number): Float64Array {
  const rng = new Rng(seed);
  const w = new Float64Array(n * n);
  for (let kx = -kmax; kx <= kmax; kx++) {
    for (let ky = 0; ky <= kmax; ky++) {
      if (ky === 0 && kx <= 0) continue;
      const a = (amp * rng.normal()) / (kx * kx + ky * ky);
      const b = (amp * rng.normal()) / (kx * kx + ky * ky);
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          const ph = (TWO_PI * (kx * i + ky * j)) / n;
          w[i * n + j] += a * Math.cos(ph) + b * Math.sin(ph);
        }
      }
    }
  }
  return w;
}

/** Amplification of one implicit-only step, Π_s (1 + μ_s·z)/(1 − μ_s·z), z = dt·λ. */
function implicitFactor(scheme: NsScheme, z: number): number {
  const { alphas, gammas } = NS_TABLEAUS[scheme];
  let g = 1;
  for (let s = 0; s < gammas.length; s++) {
    const mu = 0.5 * (alphas[s + 1] - alphas[s]);
    g *= (1 + mu * z) / (1 - mu * z);
  }
  return g;
}

describe('Taylor–Green vortex ω = 2 sin x sin y e^{−(2ν+α)t} on [0, 2π)² (advection vanishes) × every scheme', () => {
  const n = 16;
  const w0 = sampleGrid(n, TWO_PI, (x, y) => 2 * Math.sin(x) * Math.sin(y));
  const T = 3;
  const DTS: { name: string; dt: Ns2dConfig['dt'] }[] = [
    { name: 'fixed dt 1e-3', dt: { kind: 'fixed', dt: 1e-3 } },
    // dt = 0.02·dx/max|u| ≈ 7.9e-3·e^{(2ν+α)t}: varies every step.
    { name: 'adaptive cfl 0.02', dt: { kind: 'cfl', cfl: 0.02, maxDt: 1 } },
  ];
  const cases = NS_SCHEMES.flatMap((scheme) =>
    [
      { nu: 0.01, drag: 0 },
      { nu: 0.01, drag: 0.1 },
    ].flatMap((p) => DTS.map((d) => ({ scheme, ...p, ...d }))),
  );

  it.each(cases)('$scheme, nu=$nu, drag=$drag, $name', ({ scheme, nu, drag, dt }) => {
    const lambda = -(2 * nu + drag);
    const tEvents: number[] = [0];
    const times = [0, 1, T];
    const frames = solveNs2d(w0, times, { n, length: TWO_PI, nu, drag, forcing: 'none', scheme, dt }, { onProgress: (t) => tEvents.push(t) });
    expect(frames[0]).toEqual(w0);
    expect(tEvents[tEvents.length - 1]).toBe(T);
    expect(tEvents).toContain(1);
    // The discrete solution is the scheme's implicit amplification over the steps actually taken.
    let g = 1;
    for (let k = 1; k < tEvents.length; k++) g *= implicitFactor(scheme, (tEvents[k] - tEvents[k - 1]) * lambda);
    expect(
      maxDiff(
        frames[2],
        w0.map((v) => v * g),
      ),
    ).toBeLessThan(1e-12);
    // …and the exact decay to within the Crank–Nicolson truncation error: a step's factor is
    // e^z·(1 + O(z³/12)), so after T the relative error is about T·|λ|³·dt²/12. Measured max errors:
    // cn-euler 3.8e-12 (drag 0, dt = 1e-3) … 5.4e-8 (drag 0.1, adaptive dt ≈ 8e-3 … 1.1e-2);
    // cn-rk3 2.3e-13 … 6.8e-9; against the discrete factor ≤ 2.4e-13 (3000 steps of round-off).
    const steps = tEvents.slice(1).map((t, k) => t - tEvents[k]);
    const hmax = Math.max(...steps);
    const cnError = (2 * T * Math.abs(lambda) ** 3 * hmax * hmax) / 12;
    expect(
      maxDiff(
        frames[2],
        w0.map((v) => v * Math.exp(lambda * T)),
      ),
    ).toBeLessThan(2 * cnError + 1e-12);
    if (dt.kind === 'cfl') {
      // Steps grow as the velocity decays (except the ones shortened to land on t = 1 and T).
      expect(Math.max(...steps) - Math.min(...steps)).toBeGreaterThan(1e-4);
      expect(steps[0]).toBeCloseTo((0.02 * (TWO_PI / n)) / 1, 12);
    }
  });
});

describe('forced exact solutions from rest (one wavevector, advection vanishes) × every scheme', () => {
  // ω_t = −λω + f with f ∝ one wavevector k (ψ ∥ ω, so u·∇ω = 0): ω(t) = f·(1 − e^{−λt})/λ, λ = ν|k|² + α.
  const CASES = NS_SCHEMES.flatMap((scheme) => [
    { scheme, forcing: 'fno' as const, length: 1, nu: 1e-3, drag: 0.05, k2: 8 * Math.PI * Math.PI },
    { scheme, forcing: 'kolmogorov' as const, length: TWO_PI, nu: 1e-3, drag: 0.1, k2: 16 },
  ]);

  it.each(CASES)('$scheme, $forcing forcing', ({ scheme, forcing, length, nu, drag, k2 }) => {
    const n = 16;
    const T = 2;
    const lambda = nu * k2 + drag;
    const [w] = solveNs2d(new Float64Array(n * n), [T], { n, length, nu, drag, forcing, scheme, dt: { kind: 'fixed', dt: 1e-3 } });
    const f = forcingField(forcing, n, length);
    const s = (1 - Math.exp(-lambda * T)) / lambda;
    // Both schemes keep the steady state f/λ exactly; the transient decays with the Crank–Nicolson
    // factor, off by about T·λ³·dt²/12 relative (measured: cn-euler 3e-10 and 7e-9, cn-rk3 below).
    const tol = (2 * (maxAbs(f) / lambda) * T * lambda ** 3 * 1e-6) / 12 + 1e-13;
    expect(
      maxDiff(
        w,
        f.map((v) => v * s),
      ),
    ).toBeLessThan(tol);
    if (forcing === 'kolmogorov') {
      // jax-cfd's convention: the velocity forcing (sin 4y, 0) drives u = sin(4y)·s, v = 0.
      const { u, v } = velocityFromVorticity(w, n, length);
      expect(
        maxDiff(
          u,
          sampleGrid(n, length, (_x, y) => Math.sin(4 * y) * s),
        ),
      ).toBeLessThan(tol);
      expect(maxAbs(v)).toBeLessThan(1e-12);
    }
  });
});

describe('equation object and steppers', () => {
  const flow = { n: 32, length: TWO_PI, nu: 0.02, drag: 0.1, forcing: 'kolmogorov' as const };
  const w0 = randomModesField(32, 4, 5, 2);

  it('one fast step equals jax-cfd low_storage_runge_kutta_crank_nicolson written with the ImexEquation methods', () => {
    for (const scheme of NS_SCHEMES) {
      const tab = NS_TABLEAUS[scheme];
      const dt = 0.01;
      const eq = new NavierStokes2d(flow);
      eq.setVorticity(w0);
      // Reference: for k: h = F(u) + β_k h; µ = ½dt(α_{k+1} − α_k); u = G_inv(u + γ_k dt h + µ G(u), µ).
      let u = Float64Array.from(eq.w);
      let h = new Float64Array(u.length);
      for (let k = 0; k < tab.betas.length; k++) {
        const F = eq.explicitTerms(u, 0);
        h = F.map((v, i) => v + tab.betas[k] * h[i]);
        const mu = 0.5 * dt * (tab.alphas[k + 1] - tab.alphas[k]);
        const G = eq.implicitTerms(u);
        u = eq.implicitSolve(
          u.map((v, i) => v + tab.gammas[k] * dt * h[i] + mu * G[i]),
          mu,
        );
      }
      const stepper = createNs2dStepper(eq, scheme);
      stepper.step(dt, 0);
      expect(maxDiff(eq.w, u)).toBeLessThan(1e-12 * maxAbs(u));
    }
  });

  it('the state keeps exactly the 2/3-rule modes |p|, |q| <= n/3', () => {
    const eq = new NavierStokes2d(flow);
    eq.setVorticity(randomModesField(32, 5, 15, 1));
    const stepper = createNs2dStepper(eq, 'cn-rk3');
    for (let s = 0; s < 5; s++) stepper.step(0.01, s * 0.01);
    const m = 16;
    let outside = 0;
    let inside = 0;
    for (let p = 0; p < 32; p++) {
      for (let q = 0; q <= m; q++) {
        const a = Math.hypot(eq.w[2 * (p * (m + 1) + q)], eq.w[2 * (p * (m + 1) + q) + 1]);
        if (eq.isKept(p, q)) inside = Math.max(inside, a);
        else outside = Math.max(outside, a);
        expect(eq.isKept(p, q)).toBe(q <= 10 && (p <= 10 || p >= 22));
      }
    }
    expect(outside).toBe(0);
    expect(inside).toBeGreaterThan(0);
  });

  it('the wasm kernels validate (nsKernelsFor throws rather than fall back to JS on a wasm arena)', () => {
    if (defaultFft2dBackend() !== 'wasm') return;
    const k = nsKernelsFor(createSpectralArena2d(8, 8, 0, 'wasm'));
    expect(Object.keys(k).sort()).toEqual(['advect', 'stage', 'velgrad']);
  });

  it('advect: u·ωx + v·ωy and max(u² + v²), NaN when any value is NaN, the same in wasm and JS', () => {
    const arenas = defaultFft2dBackend() === 'wasm' ? (['wasm', 'js'] as const) : (['js'] as const);
    const n = 64;
    const rng = new Rng(9);
    const data = Array.from({ length: 4 }, () => Float64Array.from({ length: n }, () => rng.normal()));
    const run = (backend: 'wasm' | 'js', poison: [number, number, number] | null) => {
      const A = createSpectralArena2d(4, 4, 6 * n + 16, backend);
      const [u, v, wx, wy, out] = Array.from({ length: 5 }, () => A.alloc(n));
      [u, v, wx, wy].forEach((a, j) => a.set(data[j]));
      if (poison) [u, v][poison[0]][poison[1]] = poison[2];
      const mx = nsKernelsFor(A).advect(u.byteOffset, v.byteOffset, wx.byteOffset, wy.byteOffset, out.byteOffset, n / 2);
      return { mx, out: Array.from(out) };
    };
    for (const backend of arenas) {
      const clean = run(backend, null);
      let want = 0;
      for (let i = 0; i < n; i++) want = Math.max(want, data[0][i] ** 2 + data[1][i] ** 2);
      expect(clean.mx).toBe(want);
      for (let i = 0; i < n; i++) expect(clean.out[i]).toBe(data[0][i] * data[2][i] + data[1][i] * data[3][i]);
      for (const at of [0, 1, 31, n - 2, n - 1]) {
        expect(run(backend, [at % 2, at, NaN]).mx).toBeNaN();
        expect(run(backend, [(at + 1) % 2, at, -Infinity]).mx).toBe(Infinity);
      }
    }
    if (arenas.length === 2) expect(run('wasm', null)).toEqual(run('js', null));
  });

  it('the JS and wasm kernels give bit-identical states (same operation order, no FMA in wasm SIMD)', () => {
    if (defaultFft2dBackend() !== 'wasm') return;
    const run = (backend: 'js' | 'wasm') => {
      const eq = new NavierStokes2d(flow, { backend });
      eq.setVorticity(w0);
      const st = createNs2dStepper(eq, 'cn-rk3');
      for (let s = 0; s < 4; s++) st.step(0.01, s * 0.01);
      return { w: eq.getVorticity(new Float64Array(32 * 32)), u: st.maxVelocity() };
    };
    const a = run('wasm');
    const b = run('js');
    expect(maxAbs(a.w)).toBeGreaterThan(0.1);
    expect(maxDiff(a.w, b.w)).toBe(0);
    expect(a.u).toBe(b.u);
  });

  it('a blow-up raises SolverInstabilityError with the time', () => {
    const eq = new NavierStokes2d({ n: 16, length: TWO_PI, nu: 0, drag: 0, forcing: 'none' });
    eq.setVorticity(randomModesField(16, 6, 5, 20));
    const st = createNs2dStepper(eq, 'cn-euler');
    let t = 0;
    const run = () => {
      for (let s = 0; s < 2000; s++, t += 1) st.step(1, t);
    };
    expect(run).toThrow(SolverInstabilityError);
    expect(run).toThrow(/solver went unstable \(NaN\/Inf\) at t=\d+: cn-euler, n=16, nu=0, dt=1/);
  });

  it('tableaus are validated when built', () => {
    expect(NS_TABLEAUS['cn-rk3'].order).toBe(2);
    expect(NS_TABLEAUS['cn-rk3'].explicitOrder).toBe(3);
    expect(NS_TABLEAUS['cn-euler'].order).toBe(1);
    expect(() => createImexRkCnTableau('bad', 3, [0, 1 / 3, 3 / 4, 1], [0, -5 / 9, -153 / 128], [1 / 3, 15 / 16, 8 / 15 + 1e-3])).toThrow(
      /tableau bad: order condition Σb=.* should be 1 for order 3/,
    );
    expect(() => createImexRkCnTableau('bad', 2, [0, 0.5, 1], [0, 0], [0.4, 0.6])).toThrow(/explicit stage time c_1=0.4 differs from alpha_1=0.5/);
    expect(() => createImexRkCnTableau('bad', 1, [0, 1], [0, 0], [1])).toThrow(/need S >= 1 gammas, S betas and S \+ 1 alphas/);
  });
});

describe('velocity, diagnostics and spectra', () => {
  const n = 32;
  const w = randomModesField(n, 7, 8, 3);

  it('velocity is divergence-free to round-off and has vorticity ω (minus its mean)', () => {
    const { u, v } = velocityFromVorticity(w, n, 1);
    const uh = rfft2(u, n, n);
    const vh = rfft2(v, n, n);
    const m = n / 2;
    const div = new Float64Array(uh.length);
    const curl = new Float64Array(uh.length);
    for (let p = 0; p < n; p++) {
      const kx = p === m ? 0 : TWO_PI * (p < m ? p : p - n);
      for (let q = 0; q <= m; q++) {
        const ky = q === m ? 0 : TWO_PI * q;
        const i = 2 * (p * (m + 1) + q);
        // i·kx·û + i·ky·v̂ and i·kx·v̂ − i·ky·û (times i: (a + ib)·i = −b + ia).
        div[i] = -(kx * uh[i + 1] + ky * vh[i + 1]);
        div[i + 1] = kx * uh[i] + ky * vh[i];
        curl[i] = -(kx * vh[i + 1] - ky * uh[i + 1]);
        curl[i + 1] = kx * vh[i] - ky * uh[i];
      }
    }
    const scale = maxAbs(u) * TWO_PI * m;
    expect(maxAbs(irfft2(div, n, n))).toBeLessThan(1e-13 * scale);
    expect(maxDiff(irfft2(curl, n, n), w)).toBeLessThan(1e-12 * maxAbs(w));
  });

  it('nsDiagnostics: energy, enstrophy and forcing work agree with grid means; energySpectrum sums to the energy', () => {
    const cfg = { n, length: 1, nu: 0.01, drag: 0.3, forcing: 'fno' as const };
    const d = nsDiagnostics(w, cfg);
    const { u, v } = velocityFromVorticity(w, n, 1);
    const f = forcingField('fno', n, 1);
    let e = 0;
    let z = 0;
    let zf = 0;
    let umax = 0;
    for (let i = 0; i < n * n; i++) {
      e += 0.5 * (u[i] * u[i] + v[i] * v[i]);
      z += 0.5 * w[i] * w[i];
      zf += w[i] * f[i];
      umax = Math.max(umax, Math.hypot(u[i], v[i]));
    }
    const N = n * n;
    expect(d.energy).toBeCloseTo(e / N, 13);
    expect(d.enstrophy).toBeCloseTo(z / N, 12);
    expect(d.enstrophyForcing).toBeCloseTo(zf / N, 13);
    expect(d.maxVelocity).toBe(umax);
    expect(d.dragLoss).toBeCloseTo(2 * 0.3 * d.energy, 14);
    // For a zero-mean band-limited field, ν⟨|∇u|²⟩ = ν⟨ω²⟩ = 2νZ.
    expect(d.dissipation).toBeCloseTo(2 * 0.01 * d.enstrophy, 12);
    expect(Math.abs(d.meanVorticity)).toBeLessThan(1e-14);
    const { k, e: spec } = energySpectrum(w, n, 1);
    expect(k.length).toBe(spec.length);
    expect(k[1]).toBeCloseTo(TWO_PI, 14);
    expect(spec.reduce((a, b) => a + b, 0)).toBeCloseTo(d.energy, 14);
    expect(spec[0]).toBe(0);
    // Only shells up to |k| = 8√2 are excited.
    for (let s = 13; s < spec.length; s++) expect(spec[s]).toBeLessThan(1e-28);
  });

  it('advectiveDtBound is the documented formula at the initial max|u|', () => {
    const base = { n, length: TWO_PI, nu: 0.02, drag: 0.5, forcing: 'none' as const, dt: { kind: 'fixed' as const, dt: 1e-3 } };
    const { u, v } = velocityFromVorticity(w, n, TWO_PI);
    let U = 0;
    for (let i = 0; i < n * n; i++) U = Math.max(U, Math.hypot(u[i], v[i]));
    const kmax = Math.SQRT2 * 10;
    expect(advectiveDtBound(w, { ...base, scheme: 'cn-euler' })).toBeCloseTo((2 * (0.02 + 0.5 / (kmax * kmax))) / (U * U), 12);
    expect(advectiveDtBound(w, { ...base, scheme: 'cn-rk3' })).toBeCloseTo(Math.sqrt(3) / (U * kmax), 12);
    expect(dtBoundForVelocity(resolveNs2dConfig({ ...base, scheme: 'cn-rk3' }), 0)).toBe(Infinity);
  });
});

describe('spectralResample', () => {
  it('truncation of a field band-limited to |k| <= m/2 (Nyquist pairs included) is exact at the coarse points', () => {
    const n = 64;
    const m = 16;
    // Modes up to 8 = m/2 in both directions, including (±8, ±8) and (8, 3).
    const f = (x: number, y: number) =>
      Math.cos(8 * x + 1) * Math.sin(3 * y) + 0.5 * Math.cos(8 * x) * Math.cos(8 * y) + Math.sin(2 * x - 5 * y) + 0.25 * Math.cos(8 * y + 0.3);
    const fine = sampleGrid(n, TWO_PI, f);
    const coarse = spectralResample(fine, n, m);
    expect(maxDiff(coarse, sampleGrid(m, TWO_PI, f))).toBeLessThan(1e-13);
  });

  it('zero-padding interpolates a field band-limited below Nyquist exactly, and up then down is the identity', () => {
    const f = (x: number, y: number) => Math.sin(x + 2 * y) + Math.cos(7 * x) * Math.sin(5 * y) + 0.1;
    const w16 = sampleGrid(16, TWO_PI, f);
    expect(maxDiff(spectralResample(w16, 16, 64), sampleGrid(64, TWO_PI, f))).toBeLessThan(1e-13);
    // A random field has Nyquist content: it is split symmetrically going up, summed going down.
    const rng = new Rng(9);
    const r = Float64Array.from({ length: 16 * 16 }, () => rng.normal());
    const up = spectralResample(r, 16, 32);
    expect(maxDiff(spectralResample(up, 32, 16), r)).toBeLessThan(1e-14);
    expect(
      maxDiff(
        up.filter((_, i) => Math.floor(i / 32) % 2 === 0 && (i % 32) % 2 === 0),
        r,
      ),
    ).toBeLessThan(1e-14);
    expect(spectralResample(r, 16, 16)).toEqual(r);
  });

  it('refuses sizes the FFT cannot do', () => {
    expect(() => spectralResample(new Float64Array(64), 8, 12)).toThrow(
      new SolverInputError('target grid m=12 is not allowed: use a power of two >= 4 (e.g. 64)'),
    );
    expect(() => spectralResample(new Float64Array(36), 6, 4)).toThrow(/grid n=6 is not allowed/);
    expect(() => spectralResample(new Float64Array(10), 8, 4)).toThrow(/w has 10 values but the grid has n·n=64/);
  });
});

describe('solveNs2d: frames, callbacks and bad input', () => {
  const n = 16;
  const w0 = randomModesField(n, 10, 3, 1);
  const cfg: Ns2dConfig = { n, length: TWO_PI, nu: 0.05, drag: 0, forcing: 'kolmogorov', scheme: 'cn-rk3', dt: { kind: 'fixed', dt: 0.01 } };

  it('returns one frame per time, reports frames and progress, and t = 0 gives w0 itself', () => {
    const seen: number[] = [];
    let last = -1;
    const outside = w0.map((v, i) => v + 1e-3 * Math.cos(Math.PI * i)); // Nyquist content: projected away by the solver
    const frames = solveNs2d(outside, [0, 0.05, 0.1], cfg, {
      onFrame: (k, w) => {
        seen.push(k);
        expect(w.length).toBe(n * n);
      },
      onProgress: (t) => {
        expect(t).toBeGreaterThan(last);
        last = t;
      },
    });
    expect(seen).toEqual([0, 1, 2]);
    expect(frames).toHaveLength(3);
    expect(frames[0]).toEqual(outside);
    expect(last).toBe(0.1);
    // Equal steps of 0.01 per interval: the same as one run to 0.1.
    expect(maxDiff(frames[2], solveNs2d(outside, [0.1], cfg)[0])).toBeLessThan(1e-14);
  });

  it('bad input is refused with a message naming the value', () => {
    expect(() => solveNs2d(w0, [1], { ...cfg, nu: -0.1 })).toThrow(new SolverInputError('viscosity nu=-0.1 is not allowed: need a finite nu >= 0'));
    expect(() => solveNs2d(w0, [1], { ...cfg, n: 15 })).toThrow(
      new SolverInputError('grid n=15 is not allowed: use an even number (the 2D FFT needs a power of two >= 4, e.g. 256)'),
    );
    expect(() => solveNs2d(w0, [1], { ...cfg, n: 24 })).toThrow(
      new SolverInputError('grid n=24 is not allowed: the 2D FFT needs a power of two >= 4 (e.g. 32)'),
    );
    expect(() => solveNs2d(w0, [1], { ...cfg, forcing: 'taylor-green' as never })).toThrow(
      new SolverInputError(`unknown forcing 'taylor-green': use one of ${NS_FORCINGS.join(', ')}`),
    );
    expect(() => solveNs2d(w0, [1], { ...cfg, scheme: 'rk4' as never })).toThrow(new SolverInputError("unknown scheme 'rk4': use one of cn-euler, cn-rk3"));
    expect(() => solveNs2d(w0, [1], { ...cfg, drag: -1 })).toThrow(/drag=-1 is not allowed: need a finite drag >= 0/);
    expect(() => solveNs2d(w0, [1], { ...cfg, length: 1 })).toThrow(
      new SolverInputError("forcing 'kolmogorov' is defined on [0, 2π)²: length=1 is not allowed (use 6.283185307179586)"),
    );
    expect(() => solveNs2d(new Float64Array(64), [1], { ...cfg, n: 8 })).toThrow(/forcing 'kolmogorov' \(wavenumber 4\) needs n >= 16/);
    expect(() => solveNs2d(w0, [0.5, 0.5], cfg)).toThrow(
      new SolverInputError('output time grid is not increasing: t[0]=0.5 >= t[1]=0.5; times must be strictly increasing'),
    );
    expect(() => solveNs2d(w0, [-1], cfg)).toThrow(/output time t\[0\]=-1 is before the start time 0/);
    expect(() => solveNs2d(w0.subarray(1), [1], cfg)).toThrow(new SolverInputError('w0 has 255 values but the grid n=16 has n·n=256'));
    expect(() =>
      solveNs2d(
        w0.map((v, i) => (i === 3 ? NaN : v)),
        [1],
        cfg,
      ),
    ).toThrow(new SolverInputError('w0[3]=NaN is not finite'));
    expect(() => solveNs2d(w0, [1], { ...cfg, dt: { kind: 'fixed', dt: 0 } })).toThrow(/time step dt=0 is not allowed/);
    expect(() => solveNs2d(w0, [1], { ...cfg, dt: { kind: 'cfl', cfl: 0.9, maxDt: 0.1 } })).toThrow(
      /cfl=0.9 is above the stability limit 0\.6\d+ of cn-rk3 at n=16 \(√3\/\(dx·kmax\)\): use cfl <= 0\.6\d+/,
    );
    expect(() => solveNs2d(w0, [1], { ...cfg, dt: { kind: 'sometimes' } as never })).toThrow(/dt kind 'sometimes' is unknown: use 'fixed' or 'cfl'/);
  });

  it('a fixed dt above the explicit-advection stability bound is refused, naming the bound', () => {
    const bound = advectiveDtBound(w0, cfg);
    expect(() => solveNs2d(w0, [1], { ...cfg, dt: { kind: 'fixed', dt: 0.9 } })).toThrow(
      new RegExp(
        `^dt=0\\.9 is above the stability bound √3/\\(max\\|u\\|·kmax\\)=${String(bound).replace('.', '\\.')} for explicit advection at n=16 \\(max \\|u\\| = [0-9.]+\\): use dt <= ${String(bound).slice(0, 5).replace('.', '\\.')}`,
      ),
    );
    const euler = { ...cfg, scheme: 'cn-euler' as const, nu: 0.001 };
    expect(() => solveNs2d(w0, [1], { ...euler, dt: { kind: 'fixed', dt: 0.1 } })).toThrow(
      /^dt=0\.1 is above the stability bound 2\(nu \+ drag\/kmax²\)\/max\|u\|²=[0-9.e-]+ for explicit advection at n=16 \(max \|u\| = [0-9.]+\): use dt <= [0-9.e-]+$/,
    );
    for (const dt of [{ kind: 'fixed', dt: 1e-4 } as const, { kind: 'cfl', cfl: 0.1, maxDt: 1e-3 } as const]) {
      expect(() => solveNs2d(w0, [1], { ...euler, nu: 0, dt })).toThrow(
        new SolverInputError(
          "scheme 'cn-euler' with nu=0 and drag=0 is not allowed: its forward-Euler advection is unstable for every dt without viscosity or drag (stability bound 0); use scheme 'cn-rk3'",
        ),
      );
    }
    // Just below the bound is accepted (and runs stably).
    const [w] = solveNs2d(w0, [0.2], { ...cfg, dt: { kind: 'fixed', dt: 0.999 * bound } });
    expect(maxAbs(w)).toBeLessThan(2 * maxAbs(w0));
  });
});
