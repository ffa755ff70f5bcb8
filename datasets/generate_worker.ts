/** Worker thread for dataset generation: receives (recipe, index), returns the stored sample. */
import { parentPort } from 'node:worker_threads';
import { computeSample, SampleError } from './sample.js';
import type { ResolvedRecipe } from './recipes.js';

export interface WorkerRequest {
  recipe: ResolvedRecipe;
  index: number;
}
export type WorkerReply =
  | { index: number; data: Float32Array }
  | { index: number; error: string; unstable: boolean };

if (!parentPort) throw new Error('generate_worker.js must run as a worker thread');
const port = parentPort;
port.on('message', (req: WorkerRequest) => {
  try {
    const data = computeSample(req.recipe, req.index);
    port.postMessage({ index: req.index, data } satisfies WorkerReply, [data.buffer as ArrayBuffer]);
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    port.postMessage({ index: req.index, error: err.message, unstable: err instanceof SampleError } satisfies WorkerReply);
  }
});
