/**
 * Seeded pseudo-random numbers. Every random thing in the project draws from here, never
 * from Math.random, so the same seed gives the same bytes on every platform.
 *
 * Generator: xoshiro128** 1.1 [Blackman & Vigna 2018, https://prng.di.unimi.it/], 128-bit state,
 * seeded from a 53-bit integer seed (and an optional stream index) through splitmix32
 * so nearby seeds give unrelated streams. Uniforms are 53-bit floats in [0, 1) built from
 * two 32-bit outputs; normals use the Box–Muller transform (both values are used).
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spare: number | null = null;

  /** `seed` is a non-negative safe integer; `stream` selects an independent sub-stream (e.g. a sample index). */
  constructor(seed: number, stream = 0) {
    if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed=${seed} is not allowed: use an integer in [0, 2^53)`);
    if (!Number.isSafeInteger(stream) || stream < 0) throw new RangeError(`stream=${stream} is not allowed: use an integer in [0, 2^53)`);
    let x = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32), 0x9e3779b9);
    x ^= Math.imul(stream >>> 0, 0x85ebca6b) ^ Math.imul(Math.floor(stream / 2 ** 32) + 1, 0xc2b2ae35);
    const next = (): number => {
      // splitmix32
      x = (x + 0x9e3779b9) | 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float64 in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Uniform float64 in [a, b). */
  uniformRange(a: number, b: number): number {
    return a + (b - a) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  integer(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`integer(n): n=${n} must be a positive integer`);
    return Math.floor(this.uniform() * n);
  }

  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number {
    if (this.spare !== null) {
      const v = this.spare;
      this.spare = null;
      return v;
    }
    let u1 = this.uniform();
    while (u1 === 0) u1 = this.uniform();
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  /** Serialisable state, so a resumed run continues the same stream. */
  getState(): number[] {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0, this.spare ?? NaN];
  }

  setState(state: readonly number[]): void {
    if (state.length !== 5) throw new RangeError(`Rng state has ${state.length} entries; expected 5`);
    [this.s0, this.s1, this.s2, this.s3] = state.map((v) => v | 0);
    this.spare = Number.isNaN(state[4]) ? null : state[4];
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
