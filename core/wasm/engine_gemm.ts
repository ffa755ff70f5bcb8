/**
 * SIMD kernels for channels-first linear layers (y = W·x with x [cin, n], n = batch·points large),
 * emitted per weight shape so that weight strides are immediates.
 *
 * Why not XNNPACK (tfjs's matmul on wasm): its fully-connected operator packs the right-hand
 * operand before multiplying and caches the packed copy per tensor. For a weight on the right
 * that is free after the first call; for an activation on the right it is paid on every call
 * (measured: ~6 ms to pack 64×20480 floats, as long as the product itself), and every layout of
 * a layer's forward and gradients puts some activation on the right. These kernels read the wide
 * operand as it lies: rows of n contiguous floats.
 *
 * - gemmSmallLeft: Y[r, :] = Σ_k A[r, k]·X[k, :] (+ bias[r]); A small with any
 *   strides (W or Wᵀ, no transpose op), X [K, n]. Panels of 16 columns outermost, copied to a
 *   small contiguous scratch that stays in L1 across the row tiles; register tile th × 8 columns
 *   (two f32x4). The last panel overlaps the previous one when n is not a multiple of 16 (n ≥ 16).
 * - gemmRows: the same product for a contraction of at most 4 rows (a memory pass: row by row).
 * - gemmReduce: out[r, c] = Σ_j P[r, j]·Q[c, j] for P [R, n], Q [C, n] (the weight gradient
 *   dY·Xᵀ) — contraction over the long axis in chunks of the long axis (L2-resident), 4×2 tiles
 *   of f32x4 partial sums kept in a scratch area, lanes summed at the end. n % 4 = 0.
 * - rowSum: out[r] = Σ_j P[r, j] (the bias gradient). n % 4 = 0.
 */
import { watKernel } from './binary.js';
import { type FunctionDef } from './engine_emit.js';

export interface GemmSmallLeftSpec {
  /** Rows per register tile (1–4). */
  th: number;
  /** Byte strides of A between rows r and between columns k. */
  aRow: number;
  aCol: number;
  bias: boolean;
  /** Multiply the product elementwise by M (laid out as the output) as it is stored. */
  mul?: boolean;
}

/** Columns per packed panel of X (4 vectors: one 64-byte cache line per row). */
const PANEL = 16;

/**
 * (a, x, out, bias, nTiles, n, k, scratch, mul): rows nTiles·th of Y; bias and mul ignored unless
 * in the spec (with mul: Y = (A·X) ⊙ M, M at mul laid out as Y); scratch holds k·64 bytes. (A residual addend is better added by a separate streaming pass: read
 * here, its rows alias the output rows 4 KB apart and stall the stores — measured 1.5 ms slower
 * per 64×20480 than a separate add.)
 *
 * Per panel of 16 columns, the panel's k rows are first copied to contiguous scratch: rows of X
 * lie n·4 bytes apart, a multiple of 4 KB for power-of-two grids, so unpacked they all fall into
 * one L1 set and evict each other (measured: 23 → 35 GFLOP/s for 64 × 64 × 20480). Then every row tile runs over the
 * panel in two halves of 8 columns (th × 2 vectors of accumulators), the k loop a loop: TurboFan
 * schedules every load of a long unrolled block first and spills them all.
 */
