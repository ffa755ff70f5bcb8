import { SolverInputError } from '../errors.js';

/**
 * Validates an output time grid: finite, starting at or after t0, strictly increasing.
 * Returns it as a Float64Array.
 */
export function checkOutputTimes(times: ArrayLike<number>, t0 = 0): Float64Array {
  if (times.length === 0) throw new SolverInputError('output time grid is empty: give at least one time');
  const out = Float64Array.from(times as ArrayLike<number>);
  for (let i = 0; i < out.length; i++) {
    if (!Number.isFinite(out[i])) throw new SolverInputError(`output time t[${i}]=${out[i]} is not finite`);
    if (i === 0 && out[0] < t0) throw new SolverInputError(`output time t[0]=${out[0]} is before the start time ${t0}`);
    if (i > 0 && !(out[i] > out[i - 1])) {
      throw new SolverInputError(
        `output time grid is not increasing: t[${i - 1}]=${out[i - 1]} >= t[${i}]=${out[i]}; times must be strictly increasing`,
      );
    }
  }
  return out;
}

/**
 * Drives an adaptive-step integrator so that it lands exactly on every output time.
 *
 * `maxDt(state, t)` gives the stable step at the current state; `step(state, t, dt)` advances
 * (it may update state in place and must return the new state). Steps are shortened so that
 * no output time is overshot; a step that would leave a sliver below 1e-12·dt is merged in.
 * `snapshot(state)` copies a state for output. A time equal to t0 returns the initial state.
 */
export function integrateToTimes<S>(
  state: S,
  t0: number,
  times: ArrayLike<number>,
  hooks: {
    maxDt: (state: S, t: number) => number;
    step: (state: S, t: number, dt: number) => S;
    snapshot: (state: S) => Float64Array;
    onStep?: (state: S, t: number) => void;
  },
): Float64Array[] {
  const ts = checkOutputTimes(times, t0);
  const frames: Float64Array[] = [];
  let t = t0;
  let s = state;
  for (const target of ts) {
    while (t < target) {
      let dt = hooks.maxDt(s, t);
      if (!(dt > 0) || !Number.isFinite(dt)) throw new SolverInputError(`stable time step dt=${dt} at t=${t} is not positive`);
      const remaining = target - t;
      if (dt >= remaining * (1 - 1e-12)) dt = remaining;
      else if (remaining - dt < 1e-12 * dt) dt = remaining;
      s = hooks.step(s, t, dt);
      t = dt === remaining ? target : t + dt;
      hooks.onStep?.(s, t);
    }
    frames.push(hooks.snapshot(s));
  }
  return frames;
}
