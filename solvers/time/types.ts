/**
 * Time-stepping contracts shared by every equation (after jax-cfd's equations / time_stepping split):
 * equations are objects, steppers are factories returning a StepFn, rollout is separate.
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

/** Applies `step` outerSteps × innerSteps times, keeping the state after each outer step. */
export function rollout<S>(
  step: StepFn<S>,
  s0: S,
  opts: { outerSteps: number; innerSteps?: number; dt: number; t0?: number },
): S[] {
  const inner = opts.innerSteps ?? 1;
  const out: S[] = [];
  let s = s0;
  let t = opts.t0 ?? 0;
  for (let o = 0; o < opts.outerSteps; o++) {
    for (let i = 0; i < inner; i++) {
      s = step(s, t);
      t += opts.dt;
    }
    out.push(s);
  }
  return out;
}
