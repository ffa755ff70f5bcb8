/**
 * WebAssembly binary encoding helpers (LEB128 integers and vectors), shared by the modules that
 * emit their kernels instruction by instruction: the FFT (solvers/fft.ts) and the engine's
 * kernels (src/engine/wasm_emit.ts), and the module layout both use.
 * [WebAssembly Core Specification 2.0, §5.2.2 Integers, §5.5 Modules.]
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

/** A function: value types of its params, results and locals (0x7f i32, 0x7c f64, 0x7b v128), and its code. */
export interface WasmFunctionDef {
  name: string;
  params: number[];
  results?: number[];
  locals: number[];
  body: number[];
}

/**
 * A module that imports one memory (`env.mem`, any size) and exports every function by name,
 * function i having type i. Same defs → same bytes.
 */
export function buildMemoryModule(defs: WasmFunctionDef[]): Uint8Array {
  const str = (text: string) => vec([...text].map((ch) => [ch.charCodeAt(0)]));
  const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];
  const localDecls = (types: number[]) => {
    const runs: number[][] = [];
    for (const ty of types) {
      const lastRun = runs[runs.length - 1];
      if (lastRun && lastRun[1] === ty) lastRun[0]++;
      else runs.push([1, ty]);
    }
    return vec(runs.map(([count, ty]) => [...uleb(count), ty]));
  };
  const bytes = [
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vec(defs.map((d) => [0x60, ...vec(d.params.map((t) => [t])), ...vec((d.results ?? []).map((t) => [t]))]))),
    ...section(2, vec([[...str('env'), ...str('mem'), 0x02, 0x00, ...uleb(1)]])),
    ...section(3, vec(defs.map((_, i) => uleb(i)))),
    ...section(7, vec(defs.map((d, i) => [...str(d.name), 0x00, ...uleb(i)]))),
    ...section(
      10,
      vec(
        defs.map((d) => {
          const body = [...localDecls(d.locals), ...d.body, 0x0b];
          return [...uleb(body.length), ...body];
        }),
      ),
    ),
  ];
  return new Uint8Array(bytes);
}
