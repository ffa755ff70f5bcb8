/** Thrown for engine misuse: an unknown or missing backend, shapes a primitive does not accept. */
export class EngineError extends Error {
  override name = 'EngineError';
}
