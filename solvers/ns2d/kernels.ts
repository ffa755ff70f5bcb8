import { instantiateOnArena, type SpectralArena2d } from '../../core/fft/fft2d.js';
import { compileKernelModule, F64, kernel, W, type WasmFunctionDef } from '../../core/wasm/binary.js';
import { ins } from '../../core/wasm/ops.js';

/**
 * The element-wise passes of one explicit evaluation and one IMEX stage of the pseudo-spectral
 * Navier–Stokes solver, fused so that each array is read once per pass. Spectral kernels work on
 * one block of rows of a [n][n/2+1] spectrum (rows `rows`, columns `cols`, row strides cs bytes
 * for complex and rs bytes for real per-mode arrays); every pointer is a byte offset into the
 * arena's memory, already at the block's first row. The WebAssembly versions run on the arena's
 * memory (no copies); the JS versions are the fallback and the readable reference.
 */
export interface NsKernels {
  /**
   * From ŵ: ŵx = i·kx·ŵ, ŵy = i·ky·ŵ, û = i·ky·g·ŵ, v̂ = −i·kx·g·ŵ with g = 1/|k|² (0 at k = 0),
   * i.e. u = ∂yψ, v = −∂xψ for −Δψ = ω. kx: one value per row, ky: one per column, g: per mode;
   * masks: two doubles (−0, +0) (flips the sign of the real lane).
   */
  velgrad(w: number, u: number, v: number, wx: number, wy: number, kx: number, ky: number, g: number, rows: number, cols: number, cs: number, rs: number, masks: number): void;
  /** out ← u·wx + v·wy over 2·pairs values; returns max(u² + v²) (NaN when any value is NaN). */
  advect(u: number, v: number, wx: number, wy: number, out: number, pairs: number): number;
  /** h ← β·h + f̂ − N̂; ŵ ← A·ŵ + B·h (A, B real per mode). */
  stage(w: number, h: number, nh: number, fh: number, a: number, b: number, rows: number, cols: number, cs: number, rs: number, beta: number): void;
}

/** f64x2.pmax (b > a ? b : a, one maxpd), f64x2.ne, v128.or, v128.any_true, untyped select. */
const PMAX = ins('f64x2.pmax');
const F64X2_NE = ins('f64x2.ne');
const V128_OR = ins('v128.or');
const ANY_TRUE = ins('v128.any_true');
const SELECT = ins('select');

