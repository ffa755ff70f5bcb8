import { compileKernelModule, kernel, uleb, W, wasmApi, type WasmFunctionDef, type WasmModule } from '../wasm_binary.js';
import { WENO_EPSILON } from './reconstruction.js';
import type { RiemannFlux } from './finite_volume.js';

/**
 * One whole SSP-RK3 step of the WENO5-JS finite-volume Burgers scheme as a single WebAssembly
 * SIMD (f64x2) kernel: reconstruction, Riemann flux, viscous flux, flux difference and the
 * Shu–Osher stage combination fused into one pass over the cells per stage, two cells per
 * iteration, periodic halos filled in place (no copies of the field).
 *
 * The maths is exactly that of the plain-JS path of finite_volume.ts (its readable reference),
 * operation for operation, so the two agree bit for bit (wasm has no fused multiply-add, and no
 * operation is reordered):
 *
 *   WENO5-JS (reconstructWeno5): for cell i with stencil u_{i−2..i+2},
 *     β_k = (13/12)·d_k² + (1/4)·e_k²  with  d_0 = u_{i−2} − 2u_{i−1} + u_i,  e_0 = u_{i−2} − 4u_{i−1} + 3u_i,
 *           d_1 = u_{i−1} − 2u_i + u_{i+1},  e_1 = u_{i−1} − u_{i+1},  d_2 = u_i − 2u_{i+1} + u_{i+2},  e_2 = 3u_i − 4u_{i+1} + u_{i+2};
 *     γ_k = 1/(ε + β_k)²;
 *     right-face value v⁺_i = (1/6)·Σ a_k q_k / Σ a_k,  a = (0.1γ_0, 0.6γ_1, 0.3γ_2),
 *       q = (2u_{i−2} − 7u_{i−1} + 11u_i, −u_{i−1} + 5u_i + 2u_{i+1}, 2u_i + 5u_{i+1} − u_{i+2});
 *     left-face value v⁻_i likewise with a = (0.3γ_0, 0.6γ_1, 0.1γ_2),
 *       q = (−u_{i−2} + 5u_{i−1} + 2u_i, 2u_{i−1} + 5u_i − u_{i+1}, 11u_i − 7u_{i+1} + 2u_{i+2}).
 *   Face f (left face of cell f) has states u_L = v⁺_{f−1}, u_R = v⁻_f and the flux
 *     H_f = F(u_L, u_R) − (ν/Δx)·(u_f − u_{f−1}),
 *     Rusanov F = ¼(u_L² + u_R²) − ½·max(|u_L|, |u_R|)·(u_R − u_L),  Godunov F = ½·max(max(u_L, 0)², min(u_R, 0)²).
 *   L(u)_i = (1/Δx)·(H_i − H_{i+1}).
 *   SSP-RK3 in the Shu–Osher combination of solvers/time/ssp_rk.ts:
 *     U¹ = U⁰ + Δt·L(U⁰),  U² = (¾U⁰ + ¼U¹) + (Δt/4)·L(U¹),  U³ = (⅓U⁰ + ⅔U²) + (2Δt/3)·L(U²).
 *
 * Layout: each of the three state arrays holds cell c at double index PAD + c, with PAD = 4 halo
 * cells on the left and RIGHT_HALO = 7 on the right; the kernel refills both halos of its input
 * before each stage (periodic copies). Cells are processed in pairs (c, c+1), one pair per f64x2.
 * For odd n the last pair's second lane is cell n, a halo copy of cell 0; results for cells ≥ n
 * land in halo slots, which are refilled before they are read. Face states of cell −1 come from
 * the pair (−2, −1), computed from the halo: the same bits as those of cell n−1 (the JS path
 * copies them, left[0] = left[n]), and likewise face n's right state is cell n's (= cell 0's).
 *
 * Per pair (c, c+1) of a stage: reconstruct both cells (v⁺, v⁻), form the face fluxes H_c, H_{c+1}
 * (u_L from the previous pair's v⁺ and this one's), and update the previous pair (c−2, c−1), whose
 * second flux difference needs H_c. Values two neighbouring pairs share are computed once and
 * handed on: the multiples 2u, 4u, 5u, 7u of the shared cells, the term (13/12)·d² (every d_k of
 * cell i is the second difference D(j) = (u_{j−1} − 2u_j) + u_{j+1} of cell j = i−1+k, so a pair
 * computes only D of its right neighbours and shuffles), and q⁻_0, q⁻_1 of cell i, which are the
 * same operations on the same values as q⁺_1, q⁺_2 of cell i−1.
 *
 * The cells are split into STREAMS = 2 contiguous runs of pairs, processed by interleaved
 * instruction streams in one loop (each with its own locals and prologue: its pair −1 cold, its
 * pair 0 for the first fluxes); independent work side by side lets the CPU overlap the two long
 * dependency chains (three divisions deep) of a pair. With an odd number of pairs the second run
 * processes one pair in the right halo.
 */

