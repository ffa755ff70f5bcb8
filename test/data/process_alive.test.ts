/**
 * processAlive decides whether a lock or a temporary file still has an owner. A process killed
 * but not yet reaped answers signal 0; it must count as gone, or a resume right after a kill -9
 * is refused as "being written by" the dead writer.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { processAlive } from '../../core/atomic.js';

describe('processAlive', () => {
  it('is true for a running process and false for a zombie and for a pid that is gone', async () => {
    expect(processAlive(process.pid)).toBe(true);
    // `sleep 0` exits at once, and its parent (exec'd into `sleep 5`) never reaps it: a zombie.
    const parent = spawn('sh', ['-c', 'sleep 0 & echo $!; exec sleep 5'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const zombie = await new Promise<number>((resolve) => parent.stdout.once('data', (d) => resolve(Number(String(d).trim()))));
    await new Promise((r) => setTimeout(r, 300));
    let answersSignal0 = true;
    try {
      process.kill(zombie, 0);
    } catch {
      answersSignal0 = false;
    }
    expect(answersSignal0).toBe(true);
    expect(processAlive(zombie)).toBe(false);
    parent.kill('SIGKILL');
    await new Promise((r) => parent.once('exit', r));
    expect(processAlive(parent.pid as number)).toBe(false);
  });
});
