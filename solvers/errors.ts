/** Errors raised by the reference solvers. Messages are one line and name the offending value. */
export { SolverInputError } from '../core/errors.js';

/** The solution became NaN/Inf: the run is unstable (time step, resolution or input). */
export class SolverInstabilityError extends Error {
  override name = 'SolverInstabilityError';
  constructor(
    readonly t: number,
    detail = '',
  ) {
    super(`solver went unstable (NaN/Inf) at t=${t}${detail ? `: ${detail}` : ''}`);
  }
}

/** Throws SolverInstabilityError when any entry of u is not finite. */
export function assertFinite(u: ArrayLike<number>, t: number, detail = ''): void {
  for (let i = 0; i < u.length; i++) {
    if (!Number.isFinite(u[i])) throw new SolverInstabilityError(t, detail);
  }
}
