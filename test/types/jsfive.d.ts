/** The part of jsfive's API (a pure-JavaScript, read-only HDF5 reader; no types shipped) the tests use. */
declare module 'jsfive' {
  type Value = number | bigint | string | number[] | bigint[] | string[];
  export class Group {
    readonly keys: string[];
    readonly attrs: Record<string, Value>;
    get(path: string): Group | Dataset;
  }
  export class Dataset {
    readonly shape: number[];
    readonly dtype: string | object;
    readonly value: ArrayLike<number | bigint>;
    readonly attrs: Record<string, Value>;
  }
  export class File extends Group {
    constructor(buffer: ArrayBuffer, filename?: string);
  }
}
