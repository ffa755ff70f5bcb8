/** Worker thread for dataset generation: receives (recipe, index), returns the stored sample and its extras. */
import { parentPort } from 'node:worker_threads';
import { computeSampleRecord, SampleError } from './sample.js';
import type { RecipeBase } from './families/family.js';

export interface WorkerRequest {
  recipe: RecipeBase;
  index: number;
}
export type WorkerReply = { index: number; data: Float32Array; extras?: Record<string, Float64Array> } | { index: number; error: string; unstable: boolean };

if (!parentPort) throw new Error('generate_worker.js must run as a worker thread');
const port = parentPort;
port.on('message', (req: WorkerRequest) => {
  try {
    const { tensor: data, extras } = computeSampleRecord(req.recipe, req.index);
    const transfer = [data.buffer as ArrayBuffer, ...Object.values(extras ?? {}).map((v) => v.buffer as ArrayBuffer)];
    port.postMessage({ index: req.index, data, extras } satisfies WorkerReply, transfer);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ index: req.index, error: err.message, unstable: err instanceof SampleError } satisfies WorkerReply);
  }
});
