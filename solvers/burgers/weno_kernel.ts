import { compileKernelModule, wasmApi, watKernel, type WasmFunctionDef, type WasmModule } from '../../core/wasm/binary.js';
import { HI_LO } from '../../core/wasm/ops.js';
import { WENO_EPSILON } from './reconstruction.js';
import type { RiemannFlux } from './finite_volume.js';

/**
 * One whole SSP-RK3 step of the WENO5-JS finite-volume Burgers scheme as one WebAssembly SIMD
 * (f64x2) function: reconstruction, Riemann flux, viscous flux, flux difference and the Shu–Osher
 * stage combination, two cells per vector, periodic halos filled in place (no copies of the field).
 *
 * The maths is exactly that of the plain-JS path of finite_volume.ts (its readable reference),
 * operation for operation, so the two agree bit for bit (wasm has no fused multiply-add, and no
 * operation is reordered):
 *
 *   WENO5-JS (reconstructWeno5): for cell i with stencil u_{i−2..i+2},
 *     β_k = (13/12)·d_k² + (1/4)·e_k²  with  d_0 = u_{i−2} − 2u_{i−1} + u_i,  e_0 = u_{i−2} − 4u_{i−1} + 3u_i,
 *           d_1 = u_{i−1} − 2u_i + u_{i+1},  e_1 = u_{i−1} − u_{i+1},  d_2 = u_i − 2u_{i+1} + u_{i+2},  e_2 = 3u_i − 4u_{i+1} + u_{i+2};
 *     γ_k = 1/(ε + β_k)²;
 *     right-face value v⁺_i = (1/6)·Σ a_k q⁺_k / Σ a_k,  a = (0.1γ_0, 0.6γ_1, 0.3γ_2),
 *       q⁺ = (2u_{i−2} − 7u_{i−1} + 11u_i, −u_{i−1} + 5u_i + 2u_{i+1}, 2u_i + 5u_{i+1} − u_{i+2});
 *     left-face value v⁻_i likewise with a = (0.3γ_0, 0.6γ_1, 0.1γ_2),
 *       q⁻ = (−u_{i−2} + 5u_{i−1} + 2u_i, 2u_{i−1} + 5u_i − u_{i+1}, 11u_i − 7u_{i+1} + 2u_{i+2}).
 *   Face f (left face of cell f) has states u_L = v⁺_{f−1}, u_R = v⁻_f and the flux
 *     H_f = F(u_L, u_R) − (ν/Δx)·(u_f − u_{f−1}),
 *     Rusanov F = ¼(u_L² + u_R²) − ½·max(|u_L|, |u_R|)·(u_R − u_L),  Godunov F = ½·max(max(u_L, 0)², min(u_R, 0)²).
 *   L(u)_i = (1/Δx)·(H_i − H_{i+1}).
 *   SSP-RK3 in the Shu–Osher combination of solvers/time/ssp_rk.ts:
 *     U¹ = U⁰ + Δt·L(U⁰),  U² = (¾U⁰ + ¼U¹) + (Δt/4)·L(U¹),  U³ = (⅓U⁰ + ⅔U²) + (2Δt/3)·L(U²).
 *
 * Work shared between cells is done once: every d_k of cell i is the second difference
 * D(j) = (u_{j−1} − 2u_j) + u_{j+1} of cell j = i − 1 + k, so each pair of cells computes D (and
 * (13/12)·D²) only for its right neighbours and takes the rest from the pair before; and q⁻_0, q⁻_1
 * of cell i are the same operations on the same values as q⁺_1, q⁺_2 of cell i − 1.
 *
 * Layout: each of the three state arrays holds cell c at double index PAD + c, with PAD = 4 halo
 * cells on the left and RIGHT_HALO = 5 on the right; the kernel refills both halos of its input
 * before each stage. Cells go in pairs (c, c+1), pair j = cells (2j, 2j+1), j = −1..P with
 * P = ⌈n/2⌉. For odd n the last pair's second lane is cell n, a halo copy of cell 0; results for it
 * land in a halo slot, refilled before it is read. Face states of cell −1 come from pair −1,
 * computed from the halo: the same bits as those of cell n−1 (the JS path copies them,
 * left[0] = left[n]); likewise face n's right state is cell n's, i.e. cell 0's.
 *
 * Each stage runs over blocks of BLOCK pairs, each block through three loops that pass values
 * through a small scratch area (SCRATCH_BYTES, stays in L1):
 *   1. γ_0..2 and the candidate values q⁺_0..2, q⁻_2 of each pair (loads of the stencil only);
 *   2. the face values v⁺, v⁻ (two divisions per pair);
 *   3. the face fluxes of faces (c, c+1), u_L from the previous pair's v⁺ and this pair's, and the
 *      update of the previous pair (c−2, c−1), whose second flux difference needs H_c.
 * Values that cross from one pair to the next (D², q⁺_1, q⁺_2, v⁺, H) stay in locals across
 * blocks; pairs −1 and 0 go through the loops' bodies once before the first block.
 *
 * What the structure bought (n = 8192, fastest of many single steps, 2-core EPYC shared with other
 * jobs, see bench/burgers_fv.ts for the protocol): the JS path ≈ 50 ns per cell and step; one fused
 * pass per stage, two cells per vector ≈ 19; sharing D² and q⁻ ≈ 18; two interleaved runs of
 * pairs ≈ 16.5 (V8 kept about 40 % of that loop's instructions as spills of its 16 xmm registers);
 * these three loops ≈ 13, with almost no spills; records per pair and L1-sized blocks ≈ 12.9.
 */