export function gemmSmallLeftDef(name: string, spec: GemmSmallLeftSpec): FunctionDef {
  const { th, aRow, aCol } = spec;
  const is = Array.from({ length: th }, (_, i) => i);
  const acc = (i: number, j: number) => `acc${i}_${j}`;
  const eachAcc = (line: (i: number, j: number) => string) => is.flatMap((i) => [line(i, 0), line(i, 1)]).join('\n');
  const add = (p: string, q: string) => `local.get $${p} local.get $${q} i32.add`;
  const inc = (p: string, by: number) => `local.get $${p} i32.const ${by} i32.add local.set $${p}`;
  const countdown = (c: string) => `local.get $${c} i32.const 1 i32.sub local.tee $${c}`;
  // float32 data: v128 accesses declare 4-byte alignment.

  // Copy the panel: k rows of 64 bytes from x + co (stride rowBytes) to scratch.
  const pack = `
    ${add('x', 'co')} local.set $src local.get $scratch local.set $pp local.get $k local.set $kk
    loop
      ${[0, 1, 2, 3].map((j) => `local.get $pp local.get $src v128.load offset=${16 * j} align=4 v128.store offset=${16 * j} align=4`).join('\n')}
      ${add('src', 'rowBytes')} local.set $src
      ${inc('pp', 64)}
      ${countdown('kk')}
    br_if 0 end`;

  // Columns 8h … 8h + 7 of the panel for the th rows of the tile.
  const half = (h: number): string => {
    const init = eachAcc((i, j) => `${spec.bias ? `local.get $pb v128.load32_splat offset=${4 * i}` : 'v128.const f32x4 0 0 0 0'} local.set $${acc(i, j)}`);
    const step = `
      local.get $pp v128.load offset=${32 * h} align=4 local.set $x0 local.get $pp v128.load offset=${32 * h + 16} align=4 local.set $x1
      ${is
        .map(
          (i) => `local.get $pak v128.load32_splat offset=${i * aRow} local.set $w
      ${[0, 1].map((j) => `local.get $${acc(i, j)} local.get $w local.get $x${j} f32x4.mul f32x4.add local.set $${acc(i, j)}`).join('\n')}`,
        )
        .join('\n')}`;
    const stores = is
      .map((i) => {
        const row = [0, 1]
          .map((j) => {
            const off = 32 * h + 16 * j;
            return `local.get $pr local.get $${acc(i, j)} ${spec.mul ? `${add('pr', 'dm')} v128.load offset=${off} align=4 f32x4.mul` : ''} v128.store offset=${off} align=4`;
          })
          .join('\n');
        return i < th - 1 ? `${row}\n${add('pr', 'rowBytes')} local.set $pr` : row;
      })
      .join('\n');
    return `
      ${init}
      local.get $scratch local.set $pp local.get $pa local.set $pak local.get $k local.set $kk
      loop
        ${step}
        ${inc('pp', 64)} ${inc('pak', aCol)} ${countdown('kk')}
      br_if 0 end
      local.get $po local.set $pr
      ${stores}`;
  };

  const advance = (p: string) => `local.get $${p} local.get $rowBytes i32.const ${th} i32.mul i32.add local.set $${p}`;
  const tile = `
    ${half(0)}
    ${half(1)}
    ${inc('pa', th * aRow)}
    ${advance('po')}
    ${spec.bias ? inc('pb', 4 * th) : ''}`;

  return watKernel(
    name,
    { i32: ['a', 'x', 'out', 'bias', 'nTiles', 'n', 'k', 'scratch', 'mul'] },
    {
      i32: ['co', 'colLast', 'rowBytes', 't', 'pa', 'pp', 'po', 'pb', 'pr', 'more', 'nx', 'pak', 'kk', 'src', 'dm'],
      v128: ['x0', 'x1', 'w', ...is.flatMap((i) => [acc(i, 0), acc(i, 1)])],
    },
    (w) => w`
      local.get $mul local.get $out i32.sub local.set $dm
      local.get $n i32.const 4 i32.mul local.tee $rowBytes i32.const ${4 * PANEL} i32.sub local.set $colLast
      i32.const 0 local.set $co
      loop ;; panels of PANEL columns
        ${pack}
        local.get $a local.set $pa ${add('out', 'co')} local.set $po local.get $bias local.set $pb local.get $nTiles local.set $t
        loop ;; row tiles
          ${tile}
          ${countdown('t')}
        br_if 0 end
        ;; Next panel, clamped to the last (overlapping) one; stop after it.
        local.get $co local.get $colLast i32.ne local.set $more
        local.get $co i32.const ${4 * PANEL} i32.add local.tee $nx local.get $colLast local.get $nx local.get $colLast i32.lt_u select local.set $co
        local.get $more
      br_if 0 end`,
  );
}

export interface GemmRowsSpec {
  /** Contraction length (1–4), unrolled. */
  k: number;
  /** Byte strides of A between rows r and between columns k. */
  aRow: number;
  aCol: number;
  bias: boolean;
  mul: boolean;
}

/**
 * (a, x, out, bias, mul, m, n): Y = A·X (+ bias) (⊙ M) like gemmSmallLeft, for a contraction of k ≤
 * 4 rows of X, one output row at a time streaming along n (n % 4 = 0) — the same operations in the
 * same order (acc = bias or 0, then acc += A[r, j]·X[j, :] for j = 0 … k−1, then ⊙ M), so the same
 * bits. Why: with k this small the product is a pass over memory, and gemmSmallLeft's column
 * panels touch every output row (and every row of M) per 16 columns — a stream per row that the
 * prefetchers cannot follow (measured for fc2's dx = (w2ᵀ·dy) ⊙ GELU', [128, 20480]: 3.2 ms there).
 */
