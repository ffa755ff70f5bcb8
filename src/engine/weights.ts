/**
 * Weight values in and out of a model, in its `trainableWeights()` order: what a checkpoint stores
 * and what gradient exchange between workers sends. Float32 copies; setting checks every shape.
 */
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { EngineError } from './errors.js';

export interface HasWeights {
  trainableWeights(): tf.Variable[];
}

/** Copies of every weight's values, in trainableWeights() order. */
export function getWeightData(model: HasWeights): Float32Array[] {
  return model.trainableWeights().map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

/** Assigns values from getWeightData (same order, same sizes); throws naming the first mismatch. */
export function setWeightData(model: HasWeights, data: readonly Float32Array[]): void {
  const vars = model.trainableWeights();
  if (data.length !== vars.length) {
    throw new EngineError(`setWeightData: got ${data.length} arrays for ${vars.length} weights: pass one array per trainable weight`);
  }
  vars.forEach((v, i) => {
    if (data[i].length !== v.size) {
      throw new EngineError(`setWeightData: array ${i} has ${data[i].length} values, weight ${i} [${v.shape.join(', ')}] needs ${v.size}`);
    }
  });
  vars.forEach((v, i) => {
    const t = tf.tensor(data[i], v.shape, 'float32');
    v.assign(t);
    t.dispose();
  });
}

/**
 * The float32 values of `t` as stored by its backend: on wasm a view of the backend's memory, no
 * copy (valid until the next tfjs call that may allocate: copy out of it at once); elsewhere the
 * values dataSync() returns.
 */
function storedValues(t: tf.Tensor): Float32Array {
  if (t.dtype !== 'float32') throw new EngineError(`weight values must be float32, got ${t.dtype}`);
  if (tf.getBackend() === 'wasm') {
    const be = tf.backend() as BackendWasm;
    const data = be.dataIdMap.get(t.dataId);
    if (data && data.memoryOffset !== null) return new Float32Array(be.wasm.HEAPU8.buffer, data.memoryOffset, t.size);
  }
  return t.dataSync() as Float32Array;
}

/**
 * Copies the values of `tensors` one after another into `out` (e.g. a SharedArrayBuffer view
 * between worker threads), straight from the backend's memory on wasm: one copy per value, where
 * dataSync() would make a fresh array first. Returns the number of values written.
 */
export function copyTensorsInto(tensors: readonly tf.Tensor[], out: Float32Array): number {
  let o = 0;
  for (const t of tensors) {
    if (o + t.size > out.length) throw new EngineError(`copyTensorsInto: ${o + t.size} values do not fit into ${out.length}`);
    out.set(storedValues(t), o);
    o += t.size;
  }
  return o;
}
