/**
 * The three faults that lost or corrupted work while exiting 0 (issue 10, "high"):
 * 1. a disk that fills while a checkpoint is written must not replace the last good checkpoint,
 *    and training must fail with one line saying so (here the full disk is a short write
 *    followed by ENOSPC, injected into fs.writeSync: exactly what Linux does at ENOSPC);
 * 2. two runs over one output must not both write it: the second exits 2 naming the holder;
 * 3. a checkpoint whose header (normalizers, counters, options) was changed must be refused.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { h5ready } from '../../src/data/index.js';
import { CHECKPOINT_FILE, loadCheckpoint, readCheckpoint, train } from '../../src/training/index.js';
import { pdes, pdesSpawn, sameBytes, tmpDir } from '../helpers/cli.js';
import { makeBurgers, makeTmpDir, removeTmpDirs, registerToy, toyOptions } from '../training/helpers.js';

/**
 * From the `afterBytes`-th byte written to a file whose name matches `target` on, writes come
 * back short once and then fail with ENOSPC, as a filling disk does.
 */
function fillDiskAfter(afterBytes: number, target: RegExp): { restore(): void; hits(): number } {
  const real = fs.writeSync.bind(fs);
  const targets = new Map<number, string>();
  const realOpen = fs.openSync.bind(fs);
  let written = 0;
  let hits = 0;
  const open = vi.spyOn(fs, 'openSync').mockImplementation(((p: fs.PathLike, ...rest: unknown[]) => {
    const fd = (realOpen as (...a: unknown[]) => number)(p, ...rest);
    if (target.test(String(p))) targets.set(fd, String(p));
    return fd;
  }) as typeof fs.openSync);
  const write = vi.spyOn(fs, 'writeSync').mockImplementation(((fd: number, buf: unknown, ...rest: unknown[]) => {
    if (!targets.has(fd) || !ArrayBuffer.isView(buf)) return (real as (...a: unknown[]) => number)(fd, buf, ...rest);
    const view = buf as ArrayBufferView;
    const offset = typeof rest[0] === 'number' ? rest[0] : 0;
    const length = typeof rest[1] === 'number' ? rest[1] : view.byteLength - offset;
    const room = afterBytes - written;
    if (room <= 0) {
      hits++;
      throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', errno: -28, syscall: 'write' });
    }
    const n = Math.min(length, room);
    const done = (real as (...a: unknown[]) => number)(fd, view, offset, n);
    written += done;
    return done;
  }) as typeof fs.writeSync);
  return {
    restore() {
      write.mockRestore();
      open.mockRestore();
    },
    hits: () => hits,
  };
}

