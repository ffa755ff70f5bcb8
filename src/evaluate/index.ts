/**
 * One entry to evaluation: `evaluate(run, options)` and `report(run, options)`. The probabilistic
 * part (ensembles, MC dropout, the ProbConserv projection) runs when `options.uq` is given;
 * otherwise the deterministic metrics of one run (eval.json, report.html).
 */
import { evaluateRun, reportRun, type EvaluateOptions, type EvaluateResult } from './evaluate_run.js';
import { evaluateUqRun, reportUqRun, type UqEvaluateOptions, type UqEvaluateResult } from './evaluate_uq.js';

export { readCurves } from './curves.js';
export { evaluateRun, reportRun, type EvaluateOptions, type EvaluateResult, type ReportOptions, type SplitName } from './evaluate_run.js';
export {
  conserveName,
  evaluateUqRun,
  parseConserve,
  reportUqRun,
  type ConserveSpec,
  type UqEvaluateOptions,
  type UqEvaluateResult,
  type UqGroupResult,
} from './evaluate_uq.js';

/** Options of the probabilistic evaluation (those of `UqEvaluateOptions` beyond the common ones). */
export type UqPart = Omit<UqEvaluateOptions, 'run' | 'data' | 'split' | 'rolloutSteps' | 'backend' | 'modelModules'>;

export type EvaluateRunOptions = Omit<EvaluateOptions, 'run'> & { uq?: UqPart };

export type Evaluation = { kind: 'deterministic'; result: EvaluateResult } | { kind: 'uq'; result: UqEvaluateResult };

function uqOptions(run: string, o: EvaluateRunOptions & { uq: UqPart }): UqEvaluateOptions {
  const { uq, strides: _strides, backend, ...common } = o;
  // Explicit here: evaluate() takes the ensemble from its options, never from the files.
  return { run, ...common, ...(backend === undefined ? {} : { backend: backend as UqEvaluateOptions['backend'] }), ...uq, ensemble: uq.ensemble ?? false };
}

/** Evaluates a run (directory or checkpoint): eval.json, or uq.json with `options.uq`. */
export async function evaluate(run: string, options: EvaluateRunOptions = {}): Promise<Evaluation> {
  if (options.uq) return { kind: 'uq', result: await evaluateUqRun(uqOptions(run, { ...options, uq: options.uq })) };
  return { kind: 'deterministic', result: await evaluateRun({ run, ...options }) };
}

/** Evaluates as `evaluate` and writes the HTML report (report.html, or uq_report.html with `options.uq`). */
export async function report(run: string, options: EvaluateRunOptions & { out?: string } = {}): Promise<{ path: string } & Evaluation> {
  if (options.uq) {
    const r = await reportUqRun({ ...uqOptions(run, { ...options, uq: options.uq }), ...(options.out === undefined ? {} : { out: options.out }) });
    return { path: r.path, kind: 'uq', result: r.evaluation };
  }
  const r = await reportRun({ run, ...options });
  return { path: r.path, kind: 'deterministic', result: r.evaluation };
}