export function nsKernelDefs(): WasmFunctionDef[] {
  const velgrad = kernel(
    'velgrad',
    { i32: ['w', 'u', 'v', 'wx', 'wy', 'kx', 'ky', 'g', 'rows', 'cols', 'cs', 'rs', 'masks'] },
    { i32: ['r', 'o', 'o8', 'oend'], v128: ['m0', 'mm', 'iw', 'kxv', 'nkx', 'kyv', 't'] },
    (L) => [
      [...W.get(L.masks), ...W.vload(0), ...W.set(L.m0)],
      // mm = (−0, −0): x xor mm = −x exactly, as JS's unary minus (0 − x would give +0 for x = 0).
      [...W.get(L.m0), ...W.get(L.m0), ...W.dupLo, ...W.set(L.mm)],
      [...W.get(L.cols), ...W.i32(4), ...W.shl, ...W.set(L.oend)],
      [...W.i32(0), ...W.set(L.r)],
      W.loop(
        [...W.get(L.kx), ...W.splat64, ...W.tee(L.kxv), ...W.get(L.mm), ...W.xor, ...W.set(L.nkx)],
        [...W.i32(0), ...W.set(L.o), ...W.i32(0), ...W.set(L.o8)],
        W.loop(
          // iw = i·ŵ = (−Im ŵ, Re ŵ): swap, then flip lane 0.
          [...W.get(L.w), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.tee(L.iw), ...W.get(L.iw), ...W.swap, ...W.get(L.m0), ...W.xor, ...W.set(L.iw)],
          [...W.get(L.ky), ...W.get(L.o8), ...W.add, ...W.splat64, ...W.set(L.kyv)],
          [...W.get(L.g), ...W.get(L.o8), ...W.add, ...W.splat64, ...W.get(L.iw), ...W.vmul, ...W.set(L.t)],
          [...W.get(L.wx), ...W.get(L.o), ...W.add, ...W.get(L.iw), ...W.get(L.kxv), ...W.vmul, ...W.vstore(0)],
          [...W.get(L.wy), ...W.get(L.o), ...W.add, ...W.get(L.iw), ...W.get(L.kyv), ...W.vmul, ...W.vstore(0)],
          [...W.get(L.u), ...W.get(L.o), ...W.add, ...W.get(L.t), ...W.get(L.kyv), ...W.vmul, ...W.vstore(0)],
          [...W.get(L.v), ...W.get(L.o), ...W.add, ...W.get(L.t), ...W.get(L.nkx), ...W.vmul, ...W.vstore(0)],
          [...W.get(L.o8), ...W.i32(8), ...W.add, ...W.set(L.o8)],
          [...W.get(L.o), ...W.i32(16), ...W.add, ...W.tee(L.o), ...W.get(L.oend), ...W.ne],
        ),
        ...[L.w, L.u, L.v, L.wx, L.wy].map((p) => [...W.get(p), ...W.get(L.cs), ...W.add, ...W.set(p)]),
        [...W.get(L.g), ...W.get(L.rs), ...W.add, ...W.set(L.g)],
        [...W.get(L.kx), ...W.i32(8), ...W.add, ...W.set(L.kx)],
        [...W.get(L.r), ...W.i32(1), ...W.add, ...W.tee(L.r), ...W.get(L.rows), ...W.ne],
      ),
    ],
  );

  const advect = kernel(
    'advect',
    { i32: ['u', 'v', 'wx', 'wy', 'out', 'pairs'] },
    { i32: ['o', 'oend'], v128: ['U', 'V', 'S', 'mx', 'bad'] },
    (L) => [
      [...W.get(L.pairs), ...W.i32(4), ...W.shl, ...W.set(L.oend)],
      [...W.i32(0), ...W.set(L.o)],
      W.loop(
        [...W.get(L.u), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.set(L.U)],
        [...W.get(L.v), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.set(L.V)],
        [
          ...W.get(L.out), ...W.get(L.o), ...W.add,
          ...W.get(L.U), ...W.get(L.wx), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.vmul,
          ...W.get(L.V), ...W.get(L.wy), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.vmul,
          ...W.vadd, ...W.vstore(0),
        ],
        // mx ← pmax(mx, S) is one instruction (f64x2.max, which orders NaN and ±0, is eight on
        // x64); NaN is tracked apart: bad ← bad | (S ≠ S).
        [...W.get(L.mx), ...W.get(L.U), ...W.get(L.U), ...W.vmul, ...W.get(L.V), ...W.get(L.V), ...W.vmul, ...W.vadd, ...W.tee(L.S), ...PMAX, ...W.set(L.mx)],
        [...W.get(L.bad), ...W.get(L.S), ...W.get(L.S), ...F64X2_NE, ...V128_OR, ...W.set(L.bad)],
        [...W.get(L.o), ...W.i32(16), ...W.add, ...W.tee(L.o), ...W.get(L.oend), ...W.ne],
      ),
      [...W.f64(NaN), ...W.get(L.mx), ...W.lane(0), ...W.get(L.mx), ...W.lane(1), ...W.f64max, ...W.get(L.bad), ...ANY_TRUE, ...SELECT],
    ],
    [F64],
  );

  const stage = kernel(
    'stage',
    { i32: ['w', 'h', 'nh', 'fh', 'a', 'b', 'rows', 'cols', 'cs', 'rs'], f64: ['beta'] },
    { i32: ['r', 'o', 'o8', 'oend'], v128: ['bv', 'H'] },
    (L) => [
      [...W.get(L.beta), ...W.splat, ...W.set(L.bv)],
      [...W.get(L.cols), ...W.i32(4), ...W.shl, ...W.set(L.oend)],
      [...W.i32(0), ...W.set(L.r)],
      W.loop(
        [...W.i32(0), ...W.set(L.o), ...W.i32(0), ...W.set(L.o8)],
        W.loop(
          [
            ...W.get(L.h), ...W.get(L.o), ...W.add,
            ...W.get(L.h), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.get(L.bv), ...W.vmul,
            ...W.get(L.fh), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.vadd,
            ...W.get(L.nh), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.vsub,
            ...W.tee(L.H), ...W.vstore(0),
          ],
          [
            ...W.get(L.w), ...W.get(L.o), ...W.add,
            ...W.get(L.w), ...W.get(L.o), ...W.add, ...W.vload(0), ...W.get(L.a), ...W.get(L.o8), ...W.add, ...W.splat64, ...W.vmul,
            ...W.get(L.H), ...W.get(L.b), ...W.get(L.o8), ...W.add, ...W.splat64, ...W.vmul,
            ...W.vadd, ...W.vstore(0),
          ],
          [...W.get(L.o8), ...W.i32(8), ...W.add, ...W.set(L.o8)],
          [...W.get(L.o), ...W.i32(16), ...W.add, ...W.tee(L.o), ...W.get(L.oend), ...W.ne],
        ),
        ...[L.w, L.h, L.nh, L.fh].map((p) => [...W.get(p), ...W.get(L.cs), ...W.add, ...W.set(p)]),
        ...[L.a, L.b].map((p) => [...W.get(p), ...W.get(L.rs), ...W.add, ...W.set(p)]),
        [...W.get(L.r), ...W.i32(1), ...W.add, ...W.tee(L.r), ...W.get(L.rows), ...W.ne],
      ),
    ],
  );

  return [velgrad, advect, stage];
}

