import { SolverInputError } from '../errors.js';
import { irfft2, isFft2dSize, rfft2 } from '../../core/fft/fft2d.js';
import { checkNs2dParams, forcingField, type Ns2dConfig } from './config.js';

/**
 * Diagnostics of a vorticity field on the n×n grid of [0, L)², all in spectral form (exact
 * Parseval sums over the rfft2 coefficients, each column q weighted 1 for q = 0 and q = n/2, 2
 * otherwise). Derivatives use i·k with the Nyquist wavenumber (p or q = n/2) set to 0, the usual
 * choice for a field that must stay real; every solver output is band-limited below Nyquist
 * anyway (2/3 rule), where the choice makes no difference.
 */

function checkGrid(w: ArrayLike<number>, n: number, length: number, name = 'w'): void {
  if (!Number.isInteger(n) || !isFft2dSize(n, n)) throw new SolverInputError(`grid n=${n} is not allowed: use a power of two >= 4 (e.g. 256)`);
  if (w.length !== n * n) throw new SolverInputError(`${name} has ${w.length} values but the grid has n·n=${n * n}`);
  if (!(Number.isFinite(length) && length > 0)) throw new SolverInputError(`domain length=${length} is not allowed: need a finite length > 0`);
}

/** Derivative multipliers (Nyquist zeroed), true |k|² and 1/|k|² for every rfft2 mode. */
function spectralAxes(n: number, length: number): { kx: Float64Array; ky: Float64Array; dx: Float64Array; dy: Float64Array } {
  const m = n / 2;
  const k0 = (2 * Math.PI) / length;
  const kx = Float64Array.from({ length: n }, (_, p) => k0 * (p < m ? p : p - n));
  const ky = Float64Array.from({ length: m + 1 }, (_, q) => k0 * q);
  const dx = Float64Array.from(kx, (v, p) => (p === m ? 0 : v));
  const dy = Float64Array.from(ky, (v, q) => (q === m ? 0 : v));
  return { kx, ky, dx, dy };
}

/** Weight of rfft column q in a Parseval sum over the full spectrum. */
function colWeight(q: number, m: number): number {
  return q === 0 || q === m ? 1 : 2;
}

/** û = i·ky·ψ̂, v̂ = −i·kx·ψ̂ with ψ̂ = ŵ/|k|² (0 at k = 0): the spectra of u = ∂yψ, v = −∂xψ. */
function velocitySpectra(wh: Float64Array, n: number, length: number): { uh: Float64Array; vh: Float64Array } {
  const m = n / 2;
  const { kx, ky, dx, dy } = spectralAxes(n, length);
  const uh = new Float64Array(wh.length);
  const vh = new Float64Array(wh.length);
  for (let p = 0; p < n; p++) {
    for (let q = 0; q <= m; q++) {
      const i = 2 * (p * (m + 1) + q);
      const k2 = kx[p] * kx[p] + ky[q] * ky[q];
      const g = k2 > 0 ? 1 / k2 : 0;
      const pr = g * wh[i];
      const pi = g * wh[i + 1];
      // i·c·(a + ib) = c·(−b + ia)
      uh[i] = -dy[q] * pi;
      uh[i + 1] = dy[q] * pr;
      vh[i] = dx[p] * pi;
      vh[i + 1] = -dx[p] * pr;
    }
  }
  return { uh, vh };
}

/**
 * Velocity (u, v) = (∂yψ, −∂xψ) with −Δψ = ω of the vorticity w (n×n, x-major) on [0, L)²;
 * the mean of ω (which no periodic velocity has) is ignored.
 */
export function velocityFromVorticity(w: Float64Array, n: number, length: number): { u: Float64Array; v: Float64Array } {
  checkGrid(w, n, length);
  const { uh, vh } = velocitySpectra(rfft2(w, n, n), n, length);
  return { u: irfft2(uh, n, n), v: irfft2(vh, n, n) };
}

/**
 * Budget terms of a vorticity field, as DOMAIN MEANS (per unit area), for the flow of `cfg`
 * (n, length, nu, drag and forcing are used):
 *
 *   dE/dt = forcingWork − dissipation − dragLoss,   dZ/dt = enstrophyForcing − enstrophyDissipation − enstrophyDragLoss
 *
 * hold exactly for the solver's Galerkin-truncated system (advection conserves E and Z there).
 */
export interface NsDiagnostics {
  /** E = ½⟨|u|²⟩. */
  energy: number;
  /** Z = ½⟨ω²⟩. */
  enstrophy: number;
  /** ν⟨|∇u|²⟩ (= ν⟨ω²⟩ for a zero-mean band-limited ω). */
  dissipation: number;
  /** ⟨F·u⟩ = ⟨ψ·f⟩ for the velocity forcing F with curl F = f. */
  forcingWork: number;
  /** 2αE. */
  dragLoss: number;
  /** ⟨ω⟩. */
  meanVorticity: number;
  /** max |u| over the grid points. */
  maxVelocity: number;
  /** ⟨ω·f⟩. */
  enstrophyForcing: number;
  /** ν⟨|∇ω|²⟩. */
  enstrophyDissipation: number;
  /** 2αZ. */
  enstrophyDragLoss: number;
}

