/**
 * Worker thread of an ensemble: trains one member with the one trainer (its own tfjs instance),
 * relays its epochs, and stops at the next batch when the parent asks (a checkpoint is saved).
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { EpochMetrics } from '../training/checkpoint.js';
import type { TrainOptionsInput } from '../training/options.js';
import { train } from '../training/trainer.js';

if (!parentPort) throw new Error('ensemble_worker.js must run as a worker thread');
const port = parentPort;

export type MemberRequest = { type: 'abort' };

export type MemberReply =
  | { type: 'epoch'; metrics: EpochMetrics }
  | { type: 'done'; metrics: EpochMetrics[]; checkpoint: string | null; seconds: number }
  | { type: 'error'; name: string; message: string };

const ac = new AbortController();
port.on('message', (req: MemberRequest) => {
  if (req.type === 'abort') ac.abort();
});

const { input } = workerData as { input: TrainOptionsInput };
train(input, { signal: ac.signal, progress: false, onEpoch: (metrics) => port.postMessage({ type: 'epoch', metrics } satisfies MemberReply) }).then(
  (res) => {
    res.model.dispose();
    port.postMessage({ type: 'done', metrics: res.metrics, checkpoint: res.checkpoint, seconds: res.seconds } satisfies MemberReply);
  },
  (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    port.postMessage({ type: 'error', name: e.name, message: e.message } satisfies MemberReply);
  },
);