export function gemmRowsDef(name: string, spec: GemmRowsSpec): FunctionDef {
  const { k, aRow, aCol } = spec;
  const js = Array.from({ length: k }, (_, j) => j);
  const at = (p: string) => `local.get $${p} local.get $c i32.add`;
  // acc = bias or 0; acc += A[r, j]·X[j, c …] for j < k; (⊙ M); stored. float32 data: align=4.
  const step = `
    local.get $bv local.set $acc
    ${js.map((j) => `local.get $acc local.get $w${j} ${at(`xr${j}`)} v128.load align=4 f32x4.mul f32x4.add local.set $acc`).join('\n')}
    ${at('po')} local.get $acc ${spec.mul ? `${at('pm')} v128.load align=4 f32x4.mul` : ''} v128.store align=4`;
  return watKernel(
    name,
    { i32: ['a', 'x', 'out', 'bias', 'mul', 'm', 'n'] },
    { i32: ['rowBytes', 'r', 'c', 'pa', 'po', 'pm', 'pb', ...js.map((j) => `xr${j}`)], v128: [...js.map((j) => `w${j}`), 'bv', 'acc'] },
    (w) => w`
      local.get $n i32.const 4 i32.mul local.set $rowBytes
      ${js.map((j) => `local.get $x local.get $rowBytes i32.const ${j} i32.mul i32.add local.set $xr${j}`).join('\n')} ;; row j of X
      local.get $a local.set $pa local.get $out local.set $po local.get $mul local.set $pm local.get $bias local.set $pb local.get $m local.set $r
      loop ;; output rows
        ${js.map((j) => `local.get $pa v128.load32_splat offset=${j * aCol} local.set $w${j}`).join('\n')} ;; A[r, j] in every lane
        ${spec.bias ? 'local.get $pb v128.load32_splat' : 'v128.const f32x4 0 0 0 0'} local.set $bv
        i32.const 0 local.set $c
        loop ;; along the row, four values at a time
          ${step}
          local.get $c i32.const 16 i32.add local.tee $c local.get $rowBytes i32.lt_u
        br_if 0 end
        local.get $pa i32.const ${aRow} i32.add local.set $pa
        local.get $po local.get $rowBytes i32.add local.set $po
        local.get $pm local.get $rowBytes i32.add local.set $pm
        local.get $pb i32.const 4 i32.add local.set $pb
        local.get $r i32.const 1 i32.sub local.tee $r
      br_if 0 end`,
  );
}

export interface GemmReduceSpec {
  rows: number;
  cols: number;
  /** Floats of the long axis per chunk. */
  chunk: number;
}