export function nsDiagnostics(w: Float64Array, cfg: Pick<Ns2dConfig, 'n' | 'length' | 'nu' | 'drag' | 'forcing'>): NsDiagnostics {
  checkNs2dParams(cfg);
  const { n, length, nu, drag } = cfg;
  checkGrid(w, n, length);
  const m = n / 2;
  const N2 = n * n * n * n;
  const wh = rfft2(w, n, n);
  const fh = rfft2(forcingField(cfg.forcing, n, length), n, n);
  const { kx, ky, dx, dy } = spectralAxes(n, length);
  const { uh, vh } = velocitySpectra(wh, n, length);
  let e = 0;
  let z = 0;
  let diss = 0;
  let work = 0;
  let zf = 0;
  let zdiss = 0;
  for (let p = 0; p < n; p++) {
    for (let q = 0; q <= m; q++) {
      const i = 2 * (p * (m + 1) + q);
      const wq = colWeight(q, m);
      const k2 = kx[p] * kx[p] + ky[q] * ky[q];
      const d2 = dx[p] * dx[p] + dy[q] * dy[q];
      const uu = uh[i] * uh[i] + uh[i + 1] * uh[i + 1] + vh[i] * vh[i] + vh[i + 1] * vh[i + 1];
      const ww = wh[i] * wh[i] + wh[i + 1] * wh[i + 1];
      const g = k2 > 0 ? 1 / k2 : 0;
      e += wq * uu;
      z += wq * ww;
      diss += wq * d2 * uu;
      zdiss += wq * d2 * ww;
      work += wq * g * (wh[i] * fh[i] + wh[i + 1] * fh[i + 1]);
      zf += wq * (wh[i] * fh[i] + wh[i + 1] * fh[i + 1]);
    }
  }
  const energy = (0.5 * e) / N2;
  const enstrophy = (0.5 * z) / N2;
  const u = irfft2(uh, n, n);
  const v = irfft2(vh, n, n);
  let umax = 0;
  for (let i = 0; i < n * n; i++) umax = Math.max(umax, Math.hypot(u[i], v[i]));
  return {
    energy,
    enstrophy,
    dissipation: (nu * diss) / N2,
    forcingWork: work / N2,
    dragLoss: 2 * drag * energy,
    meanVorticity: wh[0] / (n * n),
    maxVelocity: umax,
    enstrophyForcing: zf / N2,
    enstrophyDissipation: (nu * zdiss) / N2,
    enstrophyDragLoss: 2 * drag * enstrophy,
  };
}

/**
 * Spectral resampling of an n×n periodic field (x-major) to m×m, values at the new grid points
 * (i, j)·L/m. m < n: truncation to the modes |p|, |q| ≤ m/2, the two fine modes ±m/2 of each
 * axis summed into the coarse Nyquist mode — exactly what sampling a field band-limited to
 * |k| ≤ m/2 at the coarse points gives. m > n: zero-padding, the coarse Nyquist coefficient split
 * half and half between the fine modes +n/2 and −n/2 (a real, symmetric interpolant). Up then
 * down is the identity; m = n returns a copy. n and m: powers of two >= 4.
 */
export function spectralResample(w: Float64Array, n: number, m: number): Float64Array {
  checkGrid(w, n, 1);
  if (!Number.isInteger(m) || !isFft2dSize(m, m)) throw new SolverInputError(`target grid m=${m} is not allowed: use a power of two >= 4 (e.g. 64)`);
  if (m === n) return Float64Array.from(w);
  const hn = n / 2;
  const hm = m / 2;
  const src = rfft2(w, n, n);
  // Full complex m×m target spectrum (p, q in 0 … m−1), filled from every source mode.
  const full = new Float64Array(2 * m * m);
  const scale = (m * m) / (n * n);
  const coef = (p: number, q: number): [number, number] => {
    // Source coefficient of signed mode (p, q) from the rfft layout (Hermitian symmetry).
    if (q >= 0) {
      const i = 2 * ((((p % n) + n) % n) * (hn + 1) + q);
      return [src[i], src[i + 1]];
    }
    const i = 2 * ((((-p % n) + n) % n) * (hn + 1) - q);
    return [src[i], -src[i + 1]];
  };
  const add = (p: number, q: number, re: number, im: number) => {
    const i = 2 * ((((p % m) + m) % m) * m + (((q % m) + m) % m));
    full[i] += re;
    full[i + 1] += im;
  };
  // Images of a signed source frequency in the target: one (kept or folded), none (truncated),
  // or two halves (a source Nyquist split when padding).
  const images = (s: number): [number, number][] => {
    if (m < n) return Math.abs(s) <= hm ? [[s, 1]] : [];
    return s === -hn
      ? [
          [-hn, 0.5],
          [hn, 0.5],
        ]
      : [[s, 1]];
  };
  for (let p = -hn; p < hn; p++) {
    const ip = images(p);
    if (ip.length === 0) continue;
    for (let q = -hn; q < hn; q++) {
      const iq = images(q);
      if (iq.length === 0) continue;
      const [re, im] = coef(p, q);
      for (const [tp, wp] of ip) for (const [tq, wq] of iq) add(tp, tq, scale * wp * wq * re, scale * wp * wq * im);
    }
  }
  const out = new Float64Array(m * (m + 2));
  for (let p = 0; p < m; p++) {
    for (let q = 0; q <= hm; q++) {
      const i = 2 * (p * m + (q % m));
      out[2 * (p * (hm + 1) + q)] = full[i];
      out[2 * (p * (hm + 1) + q) + 1] = full[i + 1];
    }
  }
  return irfft2(out, m, m);
}
