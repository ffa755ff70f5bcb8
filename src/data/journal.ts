/**
 * The sample journal of a file being generated: `${path}.journal`, append-only, one fixed-size
 * record per finished sample, each covered by a SHA-256. It is what `--resume` trusts.
 *
 * Why: HDF5 updates its metadata in place, several writes per flush, with no journal of its own
 * (and without metadata checksums in the format we write for jsfive's sake). A kill -9 between
 * two of those writes leaves a progressive file HDF5 cannot open, or one that opens and reads
 * back wrong values for samples marked done (both seen with strace fault injection: about one
 * write in five is such a moment). The journal has neither problem: a record is one append, and
 * a torn or half-written record fails its checksum and is simply recomputed.
 *
 * Layout: `PDESJNL1` (8 bytes), u32 LE header length, the header as JSON (shape, extras, attrs:
 * what identifies the file being written), then records of `4 + payload + 32` bytes: u32 LE
 * sample index, the tensor as float32 LE, each extra (name order) as float64 LE, and the SHA-256
 * of index and payload. Records come in completion order; a sample appears once per write.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { asWriteError } from '../../core/atomic.js';
import { sampleSize } from './layout.js';
import type { DatasetHeader, SampleRecord } from './writer.js';

const MAGIC = Buffer.from('PDESJNL1', 'latin1');
const DIGEST = 32;

/** The journal's path for the file at `path`. */
export function journalPath(path: string): string {
  return `${path}.journal`;
}

/** What identifies the file a journal belongs to (the header without coordinates, which follow from it). */
function identity(header: DatasetHeader): string {
  return JSON.stringify({ shape: header.shape, extras: header.extras ?? {}, attrs: header.attrs });
}

interface RecordShape {
  tensor: number;
  extras: [string, number][];
  bytes: number;
}

function recordShape(header: DatasetHeader): RecordShape {
  const tensor = sampleSize(header.shape);
  const extras = Object.entries(header.extras ?? {})
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, shape]): [string, number] => [name, shape.reduce((a, b) => a * b, 1)]);
  const payload = 4 * tensor + 8 * extras.reduce((a, [, n]) => a + n, 0);
  return { tensor, extras, bytes: 4 + payload + DIGEST };
}

export class SampleJournal {
  private constructor(
    readonly path: string,
    private fd: number | null,
    private readonly shape: RecordShape,
  ) {}

  /** Starts an empty journal for `header` at `journalPath(file)`, replacing any old one. */
  static create(file: string, header: DatasetHeader): SampleJournal {
    const path = journalPath(file);
    const id = Buffer.from(identity(header), 'utf8');
    const head = Buffer.alloc(12);
    MAGIC.copy(head, 0);
    head.writeUInt32LE(id.length, 8);
    let fd: number | null = null;
    try {
      fd = fs.openSync(path, 'w');
      fs.writeSync(fd, Buffer.concat([head, id]));
    } catch (err) {
      if (fd !== null) fs.closeSync(fd);
      throw asWriteError(path, err);
    }
    return new SampleJournal(path, fd, recordShape(header));
  }

  /**
   * Opens the journal of `file` for appending and returns the samples it holds intact (the last
   * record of each index wins), or null when there is no journal or it belongs to another header
   * (another recipe, shard or shape), or its own header was cut short.
   */
  static resume(file: string, header: DatasetHeader): { journal: SampleJournal; samples: Map<number, SampleRecord> } | null {
    const path = journalPath(file);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(path);
    } catch {
      return null;
    }
    if (bytes.length < 12 || !bytes.subarray(0, 8).equals(MAGIC)) return null;
    const idLength = bytes.readUInt32LE(8);
    if (12 + idLength > bytes.length || bytes.toString('utf8', 12, 12 + idLength) !== identity(header)) return null;
    const shape = recordShape(header);
    const n = header.shape[0];
    const samples = new Map<number, SampleRecord>();
    let end = 12 + idLength;
    for (let at = end; at + shape.bytes <= bytes.length; at += shape.bytes) {
      const rec = bytes.subarray(at, at + shape.bytes);
      const body = rec.subarray(0, shape.bytes - DIGEST);
      if (!createHash('sha256').update(body).digest().equals(rec.subarray(shape.bytes - DIGEST))) break;
      const index = rec.readUInt32LE(0);
      if (index >= n) break;
      samples.set(index, decode(body, shape));
      end = at + shape.bytes;
    }
    // Drop a torn tail so appends start on a record boundary.
    let fd: number | null = null;
    try {
      fd = fs.openSync(path, 'r+');
      fs.ftruncateSync(fd, end);
    } catch (err) {
      if (fd !== null) fs.closeSync(fd);
      throw asWriteError(path, err);
    }
    return { journal: new SampleJournal(path, fd, shape), samples };
  }

  /** Appends sample i (one write; the record's checksum makes a torn append detectable). */
  append(i: number, tensor: Float32Array, extras: Record<string, Float64Array>): void {
    if (this.fd === null) throw new Error(`journal ${this.path} is closed`);
    const rec = Buffer.alloc(this.shape.bytes);
    rec.writeUInt32LE(i, 0);
    let at = 4;
    const t = Buffer.from(tensor.buffer, tensor.byteOffset, tensor.byteLength);
    if (!isLittleEndian) throw new Error('the sample journal assumes a little-endian machine');
    t.copy(rec, at);
    at += 4 * this.shape.tensor;
    for (const [name] of this.shape.extras) {
      const e = extras[name];
      Buffer.from(e.buffer, e.byteOffset, e.byteLength).copy(rec, at);
      at += e.byteLength;
    }
    createHash('sha256').update(rec.subarray(0, at)).digest().copy(rec, at);
    try {
      fs.writeSync(this.fd, rec, 0, rec.length, fs.fstatSync(this.fd).size);
    } catch (err) {
      throw asWriteError(this.path, err);
    }
  }

  close(): void {
    if (this.fd !== null) {
      fs.closeSync(this.fd);
      this.fd = null;
    }
  }

  /** Closes and deletes the journal (the file it served is complete). */
  remove(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }
}

const isLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function decode(body: Buffer, shape: RecordShape): SampleRecord {
  let at = 4;
  const tensor = new Float32Array(shape.tensor);
  Buffer.from(tensor.buffer).set(body.subarray(at, at + 4 * shape.tensor));
  at += 4 * shape.tensor;
  const extras: Record<string, Float64Array> = {};
  for (const [name, size] of shape.extras) {
    const e = new Float64Array(size);
    Buffer.from(e.buffer).set(body.subarray(at, at + 8 * size));
    extras[name] = e;
    at += 8 * size;
  }
  return { tensor, extras };
}