/** Halo cells left of cell 0 in the kernel's arrays (keeps cell 0 16-byte aligned). */
export const PAD = 4;
/** Halo cells right of cell n−1: pair P reaches cell 2P + 1 ≤ n + 2 and its stencil two further. */
export const RIGHT_HALO = 5;
/** Pairs per block. */
const BLOCK = 128;
/** Bytes per pair of the scratch records: loop 1 → 2 (γ_0..2, q⁺_0..2, q⁻_2) and loop 2 → 3 (v⁺, v⁻). */
const REC1 = ['g0', 'g1', 'g2', 'qR0', 'qR1', 'qR2', 'qL2'] as const;
const REC2 = ['vR', 'vL'] as const;
/** Bytes of scratch the kernel needs (16-byte aligned). */
export const SCRATCH_BYTES = 16 * (REC1.length + REC2.length) * BLOCK;

/** Kernel code as text (the wat assembler's input, core/wasm/ops.ts). */
type Code = string;

/** What the step kernel computes, chosen when the module is built. */
export interface WenoKernelVariant {
  flux: RiemannFlux;
  /** Whether the viscous flux term is present (ν > 0). */
  viscous: boolean;
}

/**
 * The exports of a WENO step module: one SSP-RK3 step on three padded arrays (byte offsets of
 * their cell 0; the state is the first) with SCRATCH_BYTES of scratch at `scratch`.
 */
export interface WenoStepKernel {
  step(u0: number, u1: number, u2: number, scratch: number, n: number, dt: number, invDx: number, nuOverDx: number): void;
}