/** Halo cells left of cell 0 in the kernel's arrays (keeps cell 0 16-byte aligned). */
export const PAD = 4;
/** Interleaved runs of pairs (see above). */
const STREAMS = 2;
/**
 * Halo cells right of cell n−1: the last run may process up to STREAMS − 1 pairs past the last
 * (possibly half-filled) pair and reconstructs one more, whose stencil reaches two cells further.
 */
export const RIGHT_HALO = 2 * STREAMS + 3;

/** Extra SIMD encodings this kernel uses beyond those in W (WebAssembly SIMD opcodes). */
const simd = (opcode: number): number[] => [0xfd, ...uleb(opcode)];
const X = {
  vdiv: simd(243),
  vabs: simd(236),
  /** f64x2.pmin(a, b) = b < a ? b : a (one minpd; matches `x < y ? x : y` of the JS twin lane by lane). */
  pmin: simd(246),
  /** f64x2.pmax(a, b) = a < b ? b : a. */
  pmax: simd(247),
  /** (a, b) → (a.lane1, b.lane0). */
  hiLo: [...simd(13), 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23],
  f64load: (offset: number) => [0x2b, 3, ...uleb(offset)],
  f64store: (offset: number) => [0x39, 3, ...uleb(offset)],
};

type Code = number[];

const F64_MUL = 0xa2;
const I32_DIV_U = 0x6e;

/** What the step kernel computes, chosen when the module is built. */
export interface WenoKernelVariant {
  flux: RiemannFlux;
  /** Whether the viscous flux term is present (ν > 0). */
  viscous: boolean;
}

/** The exports of a WENO step module: one SSP-RK3 step on three padded arrays (byte offsets of cell 0). */
export interface WenoStepKernel {
  step(u0: number, u1: number, u2: number, n: number, dt: number, invDx: number, nuOverDx: number): void;
}

