import { SolverInputError } from '../../solvers/errors.js';
import type { Grid1D } from '../../core/grid.js';
import type { Rng } from '../../core/random.js';
import { resolveGrfOptions, sampleGrf, type GrfOptions, type ResolvedGrfOptions } from './grf.js';
import { resolveSumOfSinesOptions, sampleSumOfSines, type ResolvedSumOfSinesOptions, type SumOfSinesOptions } from './sum_of_sines.js';

/**
 * Initial-condition samplers: one config object (`kind` + that sampler's options) and one
 * registry. Samples are float64 at the grid points and deterministic given the Rng (the dataset
 * generator passes `new Rng(seed, sampleIndex)`).
 */
export type SamplerConfig = ({ kind: 'grf' } & GrfOptions) | ({ kind: 'sum-of-sines' } & SumOfSinesOptions);

/** A config with every default filled in (what a dataset records as its recipe). */
export type ResolvedSamplerConfig = ({ kind: 'grf' } & ResolvedGrfOptions) | ({ kind: 'sum-of-sines' } & ResolvedSumOfSinesOptions);

interface SamplerEntry {
  resolve(opts: Record<string, unknown>): ResolvedSamplerConfig;
  sample(config: ResolvedSamplerConfig, grid: Grid1D, rng: Rng): Float64Array;
}

const REGISTRY: Readonly<Record<SamplerConfig['kind'], SamplerEntry>> = {
  grf: {
    resolve: (o) => ({ kind: 'grf', ...resolveGrfOptions(o) }),
    sample: (c, grid, rng) => sampleGrf(c as ResolvedGrfOptions, grid, rng),
  },
  'sum-of-sines': {
    resolve: (o) => ({ kind: 'sum-of-sines', ...resolveSumOfSinesOptions(o) }),
    sample: (c, grid, rng) => sampleSumOfSines(c as ResolvedSumOfSinesOptions, grid, rng),
  },
};

export const SAMPLER_KINDS: readonly string[] = Object.keys(REGISTRY);

function entry(kind: unknown): SamplerEntry {
  if (typeof kind !== 'string' || !Object.hasOwn(REGISTRY, kind)) {
    throw new SolverInputError(`unknown sampler kind '${String(kind)}': use one of ${SAMPLER_KINDS.join(', ')}`);
  }
  return REGISTRY[kind as SamplerConfig['kind']];
}

/** Fills defaults and validates; throws a one-line error naming the field and value. */
export function resolveSamplerConfig(partial: { kind: string } & Record<string, unknown>): ResolvedSamplerConfig {
  return entry(partial.kind).resolve(partial);
}

/** Samples at the grid points (float64). Throws a one-line error on unknown kind / bad options. */
export function sampleInitialCondition(config: SamplerConfig | ResolvedSamplerConfig, grid: Grid1D, rng: Rng): Float64Array {
  const resolved = resolveSamplerConfig(config as { kind: string } & Record<string, unknown>);
  return entry(resolved.kind).sample(resolved, grid, rng);
}

export { GRF_PRESETS, grfModeStd, evaluateTrigSeries, type GrfOptions, type GrfPreset, type ResolvedGrfOptions } from './grf.js';
export { SUM_OF_SINES_DEFAULTS, type SumOfSinesOptions, type ResolvedSumOfSinesOptions } from './sum_of_sines.js';