function jsNsKernels(buffer: ArrayBuffer): NsKernels {
  const f = new Float64Array(buffer);
  return {
    velgrad(w, u, v, wx, wy, kx, ky, g, rows, cols, cs, rs) {
      for (let r = 0; r < rows; r++) {
        const kxr = f[kx / 8 + r];
        const base = (r * cs) / 8;
        const gb = (g + r * rs) / 8;
        for (let c = 0; c < cols; c++) {
          const o = base + 2 * c;
          // i·ŵ = (−Im ŵ, Re ŵ)
          const ir = -f[w / 8 + o + 1];
          const ii = f[w / 8 + o];
          const kyc = f[ky / 8 + c];
          const gc = f[gb + c];
          f[wx / 8 + o] = kxr * ir;
          f[wx / 8 + o + 1] = kxr * ii;
          f[wy / 8 + o] = kyc * ir;
          f[wy / 8 + o + 1] = kyc * ii;
          f[u / 8 + o] = gc * ir * kyc;
          f[u / 8 + o + 1] = gc * ii * kyc;
          f[v / 8 + o] = gc * ir * -kxr;
          f[v / 8 + o + 1] = gc * ii * -kxr;
        }
      }
    },
    advect(u, v, wx, wy, out, pairs) {
      let mx = 0;
      const n = 2 * pairs;
      const [pu, pv, px, py, po] = [u / 8, v / 8, wx / 8, wy / 8, out / 8];
      for (let i = 0; i < n; i++) {
        const U = f[pu + i];
        const V = f[pv + i];
        f[po + i] = U * f[px + i] + V * f[py + i];
        const s = U * U + V * V;
        if (!(s <= mx)) mx = Number.isNaN(mx) ? mx : s;
      }
      return mx;
    },
    stage(w, h, nh, fh, a, b, rows, cols, cs, rs, beta) {
      for (let r = 0; r < rows; r++) {
        const base = (r * cs) / 8;
        const rb = (r * rs) / 8;
        for (let c = 0; c < cols; c++) {
          const o = base + 2 * c;
          const A = f[a / 8 + rb + c];
          const B = f[b / 8 + rb + c];
          for (let l = 0; l < 2; l++) {
            const H = beta * f[h / 8 + o + l] + f[fh / 8 + o + l] - f[nh / 8 + o + l];
            f[h / 8 + o + l] = H;
            f[w / 8 + o + l] = A * f[w / 8 + o + l] + B * H;
          }
        }
      }
    },
  };
}

/** The kernels on an arena: WebAssembly when the arena is wasm-backed, else JS. */
export function nsKernelsFor(arena: SpectralArena2d): NsKernels {
  if (arena.memory === null) return jsNsKernels(arena.buffer);
  // A wasm arena means WebAssembly SIMD works here, so a module that does not validate is a bug in
  // the emitted code: fail loudly instead of falling back to the JS kernels.
  const wasm = instantiateOnArena<NsKernels>(arena, compileKernelModule('ns2d', nsKernelDefs));
  if (wasm === null) throw new Error('the Navier-Stokes wasm kernels do not validate (a bug in solvers/ns2d/kernels.ts)');
  return wasm;
}