/** (p, q, out, scratch, n): out [rows, cols] = P·Qᵀ; scratch holds rows·cols·16 bytes. */
export function gemmReduceDef(name: string, spec: GemmReduceSpec): FunctionDef {
  const { rows: R, cols: C, chunk } = spec;
  const range = (count: number) => Array.from({ length: count }, (_, i) => i);
  const acc = (i: number, j: number) => `acc${i}_${j}`;
  const countdown = (c: string) => `local.get $${c} i32.const 1 i32.sub local.tee $${c}`;
  // float32 data: v128 accesses declare 4-byte alignment.

  /** One th × tw tile at pbase/qbase, partial sums at ps, over the current chunk. */
  const tile = (th: number, tw: number): string => {
    const each = (line: (i: number, j: number) => string) =>
      range(th)
        .flatMap((i) => range(tw).map((j) => line(i, j)))
        .join('\n');
    const step = [
      ...range(tw).map((j) => `local.get $q${j} local.get $o i32.add v128.load align=4 local.set $qv${j}`),
      ...range(th).map(
        (i) => `local.get $p${i} local.get $o i32.add v128.load align=4 local.set $pv
          ${range(tw)
            .map((j) => `local.get $${acc(i, j)} local.get $pv local.get $qv${j} f32x4.mul f32x4.add local.set $${acc(i, j)}`)
            .join('\n')}`,
      ),
    ].join('\n');
    return `
      ${range(th)
        .map((i) => `local.get $pbase local.get $rowBytes i32.const ${i} i32.mul i32.add local.set $p${i}`)
        .join('\n')}
      ${range(tw)
        .map((j) => `local.get $qbase local.get $rowBytes i32.const ${j} i32.mul i32.add local.set $q${j}`)
        .join('\n')}
      ${each((i, j) => `local.get $ps v128.load offset=${16 * (i * C + j)} align=4 local.set $${acc(i, j)}`)}
      local.get $ch local.set $o
      loop
        ${step}
        local.get $o i32.const 16 i32.add local.tee $o local.get $chEnd i32.lt_u
      br_if 0 end
      ${each((i, j) => `local.get $ps local.get $${acc(i, j)} v128.store offset=${16 * (i * C + j)} align=4`)}`;
  };

  /** All column tiles for the row tile at pbase / psRow. */
  const colTiles = (th: number): string => {
    const c2 = Math.floor(C / 2);
    const pairs = `
      i32.const ${c2} local.set $ct
      loop
        ${tile(th, 2)}
        local.get $qbase local.get $rowBytes i32.const 2 i32.mul i32.add local.set $qbase
        local.get $ps i32.const 32 i32.add local.set $ps
        ${countdown('ct')}
      br_if 0 end`;
    return `
      local.get $q local.set $qbase local.get $psRow local.set $ps
      ${c2 > 0 ? pairs : ''}
      ${C % 2 === 1 ? tile(th, 1) : ''}`;
  };

  const r4 = Math.floor(R / 4);
  const quads = `
    i32.const ${r4} local.set $rt
    loop
      ${colTiles(4)}
      local.get $pbase local.get $rowBytes i32.const 4 i32.mul i32.add local.set $pbase
      local.get $psRow i32.const ${64 * C} i32.add local.set $psRow
      ${countdown('rt')}
    br_if 0 end`;
  const chunkBody = `
    local.get $p local.set $pbase local.get $scratch local.set $psRow
    ${r4 > 0 ? quads : ''}
    ${R % 4 > 0 ? colTiles(R % 4) : ''}`;

  return watKernel(
    name,
    { i32: ['p', 'q', 'out', 'scratch', 'n'] },
    {
      i32: ['rowBytes', 'nb', 'ch', 'chEnd', 'o', 'rt', 'ct', 'pbase', 'qbase', 'psRow', 'ps', 'tmp', 'end', 'p0', 'p1', 'p2', 'p3', 'q0', 'q1'],
      v128: ['qv0', 'qv1', 'pv', ...range(4).flatMap((i) => [acc(i, 0), acc(i, 1)])],
    },
    (w) => w`
      local.get $n i32.const 4 i32.mul local.tee $rowBytes local.set $nb
      ;; Zero the partial sums.
      local.get $scratch local.tee $ps i32.const ${16 * R * C} i32.add local.set $end
      loop
        local.get $ps v128.const f32x4 0 0 0 0 v128.store align=4
        local.get $ps i32.const 16 i32.add local.tee $ps local.get $end i32.ne
      br_if 0 end
      i32.const 0 local.set $ch
      loop ;; chunks of the long axis
        local.get $ch i32.const ${4 * chunk} i32.add local.tee $tmp local.get $nb local.get $tmp local.get $nb i32.lt_u select local.set $chEnd
        ${chunkBody}
        local.get $chEnd local.tee $ch local.get $nb i32.lt_u
      br_if 0 end
      ;; out[idx] = sum of the four lanes of scratch[idx].
      local.get $scratch local.set $ps local.get $out local.tee $o i32.const ${4 * R * C} i32.add local.set $end
      loop
        local.get $o local.get $ps v128.load align=4 local.tee $pv f32x4.extract_lane 0 local.get $pv f32x4.extract_lane 1 f32.add
        local.get $pv f32x4.extract_lane 2 f32.add local.get $pv f32x4.extract_lane 3 f32.add f32.store
        local.get $ps i32.const 16 i32.add local.set $ps
        local.get $o i32.const 4 i32.add local.tee $o local.get $end i32.ne
      br_if 0 end`,
  );
}

/** (p, out, rows, n): out[r] = Σ_j P[r, j]; n % 4 = 0, n ≥ 4. */
export function rowSumDef(name: string): FunctionDef {
  return watKernel(
    name,
    { i32: ['p', 'out', 'rows', 'n'] },
    { i32: ['rowBytes', 'pr', 'end', 'po', 'r'], v128: ['acc'] },
    (w) => w`
      local.get $n i32.const 4 i32.mul local.set $rowBytes
      local.get $p local.set $pr local.get $out local.set $po local.get $rows local.set $r
      loop ;; rows
        v128.const f32x4 0 0 0 0 local.set $acc local.get $pr local.get $rowBytes i32.add local.set $end
        loop ;; acc += four values at a time
          local.get $acc local.get $pr v128.load align=4 f32x4.add local.set $acc
          local.get $pr i32.const 16 i32.add local.tee $pr local.get $end i32.ne
        br_if 0 end
        ;; out[r] = ((acc0 + acc1) + acc2) + acc3
        local.get $po
        local.get $acc f32x4.extract_lane 0 local.get $acc f32x4.extract_lane 1 f32.add
        local.get $acc f32x4.extract_lane 2 f32.add local.get $acc f32x4.extract_lane 3 f32.add f32.store
        local.get $po i32.const 4 i32.add local.set $po
        local.get $r i32.const 1 i32.sub local.tee $r
      br_if 0 end`,
  );
}
