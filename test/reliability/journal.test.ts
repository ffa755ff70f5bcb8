/**
 * The sample journal (src/data/journal.ts) is what `generate --resume` trusts. HDF5 rewrites its
 * metadata in place, so a kill -9 inside a flush can leave the progressive file unreadable or
 * reading back wrong samples (found with strace fault injection; the interop suite replays that).
 * Here the damage is made by hand, deterministically: a progressive file destroyed, a journal
 * whose last record was torn, a record with a flipped bit. Each time --resume gives the bytes of an
 * uninterrupted run, and no journal is left once the file is complete.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pdes, pdesInterrupted, sameBytes, tmpDir } from '../helpers/cli.js';

const GEN = ['generate', 'burgers-fno', '--samples', '24', '--nx', '64', '--solve-nx', '512', '--frames', '4', '--workers', '1', '-q'];
let dir: string;
let reference: string;

/** Bytes of one journal record for GEN: index, 4 frames × 64 float32, SHA-256. */
const RECORD = 4 + 4 * 4 * 64 + 32;

beforeAll(() => {
  dir = tmpDir('pdes-journal-');
  reference = path.join(dir, 'reference.h5');
  const r = pdes([...GEN, '-o', reference]);
  expect(r.code, r.stderr).toBe(0);
  expect(fs.existsSync(`${reference}.journal`)).toBe(false);
});

/** Interrupts GEN once the journal holds at least `records` records; returns the output path. */
async function interrupted(name: string, records: number): Promise<{ out: string; journal: string; headerBytes: number }> {
  const out = path.join(dir, name);
  const journal = `${out}.journal`;
  const size = (): number => (fs.existsSync(journal) ? fs.statSync(journal).size : 0);
  const r = await pdesInterrupted([...GEN, '-o', out], () => size() > 12 + 200 + records * RECORD, 'SIGINT');
  expect(r.code, r.stderr).toBe(130);
  const bytes = fs.readFileSync(journal);
  expect(bytes.subarray(0, 8).toString('latin1')).toBe('PDESJNL1');
  const headerBytes = 12 + bytes.readUInt32LE(8);
  expect((bytes.length - headerBytes) % RECORD).toBe(0);
  expect((bytes.length - headerBytes) / RECORD).toBeGreaterThanOrEqual(records);
  return { out, journal, headerBytes };
}

function resumeMatchesReference(out: string): void {
  const again = pdes([...GEN, '-o', out, '--resume']);
  expect(again.code, again.stderr).toBe(0);
  expect(sameBytes(out, reference)).toBe(true);
  expect(fs.existsSync(`${out}.journal`)).toBe(false);
  expect(fs.readdirSync(dir).filter((f) => f.startsWith(path.basename(out)) && f !== path.basename(out))).toEqual([]);
}

describe('generate --resume trusts the sample journal', () => {
  it('rebuilds a progressive file that HDF5 can no longer open', async () => {
    const { out } = await interrupted('destroyed.h5', 3);
    const fd = fs.openSync(out, 'r+');
    fs.writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 0);
    fs.closeSync(fd);
    resumeMatchesReference(out);
  });

  it('rebuilds a progressive file whose samples read back wrong (values overwritten, flags intact)', async () => {
    const { out } = await interrupted('wrong-values.h5', 3);
    // Overwrite the file's tail (where HDF5 put the first chunks) with other finite values.
    const size = fs.statSync(out).size;
    const fd = fs.openSync(out, 'r+');
    const junk = new Float32Array(256).fill(0.25);
    fs.writeSync(fd, Buffer.from(junk.buffer), 0, 1024, size - 1024);
    fs.closeSync(fd);
    resumeMatchesReference(out);
  });

  it('recomputes a torn last record and every record from a corrupted one on', async () => {
    const { out, journal, headerBytes } = await interrupted('torn.h5', 4);
    const bytes = fs.readFileSync(journal);
    const n = (bytes.length - headerBytes) / RECORD;
    // A record cut in half at the end, and one flipped bit in the second record.
    const torn = Buffer.concat([bytes, bytes.subarray(headerBytes, headerBytes + RECORD / 2)]);
    torn[headerBytes + RECORD + 100] ^= 0x10;
    fs.writeFileSync(journal, torn);
    expect(n).toBeGreaterThanOrEqual(4);
    resumeMatchesReference(out);
  });

  it('a journal of another recipe is not used; the progressive file is read as before', async () => {
    const { out, journal } = await interrupted('other.h5', 2);
    const bytes = fs.readFileSync(journal);
    const id = bytes.toString('utf8', 12, 12 + bytes.readUInt32LE(8)).replace('\\"seed\\":0', '\\"seed\\":9');
    expect(id).toContain('\\"seed\\":9');
    const head = Buffer.alloc(12);
    bytes.copy(head, 0, 0, 8);
    head.writeUInt32LE(Buffer.byteLength(id), 8);
    fs.writeFileSync(journal, Buffer.concat([head, Buffer.from(id), bytes.subarray(12 + bytes.readUInt32LE(8))]));
    resumeMatchesReference(out);
  });
});
