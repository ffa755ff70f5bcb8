/**
 * Every error class the toolkit exports, with the exit code the CLI gives it: 2 for input errors
 * (derived from core's InputError), 130 for interruptions (InterruptedError), 1 for failures of
 * the work itself. The test imports every module, finds every exported Error subclass, and
 * requires each to be in this table, so a new error class must be classified to pass.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { exitCodeOf, InputError, InterruptedError } from '../../core/errors.js';
import { ROOT } from '../helpers/cli.js';

const EXPECTED: Record<string, 1 | 2 | 130> = {
  InputError: 2,
  InterruptedError: 130,
  // Input errors: bad options, files in the wrong state, outputs held by another run.
  CliUsageError: 2,
  DataChangedError: 2,
  DataInputError: 2,
  EngineError: 2,
  GenerationUsageError: 2,
  MetricsInputError: 2,
  ModelConfigError: 2,
  OutputLockedError: 2,
  ProjectionInputError: 2,
  RecipeError: 2,
  ResourceError: 2,
  SolverInputError: 2,
  TrainOptionsError: 2,
  UqError: 2,
  // Interruptions: finished work kept, resumable.
  EnsembleInterrupted: 130,
  GenerationInterrupted: 130,
  TrainingInterrupted: 130,
  // Failures of the work itself.
  CheckpointError: 1,
  DataFormatError: 1,
  GenerationError: 1,
  OutputWriteError: 1,
  SampleError: 1,
  SolverConvergenceError: 1,
  SolverInstabilityError: 1,
  TrainingDiverged: 1,
};

/** Every module of the library (worker entry points, which start listening when imported, aside). */
function libraryModules(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') && !e.name.includes('worker')) out.push(rel);
    }
  };
  for (const dir of ['core', 'solvers', 'datasets', 'src']) walk(dir);
  return out.sort();
}

describe('exported error classes', () => {
  it('are each classified, derive from the right base, and map to their exit code', async () => {
    const found = new Map<string, new (...args: never[]) => Error>();
    for (const rel of libraryModules()) {
      const mod = (await import(path.join(ROOT, rel))) as Record<string, unknown>;
      for (const value of Object.values(mod)) {
        if (typeof value === 'function' && value.prototype instanceof Error) found.set(value.name, value as new (...args: never[]) => Error);
      }
    }
    expect([...found.keys()].sort()).toEqual(Object.keys(EXPECTED).sort());
    for (const [name, cls] of found) {
      // An instance without running the constructor (several take positional details).
      const err = Object.create(cls.prototype) as Error;
      expect(exitCodeOf(err), name).toBe(EXPECTED[name]);
      expect(err instanceof InputError, `${name} derives from InputError`).toBe(EXPECTED[name] === 2);
      expect(err instanceof InterruptedError, `${name} derives from InterruptedError`).toBe(EXPECTED[name] === 130);
    }
  });

  it('maps Node argument-parser errors to 2 and anything else to 1', () => {
    expect(exitCodeOf(Object.assign(new TypeError('Unknown option'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' }))).toBe(2);
    expect(exitCodeOf(new Error('boom'))).toBe(1);
    expect(exitCodeOf('a string')).toBe(1);
  });
});
