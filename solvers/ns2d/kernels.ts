import { instantiateOnArena, type SpectralArena2d } from '../../core/fft/fft2d.js';
import { compileKernelModule, F64, watKernel, type WasmFunctionDef } from '../../core/wasm/binary.js';
import { DUP_LO, SWAP } from '../../core/wasm/ops.js';

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
  velgrad(
    w: number,
    u: number,
    v: number,
    wx: number,
    wy: number,
    kx: number,
    ky: number,
    g: number,
    rows: number,
    cols: number,
    cs: number,
    rs: number,
    masks: number,
  ): void;
  /** out ← u·wx + v·wy over 2·pairs values; returns max(u² + v²) (NaN when any value is NaN). */
  advect(u: number, v: number, wx: number, wy: number, out: number, pairs: number): number;
  /** h ← β·h + f̂ − N̂; ŵ ← A·ŵ + B·h (A, B real per mode). */
  stage(w: number, h: number, nh: number, fh: number, a: number, b: number, rows: number, cols: number, cs: number, rs: number, beta: number): void;
}

/** Each pointer p of `pointers` ← p + step (text). */
const advance = (pointers: string[], step: string) => pointers.map((p) => `local.get $${p} local.get $${step} i32.add local.set $${p}`).join('\n');

export function nsKernelDefs(): WasmFunctionDef[] {
  const velgrad = watKernel(
    'velgrad',
    { i32: ['w', 'u', 'v', 'wx', 'wy', 'kx', 'ky', 'g', 'rows', 'cols', 'cs', 'rs', 'masks'] },
    { i32: ['r', 'o', 'o8', 'oend'], v128: ['m0', 'mm', 'iw', 'kxv', 'nkx', 'kyv', 't'] },
    (w) => w`
      local.get $masks v128.load local.set $m0
      ;; mm = (−0, −0): x xor mm = −x exactly, as JS's unary minus (0 − x would give +0 for x = 0).
      local.get $m0 local.get $m0 ${DUP_LO} local.set $mm
      local.get $cols i32.const 4 i32.shl local.set $oend
      i32.const 0 local.set $r
      loop
        local.get $kx v128.load64_splat local.tee $kxv local.get $mm v128.xor local.set $nkx
        i32.const 0 local.set $o i32.const 0 local.set $o8
        loop
          ;; iw = i·ŵ = (−Im ŵ, Re ŵ): swap, then flip lane 0.
          local.get $w local.get $o i32.add v128.load local.tee $iw local.get $iw ${SWAP} local.get $m0 v128.xor local.set $iw
          local.get $ky local.get $o8 i32.add v128.load64_splat local.set $kyv
          local.get $g local.get $o8 i32.add v128.load64_splat local.get $iw f64x2.mul local.set $t
          local.get $wx local.get $o i32.add local.get $iw local.get $kxv f64x2.mul v128.store
          local.get $wy local.get $o i32.add local.get $iw local.get $kyv f64x2.mul v128.store
          local.get $u local.get $o i32.add local.get $t local.get $kyv f64x2.mul v128.store
          local.get $v local.get $o i32.add local.get $t local.get $nkx f64x2.mul v128.store
          local.get $o8 i32.const 8 i32.add local.set $o8
          local.get $o i32.const 16 i32.add local.tee $o local.get $oend i32.ne
        br_if 0 end
        ${advance(['w', 'u', 'v', 'wx', 'wy'], 'cs')}
        local.get $g local.get $rs i32.add local.set $g
        local.get $kx i32.const 8 i32.add local.set $kx
        local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.ne
      br_if 0 end`,
  );

  const advect = watKernel(
    'advect',
    { i32: ['u', 'v', 'wx', 'wy', 'out', 'pairs'] },
    { i32: ['o', 'oend'], v128: ['U', 'V', 'S', 'mx', 'bad'] },
    (w) => w`
      local.get $pairs i32.const 4 i32.shl local.set $oend
      i32.const 0 local.set $o
      loop
        local.get $u local.get $o i32.add v128.load local.set $U
        local.get $v local.get $o i32.add v128.load local.set $V
        local.get $out local.get $o i32.add
        local.get $U local.get $wx local.get $o i32.add v128.load f64x2.mul
        local.get $V local.get $wy local.get $o i32.add v128.load f64x2.mul
        f64x2.add v128.store
        ;; mx ← pmax(mx, S) is one instruction (f64x2.max, which orders NaN and ±0, is eight on
        ;; x64); NaN is tracked apart: bad ← bad | (S ≠ S).
        local.get $mx local.get $U local.get $U f64x2.mul local.get $V local.get $V f64x2.mul f64x2.add local.tee $S f64x2.pmax local.set $mx
        local.get $bad local.get $S local.get $S f64x2.ne v128.or local.set $bad
        local.get $o i32.const 16 i32.add local.tee $o local.get $oend i32.ne
      br_if 0 end
      f64.const ${NaN} local.get $mx f64x2.extract_lane 0 local.get $mx f64x2.extract_lane 1 f64.max local.get $bad v128.any_true select`,
    [F64],
  );

  const stage = watKernel(
    'stage',
    { i32: ['w', 'h', 'nh', 'fh', 'a', 'b', 'rows', 'cols', 'cs', 'rs'], f64: ['beta'] },
    { i32: ['r', 'o', 'o8', 'oend'], v128: ['bv', 'H'] },
    (w) => w`
      local.get $beta f64x2.splat local.set $bv
      local.get $cols i32.const 4 i32.shl local.set $oend
      i32.const 0 local.set $r
      loop
        i32.const 0 local.set $o i32.const 0 local.set $o8
        loop
          local.get $h local.get $o i32.add
          local.get $h local.get $o i32.add v128.load local.get $bv f64x2.mul
          local.get $fh local.get $o i32.add v128.load f64x2.add
          local.get $nh local.get $o i32.add v128.load f64x2.sub
          local.tee $H v128.store
          local.get $w local.get $o i32.add
          local.get $w local.get $o i32.add v128.load local.get $a local.get $o8 i32.add v128.load64_splat f64x2.mul
          local.get $H local.get $b local.get $o8 i32.add v128.load64_splat f64x2.mul
          f64x2.add v128.store
          local.get $o8 i32.const 8 i32.add local.set $o8
          local.get $o i32.const 16 i32.add local.tee $o local.get $oend i32.ne
        br_if 0 end
        ${advance(['w', 'h', 'nh', 'fh'], 'cs')}
        ${advance(['a', 'b'], 'rs')}
        local.get $r i32.const 1 i32.add local.tee $r local.get $rows i32.ne
      br_if 0 end`,
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
