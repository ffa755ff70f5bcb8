/**
 * The one model interface every surrogate implements (after neuraloperator's BaseModel and
 * pdearena's model registry). Models never read files and never normalise: the data processor
 * does (src/data), the trainer wires them together (src/training).
 */
import type * as tf from '@tensorflow/tfjs';

/** Every constructor input of a model; saved with the weights in checkpoints. */
export interface ModelConfig {
  /** Registry key, e.g. 'fno'. */
  kind: string;
  /** Seed of the weight initialisation. */
  seed: number;
  [key: string]: unknown;
}

export interface SurrogateModel<C extends ModelConfig = ModelConfig> {
  /** Registry key, e.g. 'fno'. */
  readonly kind: string;
  /** Every constructor input; saved with the weights. */
  readonly config: Readonly<C>;
  /**
   * Maps inputs [batch, ...grid, inChannels] to outputs [batch, ...grid, outChannels]. The grid
   * size may differ from the one trained on (resolution independence, where the model has it).
   */
  apply(x: tf.Tensor, opts?: { training?: boolean }): tf.Tensor;
  /** Trainable weights in a fixed order (the order checkpoints and gradient exchange use). */
  trainableWeights(): tf.Variable[];
  dispose(): void;
}
