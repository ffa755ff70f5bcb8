/**
 * WebAssembly binary encoding helpers (LEB128 integers and vectors), shared by the modules that
 * emit their kernels instruction by instruction: the FFT (solvers/fft.ts) and the engine's
 * kernels (src/engine/wasm_emit.ts). [WebAssembly Core Specification 2.0, §5.2.2 Integers.]
 */

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v & 0x7f;
    v >>>= 7;
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128. */
export function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** A vector: its length (unsigned LEB128) followed by the items' bytes. */
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}
