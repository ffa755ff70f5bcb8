import { watKernel, type WasmFunctionDef } from '../wasm/binary.js';
import { radix4Butterfly } from './fft.js';
import { HI_HI, LO_LO } from '../wasm/ops.js';

/**
 * The y-transforms of SpectralArena2d.rfft2OfProduct in "split" form: a block of nb packed
 * columns (nb even) is stored row by row, each row as column pairs (re c, re c+1), (im c, im c+1)
 * (32 bytes per pair), so one f64x2 vector carries the same component of two columns. A complex
 * product is then 4 multiplies and 2 adds for two values (instead of 2 multiplies, an add and a
 * shuffle for one) and the ±i rotations of the butterflies are free (re and im swap roles and the
 * sign folds into the next add). Measured (callgrind, one Navier–Stokes step at 256²): 14.1 M →
 * 12.8 M instructions. The untangling (sbrpre) and first passes gain most; the radix-4 pass
 * little, as its 8 data vectors and 6 twiddles exceed x64's 16 vector registers and V8 spills.
 *
 * Every kernel computes, lane for lane, the same floating-point expressions as its interleaved
 * counterpart in fft2d.ts (x + (−y) written x − y, (−x)·y as −(x·y) and so on, all exact), so
 * the split and interleaved pipelines give bit-identical results; the JS versions below are the
 * readable reference and the fallback, bit-identical to the wasm ones.
 *
 * Kernels (byte offsets; vb = bytes of a block row = 16·nb; `f`/`i` = forward / inverse sign):
 * - sbrpre(src, dst, tw, m, vb, ss, sc, ds, rows, s): brpre of fft2d.ts (untangle rfft rows
 *   0 … m of an interleaved source, element (k, c) at src + k·ss + c·sc, rows ≥ `rows` zero,
 *   scaled by s) writing split rows of stride ds.
 * - sfirst8{f,i}, sfirst4{f,i}, sfirst2(src, dst, rev, L, vb, ss, ds): the twiddle-free first
 *   passes (bit reversal fused) on split rows; spass4{f,i}(x, nb, vb, st, Q, tw): a radix-4
 *   pass in place, twiddle table as in fft2d.ts.
 * - sbrpost(x, tw, m, vb, st) and sbdc(x, m, vb, st): untangle a forward length-m transform of
 *   split rows into rfft rows 0 … m, in place.
 * - stranspose(src, dst, R, C, ss, ds): rows r < R of a split block of C columns → interleaved
 *   dst[c][r] at dst + c·ds + 16·r.
 */
export interface SplitKernels {
  sbrpre(src: number, dst: number, tw: number, m: number, vb: number, ss: number, sc: number, ds: number, rows: number, s: number): void;
  sfirst8f(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number): void;
  sfirst8i(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number): void;
  sfirst4f(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number): void;
  sfirst4i(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number): void;
  sfirst2(src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number): void;
  spass4f(x: number, nb: number, vb: number, st: number, Q: number, tw: number): void;
  spass4i(x: number, nb: number, vb: number, st: number, Q: number, tw: number): void;
  sbrpost(x: number, tw: number, m: number, vb: number, st: number): void;
  sbdc(x: number, m: number, vb: number, st: number): void;
  stranspose(src: number, dst: number, R: number, C: number, ss: number, ds: number): void;
}

/** Byte offset of a (+0, +0) vector in every arena: the value of a pruned (known zero) row, read with step 0. */
export const ZERO_VEC = 32;
type Dir = 'f' | 'i';

// Text macros over named locals (a bare name stands for that local's value, anything else is
// code already): set('x', add('a', 'b')) is `local.get $a local.get $b f64x2.add local.set $x`.
const val = (e: string) => (/^\w+$/.test(e) ? `local.get $${e}` : e);
const set = (n: string, e: string) => `${val(e)} local.set $${n}`;
const add = (a: string, b: string) => `${val(a)} ${val(b)} f64x2.add`;
const sub = (a: string, b: string) => `${val(a)} ${val(b)} f64x2.sub`;
const mul = (a: string, b: string) => `${val(a)} ${val(b)} f64x2.mul`;
/** Address local + offset local (or just the local). */
const at = (p: string, q?: string) => (q === undefined ? `local.get $${p}` : `local.get $${p} local.get $${q} i32.add`);
const lines = (code: string[]) => code.join('\n');

/**
 * y0 … y3 (re, im locals `${y}r`, `${y}i`) ← the 4-point DFT of b0 … b3, as bfirst4: s02 = b0 + b2,
 * d02 = b0 − b2, s13 = b1 + b3, d13 = b1 − b3; y1 = d02 + t, y3 = d02 − t with t = ∓i·d13
 * (forward: (d13i, −d13r), folded into the adds).
 */
