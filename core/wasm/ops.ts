/**
 * The one WebAssembly instruction vocabulary of the project's kernels: every instruction they
 * use, named as in the WebAssembly text format (`local.get`, `f64x2.add`, `v128.load`, …) with
 * its binary encoding, and `wat`, a small assembler for the flat text form of instruction
 * sequences, so that a kernel body reads like the `.wat` a reviewer would write by hand:
 *
 *     asm(L)`local.get $p  v128.load offset=16  local.get $w  f64x2.mul  local.set $t`
 *
 * Syntax (a subset of the text format's plain instructions, no folded S-expressions):
 * - instructions and their immediates separated by white space; `;; comment` to end of line;
 * - `local.get $name` (also `local.set`, `local.tee`) names a local of the kernel (the map
 *   passed to `asm`); a number or `${index}` also works;
 * - `i32.const 16`, `f64.const 0.5`, `f64.const ${x}` (interpolated numbers keep every bit);
 * - memory accesses take `offset=N` and `align=N` (bytes; natural alignment when absent);
 * - `f64x2.extract_lane 1`, `i8x16.shuffle` with its 16 lane indices, `v128.const f32x4 a b c d`;
 * - `loop`, `block`, `if` (no result type), `else`, `end`, `br N`, `br_if N`;
 * - `${code}` with code a number[] splices an already assembled fragment (a helper's output);
 *   `${text}` with a string splices source text (a macro such as `cmul('c2', 't', 32)`, or a
 *   name: `local.get $${name}`), resolved against the enclosing kernel's locals.
 *
 * The encodings follow the WebAssembly Core Specification 2.0 (§5.4 Instructions) and the
 * SIMD opcode table; test/core/wasm_bytes.test.ts pins the bytes every kernel module emits.
 */

import { sleb, uleb } from './leb128.js';

/** Assembled instructions. */
export type Code = number[];

type Imm = 'none' | 'local' | 'i32' | 'f32' | 'f64' | 'mem' | 'lane' | 'shuffle' | 'v128' | 'block' | 'label';

interface OpSpec {
  /** Opcode bytes (prefix, then the LEB128 sub-opcode for 0xfd instructions). */
  code: Code;
  imm: Imm;
  /** log2 of the natural alignment (memory instructions). */
  align?: number;
}

const core = (op: number, imm: Imm = 'none', align?: number): OpSpec => ({ code: [op], imm, align });
const simd = (op: number, imm: Imm = 'none', align?: number): OpSpec => ({ code: [0xfd, ...uleb(op)], imm, align });

/** Every instruction the kernels use, by its text-format name. */
export const OPS: Readonly<Record<string, OpSpec>> = {
  block: core(0x02, 'block'),
  loop: core(0x03, 'block'),
  if: core(0x04, 'block'),
  else: core(0x05),
  end: core(0x0b),
  br: core(0x0c, 'label'),
  br_if: core(0x0d, 'label'),
  drop: core(0x1a),
  select: core(0x1b),

  'local.get': core(0x20, 'local'),
  'local.set': core(0x21, 'local'),
  'local.tee': core(0x22, 'local'),

  'i32.load': core(0x28, 'mem', 2),
  'f32.load': core(0x2a, 'mem', 2),
  'f64.load': core(0x2b, 'mem', 3),
  'i32.store': core(0x36, 'mem', 2),
  'f32.store': core(0x38, 'mem', 2),
  'f64.store': core(0x39, 'mem', 3),

  'i32.const': core(0x41, 'i32'),
  'f32.const': core(0x43, 'f32'),
  'f64.const': core(0x44, 'f64'),

  'i32.eqz': core(0x45),
  'i32.eq': core(0x46),
  'i32.ne': core(0x47),
  'i32.lt_s': core(0x48),
  'i32.lt_u': core(0x49),
  'i32.gt_s': core(0x4a),
  'i32.gt_u': core(0x4b),
  'i32.le_s': core(0x4c),
  'i32.le_u': core(0x4d),
  'i32.ge_s': core(0x4e),
  'i32.ge_u': core(0x4f),
  'i32.add': core(0x6a),
  'i32.sub': core(0x6b),
  'i32.mul': core(0x6c),
  'i32.div_s': core(0x6d),
  'i32.div_u': core(0x6e),
  'i32.and': core(0x71),
  'i32.or': core(0x72),
  'i32.xor': core(0x73),
  'i32.shl': core(0x74),
  'i32.shr_s': core(0x75),
  'i32.shr_u': core(0x76),

  'f32.abs': core(0x8b),
  'f32.neg': core(0x8c),
  'f32.sqrt': core(0x91),
  'f32.add': core(0x92),
  'f32.sub': core(0x93),
  'f32.mul': core(0x94),
  'f32.div': core(0x95),
  'f32.min': core(0x96),
  'f32.max': core(0x97),

  'f64.abs': core(0x99),
  'f64.neg': core(0x9a),
  'f64.sqrt': core(0x9f),
  'f64.add': core(0xa0),
  'f64.sub': core(0xa1),
  'f64.mul': core(0xa2),
  'f64.div': core(0xa3),
  'f64.min': core(0xa4),
  'f64.max': core(0xa5),

  'v128.load': simd(0, 'mem', 4),
  'v128.load32_splat': simd(9, 'mem', 2),
  'v128.load64_splat': simd(10, 'mem', 3),
  'v128.store': simd(11, 'mem', 4),
  'v128.const': simd(12, 'v128'),
  'i8x16.shuffle': simd(13, 'shuffle'),
  'f32x4.splat': simd(19),
  'f64x2.splat': simd(20),
  'f32x4.extract_lane': simd(31, 'lane'),
  'f64x2.extract_lane': simd(33, 'lane'),
  'f64x2.eq': simd(71),
  'f64x2.ne': simd(72),
  'v128.not': simd(77),
  'v128.and': simd(78),
  'v128.andnot': simd(79),
  'v128.or': simd(80),
  'v128.xor': simd(81),
  'v128.bitselect': simd(82),
  'v128.any_true': simd(83),
  'f32x4.nearest': simd(106),
  'i32x4.shl': simd(171),
  'i32x4.add': simd(174),
  'f32x4.sqrt': simd(227),
  'f32x4.add': simd(228),
  'f32x4.sub': simd(229),
  'f32x4.mul': simd(230),
  'f32x4.div': simd(231),
  'f32x4.min': simd(232),
  'f32x4.max': simd(233),
  'f32x4.pmin': simd(234),
  'f32x4.pmax': simd(235),
  'f64x2.abs': simd(236),
  'f64x2.neg': simd(237),
  'f64x2.sqrt': simd(239),
  'f64x2.add': simd(240),
  'f64x2.sub': simd(241),
  'f64x2.mul': simd(242),
  'f64x2.div': simd(243),
  'f64x2.min': simd(244),
  'f64x2.max': simd(245),
  'f64x2.pmin': simd(246),
  'f64x2.pmax': simd(247),
  'i32x4.trunc_sat_f32x4_s': simd(248),
};

