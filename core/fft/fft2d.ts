import { SolverInputError } from '../errors.js';
import { isPowerOfTwo, putTwiddle, radix4Butterfly, writeBitReversal, writeStageTwiddles, type FftBackend } from './fft.js';
import { firstPass2, jsSplitKernels, splitKernelDefs, ZERO_VEC, type SplitKernels } from './fft2d_split.js';
import { compileKernelModule, wasmApi, watKernel, type WasmFunctionDef, type WasmMemory, type WasmModule } from '../wasm/binary.js';
import { DUP_LO, LO_LO, SWAP } from '../wasm/ops.js';

/**
 * Float64 real 2D FFTs on row-major [nx, ny] grids, numpy.fft.rfft2 / irfft2 conventions.
 *
 * A real field x has index i·ny + j for (x_i, y_j). Its spectrum has shape [nx, ny/2 + 1],
 * interleaved complex (index 2·(p·(ny/2+1) + q) for the real part of mode (p, q)):
 * X[p, q] = Σ_{i,j} x[i, j]·e^{−2πi(pi/nx + qj/ny)}, unnormalised; p in numpy order
 * (0 … nx/2 − 1, −nx/2 … −1), q = 0 … ny/2. The inverse divides by nx·ny and, like numpy,
 * ignores the imaginary parts that a real field cannot have (the q = 0 and q = ny/2 columns are
 * taken as what the x-inverse makes of them, then only their real parts are used).
 *
 * **Sizes**: nx and ny must be powers of two, nx ≥ 2 and ny ≥ 4 (anything else is a
 * SolverInputError naming the size).
 *
 * Scheme (the "row-vector" formulation): every 1D transform runs along the OUTER axis of a
 * row-major array, so each butterfly combines whole contiguous rows and its twiddles are loaded
 * once per row pair instead of once per element. The y transform is the real-to-complex one of
 * Numerical Recipes §12.3.2 (pack y pairs as one complex value, complex FFT of length ny/2,
 * untangle), done after one complex transpose [nx][ny/2] → [ny/2][nx]; the untangled rows
 * q < cols are transposed to [nx][cols] and the complex FFT runs along x. The inverse runs the
 * other way round without a transpose in the middle: the packing step (brpre) reads the x-inverse
 * [nx][cols] column-wise and takes the rows q ≥ cols as zero without reading them. The 1D
 * butterflies are iterative decimation in time with bit reversal fused into a twiddle-free first
 * pass (radix 8 when log2 L is odd, radix 4 when even, radix 2 for L = 2), then radix-4 passes
 * with twiddles straight from Math.cos/sin, applied to rows.
 *
 * Solvers that stay in Fourier space can skip the transposes to and from the natural layout:
 * the "packed" layout stores a real field as [ny/2][nx] complex, t[j'][i] = (x[i, 2j'],
 * x[i, 2j'+1]); point-wise products are layout-independent, so a pseudo-spectral step can keep
 * its physical fields packed (one transpose per 2D transform instead of two), and transform only
 * the first `cols` spectral columns q < cols when the rest are known to be zero (dealiased).
 * rfft2OfProduct goes further: the inverse y-transforms of all the factors, their point-wise
 * combination and the forward y-transform run a block of packed columns at a time, so the
 * physical fields never exist whole (at 256² the four fields of a Navier–Stokes step and their
 * product would be 2.5 MB, more than L2, and each kernel would stream them from L3).
 *
 * Backends: WebAssembly SIMD kernels (one f64x2 vector per complex value, emitted below
 * instruction by instruction like core/fft/fft.ts's) where available, and the same algorithm in
 * plain JS (fallback and readable reference). Both are tested against an O(n²) DFT.
 * Measured on the 2-core x86-64 dev machine at 256² (bench/ns2d_step.ts, medians, load average 7):
 * one rfft2 + irfft2 pair takes 0.41 ms (wasm) and 0.66 ms in NumPy 1.24 (pocketfft); the pruned
 * packed transforms of a 2/3-dealiased solver 0.10 ms (inverse) and 0.12 ms (forward);
 * rfft2OfProduct of a Navier–Stokes step (4 inverse, the product, 1 forward) 0.60 ms.
 */

/** True when an [nx, ny] real 2D FFT is supported: powers of two, nx ≥ 2, ny ≥ 4. */
export function isFft2dSize(nx: number, ny: number): boolean {
  return isPowerOfTwo(nx) && isPowerOfTwo(ny) && nx >= 2 && ny >= 4;
}

function checkSize2d(nx: number, ny: number): void {
  if (!isPowerOfTwo(nx) || nx < 2) {
    throw new SolverInputError(`2D FFT size nx=${nx} is not allowed: use a power of two >= 2 (e.g. 256)`);
  }
  if (!isPowerOfTwo(ny) || ny < 4) {
    throw new SolverInputError(`2D FFT size ny=${ny} is not allowed: use a power of two >= 4 (e.g. 256)`);
  }
}

/** Complex product v·w with v in local `v` and w stored as WR = (wr, wr), WI = (−wi, wi) in locals. */
const cmulLocals = (v: string, wr: string, wi: string) =>
  `local.get $${v} local.get $${wr} f64x2.mul local.get $${v} local.get $${v} ${SWAP} local.get $${wi} f64x2.mul f64x2.add`;

