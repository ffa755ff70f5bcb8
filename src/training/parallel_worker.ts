/**
 * Worker thread of data-parallel training: holds one replica of the model (its own tfjs on the
 * parent's backend), copies the parent's weights from shared memory at each step and writes the
 * gradients of its shard back to its own shared buffer.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../engine/backend.js';
import { copyTensorsInto } from '../engine/weights.js';
import { createModel } from '../models/registry.js';
import { registerModelModules } from '../models/plugins.js';
import type { WorkerReply, WorkerRequest } from './parallel.js';
import { Replica } from './replica.js';

if (!parentPort) throw new Error('parallel_worker.js must run as a worker thread');
const port = parentPort;

let replica: Replica | null = null;
let weightsView: Float32Array | null = null;
let gradView: Float32Array | null = null;

async function handle(req: WorkerRequest): Promise<WorkerReply> {
  if (req.type === 'init') {
    await initBackend(req.spec.backend);
    await registerModelModules(req.spec.modelModules);
    const model = createModel(req.spec.modelConfig);
    const shapes = model.trainableWeights().map((w) => w.shape);
    if (JSON.stringify(shapes) !== JSON.stringify(req.weightShapes)) {
      throw new Error(`the '${model.kind}' replica has weight shapes ${JSON.stringify(shapes)}, the parent's are ${JSON.stringify(req.weightShapes)}`);
    }
    replica = new Replica(model, req.spec.normalizers, req.spec.loss, req.spec.frameShape, req.spec.stack);
    weightsView = new Float32Array(req.weights);
    gradView = new Float32Array(req.grads);
    return { type: 'ready' };
  }
  if (replica === null || weightsView === null || gradView === null) throw new Error('step before init');
  const weights = replica.model.trainableWeights();
  const view = weightsView;
  // tf.tensor copies the shared values into the backend once (no slice first).
  tf.tidy(() => {
    let o = 0;
    for (const w of weights) {
      w.assign(tf.tensor(view.subarray(o, o + w.size), w.shape, 'float32'));
      o += w.size;
    }
  });
  const { loss, grads } = replica.gradients(req.x, req.y, req.n, req.batchTotal, req.seed);
  copyTensorsInto(grads, gradView);
  tf.dispose(grads);
  return { type: 'grads', loss };
}

port.on('message', (req: WorkerRequest) => {
  handle(req).then(
    (reply) => port.postMessage(reply),
    (err: unknown) => port.postMessage({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies WorkerReply),
  );
});