/**
 * Lane shuffles of f64x2 values as text (i8x16.shuffle of the operand pair (a, b); lanes 0–15 are
 * a's bytes, 16–31 b's).
 */
/** (a, a) → (a.lane1, a.lane0): exchanges the real and imaginary parts of a complex number. */
export const SWAP = 'i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7';
/** (a, b) → (a.lane0, a.lane0). */
export const DUP_LO = 'i8x16.shuffle 0 1 2 3 4 5 6 7 0 1 2 3 4 5 6 7';
/** (a, b) → (a.lane0, b.lane0). */
export const LO_LO = 'i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23';
/** (a, b) → (a.lane1, b.lane0). */
export const HI_LO = 'i8x16.shuffle 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23';
/** (a, b) → (a.lane1, b.lane1). */
export const HI_HI = 'i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31';

/** A value's little-endian bytes as `array` stores them. */
const bytesOf = (array: Float32Array | Float64Array | Int32Array | BigInt64Array): Code => [...new Uint8Array(array.buffer)];

/** Lanes and their element type per `v128.const` shape. */
const V128_SHAPES: Record<string, (lanes: number[]) => Code> = {
  f32x4: (l) => bytesOf(new Float32Array(l)),
  f64x2: (l) => bytesOf(new Float64Array(l)),
  i32x4: (l) => bytesOf(new Int32Array(l)),
  i8x16: (l) => l.map((v) => v & 0xff),
};
const V128_LANES: Record<string, number> = { f32x4: 4, f64x2: 2, i32x4: 4, i8x16: 16 };

/** One token of assembler input: a word of the text, an interpolated number or code fragment. */
type Token = string | { value: number } | { code: Code };

function tokenize(strings: readonly string[], values: readonly (number | string | Code)[]): Token[] {
  const tokens: Token[] = [];
  let text = '';
  const flush = () => {
    tokens.push(
      ...text
        .replace(/;;[^\n]*/g, ' ')
        .split(/\s+/)
        .filter((w) => w !== ''),
    );
    text = '';
  };
  strings.forEach((piece, i) => {
    text += piece;
    if (i >= values.length) return;
    const v = values[i];
    // A string is more text (a macro, or part of a name: `$${name}`); `offset=${x}` arrives as the
    // word 'offset=' followed by the value, which memarg() reads together.
    if (typeof v === 'string') text += v;
    else {
      flush();
      tokens.push(typeof v === 'number' ? { value: v } : { code: v });
    }
  });
  flush();
  return tokens;
}

