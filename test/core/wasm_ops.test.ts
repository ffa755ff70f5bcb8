import { describe, expect, it } from 'vitest';
import { asm, ins, wat } from '../../core/wasm/ops.js';

describe('wat assembler', () => {
  it('encodes instructions as the core and SIMD specifications do', () => {
    expect(wat`local.get 3 i32.const -1 i32.add`).toEqual([0x20, 3, 0x41, 0x7f, 0x6a]);
    expect(wat`i32.const 200`).toEqual([0x41, 0xc8, 0x01]);
    expect(wat`f64.const 1`).toEqual([0x44, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    expect(wat`f64x2.add f64x2.pmax v128.any_true`).toEqual([0xfd, 0xf0, 0x01, 0xfd, 0xf7, 0x01, 0xfd, 0x53]);
    expect(wat`loop br_if 0 end`).toEqual([0x03, 0x40, 0x0d, 0, 0x0b]);
  });
  it('writes memory arguments as log2(align), offset with natural alignment by default', () => {
    expect(wat`v128.load offset=16`).toEqual([0xfd, 0, 4, 16]);
    expect(wat`v128.load offset=200 align=4`).toEqual([0xfd, 0, 2, 0xc8, 0x01]);
    expect(wat`f64.load offset=${8}`).toEqual([0x2b, 3, 8]);
    expect(ins('v128.store', 32, 4)).toEqual([0xfd, 11, 2, 32]);
  });
  it('resolves named locals, keeps interpolated numbers exact and splices fragments', () => {
    const L = { x: 0, acc: 7 };
    const third = 1 / 3;
    expect(asm(L)`local.get $acc ${wat`drop`} local.set $x`).toEqual([0x20, 7, 0x1a, 0x21, 0]);
    expect(wat`f64.const ${third}`.slice(1)).toEqual([...new Uint8Array(new Float64Array([third]).buffer)]);
    expect(wat`v128.const i32x4 1 2 3 -1`).toEqual([0xfd, 12, 1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]);
    expect(wat`;; comment f64x2.add\n drop`).toEqual([0x1a]);
  });
  it('refuses what it cannot encode', () => {
    expect(() => wat`f64x2.fma`).toThrow(/unknown instruction 'f64x2.fma'/);
    expect(() => asm({ x: 0 })`local.get $y`).toThrow(/unknown local \$y/);
    expect(() => wat`f64x2.extract_lane`).toThrow(/missing immediate/);
    expect(() => wat`v128.load align=3`).toThrow(/not a power of two/);
    expect(() => wat`i8x16.shuffle 0 1 2`).toThrow(/missing immediate/);
  });
});

describe('wat text splices', () => {
  it('splices interpolated text into the source, names included', () => {
    const get = (name: string) => `local.get $${name}`;
    expect(asm({ a: 2, b: 5 })`${get('b')} local.set $${'a'}`).toEqual([0x20, 5, 0x21, 2]);
  });
});
