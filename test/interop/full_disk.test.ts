/**
 * A real full disk: a small tmpfs (mounting needs root; CI runs the interop suite as root, and a
 * missing privilege fails here rather than skipping). Training that fills it stops with exit 1 and
 * one line naming the checkpoint and "no space left on device", the last good checkpoint is
 * intact, and once space is freed the same command with --resume finishes. Generation that fills
 * it stops the same way, keeps its finished samples, and resumes to the bytes of a run on a roomy
 * disk.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCheckpoint } from '../../src/training/index.js';
import { pdes, sameBytes, tmpDir } from '../helpers/cli.js';

let mnt: string;
let dir: string;

function mount(sizeKiB: number): void {
  const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k`, 'tmpfs', mnt], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot mount a tmpfs at ${mnt} (${r.stderr.trim()}): the full-disk tests need root, as in CI`);
}

function unmount(): void {
  spawnSync('umount', [mnt]);
}

beforeAll(() => {
  dir = tmpDir('pdes-full-disk-');
  mnt = path.join(dir, 'mnt');
  fs.mkdirSync(mnt);
});

afterAll(() => {
  unmount();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a full disk (tmpfs)', () => {
  it('training: exit 1 naming the checkpoint, the last good one intact, --resume finishes once there is room', () => {
    const data = path.join(dir, 'data.h5');
    expect(pdes(['generate', 'burgers-fno', '--samples', '40', '--nx', '64', '--solve-nx', '256', '--frames', '2', '-q', '-o', data]).code).toBe(0);
    const model = [
      'train',
      'fno',
      '--data',
      data,
      '--modes',
      '12',
      '--width',
      '32',
      '--layers',
      '4',
      '--batch-size',
      '10',
      '--train',
      '30',
      '--val',
      '5',
      '--test',
      '5',
      '-q',
    ];
    const probe = pdes([...model, '--out', path.join(dir, 'probe'), '--epochs', '1']);
    expect(probe.code, probe.stderr).toBe(0);
    const ckptBytes = fs.statSync(path.join(dir, 'probe', 'checkpoint.safetensors')).size;
    // Room for a checkpoint and its replacement side by side (the atomic write needs both) once the
    // filler is gone.
    mount(Math.ceil((3 * ckptBytes) / 1024) + 512);
    try {
      const run = path.join(mnt, 'run');
      const args = [...model, '--out', run, '--epochs', '40', '--checkpoint-every', '5'];
      // Fill the disk but for about one checkpoint and a half: the second checkpoint cannot be written.
      const free = (): number => {
        const st = fs.statfsSync(mnt);
        return st.bavail * st.bsize;
      };
      fs.writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(Math.max(0, free() - Math.floor(1.5 * ckptBytes) - 64 * 1024)));
      const r = pdes(args);
      expect(r.code, r.stderr).toBe(1);
      // The backend line (printed once the checks passed) and then one error line.
      const lines = r.stderr.trim().split('\n');
      expect(
        lines.filter((l) => !l.startsWith('backend: ')),
        r.stderr,
      ).toHaveLength(1);
      expect(lines[lines.length - 1]).toMatch(/^pdes train: /);
      expect(r.stderr).toContain(`cannot write ${path.join(run, 'checkpoint.safetensors')}: no space left on device`);
      const last = readCheckpoint(run);
      expect(last.meta.epoch % 5).toBe(0);
      expect(fs.readdirSync(run).filter((f) => f.includes('.tmp-'))).toEqual([]);
      // Space again: the same command resumes from the last good checkpoint and finishes.
      fs.rmSync(path.join(mnt, 'filler'));
      const again = pdes([...args, '--resume']);
      expect(again.code, again.stderr).toBe(0);
      expect(readCheckpoint(run).meta.epoch).toBe(40);
    } finally {
      unmount();
    }
  });

  it('generation: exit 1 with one line, finished samples kept; --resume on a roomy disk gives the bytes of an uninterrupted run', () => {
    const gen = ['generate', 'burgers-fno', '--samples', '40', '--nx', '1024', '--solve-nx', '2048', '--frames', '5', '--workers', '1', '-q'];
    const reference = path.join(dir, 'reference.h5');
    expect(pdes([...gen, '-o', reference]).code).toBe(0);
    // Room for the progressive file but not for the canonical copy at the end.
    mount(Math.ceil((1.4 * fs.statSync(reference).size) / 1024));
    try {
      const out = path.join(mnt, 'data.h5');
      const r = pdes([...gen, '-o', out, '--skip-resource-check']);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/no space left on device/);
      expect(fs.readdirSync(mnt).filter((f) => f.includes('.tmp-'))).toEqual([]);
      expect(fs.existsSync(out)).toBe(true);
      const moved = path.join(dir, 'data.h5');
      fs.copyFileSync(out, moved);
      const again = pdes([...gen, '-o', moved, '--resume']);
      expect(again.code, again.stderr).toBe(0);
      expect(sameBytes(moved, reference)).toBe(true);
    } finally {
      unmount();
    }
  });
});