export function fft2dKernelDefs(): WasmFunctionDef[] {
  // bfirst4(src, dst, rev, L, vb, ss, ds, mask): rows p = 0 … L−1 of dst get the size-4 radix-4
  // butterflies of src rows rev[p], rev[p] + L/2, + L/4, + 3L/4 (bit reversal fused), on the
  // first vb bytes of every row; ss / ds are the row strides in bytes.
  const bfirst4 = watKernel(
    'bfirst4',
    { i32: ['src', 'dst', 'rev', 'L', 'vb', 'ss', 'ds', 'mask'] },
    { i32: ['rp', 'rend', 'd0', 'a', 'aend', 'h1', 'h2', 'h3', 'dp', 'ds2', 'ds3'], v128: ['c0', 'c2', 'c1', 'c3', 's02', 'd02', 's13', 'tt', 'mk'] },
    (w) => w`
      local.get $mask v128.load local.set $mk
      local.get $rev local.tee $rp local.get $L i32.const 2 i32.shl i32.add local.set $rend
      local.get $dst local.set $d0
      local.get $L i32.const 2 i32.shr_u local.get $ss i32.mul local.set $h1
      local.get $h1 local.get $h1 i32.add local.set $h2
      local.get $h2 local.get $h1 i32.add local.set $h3
      local.get $ds local.get $ds i32.add local.set $ds2
      local.get $ds2 local.get $ds i32.add local.set $ds3
      loop
        local.get $src local.get $rp i32.load local.get $ss i32.mul i32.add local.tee $a local.get $vb i32.add local.set $aend
        local.get $d0 local.set $dp
        loop
          local.get $a v128.load local.set $c0
          local.get $a local.get $h2 i32.add v128.load local.set $c2
          local.get $a local.get $h1 i32.add v128.load local.set $c1
          local.get $a local.get $h3 i32.add v128.load local.set $c3
          local.get $c0 local.get $c2 f64x2.add local.set $s02
          local.get $c0 local.get $c2 f64x2.sub local.set $d02
          local.get $c1 local.get $c3 f64x2.add local.set $s13
          local.get $c1 local.get $c3 f64x2.sub local.tee $tt local.get $tt ${SWAP} local.get $mk v128.xor local.set $tt
          local.get $dp local.get $s02 local.get $s13 f64x2.add v128.store
          local.get $dp local.get $ds i32.add local.get $d02 local.get $tt f64x2.add v128.store
          local.get $dp local.get $ds2 i32.add local.get $s02 local.get $s13 f64x2.sub v128.store
          local.get $dp local.get $ds3 i32.add local.get $d02 local.get $tt f64x2.sub v128.store
          local.get $dp i32.const 16 i32.add local.set $dp
          local.get $a i32.const 16 i32.add local.tee $a local.get $aend i32.ne
        br_if 0 end
        local.get $d0 local.get $ds2 i32.add local.get $ds2 i32.add local.set $d0
        local.get $rp i32.const 16 i32.add local.tee $rp local.get $rend i32.ne
      br_if 0 end
    `,
  );

  // bfirst8(src, dst, rev, L, vb, ss, ds, mask): rows p … p + 7 (p = 0, 8, …) of dst get the
  // 8-point DFT of src rows rev[p] + t·L/8, t = 0 … 7 (bit reversal fused): two 4-point DFTs
  // E (t even) and O (t odd), then X_s = E_s + ω^s·O_s, X_{s+4} = E_s − ω^s·O_s with ω = e^{∓iπ/4}:
  // ω·O = (O + rot O)·√½, ω²·O = rot O, ω³·O = (rot O − O)·√½, rot = ∓i (the mask's lane flip after
  // a swap). Replaces the radix-2 first pass and the first radix-4 pass (whose twiddles are these).
  const bfirst8 = watKernel(
    'bfirst8',
    { i32: ['src', 'dst', 'rev', 'L', 'vb', 'ss', 'ds', 'mask'] },
    {
      i32: ['rp', 'rend', 'd0', 'a', 'aend', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'dp', 'ds2', 'ds3', 'ds4', 'ds5', 'ds6', 'ds7'],
      v128: ['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'e0', 'e1', 'e2', 'e3', 'o0', 'o1', 'o2', 'o3', 's02', 'd02', 's13', 'tt', 'mk', 'sq'],
    },
    (w) => {
      // ∓i·v: the lanes swapped, one sign flipped by the mask.
      const rot = (v: string) => `local.get $${v} local.get $${v} ${SWAP} local.get $mk v128.xor`;
      // y0 … y3 ← the 4-point DFT of (b0, b1, b2, b3), as bfirst4.
      const dft4 = (b: string[], y: string[]) => `
        local.get $${b[0]} local.get $${b[2]} f64x2.add local.set $s02
        local.get $${b[0]} local.get $${b[2]} f64x2.sub local.set $d02
        local.get $${b[1]} local.get $${b[3]} f64x2.add local.set $s13
        local.get $${b[1]} local.get $${b[3]} f64x2.sub local.set $tt ${rot('tt')} local.set $tt
        local.get $s02 local.get $s13 f64x2.add local.set $${y[0]}
        local.get $d02 local.get $tt f64x2.add local.set $${y[1]}
        local.get $s02 local.get $s13 f64x2.sub local.set $${y[2]}
        local.get $d02 local.get $tt f64x2.sub local.set $${y[3]}`;
      // Byte offsets of source row t·L/8 (h_t) and of destination row t (ds_t), as locals.
      const ds = (t: number) => (t === 1 ? 'ds' : `ds${t}`);
      const lines = (ts: number[], line: (t: number) => string) => ts.map(line).join('\n');
      // Destination row `row` of the block ← e ± t.
      const store = (row: number, e: string, sign: 'add' | 'sub', t: string) =>
        `local.get $dp ${row === 0 ? '' : `local.get $${ds(row)} i32.add`} local.get $${e} ${t} f64x2.${sign} v128.store`;
      const t1 = `local.get $o1 ${rot('o1')} f64x2.add local.get $sq f64x2.mul`; // ω·O1
      const t2 = rot('o2'); // ω²·O2
      const t3 = `${rot('o3')} local.get $o3 f64x2.sub local.get $sq f64x2.mul`; // ω³·O3
      return w`
        local.get $mask v128.load local.set $mk
        f64.const ${Math.SQRT1_2} f64x2.splat local.set $sq
        local.get $rev local.tee $rp local.get $L i32.const 2 i32.shl i32.add local.set $rend
        local.get $dst local.set $d0
        local.get $L i32.const 3 i32.shr_u local.get $ss i32.mul local.set $h1
        ${lines([2, 3, 4, 5, 6, 7], (t) => `local.get $h${t - 1} local.get $h1 i32.add local.set $h${t}`)}
        ${lines([2, 3, 4, 5, 6, 7], (t) => `local.get $${ds(t - 1)} local.get $ds i32.add local.set $${ds(t)}`)}
        loop
          local.get $src local.get $rp i32.load local.get $ss i32.mul i32.add local.tee $a local.get $vb i32.add local.set $aend
          local.get $d0 local.set $dp
          loop
            ${lines([0, 1, 2, 3, 4, 5, 6, 7], (t) => `local.get $a ${t === 0 ? '' : `local.get $h${t} i32.add`} v128.load local.set $r${t}`)}
            ${dft4(['r0', 'r2', 'r4', 'r6'], ['e0', 'e1', 'e2', 'e3'])}
            ${dft4(['r1', 'r3', 'r5', 'r7'], ['o0', 'o1', 'o2', 'o3'])}
            ${store(0, 'e0', 'add', 'local.get $o0')}
            ${store(4, 'e0', 'sub', 'local.get $o0')}
            ${store(1, 'e1', 'add', t1)}
            ${store(5, 'e1', 'sub', t1)}
            ${store(2, 'e2', 'add', t2)}
            ${store(6, 'e2', 'sub', t2)}
            ${store(3, 'e3', 'add', t3)}
            ${store(7, 'e3', 'sub', t3)}
            local.get $dp i32.const 16 i32.add local.set $dp
            local.get $a i32.const 16 i32.add local.tee $a local.get $aend i32.ne
          br_if 0 end
          local.get $d0 local.get $ds4 i32.add local.get $ds4 i32.add local.set $d0
          local.get $rp i32.const 32 i32.add local.tee $rp local.get $rend i32.ne
        br_if 0 end`;
    },
  );

  // bfirst2(src, dst, rev, L, vb, ss, ds): radix-2 first pass, rows rev[p] and rev[p] + L/2.
  const bfirst2 = watKernel(
    'bfirst2',
    { i32: ['src', 'dst', 'rev', 'L', 'vb', 'ss', 'ds'] },
    { i32: ['rp', 'rend', 'd0', 'a', 'aend', 'half', 'dp'], v128: ['x0', 'x1'] },
    (w) => w`
      local.get $rev local.tee $rp local.get $L i32.const 2 i32.shl i32.add local.set $rend
      local.get $dst local.set $d0
      local.get $L i32.const 1 i32.shr_u local.get $ss i32.mul local.set $half
      loop
        local.get $src local.get $rp i32.load local.get $ss i32.mul i32.add local.tee $a local.get $vb i32.add local.set $aend
        local.get $d0 local.set $dp
        loop
          local.get $a v128.load local.set $x0
          local.get $a local.get $half i32.add v128.load local.set $x1
          local.get $dp local.get $x0 local.get $x1 f64x2.add v128.store
          local.get $dp local.get $ds i32.add local.get $x0 local.get $x1 f64x2.sub v128.store
          local.get $dp i32.const 16 i32.add local.set $dp
          local.get $a i32.const 16 i32.add local.tee $a local.get $aend i32.ne
        br_if 0 end
        local.get $d0 local.get $ds i32.add local.get $ds i32.add local.set $d0
        local.get $rp i32.const 8 i32.add local.tee $rp local.get $rend i32.ne
      br_if 0 end
    `,
  );

  // bpass4(x, nb, vb, st, Q, tw, mask): one in-place radix-4 pass on rows of stride st (bytes),
  // nb = L·st, Q = q·st; tw holds per j the six vectors W1R, W1I, W2R, W2I, W3R, W3I.
  const bpass4 = watKernel(
    'bpass4',
    { i32: ['x', 'nb', 'vb', 'st', 'Q', 'tw', 'mask'] },
    {
      i32: ['Q2', 'Q3', 'b', 'bend', 'r', 'rend', 't', 'p', 'pend'],
      v128: ['w1r', 'w1i', 'w2r', 'w2i', 'w3r', 'w3i', 'a0', 'c1', 'c2', 'c3', 's02', 'd02', 's13', 'tt', 'mk', 'v'],
    },
    (w) => w`
      local.get $mask v128.load local.set $mk
      local.get $Q local.get $Q i32.add local.tee $Q2 local.get $Q i32.add local.set $Q3
      local.get $x local.tee $b local.get $nb i32.add local.set $bend
      loop
        local.get $b local.tee $r local.get $Q i32.add local.set $rend local.get $tw local.set $t
        loop
          local.get $t v128.load local.set $w1r local.get $t v128.load offset=16 local.set $w1i
          local.get $t v128.load offset=32 local.set $w2r local.get $t v128.load offset=48 local.set $w2i
          local.get $t v128.load offset=64 local.set $w3r local.get $t v128.load offset=80 local.set $w3i
          local.get $r local.tee $p local.get $vb i32.add local.set $pend
          loop
            local.get $p v128.load local.set $a0
            local.get $p local.get $Q i32.add v128.load local.set $v ${cmulLocals('v', 'w2r', 'w2i')} local.set $c2
            local.get $p local.get $Q2 i32.add v128.load local.set $v ${cmulLocals('v', 'w1r', 'w1i')} local.set $c1
            local.get $p local.get $Q3 i32.add v128.load local.set $v ${cmulLocals('v', 'w3r', 'w3i')} local.set $c3
            local.get $a0 local.get $c2 f64x2.add local.set $s02
            local.get $a0 local.get $c2 f64x2.sub local.set $d02
            local.get $c1 local.get $c3 f64x2.add local.set $s13
            local.get $c1 local.get $c3 f64x2.sub local.tee $tt local.get $tt ${SWAP} local.get $mk v128.xor local.set $tt
            local.get $p local.get $s02 local.get $s13 f64x2.add v128.store
            local.get $p local.get $Q i32.add local.get $d02 local.get $tt f64x2.add v128.store
            local.get $p local.get $Q2 i32.add local.get $s02 local.get $s13 f64x2.sub v128.store
            local.get $p local.get $Q3 i32.add local.get $d02 local.get $tt f64x2.sub v128.store
            local.get $p i32.const 16 i32.add local.tee $p local.get $pend i32.ne
          br_if 0 end
          local.get $t i32.const 96 i32.add local.set $t
          local.get $r local.get $st i32.add local.tee $r local.get $rend i32.ne
        br_if 0 end
        local.get $b local.get $Q2 i32.add local.get $Q2 i32.add local.tee $b local.get $bend i32.ne
      br_if 0 end
    `,
  );

  // brpost(x, tw, m, vb, st, mask): untangles rows k and m − k (k = 1 … m/2) of the packed
  // transform into rfft rows, in place; tw holds W^k = e^{−iπk/m} as (wr, wr), (−wi, wi).
  const brpost = watKernel(
    'brpost',
    { i32: ['x', 'tw', 'm', 'vb', 'st', 'mask'] },
    { i32: ['pa', 'pb', 't', 'c'], v128: ['A', 'E', 'O', 'T', 'half', 'mk', 'wr', 'wi'] },
    (w) => w`
      local.get $mask v128.load local.set $mk
      f64.const 0.5 f64x2.splat local.set $half
      local.get $x local.get $st i32.add local.set $pa
      local.get $x local.get $m i32.const 1 i32.sub local.get $st i32.mul i32.add local.set $pb
      local.get $tw i32.const 32 i32.add local.set $t
      loop
        local.get $t v128.load local.set $wr local.get $t v128.load offset=16 local.set $wi
        i32.const 0 local.set $c
        loop
          ;; A = Z_k, B = conj(Z_{m−k}) (in O); E = (A + B)/2; O = −i(A − B)/2; X_k = E + W·O.
          local.get $pa local.get $c i32.add v128.load local.set $A
          local.get $pb local.get $c i32.add v128.load local.get $mk v128.xor local.set $O
          local.get $A local.get $O f64x2.add local.get $half f64x2.mul local.set $E
          local.get $A local.get $O f64x2.sub local.get $half f64x2.mul local.tee $O local.get $O ${SWAP} local.get $mk v128.xor local.set $O
          ${cmulLocals('O', 'wr', 'wi')} local.set $T
          local.get $pa local.get $c i32.add local.get $E local.get $T f64x2.add v128.store
          local.get $pb local.get $c i32.add local.get $E local.get $T f64x2.sub local.get $mk v128.xor v128.store
          local.get $c i32.const 16 i32.add local.tee $c local.get $vb i32.ne
        br_if 0 end
        local.get $t i32.const 32 i32.add local.set $t
        local.get $pb local.get $st i32.sub local.set $pb
        local.get $pa local.get $st i32.add local.tee $pa local.get $pb i32.le_u
      br_if 0 end
    `,
  );

  // bdc(x, m, vb, st): row 0 ← (Re Z0 + Im Z0, 0), row m ← (Re Z0 − Im Z0, 0): the DC and
  // Nyquist rows of the rfft from the packed transform's row 0.
  const bdc = watKernel(
    'bdc',
    { i32: ['x', 'm', 'vb', 'st'] },
    { i32: ['p', 'pend', 'nyq'], v128: ['v', 's', 'zero'] },
    (w) => w`
      f64.const 0 f64x2.splat local.set $zero
      local.get $m local.get $st i32.mul local.set $nyq
      local.get $x local.tee $p local.get $vb i32.add local.set $pend
      loop
        local.get $p v128.load local.set $v
        local.get $v local.get $v local.get $v ${SWAP} f64x2.sub local.set $s
        local.get $p local.get $nyq i32.add local.get $s local.get $zero ${LO_LO} v128.store
        local.get $p local.get $v local.get $v local.get $v ${SWAP} f64x2.add local.get $zero ${LO_LO} v128.store
        local.get $p i32.const 16 i32.add local.tee $p local.get $pend i32.ne
      br_if 0 end
    `,
  );

  // brpre(src, dst, tw, m, vb, ss, sc, ds, masks, s, rows): packs rfft rows 0 … m of src into the m
  // rows Z/… of dst for the inverse (out of place), scaled by s. Element (row k, column c) of src is
  // at src + k·ss + c·sc, so src may be stored either way round; rows k ≥ `rows` of src are taken
  // as zero without being read (they read the zero vector at ZERO_VEC, step 0). dst rows (stride ds)
  // hold vb bytes of contiguous columns. masks: lane-1 flip, then lane-0 flip.
  const brpre = watKernel(
    'brpre',
    { i32: ['src', 'dst', 'tw', 'm', 'vb', 'ss', 'sc', 'ds', 'masks', 'rows'], f64: ['s'] },
    { i32: ['pa', 'pb', 'za', 'zb', 't', 'c', 'lim', 'qa', 'qb', 'sa', 'sb'], v128: ['A', 'B', 'E', 'O', 'm1', 'm0', 'sv', 'wr', 'wi'] },
    (w) => {
      // qa, sa ← (pa, sc), or (ZERO_VEC, 0) when pa is at or past row `rows`; the same for qb, sb.
      const pick = (p: string, q: string, st: string) => `
        i32.const ${ZERO_VEC} local.get $${p} local.get $lim local.get $${p} i32.le_u select local.set $${q}
        i32.const 0 local.get $sc local.get $lim local.get $${p} i32.le_u select local.set $${st}`;
      return w`
        local.get $masks v128.load local.set $m1
        local.get $masks v128.load offset=16 local.set $m0
        local.get $s f64x2.splat local.set $sv
        local.get $src local.get $rows local.get $ss i32.mul i32.add local.set $lim
        ;; Row 0: s·(Re X0 + Re Xm, Re X0 − Re Xm).
        local.get $src local.set $pa local.get $src local.get $m local.get $ss i32.mul i32.add local.set $pb
        ${pick('pa', 'qa', 'sa')}
        ${pick('pb', 'qb', 'sb')}
        i32.const 0 local.set $c
        loop
          local.get $qa v128.load local.set $A
          local.get $qb v128.load local.set $B
          local.get $dst local.get $c i32.add
          local.get $A local.get $A ${DUP_LO} local.get $B local.get $B ${DUP_LO} local.get $m1 v128.xor f64x2.add
          local.get $sv f64x2.mul v128.store
          local.get $qa local.get $sa i32.add local.set $qa local.get $qb local.get $sb i32.add local.set $qb
          local.get $c i32.const 16 i32.add local.tee $c local.get $vb i32.ne
        br_if 0 end
        local.get $src local.get $ss i32.add local.set $pa
        local.get $src local.get $m i32.const 1 i32.sub local.get $ss i32.mul i32.add local.set $pb
        local.get $dst local.get $ds i32.add local.set $za
        local.get $dst local.get $m i32.const 1 i32.sub local.get $ds i32.mul i32.add local.set $zb
        local.get $tw i32.const 32 i32.add local.set $t
        loop
          local.get $t v128.load local.set $wr local.get $t v128.load offset=16 local.set $wi
          ${pick('pa', 'qa', 'sa')}
          ${pick('pb', 'qb', 'sb')}
          i32.const 0 local.set $c
          loop
            ;; A = X_k, B = conj(X_{m−k}); E = A + B; O = conj(W)·(A − B); Z_k = s(E + iO), Z_{m−k} = s(conj E + swap O).
            local.get $qa v128.load local.set $A
            local.get $qb v128.load local.get $m1 v128.xor local.set $B
            local.get $A local.get $B f64x2.add local.set $E
            local.get $A local.get $B f64x2.sub local.set $B
            local.get $B local.get $wr f64x2.mul local.get $B local.get $B ${SWAP} local.get $wi f64x2.mul f64x2.sub local.set $O
            local.get $za local.get $c i32.add
            local.get $E local.get $O local.get $O ${SWAP} local.get $m0 v128.xor f64x2.add local.get $sv f64x2.mul v128.store
            local.get $zb local.get $c i32.add
            local.get $E local.get $m1 v128.xor local.get $O local.get $O ${SWAP} f64x2.add local.get $sv f64x2.mul v128.store
            local.get $qa local.get $sa i32.add local.set $qa local.get $qb local.get $sb i32.add local.set $qb
            local.get $c i32.const 16 i32.add local.tee $c local.get $vb i32.ne
          br_if 0 end
          local.get $t i32.const 32 i32.add local.set $t
          local.get $za local.get $ds i32.add local.set $za
          local.get $zb local.get $ds i32.sub local.set $zb
          local.get $pb local.get $ss i32.sub local.set $pb
          local.get $pa local.get $ss i32.add local.tee $pa local.get $pb i32.le_u
        br_if 0 end`;
    },
  );

  // ctranspose(src, dst, R, C, ss, ds): complex transpose dst[c][r] = src[r][c], r < R, c < C.
  // Four source rows per sweep, so every destination cache line gets 64 contiguous bytes.
  const ctranspose = watKernel(
    'ctranspose',
    { i32: ['src', 'dst', 'R', 'C', 'ss', 'ds'] },
    { i32: ['r', 'a', 'aend', 'd', 'ss2', 'ss3', 'rest'] },
    (w) => w`
      local.get $ss local.get $ss i32.add local.tee $ss2 local.get $ss i32.add local.set $ss3
      local.get $C i32.const 4 i32.shl local.set $rest
      i32.const 0 local.set $r
      ;; Rows in groups of four (R is a multiple of 4).
      loop
        local.get $src local.get $r local.get $ss i32.mul i32.add local.tee $a local.get $rest i32.add local.set $aend
        local.get $dst local.get $r i32.const 4 i32.shl i32.add local.set $d
        loop
          local.get $d local.get $a v128.load v128.store
          local.get $d local.get $a local.get $ss i32.add v128.load v128.store offset=16
          local.get $d local.get $a local.get $ss2 i32.add v128.load v128.store offset=32
          local.get $d local.get $a local.get $ss3 i32.add v128.load v128.store offset=48
          local.get $d local.get $ds i32.add local.set $d
          local.get $a i32.const 16 i32.add local.tee $a local.get $aend i32.ne
        br_if 0 end
        local.get $r i32.const 4 i32.add local.tee $r local.get $R i32.ne
      br_if 0 end
    `,
  );

  // ctranspose1(src, dst, R, C, ss, ds): the same one source row at a time (any R).
  const ctranspose1 = watKernel(
    'ctranspose1',
    { i32: ['src', 'dst', 'R', 'C', 'ss', 'ds'] },
    { i32: ['r', 'a', 'aend', 'd', 'rest'] },
    (w) => w`
      local.get $C i32.const 4 i32.shl local.set $rest
      i32.const 0 local.set $r
      loop
        local.get $src local.get $r local.get $ss i32.mul i32.add local.tee $a local.get $rest i32.add local.set $aend
        local.get $dst local.get $r i32.const 4 i32.shl i32.add local.set $d
        loop
          local.get $d local.get $a v128.load v128.store
          local.get $d local.get $ds i32.add local.set $d
          local.get $a i32.const 16 i32.add local.tee $a local.get $aend i32.ne
        br_if 0 end
        local.get $r i32.const 1 i32.add local.tee $r local.get $R i32.ne
      br_if 0 end
    `,
  );

  return [bfirst4, bfirst2, bfirst8, bpass4, brpost, bdc, brpre, ctranspose, ctranspose1];
}

/** Kernel signatures: byte offsets into the memory, counts as noted. */
interface Kernels2d {
  bfirst4(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number, mask: number): void;
  bfirst2(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number): void;
  bfirst8(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number, mask: number): void;
  bpass4(x: number, nb: number, vb: number, st: number, Q: number, tw: number, mask: number): void;
  brpost(x: number, tw: number, m: number, vb: number, st: number, mask: number): void;
  bdc(x: number, m: number, vb: number, st: number): void;
  brpre(src: number, dst: number, tw: number, m: number, vb: number, ss: number, sc: number, ds: number, masks: number, rows: number, s: number): void;
  ctranspose(src: number, dst: number, R: number, C: number, ss: number, ds: number): void;
  ctranspose1(src: number, dst: number, R: number, C: number, ss: number, ds: number): void;
}

function fftModule(): WasmModule | null {
  return compileKernelModule('fft2d', () => [...fft2dKernelDefs(), ...splitKernelDefs()]);
}

/** The backend new 2D plans get by default: 'wasm' (SIMD kernels) when available, else 'js'. */
export function defaultFft2dBackend(): FftBackend {
  return fftModule() !== null ? 'wasm' : 'js';
}

// ---------------------------------------------------------------------------------------------
// The same kernels in plain JS, on a Float64Array over the arena's buffer (byte offsets / 8).
// ---------------------------------------------------------------------------------------------

function jsKernels(buffer: ArrayBuffer): Kernels2d {
  const f = new Float64Array(buffer);
  const u32 = new Uint32Array(buffer);
  /** Sign of the imaginary lane of the "−i·d13" rotation: read from the mask like the wasm kernels. */
  const rot = (mask: number) => (Object.is(f[mask / 8 + 1], -0) ? 1 : -1);
  return {
    bfirst4(src, dst, rev, L, vb, ss, ds, mask) {
      // mask flips lane 1 (forward: tt = −i·d13) or lane 0 (inverse: tt = +i·d13).
      const sg = rot(mask);
      const h1 = ((L >> 2) * ss) / 8;
      const n = vb / 8;
      for (let p = 0; p < L; p += 4) {
        const a = (src + u32[rev / 4 + p] * ss) / 8;
        const d0 = (dst + p * ds) / 8;
        const d1 = d0 + ds / 8;
        const d2 = d1 + ds / 8;
        const d3 = d2 + ds / 8;
        for (let c = 0; c < n; c += 2) {
          const i0 = a + c;
          const c0r = f[i0];
          const c0i = f[i0 + 1];
          const c2r = f[i0 + 2 * h1];
          const c2i = f[i0 + 2 * h1 + 1];
          const c1r = f[i0 + h1];
          const c1i = f[i0 + h1 + 1];
          const c3r = f[i0 + 3 * h1];
          const c3i = f[i0 + 3 * h1 + 1];
          const s02r = c0r + c2r;
          const s02i = c0i + c2i;
          const d02r = c0r - c2r;
          const d02i = c0i - c2i;
          const s13r = c1r + c3r;
          const s13i = c1i + c3i;
          const d13r = c1r - c3r;
          const d13i = c1i - c3i;
          // tt = swap(d13) with one lane negated: (d13i, −d13r) forward, (−d13i, d13r) inverse.
          const ttr = sg * d13i;
          const tti = -sg * d13r;
          f[d0 + c] = s02r + s13r;
          f[d0 + c + 1] = s02i + s13i;
          f[d1 + c] = d02r + ttr;
          f[d1 + c + 1] = d02i + tti;
          f[d2 + c] = s02r - s13r;
          f[d2 + c + 1] = s02i - s13i;
          f[d3 + c] = d02r - ttr;
          f[d3 + c + 1] = d02i - tti;
        }
      }
    },
    bfirst8(src, dst, rev, L, vb, ss, ds, mask) {
      const sg = rot(mask);
      const h = ((L >> 3) * ss) / 8;
      const n = vb / 8;
      const sq = Math.SQRT1_2;
      // y[2j], y[2j + 1] ← the 4-point DFT of rows (b0, b1, b2, b3) (offsets in units of h), as bfirst4.
      const y = new Float64Array(16);
      const dft4 = (i0: number, b0: number, b1: number, b2: number, b3: number, at: number) => {
        const s02r = f[i0 + b0 * h] + f[i0 + b2 * h];
        const s02i = f[i0 + b0 * h + 1] + f[i0 + b2 * h + 1];
        const d02r = f[i0 + b0 * h] - f[i0 + b2 * h];
        const d02i = f[i0 + b0 * h + 1] - f[i0 + b2 * h + 1];
        const s13r = f[i0 + b1 * h] + f[i0 + b3 * h];
        const s13i = f[i0 + b1 * h + 1] + f[i0 + b3 * h + 1];
        const d13r = f[i0 + b1 * h] - f[i0 + b3 * h];
        const d13i = f[i0 + b1 * h + 1] - f[i0 + b3 * h + 1];
        const ttr = sg * d13i;
        const tti = -sg * d13r;
        y[at] = s02r + s13r;
        y[at + 1] = s02i + s13i;
        y[at + 2] = d02r + ttr;
        y[at + 3] = d02i + tti;
        y[at + 4] = s02r - s13r;
        y[at + 5] = s02i - s13i;
        y[at + 6] = d02r - ttr;
        y[at + 7] = d02i - tti;
      };
      for (let p = 0; p < L; p += 8) {
        const a = (src + u32[rev / 4 + p] * ss) / 8;
        const d = (dst + p * ds) / 8;
        const dd = ds / 8;
        for (let c = 0; c < n; c += 2) {
          dft4(a + c, 0, 2, 4, 6, 0); // E = y[0 … 7]
          dft4(a + c, 1, 3, 5, 7, 8); // O = y[8 … 15]
          // T_s = ω^s·O_s: rot(O) = (sg·Oi, −sg·Or).
          const t0r = y[8];
          const t0i = y[9];
          const t1r = (y[10] + sg * y[11]) * sq;
          const t1i = (y[11] + -sg * y[10]) * sq;
          const t2r = sg * y[13];
          const t2i = -sg * y[12];
          const t3r = (sg * y[15] - y[14]) * sq;
          const t3i = (-sg * y[14] - y[15]) * sq;
          const tr = [t0r, t1r, t2r, t3r];
          const ti = [t0i, t1i, t2i, t3i];
          for (let s = 0; s < 4; s++) {
            f[d + s * dd + c] = y[2 * s] + tr[s];
            f[d + s * dd + c + 1] = y[2 * s + 1] + ti[s];
            f[d + (s + 4) * dd + c] = y[2 * s] - tr[s];
            f[d + (s + 4) * dd + c + 1] = y[2 * s + 1] - ti[s];
          }
        }
      }
    },
    bfirst2: (src, dst, rev, L, vb, ss, ds) => firstPass2(f, u32, src, dst, rev, L, vb, ss, ds),
    bpass4(x, nb, vb, st, Q, tw, mask) {
      const sg = rot(mask);
      const q = Q / 8;
      const n = vb / 8;
      for (let b = x / 8, bend = (x + nb) / 8; b < bend; b += 4 * q) {
        for (let r = b, t = tw / 8; r < b + q; r += st / 8, t += 12) {
          // Stored as (wr, wr, −wi, wi): take wr and wi.
          const w1r = f[t];
          const w1i = f[t + 3];
          const w2r = f[t + 4];
          const w2i = f[t + 7];
          const w3r = f[t + 8];
          const w3i = f[t + 11];
          for (let c = 0; c < n; c += 2) {
            const i0 = r + c;
            const i1 = i0 + q;
            const i2 = i1 + q;
            const i3 = i2 + q;
            // sg = +1 (forward): −i·(c1 − c3) goes to i1; −1 (inverse): to i3.
            if (sg > 0) radix4Butterfly(f, 1, i0, i1, i2, i3, i1, i3, w1r, w1i, w2r, w2i, w3r, w3i);
            else radix4Butterfly(f, 1, i0, i1, i2, i3, i3, i1, w1r, w1i, w2r, w2i, w3r, w3i);
          }
        }
      }
    },
    brpost(x, tw, m, vb, st, _mask) {
      const n = vb / 8;
      for (let k = 1; k <= m >> 1; k++) {
        const pa = (x + k * st) / 8;
        const pb = (x + (m - k) * st) / 8;
        const t = tw / 8 + 4 * k;
        const wr = f[t];
        const wi = f[t + 3];
        for (let c = 0; c < n; c += 2) {
          const ar = f[pa + c];
          const ai = f[pa + c + 1];
          const br = f[pb + c];
          const bi = -f[pb + c + 1];
          const er = 0.5 * (ar + br);
          const ei = 0.5 * (ai + bi);
          const or = 0.5 * (ai - bi);
          const oi = -0.5 * (ar - br);
          const tr = wr * or - wi * oi;
          const ti = wr * oi + wi * or;
          f[pa + c] = er + tr;
          f[pa + c + 1] = ei + ti;
          f[pb + c] = er - tr;
          f[pb + c + 1] = ti - ei;
        }
      }
    },
    bdc(x, m, vb, st) {
      const n = vb / 8;
      const p = x / 8;
      const q = (x + m * st) / 8;
      for (let c = 0; c < n; c += 2) {
        const re = f[p + c];
        const im = f[p + c + 1];
        f[p + c] = re + im;
        f[p + c + 1] = 0;
        f[q + c] = re - im;
        f[q + c + 1] = 0;
      }
    },
    brpre(src, dst, tw, m, vb, ss, sc, ds, _masks, rows, s) {
      const n = vb / 8;
      const lim = src + rows * ss;
      // A pruned row (index ≥ rows) reads the zero vector with step 0, as the wasm kernel does.
      const row = (p: number) => (p < lim ? [p / 8, sc / 8] : [ZERO_VEC / 8, 0]);
      {
        const [p0, s0] = row(src);
        const [pm, sm] = row(src + m * ss);
        const z0 = dst / 8;
        for (let c = 0, a = p0, b = pm; c < n; c += 2, a += s0, b += sm) {
          const x0 = f[a];
          const xm = f[b];
          f[z0 + c] = s * (x0 + xm);
          f[z0 + c + 1] = s * (x0 - xm);
        }
      }
      for (let k = 1; k <= m >> 1; k++) {
        const [pa, sa] = row(src + k * ss);
        const [pb, sb] = row(src + (m - k) * ss);
        const za = (dst + k * ds) / 8;
        const zb = (dst + (m - k) * ds) / 8;
        const t = tw / 8 + 4 * k;
        const wr = f[t];
        const wi = -f[t + 3];
        for (let c = 0, a = pa, b = pb; c < n; c += 2, a += sa, b += sb) {
          const ar = f[a];
          const ai = f[a + 1];
          const br = f[b];
          const bi = -f[b + 1];
          const er = ar + br;
          const ei = ai + bi;
          const dr = ar - br;
          const di = ai - bi;
          const or = wr * dr - wi * di;
          const oi = wr * di + wi * dr;
          f[za + c] = s * (er - oi);
          f[za + c + 1] = s * (ei + or);
          f[zb + c] = s * (er + oi);
          f[zb + c + 1] = s * (or - ei);
        }
      }
    },
    ctranspose(src, dst, R, C, ss, ds) {
      for (let r = 0; r < R; r++) {
        const a = (src + r * ss) / 8;
        let d = (dst + 16 * r) / 8;
        for (let c = 0; c < C; c++, d += ds / 8) {
          f[d] = f[a + 2 * c];
          f[d + 1] = f[a + 2 * c + 1];
        }
      }
    },
    ctranspose1(src, dst, R, C, ss, ds) {
      this.ctranspose(src, dst, R, C, ss, ds);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The arena: one memory holding tables, scratch and the caller's arrays.
// ---------------------------------------------------------------------------------------------

const MASK_LANE1 = 0; // flips the sign of lane 1: forward rotations, conjugation
const MASK_LANE0 = 16; // flips the sign of lane 0: inverse rotations
// Bytes 32 … 47 hold ZERO_VEC (fft2d_split.ts), the zero vector of pruned rows; the arena starts its tables at 64.

/** Tables of the batched complex FFT of one length L along the outer axis. */
interface AxisPlan {
  L: number;
  rev: number;
  /** Radix of the twiddle-free first pass: 8 when log2 L is odd (≥ 3), 4 when even, 2 for L = 2. */
  first: 2 | 4 | 8;
  /** Sub-transform length q entering each radix-4 pass after it. */
  stages: number[];
  twF: number;
  twI: number;
}

/** The passes of a length-L axis (L a power of two ≥ 2): see AxisPlan. */
export function axisSchedule(L: number): { first: 2 | 4 | 8; stages: number[]; twCount: number } {
  let bits = 0;
  while (1 << bits < L) bits++;
  const first = bits === 1 ? 2 : bits % 2 === 0 ? 4 : 8;
  const stages: number[] = [];
  let twCount = 0;
  for (let q = first; 4 * q <= L; q *= 4) {
    stages.push(q);
    twCount += q;
  }
  return { first, stages, twCount };
}

/**
 * Float64 arrays next to a 2D FFT plan (in one wasm memory when the backend is 'wasm'), with the
 * transforms a pseudo-spectral 2D solver chains every step. Arrays passed in must come from
 * `alloc`. Spectra are [nx][ny/2+1] interleaved complex (numpy layout); physical fields are
 * [nx][ny] (natural) or [ny/2][nx] complex pairs (packed, see the file comment).
 */
export interface SpectralArena2d {
  readonly nx: number;
  readonly ny: number;
  readonly backend: FftBackend;
  /** The arena's memory (wasm backend), for kernels instantiated on it; null for 'js'. */
  readonly memory: WasmMemory | null;
  /** The whole arena buffer (wasm memory or plain ArrayBuffer). */
  readonly buffer: ArrayBuffer;
  /** A zeroed float64 array of `length` from the arena (16-byte aligned). */
  alloc(length: number): Float64Array;
  /** out ← rfft2(x): x has nx·ny reals (natural layout), out nx·(ny+2) values. */
  rfft2(x: Float64Array, out: Float64Array): void;
  /** out ← irfft2(c): c has nx·(ny+2) values, out nx·ny reals. c is left unchanged. */
  irfft2(c: Float64Array, out: Float64Array): void;
  /**
   * out ← rfft2 of the packed field t, columns q < cols only (the others are left as they were).
   * t is left unchanged.
   */
  rfft2Packed(t: Float64Array, out: Float64Array, cols?: number): void;
  /** t ← irfft2(c) in packed layout, reading only the columns q < cols of c (the rest taken as 0). */
  irfft2Packed(c: Float64Array, t: Float64Array, cols?: number): void;
  /**
   * out ← rfft2(P), columns q < cols only (the others are left as they were), for the field
   * P = combine(irfft2(specs[0]), …, irfft2(specs[k − 1])) built point by point, every spectrum
   * read on its columns q < cols only (the rest taken as 0): a pseudo-spectral product such as
   * u·ωx + v·ωy. Equal to irfft2Packed of each spectrum, combine on the whole packed fields and
   * rfft2Packed, bit for bit, but the physical fields are only ever formed a block of packed
   * columns at a time, in a few kB of scratch: `combine(inputs, out, pairs)` gets the byte offsets
   * of the k input blocks and of the output block, each `pairs` complex pairs of the packed layout
   * stored contiguously (combine must not call this arena's transforms). work[j] (≥ nx·2·cols doubles, one per spectrum, not overlapping) holds
   * the x-inverse of specs[j]. 1 ≤ k; up to 23 always, more where the block scratch allows.
   */
  rfft2OfProduct(specs: readonly Float64Array[], work: readonly Float64Array[], out: Float64Array, cols: number, combine: BlockCombine): void;
  /** Natural [nx][ny] → packed [ny/2][nx] complex pairs (a transpose). */
  pack(x: Float64Array, t: Float64Array): void;
  /** Packed → natural layout. */
  unpack(t: Float64Array, x: Float64Array): void;
}

/** Fills the output block from the input blocks (byte offsets into the arena); see rfft2OfProduct. */
export type BlockCombine = (inputs: readonly number[], out: number, pairs: number) => void;

/** An arena for [nx, ny] transforms with room for `capacity` further doubles. */
export function createSpectralArena2d(nx: number, ny: number, capacity: number, backend: FftBackend = defaultFft2dBackend()): SpectralArena2d {
  checkSize2d(nx, ny);
  if (!Number.isSafeInteger(capacity) || capacity < 0) throw new SolverInputError(`arena capacity=${capacity} is not allowed: use an integer >= 0 (doubles)`);
  if (backend !== 'wasm' && backend !== 'js') throw new SolverInputError(`FFT backend '${String(backend)}' is unknown: use 'wasm' or 'js'`);
  return new Arena2d(nx, ny, capacity, backend);
}

class Arena2d implements SpectralArena2d {
  readonly memory: WasmMemory | null;
  readonly buffer: ArrayBuffer;
  private readonly k: Kernels2d;
  /** The split-layout kernels of rfft2OfProduct's blocks (fft2d_split.ts). */
  private readonly ks: SplitKernels;
  private readonly m: number;
  private readonly planX: AxisPlan;
  private readonly planY: AxisPlan;
  /** rfft untangling twiddles W^k = e^{−iπk/m}, k = 0 … m/2. */
  private readonly twP: number;
  private readonly s1: number;
  private readonly s2: number;
  /**
   * Block scratch of rfft2OfProduct: `sbCols` columns of m + 1 complex values (see productCapacity);
   * a block of nb packed columns and k fields takes (k + 1)·nb of them.
   */
  private readonly sb: number;
  private readonly sbCols: number;
  private readonly blockPtrs: number[] = [];
  private next: number;
  private readonly end: number;
  private readonly f64: Float64Array;

  constructor(
    readonly nx: number,
    readonly ny: number,
    capacity: number,
    readonly backend: FftBackend,
  ) {
    const m = ny / 2;
    this.m = m;
    let off = 64;
    const take = (bytes: number) => {
      const at = off;
      off = Math.ceil((off + bytes) / 16) * 16;
      return at;
    };
    const lengths = nx === m ? [nx] : [nx, m];
    const layout = new Map<number, Omit<AxisPlan, 'L'>>();
    for (const L of lengths) {
      const { first, stages, twCount } = axisSchedule(L);
      layout.set(L, { rev: take(4 * L), stages, twF: take(96 * twCount), twI: take(96 * twCount), first });
    }
    this.twP = take(32 * (Math.floor(m / 2) + 1));
    const scratch = 16 * nx * (m + 1);
    this.s1 = take(scratch);
    this.s2 = take(scratch);
    this.sbCols = productCapacity(nx, m);
    this.sb = take(16 * (m + 1) * this.sbCols);
    // Each alloc rounds up to 16 bytes: the extra 16 bytes per 2 doubles of slack are in `capacity + 64`.
    this.next = take(8 * (capacity + 64));
    this.end = off;
    if (backend === 'wasm') {
      const mod = fftModule();
      if (mod === null || wasmApi === undefined) throw new SolverInputError("FFT backend 'wasm' is not available here (no WebAssembly SIMD): use 'js'");
      const memory = new wasmApi.Memory({ initial: Math.max(1, Math.ceil(off / 65536)) });
      const exports = new wasmApi.Instance(mod, { env: { mem: memory } }).exports;
      this.k = exports as Kernels2d;
      this.ks = exports as SplitKernels;
      this.memory = memory;
      this.buffer = memory.buffer;
    } else {
      this.buffer = new ArrayBuffer(off);
      this.memory = null;
      this.k = jsKernels(this.buffer);
      this.ks = jsSplitKernels(this.buffer);
    }
    const f = new Float64Array(this.buffer);
    this.f64 = f;
    f[MASK_LANE1 / 8 + 1] = -0;
    f[MASK_LANE0 / 8] = -0;
    const plans = new Map<number, AxisPlan>();
    for (const [L, lay] of layout) {
      writeBitReversal(new Uint32Array(this.buffer, lay.rev, L));
      writeStageTwiddles(f, lay.twF / 8, lay.stages, -1);
      writeStageTwiddles(f, lay.twI / 8, lay.stages, 1);
      plans.set(L, { L, ...lay });
    }
    for (let k = 0; k <= Math.floor(m / 2); k++) putTwiddle(f, this.twP / 8 + 4 * k, (-Math.PI * k) / m);
    this.planX = plans.get(nx) as AxisPlan;
    this.planY = plans.get(m) as AxisPlan;
  }

  alloc(length: number): Float64Array {
    if (!Number.isSafeInteger(length) || length < 0) throw new SolverInputError(`array length ${length} is not allowed: use an integer >= 0`);
    const at = this.next;
    const bytes = Math.ceil((8 * length) / 16) * 16;
    if (at + bytes > this.end) throw new SolverInputError(`2D FFT arena is full: ${length} more doubles do not fit`);
    this.next += bytes;
    return new Float64Array(this.buffer, at, length);
  }

  private at(a: Float64Array, length: number, name: string): number {
    if (a.buffer !== this.buffer) throw new SolverInputError(`${name} is not an array of this arena: use arena.alloc()`);
    if (a.length < length) throw new SolverInputError(`${name} has length ${a.length}: need ${length}`);
    return a.byteOffset;
  }

  /**
   * Batched complex FFT of length plan.L along the outer axis: rows of src (stride ss bytes) →
   * rows of dst (stride ds), first vb bytes of each row. src and dst must not overlap.
   */
  private axis(plan: AxisPlan, src: number, ss: number, dst: number, ds: number, vb: number, inverse: boolean): void {
    const k = this.k;
    const L = plan.L;
    if (L === 1) {
      const n = vb / 8;
      this.f64.copyWithin(dst / 8, src / 8, src / 8 + n);
      return;
    }
    const mask = inverse ? MASK_LANE0 : MASK_LANE1;
    if (plan.first === 8) k.bfirst8(src, dst, plan.rev, L, vb, ss, ds, mask);
    else if (plan.first === 4) k.bfirst4(src, dst, plan.rev, L, vb, ss, ds, mask);
    else k.bfirst2(src, dst, plan.rev, L, vb, ss, ds);
    let tw = inverse ? plan.twI : plan.twF;
    for (const q of plan.stages) {
      k.bpass4(dst, L * ds, vb, ds, q * ds, tw, mask);
      tw += 96 * q;
    }
  }

  /**
   * The same on split rows (fft2d_split.ts: column pairs as (re, re), (im, im); vb a multiple of
   * 32 bytes), src and dst with the same row stride st.
   */
  private axisSplit(plan: AxisPlan, src: number, dst: number, vb: number, st: number, inverse: boolean): void {
    const ks = this.ks;
    const L = plan.L;
    if (plan.first === 8) (inverse ? ks.sfirst8i : ks.sfirst8f)(src, dst, plan.rev, L, vb, st, st);
    else if (plan.first === 4) (inverse ? ks.sfirst4i : ks.sfirst4f)(src, dst, plan.rev, L, vb, st, st);
    else ks.sfirst2(src, dst, plan.rev, L, vb, st, st);
    const pass = inverse ? ks.spass4i : ks.spass4f;
    let tw = inverse ? plan.twI : plan.twF;
    for (const q of plan.stages) {
      pass(dst, L * st, vb, st, q * st, tw);
      tw += 96 * q;
    }
  }

  /** dst[c][r] ← src[r][c] (complex), r < R, c < C: source rows four at a time, then the rest. */
  private transpose(src: number, dst: number, R: number, C: number, ss: number, ds: number): void {
    const r4 = R - (R % 4);
    if (r4 > 0) this.k.ctranspose(src, dst, r4, C, ss, ds);
    if (r4 < R) this.k.ctranspose1(src + r4 * ss, dst + 16 * r4, R - r4, C, ss, ds);
  }

  private checkCols(cols: number): void {
    if (!Number.isInteger(cols) || cols < 1 || cols > this.m + 1) {
      throw new SolverInputError(`cols=${cols} is not allowed: use an integer in [1, ${this.m + 1}]`);
    }
  }

  /** X ← the x-inverse of the columns q < cols of spectrum c: X[i][q], complex rows of stride 16·cols bytes. */
  private xInverse(cp: number, X: number, cols: number): void {
    this.axis(this.planX, cp, 16 * (this.m + 1), X, 16 * cols, 16 * cols, true);
  }

  /**
   * Packed columns i0 … i0 + nb − 1 of irfft2 from X (xInverse's output, rows q ≥ cols taken as
   * zero): untangled into zin ([m][nb], contiguous), then the y-inverse into dst (row stride ds).
   * dst may be X itself (X is read before dst is written), not zin.
   */
  private yInverse(X: number, cols: number, i0: number, nb: number, zin: number, dst: number, ds: number): void {
    const { nx, m } = this;
    this.k.brpre(X + 16 * cols * i0, zin, this.twP, m, 16 * nb, 16, 16 * cols, 16 * nb, MASK_LANE1, cols, 1 / (nx * 2 * m));
    this.axis(this.planY, zin, 16 * nb, dst, ds, 16 * nb, true);
  }

  /**
   * The y-rfft of the packed columns i0 … i0 + nb − 1 held in src (row stride ss): FFT of length m
   * into zb ([m + 1][nb]), untangled to rows 0 … m, and its rows q < cols transposed into
   * F[i][q] (complex rows of stride 16·cols bytes) for the x-transform. F may be src.
   */
  private yForward(src: number, ss: number, i0: number, nb: number, zb: number, F: number, cols: number): void {
    const m = this.m;
    this.axis(this.planY, src, ss, zb, 16 * nb, 16 * nb, false);
    if (m >= 2) this.k.brpost(zb, this.twP, m, 16 * nb, 16 * nb, MASK_LANE1);
    this.k.bdc(zb, m, 16 * nb, 16 * nb);
    this.transpose(zb, F + 16 * cols * i0, cols, nb, 16 * nb, 16 * cols);
  }

  /** Spectrum columns q < cols of out ← the x-transform of F (yForward's output). */
  private xForward(F: number, op: number, cols: number): void {
    this.axis(this.planX, F, 16 * cols, op, 16 * (this.m + 1), 16 * cols, false);
  }

  rfft2Packed(t: Float64Array, out: Float64Array, cols = this.m + 1): void {
    const { nx, m } = this;
    this.checkCols(cols);
    const tp = this.at(t, nx * 2 * m, 't');
    const op = this.at(out, nx * 2 * (m + 1), 'out');
    this.yForward(tp, 16 * nx, 0, nx, this.s2, this.s1, cols);
    this.xForward(this.s1, op, cols);
  }

  irfft2Packed(c: Float64Array, t: Float64Array, cols = this.m + 1): void {
    const { nx, m } = this;
    this.checkCols(cols);
    const cp = this.at(c, nx * 2 * (m + 1), 'c');
    const tp = this.at(t, nx * 2 * m, 't');
    this.xInverse(cp, this.s1, cols);
    this.yInverse(this.s1, cols, 0, nx, this.s2, tp, 16 * nx);
  }

  rfft2OfProduct(specs: readonly Float64Array[], work: readonly Float64Array[], out: Float64Array, cols: number, combine: BlockCombine): void {
    const { nx, m } = this;
    this.checkCols(cols);
    const k = specs.length;
    const nb = productBlock(nx, k, this.sbCols);
    if (nb === 0) throw new SolverInputError(`rfft2OfProduct of ${k} fields is not allowed: use 1 to ${Math.floor(this.sbCols / 2) - 1}`);
    if (work.length !== k) throw new SolverInputError(`rfft2OfProduct needs one work array per spectrum: got ${work.length} for ${k}`);
    for (let j = 0; j < k; j++) {
      // (names built only for the error message: a step allocates nothing)
      if (specs[j].buffer !== this.buffer || specs[j].length < nx * 2 * (m + 1)) this.at(specs[j], nx * 2 * (m + 1), `specs[${j}]`);
      if (work[j].buffer !== this.buffer || work[j].length < nx * 2 * cols) this.at(work[j], nx * 2 * cols, `work[${j}]`);
    }
    const op = this.at(out, nx * 2 * (m + 1), 'out');
    for (let j = 0; j < k; j++) {
      for (let i = 0; i < k; i++)
        if (overlaps(work[j], specs[i]) || (i !== j && overlaps(work[j], work[i])))
          throw new SolverInputError('rfft2OfProduct work arrays must not overlap each other or the spectra');
    }
    for (let j = 0; j < k; j++) this.xInverse(specs[j].byteOffset, work[j].byteOffset, cols);
    const slot = 16 * (m + 1) * nb;
    const zin = this.sb;
    // The input blocks follow zin; the array is kept so a step allocates nothing.
    const blocks = this.blockPtrs;
    blocks.length = k;
    for (let j = 0; j < k; j++) blocks[j] = this.sb + slot * (j + 1);
    // The blocks are in the split layout (fft2d_split.ts): the same values as the interleaved
    // kernels would give, bit for bit, in another order within each row, which combine (point by
    // point) does not see.
    const ks = this.ks;
    const vb = 16 * nb;
    const scale = 1 / (nx * 2 * m);
    for (let i0 = 0; i0 < nx; i0 += nb) {
      for (let j = 0; j < k; j++) {
        ks.sbrpre(work[j].byteOffset + 16 * cols * i0, zin, this.twP, m, vb, 16, 16 * cols, vb, cols, scale);
        this.axisSplit(this.planY, zin, blocks[j], vb, vb, true);
      }
      combine(blocks, zin, m * nb);
      const zb = blocks[0];
      this.axisSplit(this.planY, zin, zb, vb, vb, false);
      ks.sbrpost(zb, this.twP, m, vb, vb);
      ks.sbdc(zb, m, vb, vb);
      ks.stranspose(zb, this.s1 + 16 * cols * i0, cols, nb, vb, 16 * cols);
    }
    this.xForward(this.s1, op, cols);
  }

  pack(x: Float64Array, t: Float64Array): void {
    const { nx, m } = this;
    const xp = this.at(x, nx * 2 * m, 'x');
    const tp = this.at(t, nx * 2 * m, 't');
    if (overlaps(x, t)) throw new SolverInputError('pack output must not overlap its input');
    this.transpose(xp, tp, nx, m, 16 * m, 16 * nx);
  }

  unpack(t: Float64Array, x: Float64Array): void {
    const { nx, m } = this;
    const tp = this.at(t, nx * 2 * m, 't');
    const xp = this.at(x, nx * 2 * m, 'x');
    if (overlaps(x, t)) throw new SolverInputError('unpack output must not overlap its input');
    this.transpose(tp, xp, m, nx, 16 * nx, 16 * m);
  }

  rfft2(x: Float64Array, out: Float64Array): void {
    const { nx, m } = this;
    const xp = this.at(x, nx * 2 * m, 'x');
    const op = this.at(out, nx * 2 * (m + 1), 'out');
    if (overlaps(x, out)) throw new SolverInputError('rfft2 output must not overlap its input');
    this.transpose(xp, this.s1, nx, m, 16 * m, 16 * nx);
    this.yForward(this.s1, 16 * nx, 0, nx, this.s2, this.s1, m + 1);
    this.xForward(this.s1, op, m + 1);
  }

  irfft2(c: Float64Array, out: Float64Array): void {
    const { nx, m } = this;
    const cp = this.at(c, nx * 2 * (m + 1), 'c');
    const op = this.at(out, nx * 2 * m, 'out');
    this.xInverse(cp, this.s1, m + 1);
    this.yInverse(this.s1, m + 1, 0, nx, this.s2, this.s1, 16 * nx);
    this.transpose(this.s1, op, m, nx, 16 * nx, 16 * m);
  }
}

/**
 * Block scratch budget of rfft2OfProduct. A block's k + 1 buffers ((m + 1)·nb complex values each)
 * should stay in L2 (1 MB per core on the dev machine): at 256² and 4 fields nb = 32 (330 kB).
 * Wider blocks cost fewer instructions (each pass's per-row set-up is paid once per block):
 * per NS step at 256², 16.4 M instructions (callgrind) at nb = 4, 15.5 M at 16, 14.1 M at 32,
 * 13.9 M at 128; time at nb = 4 … 64 the same within the noise, then worse once the fields no
 * longer fit in L2.
 */
const PRODUCT_SCRATCH_BYTES = 512 * 1024;
/** Widest block (packed columns). */
const PRODUCT_MAX_BLOCK = 32;

/** Columns of m + 1 complex values in the block scratch: the budget, at least 48, at most 6·nx. */
function productCapacity(nx: number, m: number): number {
  return Math.max(48, Math.min(6 * nx, Math.floor(PRODUCT_SCRATCH_BYTES / (16 * (m + 1)))));
}

/**
 * Block width for k fields: the largest power of two ≤ min(nx, PRODUCT_MAX_BLOCK) whose k + 1
 * buffers fit, at least 2 (the split layout pairs columns); 0 when none does.
 */
function productBlock(nx: number, k: number, capacity: number): number {
  if (!Number.isInteger(k) || k < 1 || 2 * (k + 1) > capacity) return 0;
  let nb = Math.min(nx, PRODUCT_MAX_BLOCK);
  while ((k + 1) * nb > capacity) nb /= 2;
  return nb;
}

function overlaps(a: Float64Array, b: Float64Array): boolean {
  if (a.buffer !== b.buffer) return false;
  return a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength;
}

// ---------------------------------------------------------------------------------------------
// Plans on plain arrays (copy in and out of the arena) and the numpy-style functions.
// ---------------------------------------------------------------------------------------------

/** A real 2D FFT of one [nx, ny] size on caller-owned arrays (copies through its arena). */
export class RealFft2d {
  readonly nx: number;
  readonly ny: number;
  readonly backend: FftBackend;
  private readonly arena: SpectralArena2d;
  private readonly x: Float64Array;
  private readonly c: Float64Array;

  /** `backend` defaults to defaultFft2dBackend(); asking for 'wasm' where it is unavailable throws. */
  constructor(nx: number, ny: number, backend: FftBackend = defaultFft2dBackend()) {
    checkSize2d(nx, ny);
    this.nx = nx;
    this.ny = ny;
    this.backend = backend;
    this.arena = createSpectralArena2d(nx, ny, nx * ny + nx * (ny + 2) + 4, backend);
    this.x = this.arena.alloc(nx * ny);
    this.c = this.arena.alloc(nx * (ny + 2));
  }

  /** numpy.fft.rfft2(x): x has nx·ny reals (row-major), out gets nx·(ny/2+1) interleaved complex values. */
  forward(x: ArrayLike<number>, out: Float64Array = new Float64Array(this.nx * (this.ny + 2))): Float64Array {
    const { nx, ny } = this;
    if (x.length !== nx * ny) throw new SolverInputError(`real 2D input has length ${x.length} but this FFT has nx=${nx}, ny=${ny} (needs ${nx * ny})`);
    if (out.length !== nx * (ny + 2))
      throw new SolverInputError(`output has length ${out.length}: rfft2 of [${nx}, ${ny}] gives ${nx * (ny + 2)} (nx·(ny/2+1) interleaved complex)`);
    this.x.set(x);
    this.arena.rfft2(this.x, this.c);
    out.set(this.c);
    return out;
  }

  /** numpy.fft.irfft2(c, s=(nx, ny)): c has nx·(ny/2+1) interleaved complex values; out gets nx·ny reals. */
  inverse(c: ArrayLike<number>, out: Float64Array = new Float64Array(this.nx * this.ny)): Float64Array {
    const { nx, ny } = this;
    if (c.length !== nx * (ny + 2)) throw new SolverInputError(`spectrum has length ${c.length} but irfft2 to [${nx}, ${ny}] needs ${nx * (ny + 2)}`);
    if (out.length !== nx * ny) throw new SolverInputError(`output has length ${out.length} but irfft2 produces ${nx * ny} values`);
    this.c.set(c);
    this.arena.irfft2(this.c, this.x);
    out.set(this.x);
    return out;
  }
}

const plans2d = new Map<string, RealFft2d>();

/** The cached real 2D FFT plan of size [nx, ny]. */
export function realFft2d(nx: number, ny: number): RealFft2d {
  const key = `${nx}x${ny}`;
  let p = plans2d.get(key);
  if (p === undefined) {
    p = new RealFft2d(nx, ny);
    plans2d.set(key, p);
  }
  return p;
}

/** numpy.fft.rfft2 of the row-major [nx, ny] real array x. */
export function rfft2(x: ArrayLike<number>, nx: number, ny: number, out?: Float64Array): Float64Array {
  return realFft2d(nx, ny).forward(x, out);
}

/** numpy.fft.irfft2(c, s=(nx, ny)). */
export function irfft2(c: ArrayLike<number>, nx: number, ny: number, out?: Float64Array): Float64Array {
  return realFft2d(nx, ny).inverse(c, out);
}

/**
 * Instantiates a kernel module (compiled with compileKernelModule) on an arena's memory, so its
 * kernels work on the arena's arrays in place; null for a 'js' arena.
 */
export function instantiateOnArena<K>(arena: SpectralArena2d, module: WasmModule | null): K | null {
  if (arena.memory === null || module === null || wasmApi === undefined) return null;
  return new wasmApi.Instance(module, { env: { mem: arena.memory } }).exports as K;
}