/** Exit code and stderr of a spawned `pdes`, once it has closed. */
function finished(child: ReturnType<typeof pdesSpawn>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

beforeAll(async () => {
  await h5ready();
  registerToy();
});
afterAll(removeTmpDirs);
afterEach(() => vi.restoreAllMocks());

describe('a full disk while a checkpoint is written', () => {
  it('keeps the last good checkpoint, fails with one line naming the file, and --resume finishes once there is space', async () => {
    const dir = makeTmpDir();
    const data = await makeBurgers(dir, { samples: 16, nx: 32, frames: 2 });
    const out = path.join(dir, 'run');
    const first = await train(toyOptions(data, { out, epochs: 2, checkpointEvery: 1 }), { progress: false });
    first.model.dispose();
    const ckpt = path.join(out, CHECKPOINT_FILE);
    const good = fs.readFileSync(ckpt);

    // The next checkpoint write runs out of space half way through the file.
    const disk = fillDiskAfter(Math.floor(good.length / 2), /checkpoint\.safetensors/);
    let error: Error | null = null;
    try {
      const r = await train(toyOptions(data, { out, epochs: 4, checkpointEvery: 1, resume: true }), { progress: false });
      r.model.dispose();
    } catch (err) {
      error = err as Error;
    } finally {
      disk.restore();
    }
    expect(disk.hits()).toBeGreaterThan(0);
    expect(error, 'training on a full disk must fail').not.toBeNull();
    expect(error?.message).toMatch(/no space left on device/);
    expect(error?.message).toContain(ckpt);
    expect(error?.message.split('\n')).toHaveLength(1);
    expect(Buffer.compare(fs.readFileSync(ckpt), good), 'the last good checkpoint is untouched').toBe(0);
    expect(fs.readdirSync(out).filter((f) => f.includes('.tmp-'))).toEqual([]);
    expect(readCheckpoint(out).meta.epoch).toBe(2);

    // Space is back: the same command resumes from the last good checkpoint and finishes.
    const resumed = await train(toyOptions(data, { out, epochs: 4, checkpointEvery: 1, resume: true }), { progress: false });
    resumed.model.dispose();
    expect(readCheckpoint(out).meta.epoch).toBe(4);
  });
});

describe('two runs over one output', () => {
  it('generate --force twice at once: one writes, the other exits 2 naming the holder; the file is a correct complete one', async () => {
    const dir = tmpDir();
    const out = path.join(dir, 'same.h5');
    const ref = path.join(dir, 'ref.h5');
    const args = ['generate', 'burgers-fno', '--samples', '60', '--nx', '64', '--solve-nx', '256', '--frames', '3', '--workers', '1', '-q', '--force'];
    const a = pdesSpawn([...args, '-o', out]);
    const b = pdesSpawn([...args, '-o', out]);
    const [ra, rb] = await Promise.all([finished(a), finished(b)]);
    const codes = [ra.code, rb.code].sort();
    expect(codes, `${ra.stderr}\n${rb.stderr}`).toEqual([0, 2]);
    const loser = ra.code === 2 ? ra : rb;
    expect(loser.stderr.trim().split('\n')).toHaveLength(1);
    expect(loser.stderr).toMatch(/is being written by pid \d+ on /);
    expect(pdes([...args, '-o', ref]).code).toBe(0);
    expect(sameBytes(out, ref), 'the winner wrote the same bytes as a lone run').toBe(true);
  });

  it('train into one --out twice at once: one trains, the other exits 2 naming the holder; metrics.jsonl holds one run', async () => {
    const dir = tmpDir();
    const data = path.join(dir, 'd.h5');
    expect(pdes(['generate', 'burgers-fno', '--samples', '30', '--nx', '32', '--solve-nx', '128', '--frames', '2', '-q', '-o', data]).code).toBe(0);
    const out = path.join(dir, 'run');
    const args = [
      'train',
      'fno',
      '--data',
      data,
      '--out',
      out,
      '--epochs',
      '300',
      '--checkpoint-every',
      '100',
      '--modes',
      '4',
      '--width',
      '8',
      '--layers',
      '1',
      '--train',
      '20',
      '--val',
      '5',
      '--test',
      '5',
      '--batch-size',
      '5',
      '-q',
    ];
    // The second starts once the first holds the lock (started together, a loaded machine could
    // let the first finish before the second looks, which is another refusal, not this one).
    const a = finished(pdesSpawn(args));
    const lock = path.join(out, '.lock');
    for (let waited = 0; !fs.existsSync(lock) && waited < 60_000; waited += 20) await new Promise((r) => setTimeout(r, 20));
    expect(fs.existsSync(lock)).toBe(true);
    const [ra, rb] = await Promise.all([a, finished(pdesSpawn(args))]);
    expect([ra.code, rb.code], `${ra.stderr}\n${rb.stderr}`).toEqual([0, 2]);
    expect(rb.stderr).toMatch(/is being written by pid \d+ on /);
    const epochs = fs
      .readFileSync(path.join(out, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { epoch: number }).epoch);
    expect(epochs).toEqual(Array.from({ length: 300 }, (_, i) => i + 1));
  });
});

describe('a checkpoint whose header was changed', () => {
  let out: string;
  beforeAll(async () => {
    const dir = makeTmpDir();
    const data = await makeBurgers(dir, { samples: 12, nx: 32, frames: 2 });
    out = path.join(dir, 'run');
    const r = await train(toyOptions(data, { out, epochs: 2, normalize: 'pointwise' }), { progress: false });
    r.model.dispose();
  });

  /** Rewrites the checkpoint with its metadata passed through `edit` (valid safetensors framing). */
  function tamper(file: string, edit: (meta: Record<string, unknown>) => void): string {
    const buf = fs.readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8')) as { __metadata__: Record<string, string> };
    const meta = JSON.parse(header.__metadata__['pde-surrogate']) as Record<string, unknown>;
    edit(meta);
    header.__metadata__['pde-surrogate'] = JSON.stringify(meta);
    let json = Buffer.from(JSON.stringify(header), 'utf8');
    if (json.length % 8 !== 0) json = Buffer.concat([json, Buffer.alloc(8 - (json.length % 8), 0x20)]);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const copy = path.join(path.dirname(file), `tampered-${Math.random().toString(36).slice(2)}.safetensors`);
    fs.writeFileSync(copy, Buffer.concat([len, json, buf.subarray(8 + n)]));
    return copy;
  }

  type Edit = (m: Record<string, unknown>) => void;
  const edits: Record<string, Edit> = {
    'the output normalizer': (m) => {
      const o = (m.normalizer as { output: { std: number[] } }).output;
      o.std = o.std.map((s) => s * 0.6);
    },
    'the epoch counter': (m) => void (m.epoch = 1),
    'the split': (m) => void ((m.splits as { test: number[] }).test = [0]),
  };

  it.each(Object.keys(edits))('is refused with one line when %s changes', async (what) => {
    const file = tamper(path.join(out, CHECKPOINT_FILE), edits[what]);
    expect(() => readCheckpoint(file)).toThrow(/checkpoint is corrupt \(header checksum mismatch\)/);
    await expect(loadCheckpoint(file)).rejects.toThrow(/^[^\n]*header checksum mismatch[^\n]*$/);
  });
});
