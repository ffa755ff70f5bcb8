/**
 * Option checks with the toolkit's one-line messages, `FIELD=VALUE is not allowed: use WHAT`.
 * Each check takes the error class its layer raises (an InputError subclass, so the CLI exits 2)
 * and the field's name as the caller knows it (`optimizer.lr`, `--t-end`), and returns the value.
 */
export type ErrorClass = new (message: string) => Error;

/** A value as a message shows it: strings quoted, objects as JSON (cut at 80 characters). */
export function show(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || v === null || v === undefined) return String(v);
  const text = JSON.stringify(v);
  return text === undefined ? String(v) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** `FIELD=VALUE is not allowed: use WHAT`. */
export function notAllowed(field: string, v: unknown, use: string): string {
  return `${field}=${show(v)} is not allowed: use ${use}`;
}

/** v as a safe integer >= min. */
export function checkInteger(E: ErrorClass, field: string, v: unknown, min = 0, use = `an integer >= ${min}`): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) throw new E(notAllowed(field, v, use));
  return v;
}

/** v as a finite number > 0. */
export function checkPositive(E: ErrorClass, field: string, v: unknown, use = 'a finite number > 0'): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new E(notAllowed(field, v, use));
  return v;
}

/** A seed: an integer in [0, 2^53). */
export function checkSeed(E: ErrorClass, field: string, v: unknown): number {
  return checkInteger(E, field, v, 0, 'an integer in [0, 2^53)');
}

/** v as a boolean. */
export function checkBoolean(E: ErrorClass, field: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw new E(notAllowed(field, v, 'true or false'));
  return v;
}

/** v as one of `allowed`. */
export function checkOneOf<T extends string>(E: ErrorClass, field: string, v: unknown, allowed: readonly T[]): T {
  if (!allowed.includes(v as T)) throw new E(notAllowed(field, v, allowed.map((a) => `'${a}'`).join(', ')));
  return v as T;
}
