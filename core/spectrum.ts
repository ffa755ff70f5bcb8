/**
 * Power and energy spectra of real fields, any grid size, float64 (core/fft/dft.ts underneath):
 * - `PowerSpectrum`: |X_k|², X_k = Σ_j x_j e^{−2πi jk/n}, k = 0..⌊n/2⌋ (the modes `numpy.fft.rfft`
 *   returns) of 1D signals.
 * - `PowerSpectrum2d`: |F_{p,q}|² of a real field f_{i,j} (row-major `[nx][ny]`),
 *   F_{p,q} = Σ_{i,j} f_{i,j} e^{−2πi (ip/nx + jq/ny)} (numpy's `fft2`, unnormalised).
 * - `EnergySpectrum2d` / `energySpectrum`: the shell-summed kinetic energy spectrum of a periodic
 *   2D vorticity field ω on [0, L)². With ψ̂ = ω̂/|k|² (−∇²ψ = ω) and u = (ψ_y, −ψ_x), the kinetic
 *   energy per unit area ½⟨|u|²⟩ = Σ_{m ≠ 0} |ω̂_m|²/(2|k|²(nx·ny)²) (Parseval), signed integer
 *   wavenumbers m (numpy's `fft2` order), k = 2π m/L. E(k_s) sums that over the shell
 *   s = round(|m|), k_s = 2π s/L, so Σ_s E(k_s) = ½⟨|u|²⟩ exactly. Shells past ⌊min(nx, ny)/2⌋
 *   hold only the corners of the grid's square of modes.
 */
import { InputError } from './errors.js';
import { AnyLengthFft } from './fft/dft.js';

function checkSize(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InputError(`${what} ${v} is not allowed: use a positive integer`);
}

/** Computes |X_k|², k = 0..⌊n/2⌋, of real signals of one length; reuse it for many signals. */
export class PowerSpectrum {
  /** Number of modes: ⌊n/2⌋ + 1. */
  readonly nModes: number;
  private readonly dft: AnyLengthFft;
  private readonly z: Float64Array;

  constructor(readonly n: number) {
    checkSize('spectrum length', n);
    this.nModes = Math.floor(n / 2) + 1;
    this.dft = new AnyLengthFft(n);
    this.z = new Float64Array(2 * n);
  }

  /** Writes |X_k|² of x[offset .. offset + n) into out[0 .. nModes). */
  compute(x: ArrayLike<number>, offset: number, out: Float64Array): void {
    const { n, z } = this;
    for (let j = 0; j < n; j++) z[j] = x[offset + j];
    this.dft.forward(z, z, true);
    for (let k = 0; k < this.nModes; k++) out[k] = z[2 * k] * z[2 * k] + z[2 * k + 1] * z[2 * k + 1];
  }
}

/** |F_{p,q}|² of real `[nx][ny]` fields of one size; reuse one instance for many fields. */
export class PowerSpectrum2d {
  private readonly fx: AnyLengthFft;
  private readonly fy: AnyLengthFft;
  /** The field's transform along y, interleaved, row-major [nx][ny]. */
  private readonly rows: Float64Array;
  private readonly line: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
  ) {
    checkSize('2D spectrum nx =', nx);
    checkSize('2D spectrum ny =', ny);
    this.fx = new AnyLengthFft(nx);
    this.fy = new AnyLengthFft(ny);
    this.rows = new Float64Array(2 * nx * ny);
    this.line = new Float64Array(2 * nx);
  }

  /** Writes |F_{p,q}|² of f[offset .. offset + nx·ny) into out[p·ny + q] (p, q in FFT order). */
  compute(f: ArrayLike<number>, offset: number, out: Float64Array): void {
    const { nx, ny, rows, line } = this;
    for (let i = 0; i < nx; i++) {
      const row = rows.subarray(2 * i * ny, 2 * (i + 1) * ny);
      for (let j = 0; j < ny; j++) row[j] = f[offset + i * ny + j];
      this.fy.forward(row, row, true);
    }
    for (let q = 0; q < ny; q++) {
      for (let p = 0; p < nx; p++) {
        line[2 * p] = rows[2 * (p * ny + q)];
        line[2 * p + 1] = rows[2 * (p * ny + q) + 1];
      }
      this.fx.forward(line, line);
      for (let p = 0; p < nx; p++) out[p * ny + q] = line[2 * p] * line[2 * p] + line[2 * p + 1] * line[2 * p + 1];
    }
  }
}

/** The shell-summed kinetic energy spectrum of `[nx][ny]` vorticity fields on [0, L)² (module comment). */
export class EnergySpectrum2d {
  /** Number of shells: max round(|m|) + 1. */
  readonly nShells: number;
  /** Physical wavenumber of each shell, k_s = 2π s/L. */
  readonly k: Float64Array;
  private readonly power: PowerSpectrum2d;
  /** Shell index round(|m|) and energy weight 1/(2|k|²(nx·ny)²) of every mode (0 for m = 0). */
  private readonly shell: Uint32Array;
  private readonly weight: Float64Array;
  private readonly p2: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
    readonly length: number,
  ) {
    if (!(Number.isFinite(length) && length > 0)) throw new InputError(`domain length=${length} is not allowed: need a finite length > 0`);
    this.power = new PowerSpectrum2d(nx, ny);
    this.shell = new Uint32Array(nx * ny);
    this.weight = new Float64Array(nx * ny);
    this.p2 = new Float64Array(nx * ny);
    const dk = (2 * Math.PI) / length;
    const norm = (nx * ny) ** 2;
    let nShells = 0;
    for (let p = 0; p < nx; p++) {
      const mx = p <= (nx - 1) / 2 ? p : p - nx;
      for (let q = 0; q < ny; q++) {
        const my = q <= (ny - 1) / 2 ? q : q - ny;
        const m2 = mx * mx + my * my;
        const s = Math.round(Math.sqrt(m2));
        this.shell[p * ny + q] = s;
        this.weight[p * ny + q] = m2 === 0 ? 0 : 1 / (2 * dk * dk * m2 * norm);
        nShells = Math.max(nShells, s + 1);
      }
    }
    this.nShells = nShells;
    this.k = Float64Array.from({ length: nShells }, (_, s) => (2 * Math.PI * s) / length);
  }

  /** Writes E(k_s) of the field w[offset .. offset + nx·ny) into out[0 .. nShells) (overwritten). */
  compute(w: ArrayLike<number>, offset: number, out: Float64Array): void {
    const { shell, weight, p2 } = this;
    out.fill(0, 0, this.nShells);
    this.power.compute(w, offset, p2);
    for (let m = 0; m < p2.length; m++) out[shell[m]] += p2[m] * weight[m];
  }
}

/**
 * E(k_s) of one vorticity field w on the n×n (or `[nx, ny]`) grid of [0, L)², row-major, with the
 * shells' wavenumbers k_s = 2π s/L; Σ_s E(k_s) = ½⟨|u|²⟩.
 */
export function energySpectrum(w: ArrayLike<number>, n: number | readonly [number, number], length: number): { k: Float64Array; e: Float64Array } {
  const [nx, ny] = typeof n === 'number' ? [n, n] : n;
  const spec = new EnergySpectrum2d(nx, ny, length);
  if (w.length !== nx * ny) throw new InputError(`w has ${w.length} values but the grid has ${nx}·${ny}=${nx * ny}`);
  const e = new Float64Array(spec.nShells);
  spec.compute(w, 0, e);
  return { k: spec.k, e };
}