function assemble(tokens: Token[], locals: Readonly<Record<string, number>>): Code {
  const out: Code = [];
  let pos = 0;
  const where = () =>
    `wat: at token ${pos} (${tokens
      .slice(Math.max(0, pos - 3), pos + 2)
      .map((t) => (typeof t === 'string' ? t : 'value' in t ? String(t.value) : '<code>'))
      .join(' ')})`;
  const number = (): number => {
    const t = tokens[pos++];
    if (t === undefined) throw new Error(`${where()}: missing immediate`);
    if (typeof t === 'string') {
      const v = Number(t);
      if (t === '' || Number.isNaN(v)) throw new Error(`${where()}: '${t}' is not a number`);
      return v;
    }
    if ('value' in t) return t.value;
    throw new Error(`${where()}: a code fragment where a number belongs`);
  };
  const integer = (min: number, max: number): number => {
    const v = number();
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${where()}: ${v} is not an integer in [${min}, ${max}]`);
    return v;
  };
  const local = (): number => {
    const t = tokens[pos];
    if (typeof t === 'string' && t.startsWith('$')) {
      pos++;
      const index = locals[t.slice(1)];
      if (index === undefined) throw new Error(`${where()}: unknown local ${t}`);
      return index;
    }
    return integer(0, 2 ** 32 - 1);
  };
  const memarg = (naturalAlign: number): Code => {
    let offset = 0;
    let align = naturalAlign;
    for (;;) {
      const t = tokens[pos];
      if (typeof t !== 'string' || !/^(offset|align)=/.test(t)) break;
      pos++;
      const [key, literal] = t.split('=');
      const v = literal === '' ? integer(0, 2 ** 32 - 1) : Number(literal);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${where()}: bad ${t}`);
      if (key === 'offset') offset = v;
      else {
        align = Math.log2(v);
        if (!Number.isInteger(align)) throw new Error(`${where()}: align=${v} is not a power of two`);
      }
    }
    return [...uleb(align), ...uleb(offset)];
  };
  while (pos < tokens.length) {
    const t = tokens[pos++];
    if (typeof t !== 'string') {
      if ('code' in t) {
        out.push(...t.code);
        continue;
      }
      throw new Error(`${where()}: a number where an instruction belongs`);
    }
    const spec = OPS[t];
    if (spec === undefined) throw new Error(`${where()}: unknown instruction '${t}'`);
    out.push(...spec.code);
    switch (spec.imm) {
      case 'none':
        break;
      case 'local':
        out.push(...uleb(local()));
        break;
      case 'i32':
        out.push(...sleb(integer(-(2 ** 31), 2 ** 32 - 1) | 0));
        break;
      case 'f32':
        out.push(...bytesOf(new Float32Array([number()])));
        break;
      case 'f64':
        out.push(...bytesOf(new Float64Array([number()])));
        break;
      case 'mem':
        out.push(...memarg(spec.align as number));
        break;
      case 'lane':
        out.push(integer(0, 15));
        break;
      case 'shuffle':
        for (let i = 0; i < 16; i++) out.push(integer(0, 31));
        break;
      case 'v128': {
        const shape = tokens[pos++];
        if (typeof shape !== 'string' || !(shape in V128_SHAPES)) throw new Error(`${where()}: v128.const needs a shape (f32x4, f64x2, i32x4, i8x16)`);
        out.push(...V128_SHAPES[shape](Array.from({ length: V128_LANES[shape] }, number)));
        break;
      }
      case 'block':
        out.push(0x40);
        break;
      case 'label':
        out.push(...uleb(integer(0, 2 ** 32 - 1)));
        break;
    }
  }
  return out;
}

/** What a tagged template may interpolate: a number (an immediate), text (spliced into the source) or code. */
export type Piece = number | string | Code;

/** A tag that assembles text to code. */
export type Assembler = (strings: TemplateStringsArray, ...values: Piece[]) => Code;

/** The assembler tag for a kernel whose locals are named by `locals` (name → index). */
export function asm(locals: Readonly<Record<string, number>>): Assembler {
  return (strings, ...values) => assemble(tokenize(strings, values), locals);
}

/** The assembler tag for code without named locals (helpers that take local indices as `${i}`). */
export const wat = asm({});

/** One instruction with numeric immediates: `ins('v128.load', 16)`, `ins('local.get', 3)`. */
export function ins(name: string, ...imm: number[]): Code {
  const spec = OPS[name];
  if (spec === undefined) throw new Error(`wat: unknown instruction '${name}'`);
  const tokens: Token[] = [name];
  if (spec.imm === 'mem') {
    if (imm[0] !== undefined) tokens.push('offset=', { value: imm[0] });
    if (imm[1] !== undefined) tokens.push('align=', { value: imm[1] });
  } else tokens.push(...imm.map((value) => ({ value })));
  return assemble(tokens, {});
}