function dft4Split(dir: Dir, b: string[], y: string[]): string {
  const [b0, b1, b2, b3] = b;
  const [y0, y1, y2, y3] = y;
  const f = dir === 'f';
  return lines([
    set('s02r', add(`${b0}r`, `${b2}r`)),
    set('s02i', add(`${b0}i`, `${b2}i`)),
    set('d02r', sub(`${b0}r`, `${b2}r`)),
    set('d02i', sub(`${b0}i`, `${b2}i`)),
    set('s13r', add(`${b1}r`, `${b3}r`)),
    set('s13i', add(`${b1}i`, `${b3}i`)),
    set('d13r', sub(`${b1}r`, `${b3}r`)),
    set('d13i', sub(`${b1}i`, `${b3}i`)),
    set(`${y0}r`, add('s02r', 's13r')),
    set(`${y0}i`, add('s02i', 's13i')),
    set(`${y2}r`, sub('s02r', 's13r')),
    set(`${y2}i`, sub('s02i', 's13i')),
    set(`${y1}r`, f ? add('d02r', 'd13i') : sub('d02r', 'd13i')),
    set(`${y1}i`, f ? sub('d02i', 'd13r') : add('d02i', 'd13r')),
    set(`${y3}r`, f ? sub('d02r', 'd13i') : add('d02r', 'd13i')),
    set(`${y3}i`, f ? add('d02i', 'd13r') : sub('d02i', 'd13r')),
  ]);
}

const DFT4_TEMPS = ['s02r', 's02i', 'd02r', 'd02i', 's13r', 's13i', 'd13r', 'd13i'];
const ri = (names: string[]) => names.flatMap((n) => [`${n}r`, `${n}i`]);

function sfirst4(dir: Dir): WasmFunctionDef {
  return watKernel(
    `sfirst4${dir}`,
    { i32: ['src', 'dst', 'rev', 'L', 'vb', 'ss', 'ds'] },
    {
      i32: ['rp', 'rend', 'd0', 'a', 'aend', 'h1', 'h2', 'h3', 'dp', 'ds2', 'ds3'],
      v128: [...ri(['c0', 'c1', 'c2', 'c3', 'y0', 'y1', 'y2', 'y3']), ...DFT4_TEMPS],
    },
    (w) => {
      const load = (c: string, h?: string) => `${set(`${c}r`, `${at('a', h)} v128.load`)} ${set(`${c}i`, `${at('a', h)} v128.load offset=16`)}`;
      const store = (y: string, d?: string) => `${at('dp', d)} local.get $${y}r v128.store ${at('dp', d)} local.get $${y}i v128.store offset=16`;
      return w`
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
            ${load('c0')}
            ${load('c1', 'h1')}
            ${load('c2', 'h2')}
            ${load('c3', 'h3')}
            ${dft4Split(dir, ['c0', 'c1', 'c2', 'c3'], ['y0', 'y1', 'y2', 'y3'])}
            ${store('y0')}
            ${store('y1', 'ds')}
            ${store('y2', 'ds2')}
            ${store('y3', 'ds3')}
            local.get $dp i32.const 32 i32.add local.set $dp
            local.get $a i32.const 32 i32.add local.tee $a local.get $aend i32.ne
          br_if 0 end
          local.get $d0 local.get $ds2 i32.add local.get $ds2 i32.add local.set $d0
          local.get $rp i32.const 16 i32.add local.tee $rp local.get $rend i32.ne
        br_if 0 end`;
    },
  );
}