export function wenoStepDefs(variant: WenoKernelVariant): WasmFunctionDef[] {
  const consts = {
    c1312: 13 / 12,
    quarter: 0.25,
    half: 0.5,
    eps: WENO_EPSILON,
    one: 1,
    five: 5,
    seven: 7,
    eleven: 11,
    w01: 0.1,
    w06: 0.6,
    w03: 0.3,
    sixth: 1 / 6,
    zero: 0,
    threeQuarters: 3 / 4,
    third: 1 / 3,
    twoThirds: 2 / 3,
  };
  const constNames = Object.keys(consts) as (keyof typeof consts)[];
  const temps = [
    'um2',
    'um1',
    'u0',
    'up1',
    'up2',
    't2um1',
    't4um1',
    't2u0',
    't2up1',
    't4up1',
    't3u0',
    't5u0',
    't11u0',
    'T0',
    'T1',
    'T2',
    'd',
    'e',
    's',
    'a0',
    'a1',
    'a2',
    'qR1',
    'qR2',
    'qR1prev',
    'qR2prev',
    'vR',
    'vL',
    'vRprev',
    'uL',
    'H',
    'Hprev',
    'tmp',
    'dtv',
    'w2',
    'w3',
    'invDxv',
    'nuv',
  ];
  return [
    watKernel(
      'step',
      { i32: ['a', 'b', 'c', 'scratch', 'n'], f64: ['dt', 'invDx', 'nuOverDx'] },
      { i32: ['off', 'end', 'sOff', 'eOff', 'k', 'src', 'srcM', 'baseM', 'dstM', 'q', 'r1', 'r2', 'r2base'], v128: [...constNames, ...temps] },
      (w) => {
        const get = (name: string): Code => `local.get $${name}`;
        const set = (name: string, e: Code): Code => `${e} local.set $${name}`;
        const add = (x: Code, y: Code): Code => `${x} ${y} f64x2.add`;
        const sub = (x: Code, y: Code): Code => `${x} ${y} f64x2.sub`;
        const mul = (x: Code, y: Code): Code => `${x} ${y} f64x2.mul`;
        const div = (x: Code, y: Code): Code => `${x} ${y} f64x2.div`;
        const twice = (x: Code): Code => add(x, x); // 2x exactly
        /** Instructions in sequence. */
        const seq = (...parts: Code[]): Code => parts.join(' ');
        const loop = (...body: Code[]): Code => ['loop', ...body, 'br_if 0 end'].join('\n');
        /** The two doubles from cell c + cells (cells ≥ −2), with q = src + 8(c − 2). */
        const at = (cells: number): Code => `local.get $q v128.load offset=${8 * (cells + 2)}`;
        /** Field of the current pair's record: loop 1 → 2 at r1, loop 2 → 3 at r2. */
        const field = (name: (typeof REC1)[number] | (typeof REC2)[number]): { ptr: string; offset: number } => {
          const k1 = (REC1 as readonly string[]).indexOf(name);
          return k1 >= 0 ? { ptr: 'r1', offset: 16 * k1 } : { ptr: 'r2', offset: 16 * (REC2 as readonly string[]).indexOf(name) };
        };
        const load = (name: Parameters<typeof field>[0]): Code => {
          const f = field(name);
          return `${get(f.ptr)} v128.load offset=${f.offset}`;
        };
        const store = (name: Parameters<typeof field>[0], e: Code): Code => {
          const f = field(name);
          return `${get(f.ptr)} ${e} v128.store offset=${f.offset}`;
        };
        /** Steps a byte pointer. */
        const advance = (ptr: string, bytes: number): Code => `local.get $${ptr} i32.const ${bytes} i32.add local.set $${ptr}`;
        const pairPointer = 'local.get $srcM local.get $off i32.add local.set $q';

        /** T = ((13/12)·d)·d. */
        const tOf = (d: Code): Code => seq(set('d', d), mul(mul(get('c1312'), get('d')), get('d')));
        /** γ = 1/((ε + β)·(ε + β)) with β = T + (¼·e)·e. */
        const gammaOf = (t: string, e: Code): Code =>
          seq(set('e', e), set('s', add(get('eps'), add(get(t), mul(mul(get('quarter'), get('e')), get('e'))))), div(get('one'), mul(get('s'), get('s'))));
        /** Loop 1 body: γ and candidate values of the pair (c, c+1) at off = 8c. Cold: the first pair (no T0 from before). */
        const smoothness = (cold: boolean): Code[] => [
          pairPointer,
          set('um2', at(-2)),
          set('um1', at(-1)),
          set('u0', at(0)),
          set('up1', at(1)),
          set('up2', at(2)),
          set('t2um1', twice(get('um1'))),
          set('t4um1', twice(get('t2um1'))), // 4x = 2x + 2x exactly
          set('t2u0', twice(get('u0'))),
          set('t2up1', twice(get('up1'))),
          set('t4up1', twice(get('t2up1'))),
          set('t3u0', add(get('t2u0'), get('u0'))), // 2x + x: one rounding of the exact 3x, the bits of 3·x
          set('t5u0', mul(get('five'), get('u0'))),
          set('t11u0', mul(get('eleven'), get('u0'))),
          // d0 = (um2 − 2um1) + u0 (cold), else T0 is the previous pair's T2
          cold ? set('T0', tOf(add(sub(get('um2'), get('t2um1')), get('u0')))) : '',
          // d2 = (u0 − 2up1) + up2; d1's cells lie between T0's and T2's
          set('T2', tOf(add(sub(get('u0'), get('t2up1')), get('up2')))),
          set('T1', seq(get('T0'), get('T2'), HI_LO)),
          // e0 = (um2 − 4um1) + 3u0, e1 = um1 − up1, e2 = (3u0 − 4up1) + up2
          store('g0', gammaOf('T0', add(sub(get('um2'), get('t4um1')), get('t3u0')))),
          store('g1', gammaOf('T1', sub(get('um1'), get('up1')))),
          store('g2', gammaOf('T2', add(sub(get('t3u0'), get('t4up1')), get('up2')))),
          set('T0', get('T2')),
          // q⁺ = ((2um2 − 7um1) + 11u0, (5u0 − um1) + 2up1, (2u0 + 5up1) − up2), q⁻_2 = (11u0 − 7up1) + 2up2
          // ((5u0 − um1) is −um1 + 5u0: a + (−b) and a − b are the same operation)
          store('qR0', add(sub(twice(get('um2')), mul(get('seven'), get('um1'))), get('t11u0'))),
          store('qR1', add(sub(get('t5u0'), get('um1')), get('t2up1'))),
          store('qR2', sub(add(get('t2u0'), mul(get('five'), get('up1'))), get('up2'))),
          store('qL2', add(sub(get('t11u0'), mul(get('seven'), get('up1'))), twice(get('up2')))),
        ];
        /** Loop 2 body: v⁺ = (⅙·((a0·q0 + a1·q1) + a2·q2)) / ((a0 + a1) + a2) and v⁻ likewise. */
        const faceValues: Code[] = [
          set('qR1', load('qR1')),
          set('qR2', load('qR2')),
          set('a0', mul(get('w01'), load('g0'))),
          set('a1', mul(get('w06'), load('g1'))),
          set('a2', mul(get('w03'), load('g2'))),
          store(
            'vR',
            div(
              mul(get('sixth'), add(add(mul(get('a0'), load('qR0')), mul(get('a1'), get('qR1'))), mul(get('a2'), get('qR2')))),
              add(add(get('a0'), get('a1')), get('a2')),
            ),
          ),
          // a = (0.3γ0, 0.6γ1, 0.1γ2); q⁻_0, q⁻_1 of cells (c, c+1) are q⁺_1, q⁺_2 of cells (c−1, c)
          set('a0', mul(get('w03'), load('g0'))),
          set('a2', mul(get('w01'), load('g2'))),
          store(
            'vL',
            div(
              mul(
                get('sixth'),
                add(
                  add(mul(get('a0'), seq(get('qR1prev'), get('qR1'), HI_LO)), mul(get('a1'), seq(get('qR2prev'), get('qR2'), HI_LO))),
                  mul(get('a2'), load('qL2')),
                ),
              ),
              add(add(get('a0'), get('a1')), get('a2')),
            ),
          ),
          set('qR1prev', get('qR1')),
          set('qR2prev', get('qR2')),
        ];
        // Loop 3: fluxes at faces (c, c+1), u_L = (v⁺_{c−1}, v⁺_c) in uL, u_R = (v⁻_c, v⁻_{c+1}) in vL.
        const riemann: Code =
          variant.flux === 'rusanov'
            ? // ¼(uL² + uR²) − (½·max(|uL|, |uR|))·(uR − uL); pmax(|uR|, |uL|) = |uR| < |uL| ? |uL| : |uR| as in the JS twin
              sub(
                mul(get('quarter'), add(mul(get('uL'), get('uL')), mul(get('vL'), get('vL')))),
                mul(mul(get('half'), seq(get('vL'), 'f64x2.abs', get('uL'), 'f64x2.abs', 'f64x2.pmax')), sub(get('vL'), get('uL'))),
              )
            : // ½·max(l², r²), l = max(uL, 0) = pmax(0, uL), r = min(uR, 0) = pmin(0, uR); pmax(r², l²) = r² < l² ? l² : r²
              mul(
                get('half'),
                seq(
                  set('tmp', seq(get('zero'), get('vL'), 'f64x2.pmin')),
                  mul(get('tmp'), get('tmp')),
                  set('tmp', seq(get('zero'), get('uL'), 'f64x2.pmax')),
                  mul(get('tmp'), get('tmp')),
                  'f64x2.pmax',
                ),
              );
        const faceFluxes: Code[] = [
          pairPointer,
          set('vR', load('vR')),
          set('uL', seq(get('vRprev'), get('vR'), HI_LO)),
          set('vL', load('vL')),
          // H = F − (ν/Δx)·(u_f − u_{f−1})
          set('H', variant.viscous ? sub(riemann, mul(get('nuv'), sub(at(0), at(-1)))) : riemann),
        ];
        /** New values of the previous pair (c − 2, c − 1) for the given stage (the *M pointers + off address it). */
        const update = (stage: 1 | 2 | 3): Code => {
          // L = (1/Δx)·(H_{c−2, c−1} − H_{c−1, c})
          const lv = mul(get('invDxv'), sub(get('Hprev'), seq(get('Hprev'), get('H'), HI_LO)));
          const prev = (ptr: string): Code => seq(get(ptr), get('off'), 'i32.add v128.load');
          let value: Code;
          if (stage === 1) value = add(prev('baseM'), mul(get('dtv'), lv));
          else if (stage === 2) value = add(add(mul(get('threeQuarters'), prev('baseM')), mul(get('quarter'), prev('srcM'))), mul(get('w2'), lv));
          else value = add(add(mul(get('third'), prev('baseM')), mul(get('twoThirds'), prev('srcM'))), mul(get('w3'), lv));
          return seq(get('dstM'), get('off'), 'i32.add', value, 'v128.store');
        };
        const handOn: Code[] = [set('Hprev', get('H')), set('vRprev', get('vR'))];
        /**
         * Periodic halo of the array whose cell 0 is at `src`: cells −PAD..−1 ← n−PAD..n−1 and
         * n..n+RIGHT_HALO−1 ← 0..RIGHT_HALO−1, in increasing order so that it also holds for small n
         * (memarg offsets are unsigned: address from src − 8·PAD).
         */
        const halo: Code[] = [
          'local.get $n i32.const 3 i32.shl local.get $src i32.add local.set $k', // k = src + 8n
          ...Array.from(
            { length: PAD },
            (_, g) =>
              `local.get $src i32.const ${8 * PAD} i32.sub local.get $k i32.const ${8 * PAD} i32.sub f64.load offset=${8 * g} f64.store offset=${8 * g}`,
          ),
          ...Array.from({ length: RIGHT_HALO }, (_, g) => `local.get $k local.get $src f64.load offset=${8 * g} f64.store offset=${8 * g}`),
        ];
        const nextPair = (limit: string): Code => `local.get $off i32.const 16 i32.add local.tee $off local.get $${limit} i32.ne`;
        /** Pointers two cells left of cell 0, so that with off = 8c, ptr + off is cell c − 2. */
        const biased = (ptr: string, name: string): Code => `local.get $${ptr} i32.const 16 i32.sub local.set $${name}`;
        const stageCode = (stage: 1 | 2 | 3, src: string, base: string, dst: string): Code[] => [
          `local.get $${src} local.set $src`,
          ...halo,
          biased(src, 'srcM'),
          biased(base, 'baseM'),
          biased(dst, 'dstM'),
          // pair −1: v⁺ of cell −1 and the values handed on; pair 0: the fluxes of faces 0 and 1
          'local.get $scratch local.set $r1',
          'local.get $r2base local.set $r2',
          'i32.const -16 local.set $off',
          ...smoothness(true),
          ...faceValues,
          set('vRprev', load('vR')),
          'i32.const 0 local.set $off',
          ...smoothness(false),
          ...faceValues,
          ...faceFluxes,
          ...handOn,
          // blocks [s, e) of pairs 1..P (byte offsets sOff = 16s, eOff = min(16(s + BLOCK), end))
          'i32.const 16 local.set $sOff',
          loop(
            `local.get $sOff i32.const ${16 * BLOCK} i32.add local.tee $eOff local.get $end local.get $eOff local.get $end i32.lt_u select local.set $eOff`,
            'local.get $sOff local.set $off local.get $scratch local.set $r1',
            loop(...smoothness(false), advance('r1', 16 * REC1.length), nextPair('eOff')),
            'local.get $sOff local.set $off local.get $scratch local.set $r1 local.get $r2base local.set $r2',
            loop(...faceValues, advance('r1', 16 * REC1.length), advance('r2', 16 * REC2.length), nextPair('eOff')),
            'local.get $sOff local.set $off local.get $r2base local.set $r2',
            loop(...faceFluxes, update(stage), ...handOn, advance('r2', 16 * REC2.length), nextPair('eOff')),
            'local.get $eOff local.tee $sOff local.get $end i32.ne',
          ),
        ];
        // Numbers become text here: JS prints every double so that it reads back to the same bits.
        return w`
          ${constNames.map((name) => `f64.const ${consts[name]} f64x2.splat local.set $${name}`).join('\n')}
          local.get $dt f64x2.splat local.set $dtv
          f64.const 0.25 local.get $dt f64.mul f64x2.splat local.set $w2
          f64.const ${2 / 3} local.get $dt f64.mul f64x2.splat local.set $w3
          local.get $invDx f64x2.splat local.set $invDxv
          local.get $nuOverDx f64x2.splat local.set $nuv
          local.get $scratch i32.const ${16 * REC1.length * BLOCK} i32.add local.set $r2base
          ;; end = 16(P + 1), P = ⌈n/2⌉: the blocks cover pairs 1..P
          local.get $n i32.const 1 i32.add i32.const 1 i32.shr_u i32.const 4 i32.shl i32.const 16 i32.add local.set $end
          ${stageCode(1, 'a', 'a', 'b').join('\n')}
          ${stageCode(2, 'b', 'a', 'c').join('\n')}
          ${stageCode(3, 'c', 'a', 'a').join('\n')}`;
      },
    ),
  ];
}

/** The compiled module of a variant, or null where WebAssembly SIMD is unavailable. */
export function wenoStepModule(variant: WenoKernelVariant): WasmModule | null {
  return compileKernelModule(`burgers-weno5:${variant.flux}:${variant.viscous ? 'viscous' : 'inviscid'}`, () => wenoStepDefs(variant));
}

/** Whether the fused WebAssembly step can run here. */
export function wenoKernelAvailable(): boolean {
  return wasmApi !== undefined && wenoStepModule({ flux: 'rusanov', viscous: false }) !== null;
}