function wenoStepDefs(variant: WenoKernelVariant): WasmFunctionDef[] {
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
  const S = STREAMS;
  const suffixes = Array.from({ length: S }, (_, k) => String.fromCharCode(65 + k));
  const streamV128 = [
    'um2', 'um1', 'u0', 'up1', 'up2', 't2um2', 't2um1', 't4um1', 't2u0', 't2up1', 't4up1', 't2up2',
    't3u0', 't5u0', 't11u0', 't5um1', 't7um1', 't5up1', 't7up1', 'T0', 'T1', 'T2',
    'qR0', 'qR1', 'qR2', 'qL0', 'qL1', 'qL2', 'qR1prev', 'qR2prev', 'e0', 'e1', 'e2',
    'd', 'e', 'g0', 'g1', 'g2', 'vR', 'vL', 'vRprev', 'H', 'Hprev', 'uL', 'tmp',
  ];
  const streamI32 = ['q', 'srcM', 'baseM', 'dstM'];
  const shared = ['dtv', 'w2', 'w3', 'invDxv', 'nuv'];
  return [
    kernel(
      'step',
      { i32: ['a', 'b', 'c', 'n'], f64: ['dt', 'invDx', 'nuOverDx'] },
      {
        i32: ['off', 'end', 'k', 'src', 'perStream', ...suffixes.flatMap((sf) => streamI32.map((v) => v + sf))],
        v128: [...constNames, ...shared, ...suffixes.flatMap((sf) => streamV128.map((v) => v + sf))],
      },
      (L) => {
        const add = (x: Code, y: Code): Code => [...x, ...y, ...W.vadd];
        const sub = (x: Code, y: Code): Code => [...x, ...y, ...W.vsub];
        const mul = (x: Code, y: Code): Code => [...x, ...y, ...W.vmul];
        const div = (x: Code, y: Code): Code => [...x, ...y, ...X.vdiv];
        const twice = (x: Code): Code => add(x, x); // 2x exactly
        const K = (name: keyof typeof consts | (typeof shared)[number]): Code => W.get(L[name]);
        const i32 = (...parts: Code[]): Code => parts.flat();

        /** The statements of one stream of pairs (locals suffixed `sf`). */
        const stream = (sf: string) => {
          const get = (name: string): Code => W.get(L[name + sf]);
          const set = (name: string, e: Code): Code => [...e, ...W.set(L[name + sf])];
          /** The two doubles from cell c + cells (cells ≥ −2), with q = src + 8(c − 2). */
          const at = (cells: number): Code => [...get('q'), ...W.vload(8 * (cells + 2))];
          /** γ = 1/((ε + β)·(ε + β)) with β = T + (¼·e)·e. */
          const gamma = (gName: string, tName: string, eName: string): Code[] => [
            set('tmp', add(K('eps'), add(get(tName), mul(mul(K('quarter'), get(eName)), get(eName))))),
            set(gName, div(K('one'), mul(get('tmp'), get('tmp')))),
          ];
          /** T = ((13/12)·d)·d. */
          const tOf = (d: Code): Code => [...set('d', d), ...mul(mul(K('c1312'), get('d')), get('d'))];
          /**
           * v⁺ and v⁻ of the pair (c, c+1) into vR, vL. Warm: values shared with the previous pair
           * (c − 2, c − 1) come from it (see `carry`): d_0 = D(c−1, c) and d_1 = D(c, c+1) are that
           * pair's d_2 and a shuffle, since every d_k is the same second difference
           * D(j) = (u_{j−1} − 2u_j) + u_{j+1} of some cell j. Cold (a stream's first pair): all from loads.
           */
          const reconstruct = (warm: boolean): Code[] => {
            return [
              i32(get('srcM'), W.get(L.off), W.add, W.set(L['q' + sf])),
              set('um2', at(-2)),
              set('um1', at(-1)),
              set('u0', at(0)),
              set('up1', at(1)),
              set('up2', at(2)),
              ...(warm
                ? []
                : [
                    set('t2um2', twice(get('um2'))),
                    set('t2um1', twice(get('um1'))),
                    set('t4um1', twice(get('t2um1'))),
                    set('t2u0', twice(get('u0'))),
                    set('t5um1', add(get('t4um1'), get('um1'))),
                    set('t7um1', mul(K('seven'), get('um1'))),
                  ]),
              ...(warm ? [] : [set('T0', tOf(add(sub(get('um2'), get('t2um1')), get('u0'))))]), // d0 = (um2 − 2um1) + u0
              set('t2up1', twice(get('up1'))),
              set('t4up1', twice(get('t2up1'))),
              set('t2up2', twice(get('up2'))),
              // 3x = 2x + x and 5x = 4x + x: one rounding of an exact sum, the bits of 3·x and 5·x
              set('t3u0', add(get('t2u0'), get('u0'))),
              set('t5u0', mul(K('five'), get('u0'))),
              set('t11u0', mul(K('eleven'), get('u0'))),
              set('t5up1', add(get('t4up1'), get('up1'))),
              set('t7up1', mul(K('seven'), get('up1'))),
              // candidate values: qR = ((2um2 − 7um1) + 11u0, (5u0 − um1) + 2up1, (2u0 + 5up1) − up2),
              // qL = ((5um1 − um2) + 2u0, (2um1 + 5u0) − up1, (11u0 − 7up1) + 2up2); qL0 and qL1 of cell i
              // are qR1 and qR2 of cell i − 1 (the same operations on the same values)
              set('qR0', add(sub(get('t2um2'), get('t7um1')), get('t11u0'))),
              set('qR1', add(sub(get('t5u0'), get('um1')), get('t2up1'))),
              set('qR2', sub(add(get('t2u0'), get('t5up1')), get('up2'))),
              set('qL0', warm ? i32(get('qR1prev'), get('qR1'), X.hiLo) : add(sub(get('t5um1'), get('um2')), get('t2u0'))),
              set('qL1', warm ? i32(get('qR2prev'), get('qR2'), X.hiLo) : sub(add(get('t2um1'), get('t5u0')), get('up1'))),
              set('qL2', add(sub(get('t11u0'), get('t7up1')), get('t2up2'))),
              // e0 = (um2 − 4um1) + 3u0, e1 = um1 − up1, e2 = (3u0 − 4up1) + up2   (4x = 2x + 2x exactly)
              set('e0', add(sub(get('um2'), get('t4um1')), get('t3u0'))),
              set('e1', sub(get('um1'), get('up1'))),
              set('e2', add(sub(get('t3u0'), get('t4up1')), get('up2'))),
              // d2 = (u0 − 2up1) + up2
              set('T2', tOf(add(sub(get('u0'), get('t2up1')), get('up2')))),
              // d1 = (um1 − 2u0) + up1 (cold), or the cells between T0's and T2's (warm)
              set('T1', warm ? i32(get('T0'), get('T2'), X.hiLo) : tOf(add(sub(get('um1'), get('t2u0')), get('up1')))),
              ...gamma('g0', 'T0', 'e0'),
              ...gamma('g1', 'T1', 'e1'),
              ...gamma('g2', 'T2', 'e2'),
              // v⁺ = (⅙·((a0·q0 + a1·q1) + a2·q2)) / ((a0 + a1) + a2), a = (0.1γ0, 0.6γ1, 0.3γ2) in (tmp, d, e)
              set('tmp', mul(K('w01'), get('g0'))),
              set('d', mul(K('w06'), get('g1'))),
              set('e', mul(K('w03'), get('g2'))),
              set(
                'vR',
                div(
                  mul(K('sixth'), add(add(mul(get('tmp'), get('qR0')), mul(get('d'), get('qR1'))), mul(get('e'), get('qR2')))),
                  add(add(get('tmp'), get('d')), get('e')),
                ),
              ),
              // v⁻ with a = (0.3γ0, 0.6γ1, 0.1γ2) in (tmp, d, e)
              set('tmp', mul(K('w03'), get('g0'))),
              set('e', mul(K('w01'), get('g2'))),
              set(
                'vL',
                div(
                  mul(K('sixth'), add(add(mul(get('tmp'), get('qL0')), mul(get('d'), get('qL1'))), mul(get('e'), get('qL2')))),
                  add(add(get('tmp'), get('d')), get('e')),
                ),
              ),
            ];
          };
          /** Hands this pair's values that the next pair (c + 2, c + 3) shares to it. */
          const carry: Code[] = [
            ['t2um2', 't2u0'], ['t2um1', 't2up1'], ['t4um1', 't4up1'], ['t2u0', 't2up2'], ['t5um1', 't5up1'], ['t7um1', 't7up1'],
            ['qR1prev', 'qR1'], ['qR2prev', 'qR2'], ['T0', 'T2'],
          ].map(([to, from]) => set(to, get(from)));
          // Fluxes at faces (c, c+1): u_L = (v⁺_{c−1}, v⁺_c) in uL, u_R = (v⁻_c, v⁻_{c+1}) in vL.
          const riemann: Code =
            variant.flux === 'rusanov'
              ? // ¼(uL² + uR²) − (½·max(|uL|, |uR|))·(uR − uL); pmax(|uR|, |uL|) = |uR| < |uL| ? |uL| : |uR| as in the JS twin
                sub(
                  mul(K('quarter'), add(mul(get('uL'), get('uL')), mul(get('vL'), get('vL')))),
                  mul(mul(K('half'), i32(get('vL'), X.vabs, get('uL'), X.vabs, X.pmax)), sub(get('vL'), get('uL'))),
                )
              : // ½·max(l², r²), l = max(uL, 0) = pmax(0, uL), r = min(uR, 0) = pmin(0, uR); pmax(r², l²) = r² < l² ? l² : r²
                mul(
                  K('half'),
                  i32(
                    set('tmp', i32(K('zero'), get('vL'), X.pmin)),
                    mul(get('tmp'), get('tmp')),
                    set('tmp', i32(K('zero'), get('uL'), X.pmax)),
                    mul(get('tmp'), get('tmp')),
                    X.pmax,
                  ),
                );
          const faceFlux: Code[] = [
            set('uL', i32(get('vRprev'), get('vR'), X.hiLo)),
            // H = F − (ν/Δx)·(u_f − u_{f−1})
            set('H', variant.viscous ? sub(riemann, mul(K('nuv'), sub(get('u0'), get('um1')))) : riemann),
          ];
          /** New values of the pair (c − 2, c − 1) for the given stage. */
          const update = (stage: 1 | 2 | 3): Code[] => {
            // L = (1/Δx)·(H_{c−2, c−1} − H_{c−1, c})
            const lv = mul(K('invDxv'), sub(get('Hprev'), i32(get('Hprev'), get('H'), X.hiLo)));
            const prev = (ptrM: string): Code => i32(get(ptrM), W.get(L.off), W.add, W.vload(0));
            let value: Code;
            if (stage === 1) value = add(prev('baseM'), mul(K('dtv'), lv));
            else if (stage === 2) value = add(add(mul(K('threeQuarters'), prev('baseM')), mul(K('quarter'), prev('srcM'))), mul(K('w2'), lv));
            else value = add(add(mul(K('third'), prev('baseM')), mul(K('twoThirds'), prev('srcM'))), mul(K('w3'), lv));
            return [i32(get('dstM'), W.get(L.off), W.add, value, W.vstore(0))];
          };
          const handOn: Code[] = [set('Hprev', get('H')), set('vRprev', get('vR'))];
          return {
            /** Pointers of this stream: array + 16·first pair − 16, so that *M + off is cell c − 2. */
            pointers: (k: number, src: number, base: number, dst: number): Code[] =>
              [[src, 'srcM'], [base, 'baseM'], [dst, 'dstM']].map(([ptr, name]) =>
                i32(W.get(ptr as number), W.get(L.perStream), W.i32(k), W.mul, W.i32(4), W.shl, W.add, W.i32(16), W.sub, W.set(L[(name as string) + sf])),
              ),
            cold: [...reconstruct(false), ...carry, set('vRprev', get('vR'))],
            first: [...reconstruct(true), ...faceFlux, ...carry, ...handOn],
            body: (stage: 1 | 2 | 3): Code[] => [...reconstruct(true), ...faceFlux, ...carry, ...update(stage), ...handOn],
          };
        };
        const streams = suffixes.map(stream);
        /** Statements of the streams interleaved one by one (they touch disjoint locals and cells). */
        const zip = (lists: Code[][]): Code[] => {
          const out: Code[] = [];
          for (let i = 0; i < Math.max(...lists.map((l) => l.length)); i++) for (const l of lists) if (i < l.length) out.push(l[i]);
          return out;
        };
        /**
         * Periodic halo of the array whose cell 0 is at `src`: cells −PAD..−1 ← n−PAD..n−1 and
         * n..n+RIGHT_HALO−1 ← 0..RIGHT_HALO−1, in increasing order so that it also holds for small n
         * (memarg offsets are unsigned: address from src − 8·PAD).
         */
        const get0 = (name: string): Code => W.get(L[name]);
        const halo: Code[] = [
          i32(W.get(L.n), W.i32(3), W.shl, get0('src'), W.add, W.set(L.k)), // k = src + 8n
          ...Array.from({ length: PAD }, (_, g) =>
            i32(get0('src'), W.i32(8 * PAD), W.sub, get0('k'), W.i32(8 * PAD), W.sub, X.f64load(8 * g), X.f64store(8 * g)),
          ),
          ...Array.from({ length: RIGHT_HALO }, (_, g) => i32(get0('k'), get0('src'), X.f64load(8 * g), X.f64store(8 * g))),
        ];
        const stageCode = (stage: 1 | 2 | 3, src: number, base: number, dst: number): Code[] => [
          i32(W.get(src), W.set(L.src)),
          ...halo,
          ...streams.flatMap((st, k) => st.pointers(k, src, base, dst)),
          i32(W.i32(-16), W.set(L.off)),
          ...zip(streams.map((st) => st.cold)), // each stream's pair −1: v⁺ of its last cell and the carried values
          i32(W.i32(0), W.set(L.off)),
          ...zip(streams.map((st) => st.first)), // pair 0: its face fluxes
          i32(W.i32(16), W.set(L.off)),
          W.loop(...zip(streams.map((st) => st.body(stage))), i32(W.get(L.off), W.i32(16), W.add, W.tee(L.off), W.get(L.end), W.ne)),
        ];
        return [
          ...constNames.map((name) => i32(W.f64(consts[name]), W.splat, W.set(L[name]))),
          i32(W.get(L.dt), W.splat, W.set(L.dtv)),
          i32(W.f64(0.25), W.get(L.dt), [F64_MUL], W.splat, W.set(L.w2)),
          i32(W.f64(2 / 3), W.get(L.dt), [F64_MUL], W.splat, W.set(L.w3)),
          i32(W.get(L.invDx), W.splat, W.set(L.invDxv)),
          i32(W.get(L.nuOverDx), W.splat, W.set(L.nuv)),
          // pairs P = ⌈n/2⌉ (the last may end in the halo), per stream h = ⌈P/S⌉ (the last stream may run
          // one pair into the halo); the loop runs off = 16, 32, …, 16h, updating pairs 0..h−1 of each stream.
          i32(W.get(L.n), W.i32(1), W.add, W.i32(1), W.shrU, W.i32(S - 1), W.add, W.i32(S), [I32_DIV_U], W.set(L.perStream)),
          i32(W.get(L.perStream), W.i32(4), W.shl, W.i32(16), W.add, W.set(L.end)),
          ...stageCode(1, L.a, L.a, L.b),
          ...stageCode(2, L.b, L.a, L.c),
          ...stageCode(3, L.c, L.a, L.a),
        ];
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
