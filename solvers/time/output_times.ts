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
      throw new SolverInputError(`output time grid is not increasing: t[${i - 1}]=${out[i - 1]} >= t[${i}]=${out[i]}; times must be strictly increasing`);
    }
  }
  return out;
}

/**
 * The one driver of output times: advances `state` from t0 so that it lands exactly on every
 * output time and returns `snapshot` of the state at each.
 *
 * `maxDt(state, t, target)` gives the largest allowed step at the current state (target: the
 * output time being approached); `step(state, t, dt, tNext)`
 * advances from t to tNext = t + dt (tNext is the output time itself on the step that reaches it;
 * the step may update state in place and must return the new state).
 * - adaptive (default): maxDt is asked before every step; a step is shortened so that no output time
 *   is overshot, and one that would leave a sliver below 1e-12·dt is merged in;
 * - `equalSteps`: maxDt is asked once per output interval, which is split into
 *   n = ⌈interval/maxDt⌉ equal steps (n = 1 for an unbounded maxDt); step k runs from t_i + k·h.
 * A time equal to t0 takes no step (snapshot of the initial state).
 */
export function integrateToTimes<S, F = Float64Array>(
  state: S,
  t0: number,
  times: ArrayLike<number>,
  hooks: {
    maxDt: (state: S, t: number, target: number) => number;
    step: (state: S, t: number, dt: number, tNext: number) => S;
    snapshot: (state: S, t: number) => F;
    onStep?: (state: S, t: number) => void;
  },
  options: { equalSteps?: boolean } = {},
): F[] {
  const ts = checkOutputTimes(times, t0);
  const frames: F[] = [];
  let t = t0;
  let s = state;
  for (const target of ts) {
    if (options.equalSteps) {
      if (t < target) {
        const dtMax = hooks.maxDt(s, t, target);
        if (!(dtMax > 0)) throw new SolverInputError(`stable time step dt=${dtMax} at t=${t} is not positive`);
        const interval = target - t;
        const n = Number.isFinite(dtMax) ? Math.max(1, Math.ceil((interval / dtMax) * (1 - 1e-12))) : 1;
        const h = interval / n;
        const start = t;
        for (let k = 0; k < n; k++) {
          const tNext = k + 1 === n ? target : start + (k + 1) * h;
          s = hooks.step(s, start + k * h, h, tNext);
          hooks.onStep?.(s, tNext);
        }
        t = target;
      }
    } else {
      while (t < target) {
        let dt = hooks.maxDt(s, t, target);
        if (!(dt > 0) || !Number.isFinite(dt)) throw new SolverInputError(`stable time step dt=${dt} at t=${t} is not positive`);
        const remaining = target - t;
        if (dt >= remaining * (1 - 1e-12)) dt = remaining;
        else if (remaining - dt < 1e-12 * dt) dt = remaining;
        const tNext = dt === remaining ? target : t + dt;
        s = hooks.step(s, t, dt, tNext);
        t = tNext;
        hooks.onStep?.(s, t);
      }
    }
    frames.push(hooks.snapshot(s, t));
  }
  return frames;
}
