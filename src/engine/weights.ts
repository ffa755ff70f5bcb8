/**
 * Weight values in and out of a model, in its `trainableWeights()` order: what a checkpoint stores
 * and what gradient exchange between workers sends. Float32 copies; setting checks every shape.
 */
import * as tf from '@tensorflow/tfjs';
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
