/**
 * Time-stepping contracts shared by every equation (after jax-cfd's equations / time_stepping split):
 * equations are objects, steppers are factories returning a StepFn, and one driver walks the output
 * times (`integrateToTimes` in output_times.ts).
 */

/** An equation split into non-stiff (explicit) and stiff linear (implicit) parts. */
export interface ImexEquation<S> {
  /** Non-stiff terms, e.g. −(u²/2)_x. */
  explicitTerms(state: S, t: number): S;
  /** Stiff linear terms, e.g. ν·u_xx. */
  implicitTerms(state: S): S;
  /** Returns y solving y − h·implicitTerms(y) = x. */
  implicitSolve(x: S, h: number): S;
}

/** Advances a state by one step starting at time t. */
export type StepFn<S> = (state: S, t: number) => S;
