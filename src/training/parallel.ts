/**
 * Data-parallel gradients on worker threads (the wasm backend is single-threaded in Node, so
 * more cores need more tfjs instances). With W compute threads — this one plus W − 1 workers,
 * each holding a replica of the model — a batch of n pairs is cut into W contiguous shards;
 * shard k's loss is Σ_{i∈k} loss_i / n, so the shard gradients sum to the full batch's mean-loss
 * gradient. This thread sums them in shard order (deterministic) and applies the optimizer; the
 * updated weights reach the workers through a SharedArrayBuffer at the next step.
 *
 * Why this thread applies the update and broadcasts weights rather than every replica applying
 * it: Adam is ~10 elementwise passes over the weights, a broadcast is one copy, and the optimizer
 * state then lives in one place (checkpoints, resume).
 */
import { Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { compiledModuleUrl } from '../../core/runtime.js';
import type { BackendName } from '../engine/backend.js';
import { copyTensorsInto } from '../engine/weights.js';
import type { ModelConfig } from '../models/model.js';
import type { FrameStack, LossKind } from './options.js';
import { mixSeed, type ReplicaNormalizers } from '../inference/predictor.js';
import type { Replica } from './replica.js';

/** What a worker needs to build its replica. */
export interface ReplicaSpec {
  modelConfig: ModelConfig;
  normalizers: ReplicaNormalizers;
  loss: LossKind;
  frameShape: number[];
  /** Frames per model call and pushforward steps (from the mapping). */
  stack: FrameStack;
  /** The parent's backend, initialised by each worker. */
  backend: BackendName;
  /** File URLs of modules registering extra model kinds (see TrainOptions.modelModules). */
  modelModules: string[];
}

export type WorkerRequest =
  | { type: 'init'; spec: ReplicaSpec; weightShapes: number[][]; weights: SharedArrayBuffer; grads: SharedArrayBuffer }
  | { type: 'step'; x: Float32Array; y: Float32Array; n: number; batchTotal: number; seed?: number };

export type WorkerReply = { type: 'ready' } | { type: 'grads'; loss: number } | { type: 'error'; message: string };

/** Sizes of `parts` contiguous shards of `n` items: floor((k+1)n/parts) − floor(kn/parts). */
export function shardSizes(n: number, parts: number): number[] {
  return Array.from({ length: parts }, (_, k) => Math.floor(((k + 1) * n) / parts) - Math.floor((k * n) / parts));
}

interface Pending {
  resolve(reply: WorkerReply): void;
  reject(err: Error): void;
}

export class DataParallel {
  private readonly pending: (Pending | null)[];
  private failure: Error | null = null;
  private closed = false;

  private constructor(
    private readonly workers: Worker[],
    private readonly weightShapes: number[][],
    private readonly weightsView: Float32Array,
    private readonly gradViews: Float32Array[],
  ) {
    this.pending = workers.map(() => null);
    workers.forEach((w, k) => {
      w.on('message', (reply: WorkerReply) => {
        const p = this.pending[k];
        this.pending[k] = null;
        if (p === null) return;
        if (reply.type === 'error') p.reject(new Error(`training worker ${k + 1}: ${reply.message}`));
        else p.resolve(reply);
      });
      w.on('error', (err) => this.fail(k, new Error(`training worker ${k + 1} failed: ${err.message}`)));
      w.on('exit', (code) => {
        if (!this.closed) this.fail(k, new Error(`training worker ${k + 1} exited with code ${code}`));
      });
    });
  }

  /** Starts `threads − 1` workers (this thread is replica 0) and builds their replicas. */
  static async start(threads: number, spec: ReplicaSpec, weightShapes: number[][]): Promise<DataParallel> {
    const total = weightShapes.reduce((a, s) => a + s.reduce((p, q) => p * q, 1), 0);
    const url = compiledModuleUrl(import.meta.url, './parallel_worker.js');
    const workers = Array.from({ length: threads - 1 }, () => new Worker(url));
    const weights = new SharedArrayBuffer(4 * total);
    const grads = workers.map(() => new SharedArrayBuffer(4 * total));
    const dp = new DataParallel(
      workers,
      weightShapes,
      new Float32Array(weights),
      grads.map((g) => new Float32Array(g)),
    );
    try {
      await Promise.all(workers.map((_, k) => dp.call(k, { type: 'init', spec, weightShapes, weights, grads: grads[k] })));
    } catch (err) {
      await dp.close();
      throw err;
    }
    return dp;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /**
   * Gradients of the mean loss over the batch (x: [n, inputSize], y: [n, outputSize] flat) for `weights` (the
   * local replica's, which the workers copy first): shard 0 here, shards 1.. in the workers,
   * summed in shard order. Returns the batch's mean loss and one gradient tensor per weight.
   * With `seed`, shard k's dropout masks are seeded by mixSeed(seed, k).
   */
  async gradients(
    local: Replica,
    weights: readonly tf.Variable[],
    x: Float32Array,
    y: Float32Array,
    n: number,
    seed?: number,
  ): Promise<{ loss: number; grads: tf.Tensor[] }> {
    if (this.failure !== null) throw this.failure;
    const xSize = x.length / n;
    const ySize = y.length / n;
    const sizes = shardSizes(n, this.threads);
    const starts = sizes.map((_, k) => sizes.slice(0, k).reduce((a, b) => a + b, 0));
    // The weights straight from this replica's backend memory into the shared buffer (one copy).
    copyTensorsInto(weights, this.weightsView);
    const replies = this.workers.map((_, k) => {
      const s = sizes[k + 1];
      if (s === 0) return Promise.resolve(null);
      const a = starts[k + 1];
      const b = a + s;
      const req: WorkerRequest = {
        type: 'step',
        x: x.slice(a * xSize, b * xSize),
        y: y.slice(a * ySize, b * ySize),
        n: s,
        batchTotal: n,
        ...(seed === undefined ? {} : { seed: mixSeed(seed, k + 1) }),
      };
      return this.call(k, req);
    });
    let loss = 0;
    let grads: tf.Tensor[] | null = null;
    if (sizes[0] > 0) {
      const r = local.gradients(
        x.subarray(0, sizes[0] * xSize),
        y.subarray(0, sizes[0] * ySize),
        sizes[0],
        n,
        seed === undefined ? undefined : mixSeed(seed, 0),
      );
      loss += r.loss;
      grads = r.grads;
    }
    const done = await Promise.all(replies);
    // Shard sums in shard order, each a float32 add (as before, when they were summed in JS): one
    // copy of each worker's gradients into this backend and one add per weight.
    done.forEach((reply, k) => {
      if (reply === null || reply.type !== 'grads') return;
      loss += reply.loss;
      const g = this.gradViews[k];
      let o = 0;
      const next = this.weightShapes.map((shape, i) => {
        const size = shape.reduce((p, q) => p * q, 1);
        const part = tf.tensor(g.subarray(o, o + size), shape, 'float32');
        o += size;
        if (grads === null) return part;
        const sum = tf.add(grads[i], part);
        part.dispose();
        grads[i].dispose();
        return sum;
      });
      grads = next;
    });
    return { loss, grads: grads ?? this.weightShapes.map((shape) => tf.zeros(shape)) };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private call(k: number, req: WorkerRequest): Promise<WorkerReply> {
    if (this.failure !== null) return Promise.reject(this.failure);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.pending[k] = { resolve, reject };
      const transfer = req.type === 'step' ? [req.x.buffer as ArrayBuffer, req.y.buffer as ArrayBuffer] : [];
      this.workers[k].postMessage(req, transfer);
    });
  }

  private fail(k: number, err: Error): void {
    this.failure ??= err;
    const p = this.pending[k];
    this.pending[k] = null;
    p?.reject(err);
  }
}