function sfirst8(dir: Dir): WasmFunctionDef {
  const hs = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7'];
  const dss = ['ds2', 'ds3', 'ds4', 'ds5', 'ds6', 'ds7'];
  return watKernel(
    `sfirst8${dir}`,
    { i32: ['src', 'dst', 'rev', 'L', 'vb', 'ss', 'ds'] },
    {
      i32: ['rp', 'rend', 'd0', 'a', 'aend', 'dp', ...hs, ...dss],
      v128: [
        ...ri(['r0', 'r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'e0', 'e1', 'e2', 'e3', 'o0', 'o1', 'o2', 'o3']),
        ...DFT4_TEMPS,
        't1r',
        't1i',
        'u3',
        't3',
        'sq',
      ],
    },
    (w) => {
      const f = dir === 'f';
      const hk = [undefined, ...hs];
      const dk = [undefined, 'ds', ...dss];
      const load = (k: number) => `${set(`r${k}r`, `${at('a', hk[k])} v128.load`)} ${set(`r${k}i`, `${at('a', hk[k])} v128.load offset=16`)}`;
      const store = (row: number, re: string, im: string) => `${at('dp', dk[row])} ${re} v128.store ${at('dp', dk[row])} ${im} v128.store offset=16`;
      return w`
        f64.const ${Math.SQRT1_2} f64x2.splat local.set $sq
        local.get $rev local.tee $rp local.get $L i32.const 2 i32.shl i32.add local.set $rend
        local.get $dst local.set $d0
        local.get $L i32.const 3 i32.shr_u local.get $ss i32.mul local.set $h1
        ${lines(hs.slice(1).map((h, k) => `local.get $${hs[k]} local.get $h1 i32.add local.set $${h}`))}
        local.get $ds local.get $ds i32.add local.set $ds2
        ${lines(dss.slice(1).map((d, k) => `local.get $${dss[k]} local.get $ds i32.add local.set $${d}`))}
        loop
          local.get $src local.get $rp i32.load local.get $ss i32.mul i32.add local.tee $a local.get $vb i32.add local.set $aend
          local.get $d0 local.set $dp
          loop
            ${lines([0, 1, 2, 3, 4, 5, 6, 7].map(load))}
            ${dft4Split(dir, ['r0', 'r2', 'r4', 'r6'], ['e0', 'e1', 'e2', 'e3'])}
            ${dft4Split(dir, ['r1', 'r3', 'r5', 'r7'], ['o0', 'o1', 'o2', 'o3'])}
            ;; X_s = E_s ± T_s, T_s = ω^s·O_s (see bfirst8): the ∓i parts fold into the adds.
            ${store(0, add('e0r', 'o0r'), add('e0i', 'o0i'))}
            ${store(4, sub('e0r', 'o0r'), sub('e0i', 'o0i'))}
            ;; T1 = (O1 + rot O1)·√½: forward ((O1r + O1i), (O1i − O1r))·√½, inverse ((O1r − O1i), (O1i + O1r))·√½.
            ${set('t1r', mul(f ? add('o1r', 'o1i') : sub('o1r', 'o1i'), 'sq'))}
            ${set('t1i', mul(f ? sub('o1i', 'o1r') : add('o1i', 'o1r'), 'sq'))}
            ${store(1, add('e1r', 't1r'), add('e1i', 't1i'))}
            ${store(5, sub('e1r', 't1r'), sub('e1i', 't1i'))}
            ;; T2 = rot O2: forward (O2i, −O2r), inverse (−O2i, O2r).
            ${store(2, f ? add('e2r', 'o2i') : sub('e2r', 'o2i'), f ? sub('e2i', 'o2r') : add('e2i', 'o2r'))}
            ${store(6, f ? sub('e2r', 'o2i') : add('e2r', 'o2i'), f ? add('e2i', 'o2r') : sub('e2i', 'o2r'))}
            ;; T3 = (rot O3 − O3)·√½ with u3 = (O3r + O3i)·√½: forward ((O3i − O3r)·√½, −u3), inverse (−u3, (O3r − O3i)·√½).
            ${set('u3', mul(add('o3r', 'o3i'), 'sq'))}
            ${set('t3', mul(f ? sub('o3i', 'o3r') : sub('o3r', 'o3i'), 'sq'))}
            ${store(3, f ? add('e3r', 't3') : sub('e3r', 'u3'), f ? sub('e3i', 'u3') : add('e3i', 't3'))}
            ${store(7, f ? sub('e3r', 't3') : add('e3r', 'u3'), f ? add('e3i', 'u3') : sub('e3i', 't3'))}
            local.get $dp i32.const 32 i32.add local.set $dp
            local.get $a i32.const 32 i32.add local.tee $a local.get $aend i32.ne
          br_if 0 end
          local.get $d0 local.get $ds4 i32.add local.get $ds4 i32.add local.set $d0
          local.get $rp i32.const 32 i32.add local.tee $rp local.get $rend i32.ne
        br_if 0 end`;
    },
  );
}

function sfirst2(): WasmFunctionDef {
  // Both components of a pair the same way: a 16-byte step over the row does both.
  return watKernel(
    'sfirst2',
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
          ${set('x0', 'local.get $a v128.load')}
          ${set('x1', `${at('a', 'half')} v128.load`)}
          local.get $dp ${add('x0', 'x1')} v128.store
          ${at('dp', 'ds')} ${sub('x0', 'x1')} v128.store
          local.get $dp i32.const 16 i32.add local.set $dp
          local.get $a i32.const 16 i32.add local.tee $a local.get $aend i32.ne
        br_if 0 end
        local.get $d0 local.get $ds i32.add local.get $ds i32.add local.set $d0
        local.get $rp i32.const 8 i32.add local.tee $rp local.get $rend i32.ne
      br_if 0 end`,
  );
}

function spass4(dir: Dir): WasmFunctionDef {
  const f = dir === 'f';
  // c ← v·w as the interleaved cmul: (vr·wr − vi·wi, vi·wr + vr·wi), v loaded from addr.
  const cmul = (c: string, addr: string, w: string) =>
    lines([
      set('vr', `${addr} v128.load`),
      set('vi', `${addr} v128.load offset=16`),
      set(`${c}r`, sub(mul('vr', `${w}r`), mul('vi', `${w}i`))),
      set(`${c}i`, add(mul('vi', `${w}r`), mul('vr', `${w}i`))),
    ]);
  return watKernel(
    `spass4${dir}`,
    { i32: ['x', 'nb', 'vb', 'st', 'Q', 'tw'] },
    {
      i32: ['Q2', 'Q3', 'b', 'bend', 'r', 'rend', 't', 'p', 'pend'],
      v128: ['w1r', 'w1i', 'w2r', 'w2i', 'w3r', 'w3i', ...ri(['a0', 'v', 'c1', 'c2', 'c3']), ...DFT4_TEMPS],
    },
    (w) => w`
      local.get $Q local.get $Q i32.add local.tee $Q2 local.get $Q i32.add local.set $Q3
      local.get $x local.tee $b local.get $nb i32.add local.set $bend
      loop
        local.get $b local.tee $r local.get $Q i32.add local.set $rend local.get $tw local.set $t
        loop
          ;; Table entry j: (w1r, w1r), (−w1i, w1i), (w2r, w2r), …: wr splat at +0, wi at +24.
          ${set('w1r', 'local.get $t v128.load')}
          ${set('w1i', 'local.get $t v128.load64_splat offset=24')}
          ${set('w2r', 'local.get $t v128.load offset=32')}
          ${set('w2i', 'local.get $t v128.load64_splat offset=56')}
          ${set('w3r', 'local.get $t v128.load offset=64')}
          ${set('w3i', 'local.get $t v128.load64_splat offset=88')}
          local.get $r local.tee $p local.get $vb i32.add local.set $pend
          loop
            ;; dft4Split's values, in an order that keeps few vectors live (x64 has 16 registers
            ;; and six of them hold the twiddles): a0 and c2 are folded into s02, d02 first.
            ${set('a0r', 'local.get $p v128.load')}
            ${set('a0i', 'local.get $p v128.load offset=16')}
            ${cmul('c2', at('p', 'Q'), 'w2')}
            ${set('s02r', add('a0r', 'c2r'))}
            ${set('d02r', sub('a0r', 'c2r'))}
            ${set('s02i', add('a0i', 'c2i'))}
            ${set('d02i', sub('a0i', 'c2i'))}
            ${cmul('c1', at('p', 'Q2'), 'w1')}
            ${cmul('c3', at('p', 'Q3'), 'w3')}
            ${set('s13r', add('c1r', 'c3r'))}
            ${set('d13r', sub('c1r', 'c3r'))}
            ${set('s13i', add('c1i', 'c3i'))}
            ${set('d13i', sub('c1i', 'c3i'))}
            local.get $p ${add('s02r', 's13r')} v128.store
            local.get $p ${add('s02i', 's13i')} v128.store offset=16
            ${at('p', 'Q2')} ${sub('s02r', 's13r')} v128.store
            ${at('p', 'Q2')} ${sub('s02i', 's13i')} v128.store offset=16
            ${at('p', 'Q')} ${f ? add('d02r', 'd13i') : sub('d02r', 'd13i')} v128.store
            ${at('p', 'Q')} ${f ? sub('d02i', 'd13r') : add('d02i', 'd13r')} v128.store offset=16
            ${at('p', 'Q3')} ${f ? sub('d02r', 'd13i') : add('d02r', 'd13i')} v128.store
            ${at('p', 'Q3')} ${f ? add('d02i', 'd13r') : sub('d02i', 'd13r')} v128.store offset=16
            local.get $p i32.const 32 i32.add local.tee $p local.get $pend i32.ne
          br_if 0 end
          local.get $t i32.const 96 i32.add local.set $t
          local.get $r local.get $st i32.add local.tee $r local.get $rend i32.ne
        br_if 0 end
        local.get $b local.get $Q2 i32.add local.get $Q2 i32.add local.tee $b local.get $bend i32.ne
      br_if 0 end`,
  );
}

function sbrpre(): WasmFunctionDef {
  // qa, sa ← (pa, sc), or (ZERO_VEC, 0) when pa is at or past row `rows` (as brpre).
  const pick = (p: string, q: string, st: string) => `
    i32.const ${ZERO_VEC} local.get $${p} local.get $lim local.get $${p} i32.le_u select local.set $${q}
    i32.const 0 local.get $sc local.get $lim local.get $${p} i32.le_u select local.set $${st}`;
  // (xr, xi) ← columns c, c + 1 of the source at q (step s): deinterleave two complex values.
  const load2 = (q: string, st: string, xr: string, xi: string) =>
    lines([
      set('x0', `local.get $${q} v128.load`),
      set('x1', `local.get $${q} local.get $${st} i32.add v128.load`),
      set(xr, `local.get $x0 local.get $x1 ${LO_LO}`),
      set(xi, `local.get $x0 local.get $x1 ${HI_HI}`),
    ]);
  const advance = `
    local.get $qa local.get $sa local.get $sa i32.add i32.add local.set $qa
    local.get $qb local.get $sb local.get $sb i32.add i32.add local.set $qb`;
  return watKernel(
    'sbrpre',
    { i32: ['src', 'dst', 'tw', 'm', 'vb', 'ss', 'sc', 'ds', 'rows'], f64: ['s'] },
    {
      i32: ['pa', 'pb', 'za', 'zb', 't', 'c', 'lim', 'qa', 'qb', 'sa', 'sb'],
      v128: ['x0', 'x1', 'ar', 'ai', 'br', 'bi', 'er', 'ei', 'dr', 'di', 'or', 'oi', 'sv', 'wr', 'wi'],
    },
    (w) => w`
      local.get $s f64x2.splat local.set $sv
      local.get $src local.get $rows local.get $ss i32.mul i32.add local.set $lim
      ;; Row 0: s·(Re X0 + Re Xm, Re X0 − Re Xm).
      local.get $src local.set $pa local.get $src local.get $m local.get $ss i32.mul i32.add local.set $pb
      ${pick('pa', 'qa', 'sa')}
      ${pick('pb', 'qb', 'sb')}
      i32.const 0 local.set $c
      loop
        ${load2('qa', 'sa', 'ar', 'ai')}
        ${load2('qb', 'sb', 'br', 'bi')}
        local.get $dst local.get $c i32.add ${mul(add('ar', 'br'), 'sv')} v128.store
        local.get $dst local.get $c i32.add ${mul(sub('ar', 'br'), 'sv')} v128.store offset=16
        ${advance}
        local.get $c i32.const 32 i32.add local.tee $c local.get $vb i32.ne
      br_if 0 end
      local.get $src local.get $ss i32.add local.set $pa
      local.get $src local.get $m i32.const 1 i32.sub local.get $ss i32.mul i32.add local.set $pb
      local.get $dst local.get $ds i32.add local.set $za
      local.get $dst local.get $m i32.const 1 i32.sub local.get $ds i32.mul i32.add local.set $zb
      local.get $tw i32.const 32 i32.add local.set $t
      loop
        ${set('wr', 'local.get $t v128.load')}
        ${set('wi', 'local.get $t v128.load64_splat offset=24')}
        ${pick('pa', 'qa', 'sa')}
        ${pick('pb', 'qb', 'sb')}
        i32.const 0 local.set $c
        loop
          ;; As brpre with B = conj X_{m−k}: E = (Ar + Br, Ai − Bi), D = (Ar − Br, Ai + Bi),
          ;; O = (Dr·wr + Di·wi, Di·wr − Dr·wi), Z_k = s(Er − Oi, Ei + Or), Z_{m−k} = s(Er + Oi, Or − Ei).
          ${load2('qa', 'sa', 'ar', 'ai')}
          ${load2('qb', 'sb', 'br', 'bi')}
          ${set('er', add('ar', 'br'))}
          ${set('ei', sub('ai', 'bi'))}
          ${set('dr', sub('ar', 'br'))}
          ${set('di', add('ai', 'bi'))}
          ${set('or', add(mul('dr', 'wr'), mul('di', 'wi')))}
          ${set('oi', sub(mul('di', 'wr'), mul('dr', 'wi')))}
          local.get $za local.get $c i32.add ${mul(sub('er', 'oi'), 'sv')} v128.store
          local.get $za local.get $c i32.add ${mul(add('ei', 'or'), 'sv')} v128.store offset=16
          local.get $zb local.get $c i32.add ${mul(add('er', 'oi'), 'sv')} v128.store
          local.get $zb local.get $c i32.add ${mul(sub('or', 'ei'), 'sv')} v128.store offset=16
          ${advance}
          local.get $c i32.const 32 i32.add local.tee $c local.get $vb i32.ne
        br_if 0 end
        local.get $t i32.const 32 i32.add local.set $t
        local.get $za local.get $ds i32.add local.set $za
        local.get $zb local.get $ds i32.sub local.set $zb
        local.get $pb local.get $ss i32.sub local.set $pb
        local.get $pa local.get $ss i32.add local.tee $pa local.get $pb i32.le_u
      br_if 0 end`,
  );
}

function sbrpost(): WasmFunctionDef {
  return watKernel(
    'sbrpost',
    { i32: ['x', 'tw', 'm', 'vb', 'st'] },
    { i32: ['pa', 'pb', 't', 'c'], v128: ['ar', 'ai', 'br', 'bi', 'er', 'ei', 'hr', 'hi', 'tr', 'ti', 'half', 'wr', 'wi'] },
    (w) => w`
      f64.const 0.5 f64x2.splat local.set $half
      local.get $x local.get $st i32.add local.set $pa
      local.get $x local.get $m i32.const 1 i32.sub local.get $st i32.mul i32.add local.set $pb
      local.get $tw i32.const 32 i32.add local.set $t
      loop
        ${set('wr', 'local.get $t v128.load')}
        ${set('wi', 'local.get $t v128.load64_splat offset=24')}
        i32.const 0 local.set $c
        loop
          ;; As brpost with B = conj Z_{m−k}: E = ((Ar + Br)/2, (Ai − Bi)/2), H = ((Ar − Br)/2, (Ai + Bi)/2),
          ;; T = (Hi·wr + Hr·wi, Hi·wi − Hr·wr), X_k = E + T, X_{m−k} = (Er − Tr, Ti − Ei).
          ${set('ar', `${at('pa', 'c')} v128.load`)}
          ${set('ai', `${at('pa', 'c')} v128.load offset=16`)}
          ${set('br', `${at('pb', 'c')} v128.load`)}
          ${set('bi', `${at('pb', 'c')} v128.load offset=16`)}
          ${set('er', mul(add('ar', 'br'), 'half'))}
          ${set('ei', mul(sub('ai', 'bi'), 'half'))}
          ${set('hr', mul(sub('ar', 'br'), 'half'))}
          ${set('hi', mul(add('ai', 'bi'), 'half'))}
          ${set('tr', add(mul('hi', 'wr'), mul('hr', 'wi')))}
          ${set('ti', sub(mul('hi', 'wi'), mul('hr', 'wr')))}
          ${at('pa', 'c')} ${add('er', 'tr')} v128.store
          ${at('pa', 'c')} ${add('ei', 'ti')} v128.store offset=16
          ${at('pb', 'c')} ${sub('er', 'tr')} v128.store
          ${at('pb', 'c')} ${sub('ti', 'ei')} v128.store offset=16
          local.get $c i32.const 32 i32.add local.tee $c local.get $vb i32.ne
        br_if 0 end
        local.get $t i32.const 32 i32.add local.set $t
        local.get $pb local.get $st i32.sub local.set $pb
        local.get $pa local.get $st i32.add local.tee $pa local.get $pb i32.le_u
      br_if 0 end`,
  );
}

function sbdc(): WasmFunctionDef {
  return watKernel(
    'sbdc',
    { i32: ['x', 'm', 'vb', 'st'] },
    { i32: ['p', 'pend', 'nyq'], v128: ['zr', 'zi', 'zero'] },
    (w) => w`
      f64.const 0 f64x2.splat local.set $zero
      local.get $m local.get $st i32.mul local.set $nyq
      local.get $x local.tee $p local.get $vb i32.add local.set $pend
      loop
        ${set('zr', 'local.get $p v128.load')}
        ${set('zi', 'local.get $p v128.load offset=16')}
        ${at('p', 'nyq')} ${sub('zr', 'zi')} v128.store
        ${at('p', 'nyq')} local.get $zero v128.store offset=16
        local.get $p ${add('zr', 'zi')} v128.store
        local.get $p local.get $zero v128.store offset=16
        local.get $p i32.const 32 i32.add local.tee $p local.get $pend i32.ne
      br_if 0 end`,
  );
}

function stranspose(): WasmFunctionDef {
  return watKernel(
    'stranspose',
    { i32: ['src', 'dst', 'R', 'C', 'ss', 'ds'] },
    { i32: ['r', 'a', 'aend', 'd', 'ds2'], v128: ['re', 'im'] },
    (w) => w`
      local.get $ds local.get $ds i32.add local.set $ds2
      i32.const 0 local.set $r
      loop
        local.get $src local.get $r local.get $ss i32.mul i32.add local.tee $a local.get $C i32.const 4 i32.shl i32.add local.set $aend
        local.get $dst local.get $r i32.const 4 i32.shl i32.add local.set $d
        loop
          ${set('re', 'local.get $a v128.load')}
          ${set('im', 'local.get $a v128.load offset=16')}
          local.get $d local.get $re local.get $im ${LO_LO} v128.store
          ${at('d', 'ds')} local.get $re local.get $im ${HI_HI} v128.store
          local.get $d local.get $ds2 i32.add local.set $d
          local.get $a i32.const 32 i32.add local.tee $a local.get $aend i32.ne
        br_if 0 end
        local.get $r i32.const 1 i32.add local.tee $r local.get $R i32.ne
      br_if 0 end`,
  );
}

/** The split kernels, for the fft2d module. */
export function splitKernelDefs(): WasmFunctionDef[] {
  return [sbrpre(), sfirst8('f'), sfirst8('i'), sfirst4('f'), sfirst4('i'), sfirst2(), spass4('f'), spass4('i'), sbrpost(), sbdc(), stranspose()];
}

// ---------------------------------------------------------------------------------------------
// The same kernels in plain JS, on the arena's buffer (byte offsets / 8). Each pair of lanes is a
// loop over l = 0, 1 (the two columns of a pair): re at +l, im at +2 + l (doubles).
// ---------------------------------------------------------------------------------------------

/**
 * The radix-2 first pass in plain JS (the twin of bfirst2 and sfirst2; the same for both layouts,
 * as it only adds and subtracts whole rows): rows rev[p] and rev[p] + L/2 of the source, vb bytes
 * each, go to rows p and p + 1 of the destination as their sum and difference.
 */
export function firstPass2(f: Float64Array, u32: Uint32Array, src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number): void {
  const half = ((L >> 1) * ss) / 8;
  const n = vb / 8;
  for (let p = 0; p < L; p += 2) {
    const a = (src + u32[rev / 4 + p] * ss) / 8;
    const d0 = (dst + p * ds) / 8;
    const d1 = d0 + ds / 8;
    for (let c = 0; c < n; c++) {
      const x0 = f[a + c];
      const x1 = f[a + half + c];
      f[d0 + c] = x0 + x1;
      f[d1 + c] = x0 - x1;
    }
  }
}

/** The JS split kernels on `buffer`. */
export function jsSplitKernels(buffer: ArrayBuffer): SplitKernels {
  const f = new Float64Array(buffer);
  const u32 = new Uint32Array(buffer);
  const sq = Math.SQRT1_2;
  // 4-point DFT of (b0, b1, b2, b3) = f[i + k·h] (re) / f[i + k·h + 2] (im), into y (re, im pairs).
  const y = new Float64Array(16);
  const dft4 = (fwd: boolean, b0: number, b1: number, b2: number, b3: number, at: number) => {
    const s02r = f[b0] + f[b2];
    const s02i = f[b0 + 2] + f[b2 + 2];
    const d02r = f[b0] - f[b2];
    const d02i = f[b0 + 2] - f[b2 + 2];
    const s13r = f[b1] + f[b3];
    const s13i = f[b1 + 2] + f[b3 + 2];
    const d13r = f[b1] - f[b3];
    const d13i = f[b1 + 2] - f[b3 + 2];
    y[at] = s02r + s13r;
    y[at + 1] = s02i + s13i;
    y[at + 4] = s02r - s13r;
    y[at + 5] = s02i - s13i;
    y[at + 2] = fwd ? d02r + d13i : d02r - d13i;
    y[at + 3] = fwd ? d02i - d13r : d02i + d13r;
    y[at + 6] = fwd ? d02r - d13i : d02r + d13i;
    y[at + 7] = fwd ? d02i + d13r : d02i - d13r;
  };
  const first4 = (fwd: boolean) => (src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number) => {
    const h = ((L >> 2) * ss) / 8;
    const n = vb / 8;
    for (let p = 0; p < L; p += 4) {
      const a = (src + u32[rev / 4 + p] * ss) / 8;
      const d = (dst + p * ds) / 8;
      for (let c = 0; c < n; c += 4) {
        for (let l = 0; l < 2; l++) {
          const i = a + c + l;
          dft4(fwd, i, i + h, i + 2 * h, i + 3 * h, 0);
          for (let s = 0; s < 4; s++) {
            f[d + (s * ds) / 8 + c + l] = y[2 * s];
            f[d + (s * ds) / 8 + c + 2 + l] = y[2 * s + 1];
          }
        }
      }
    }
  };
  const first8 = (fwd: boolean) => (src: number, dst: number, rev: number, L: number, vb: number, ss: number, ds: number) => {
    const h = ((L >> 3) * ss) / 8;
    const n = vb / 8;
    for (let p = 0; p < L; p += 8) {
      const a = (src + u32[rev / 4 + p] * ss) / 8;
      const d = (dst + p * ds) / 8;
      const dd = ds / 8;
      for (let c = 0; c < n; c += 4) {
        for (let l = 0; l < 2; l++) {
          const i = a + c + l;
          dft4(fwd, i, i + 2 * h, i + 4 * h, i + 6 * h, 0); // E = y[0 … 7]
          dft4(fwd, i + h, i + 3 * h, i + 5 * h, i + 7 * h, 8); // O = y[8 … 15]
          const e0r = y[0];
          const e0i = y[1];
          const e1r = y[2];
          const e1i = y[3];
          const e2r = y[4];
          const e2i = y[5];
          const e3r = y[6];
          const e3i = y[7];
          const o0r = y[8];
          const o0i = y[9];
          const o1r = y[10];
          const o1i = y[11];
          const o2r = y[12];
          const o2i = y[13];
          const o3r = y[14];
          const o3i = y[15];
          const o = d + c + l; // row s of the output: o + s·dd (re), + 2 (im)
          f[o] = e0r + o0r;
          f[o + 2] = e0i + o0i;
          f[o + 4 * dd] = e0r - o0r;
          f[o + 4 * dd + 2] = e0i - o0i;
          const t1r = (fwd ? o1r + o1i : o1r - o1i) * sq;
          const t1i = (fwd ? o1i - o1r : o1i + o1r) * sq;
          f[o + dd] = e1r + t1r;
          f[o + dd + 2] = e1i + t1i;
          f[o + 5 * dd] = e1r - t1r;
          f[o + 5 * dd + 2] = e1i - t1i;
          f[o + 2 * dd] = fwd ? e2r + o2i : e2r - o2i;
          f[o + 2 * dd + 2] = fwd ? e2i - o2r : e2i + o2r;
          f[o + 6 * dd] = fwd ? e2r - o2i : e2r + o2i;
          f[o + 6 * dd + 2] = fwd ? e2i + o2r : e2i - o2r;
          const u3 = (o3r + o3i) * sq;
          const t3 = (fwd ? o3i - o3r : o3r - o3i) * sq;
          f[o + 3 * dd] = fwd ? e3r + t3 : e3r - u3;
          f[o + 3 * dd + 2] = fwd ? e3i - u3 : e3i + t3;
          f[o + 7 * dd] = fwd ? e3r - t3 : e3r + u3;
          f[o + 7 * dd + 2] = fwd ? e3i + u3 : e3i - t3;
        }
      }
    }
  };
  const pass4 = (fwd: boolean) => (x: number, nb: number, vb: number, st: number, Q: number, tw: number) => {
    const q = Q / 8;
    const n = vb / 8;
    for (let b = x / 8, bend = (x + nb) / 8; b < bend; b += 4 * q) {
      for (let r = b, t = tw / 8; r < b + q; r += st / 8, t += 12) {
        const w1r = f[t];
        const w1i = f[t + 3];
        const w2r = f[t + 4];
        const w2i = f[t + 7];
        const w3r = f[t + 8];
        const w3i = f[t + 11];
        for (let c = 0; c < n; c += 4) {
          for (let l = 0; l < 2; l++) {
            const i0 = r + c + l;
            // Real lanes at i, imaginary at i + 2; −i·(c1 − c3) goes to i1 forward, to i3 inverse.
            const i1 = i0 + q;
            const i2 = i1 + q;
            const i3 = i2 + q;
            if (fwd) radix4Butterfly(f, 2, i0, i1, i2, i3, i1, i3, w1r, w1i, w2r, w2i, w3r, w3i);
            else radix4Butterfly(f, 2, i0, i1, i2, i3, i3, i1, w1r, w1i, w2r, w2i, w3r, w3i);
          }
        }
      }
    }
  };
  return {
    sbrpre(src, dst, tw, m, vb, ss, sc, ds, rows, s) {
      const n = vb / 8;
      const lim = src + rows * ss;
      // A pruned row (index ≥ rows) reads the zero vector with step 0, as the wasm kernel does.
      const rowAt = (p: number) => (p < lim ? p / 8 : ZERO_VEC / 8);
      const rowStep = (p: number) => (p < lim ? sc / 8 : 0);
      {
        const pa = rowAt(src);
        const sa = rowStep(src);
        const pb = rowAt(src + m * ss);
        const sb = rowStep(src + m * ss);
        const z = dst / 8;
        for (let c = 0; c < n; c += 4) {
          for (let l = 0; l < 2; l++) {
            const ar = f[pa + (c / 2 + l) * sa];
            const br = f[pb + (c / 2 + l) * sb];
            f[z + c + l] = (ar + br) * s;
            f[z + c + 2 + l] = (ar - br) * s;
          }
        }
      }
      for (let k = 1; k <= m >> 1; k++) {
        const pa = rowAt(src + k * ss);
        const sa = rowStep(src + k * ss);
        const pb = rowAt(src + (m - k) * ss);
        const sb = rowStep(src + (m - k) * ss);
        const za = (dst + k * ds) / 8;
        const zb = (dst + (m - k) * ds) / 8;
        const t = tw / 8 + 4 * k;
        const wr = f[t];
        const wi = f[t + 3];
        for (let c = 0; c < n; c += 4) {
          for (let l = 0; l < 2; l++) {
            const ia = pa + (c / 2 + l) * sa;
            const ib = pb + (c / 2 + l) * sb;
            const er = f[ia] + f[ib];
            const ei = f[ia + 1] - f[ib + 1];
            const dr = f[ia] - f[ib];
            const di = f[ia + 1] + f[ib + 1];
            const or = dr * wr + di * wi;
            const oi = di * wr - dr * wi;
            f[za + c + l] = (er - oi) * s;
            f[za + c + 2 + l] = (ei + or) * s;
            f[zb + c + l] = (er + oi) * s;
            f[zb + c + 2 + l] = (or - ei) * s;
          }
        }
      }
    },
    sfirst8f: first8(true),
    sfirst8i: first8(false),
    sfirst4f: first4(true),
    sfirst4i: first4(false),
    sfirst2: (src, dst, rev, L, vb, ss, ds) => firstPass2(f, u32, src, dst, rev, L, vb, ss, ds),
    spass4f: pass4(true),
    spass4i: pass4(false),
    sbrpost(x, tw, m, vb, st) {
      const n = vb / 8;
      for (let k = 1; k <= m >> 1; k++) {
        const pa = (x + k * st) / 8;
        const pb = (x + (m - k) * st) / 8;
        const t = tw / 8 + 4 * k;
        const wr = f[t];
        const wi = f[t + 3];
        for (let c = 0; c < n; c += 4) {
          for (let l = 0; l < 2; l++) {
            const ia = pa + c + l;
            const ib = pb + c + l;
            const er = (f[ia] + f[ib]) * 0.5;
            const ei = (f[ia + 2] - f[ib + 2]) * 0.5;
            const hr = (f[ia] - f[ib]) * 0.5;
            const hi = (f[ia + 2] + f[ib + 2]) * 0.5;
            const tr = hi * wr + hr * wi;
            const ti = hi * wi - hr * wr;
            f[ia] = er + tr;
            f[ia + 2] = ei + ti;
            f[ib] = er - tr;
            f[ib + 2] = ti - ei;
          }
        }
      }
    },
    sbdc(x, m, vb, st) {
      const n = vb / 8;
      const p = x / 8;
      const q = (x + m * st) / 8;
      for (let c = 0; c < n; c += 4) {
        for (let l = 0; l < 2; l++) {
          const zr = f[p + c + l];
          const zi = f[p + c + 2 + l];
          f[q + c + l] = zr - zi;
          f[q + c + 2 + l] = 0;
          f[p + c + l] = zr + zi;
          f[p + c + 2 + l] = 0;
        }
      }
    },
    stranspose(src, dst, R, C, ss, ds) {
      for (let r = 0; r < R; r++) {
        const a = (src + r * ss) / 8;
        for (let c = 0; c < C; c++) {
          const g = 4 * (c >> 1) + (c & 1);
          const d = (dst + c * ds + 16 * r) / 8;
          f[d] = f[a + g];
          f[d + 1] = f[a + g + 2];
        }
      }
    },
  };
}
