/** `pdes evaluate` and `pdes report`: a trained run against its data, deterministic or probabilistic. */
import { initBackend, describeBackend } from '../../engine/backend.js';
import * as evaluation from '../../evaluate/index.js';
import { isEnsembleDir } from '../../training/run_dir.js';
import { type MetricsReport } from '../../metrics/index.js';
import { CONFIG_OPTION } from '../config_file.js';
import { CliUsageError, libraryOptions, type OptionDecl, type Values } from '../options.js';
import { type Command } from './command.js';

/** The probabilistic options (UqEvaluateOptions beyond EvaluateOptions): any of them picks that path. */
const UQ_OPTIONS: OptionDecl[] = [
  {
    flag: 'conserve',
    field: 'conserve',
    type: 'strings',
    value: 'C',
    help: "add a variant: exact (ProbConserv's projection, sigma = 0), noisy:SIGMA, or hard (HardC);\nrepeat or comma-separate (--conserve exact,hard)",
  },
  {
    flag: 'covariance',
    field: 'covariance',
    type: 'string',
    value: 'K',
    help: 'Sigma of the projection: diag (predictive variances, default) or lowrank (ensemble factor)',
  },
  { flag: 'mc-dropout', field: 'mcDropout', type: 'int', value: 'K', help: 'K seeded dropout passes of a run trained with dropout (--seed S)' },
  { flag: 'ood', field: 'ood', type: 'string', value: 'FILE', help: 'also evaluate every sample of FILE (e.g. held-out parameters)' },
  {
    flag: 'recalibrate',
    field: 'recalibrate',
    type: 'boolean',
    help: 'scale every sigma so that 90% intervals cover 90% of the validation split\n(needs a validation split at training)',
  },
];

export const EVALUATE_OPTIONS: OptionDecl[] = [
  CONFIG_OPTION,
  { flag: 'run', field: 'run', type: 'string', value: 'DIR', help: 'the run directory (or an ensemble directory)' },
  { flag: 'data', field: 'data', type: 'string', value: 'FILE.h5', help: "evaluate on another file (default: the run's training data)" },
  { flag: 'split', field: 'split', type: 'string', value: 'S', default: 'test', help: 'train | val | test' },
  { flag: 'strides', field: 'strides', type: 'ints', value: 'A,B', help: 'spatial strides of the data for the error-vs-resolution curve' },
  { flag: 'rollout-steps', field: 'rolloutSteps', type: 'int', value: 'N', help: 'predict N frames (default: every frame after the first input window)' },
  { flag: 'model-module', field: 'modelModules', type: 'strings', value: 'FILE', help: "import FILE to register the run's model kind (as for pdes train)" },
  { flag: 'backend', field: 'backend', type: 'string', value: 'NAME', help: 'tensorflow | wasm | cpu (or PDES_BACKEND)' },
  { flag: 'seed', field: 'seed', type: 'int', value: 'N', help: 'seed of the probabilistic evaluation (MC dropout masks)' },
  ...UQ_OPTIONS,
];

const EVALUATE_ONLY: OptionDecl[] = [{ flag: 'json', field: null, type: 'boolean', help: 'print the evaluation as JSON' }];
const REPORT_ONLY: OptionDecl[] = [
  { flag: 'out', short: 'o', field: 'out', type: 'string', value: 'PAGE.html', help: 'the page to write (default: DIR/report.html)' },
];

/**
 * The probabilistic path (src/evaluate/evaluate_uq.ts): an ensemble directory, or any UQ option.
 * Decided here, once: the library takes `uq` (and `uq.ensemble`) as given.
 */
function wantsUq(opts: Values): boolean {
  return UQ_OPTIONS.some((d) => opts[d.field as string] !== undefined) || isEnsembleDir(String(opts.run));
}

/** The run directory: --run, or the --config file's `run`. */
function runOf(opts: Values, cmd: string): string {
  if (!opts.run) throw new CliUsageError(`pdes ${cmd} needs a run: --run DIR`);
  return String(opts.run);
}

function uqOptions(opts: Values): evaluation.UqPart {
  // Strings from flags (comma-separated), parsed specs from a --config file.
  const conserve = ((opts.conserve as unknown[] | undefined) ?? []).flatMap((c) => (typeof c === 'string' ? c.split(',').map(evaluation.parseConserve) : [c]));
  const cov = opts.covariance as string | undefined;
  if (cov !== undefined && cov !== 'diag' && cov !== 'lowrank') throw new CliUsageError(`--covariance=${cov} is not allowed: use diag or lowrank`);
  const mc = opts.mcDropout as number | undefined;
  if (mc !== undefined && mc < 2) throw new CliUsageError(`--mc-dropout=${mc} is not allowed: use at least 2 passes`);
  const { seed, ood } = opts;
  return {
    ensemble: isEnsembleDir(String(opts.run)),
    conserve,
    ...(cov !== undefined ? { covariance: cov } : {}),
    ...(mc !== undefined ? { mcDropout: mc } : {}),
    seed,
    ood,
    recalibrate: Boolean(opts.recalibrate),
  } as evaluation.UqPart;
}

/** The library options of `evaluate` / `report` (src/evaluate/index.ts); `uq` when the probabilistic path is wanted. */
function evaluateOptions(opts: Values): evaluation.EvaluateRunOptions {
  const { data, split, strides, rolloutSteps, modelModules } = opts;
  const common = { data, split, rolloutSteps, modelModules: modelModules ?? [] } as evaluation.EvaluateRunOptions;
  return wantsUq(opts) ? { ...common, uq: uqOptions(opts) } : { ...common, strides: strides as number[] | undefined };
}

function formatUqGroup(label: string, g: evaluation.UqGroupResult): string {
  const f = (x: number): string => (Number.isFinite(x) ? x.toPrecision(4) : 'n/a');
  const head = `${label}: ${g.indices.length} samples of ${g.data} (mass from ${g.massSource})\n  ${'variant'.padEnd(20)} ${['MSE', 'log-lik', 'CRPS', 'cov50', 'cov90', 'cov95', '|dM|/M max'].map((h) => h.padStart(10)).join(' ')}`;
  const rows = g.variants.map((r) => {
    const m = r.metrics;
    return `  ${r.name.padEnd(20)} ${[m.mse, m.logLik, m.crps, ...m.coverage, m.conservation.relMaxAbs].map((x) => f(x).padStart(10)).join(' ')}${m.front ? `  front error ${f(m.front.meanAbs)}` : ''}`;
  });
  return [head, ...rows].join('\n');
}

function formatMetrics(m: MetricsReport): string {
  const rows = Object.entries(m.mean).map(([k, val]) => `  ${k.padEnd(8)} ${Number.isFinite(val) ? (val as number).toPrecision(4) : 'n/a'}`);
  return rows.join('\n');
}

const banner = (): boolean => process.stderr.write(`backend: ${describeBackend()}\n`);

export const evaluate: Command = {
  summary: 'evaluate a trained run: relative L2, PDEBench RMSE/nRMSE/cRMSE/bRMSE/fRMSE, max error (JSON)',
  usage: 'pdes evaluate --run DIR [--data FILE.h5] [--split test] [--strides 1,2,4] [--rollout-steps N] [--json]',
  intro: `Writes DIR/eval.json (per sample and aggregated); with --data FILE, DIR/eval-FILE.json. --data evaluates on
another file (e.g. the same recipe on a finer grid); --strides sub-samples it for the error-vs-resolution curve
(2D data: only when asked, also for a grid other than the training one). Next-step and window runs are evaluated
by rollout from the first input frames of each sample.
Probabilistic evaluation (an ensemble directory, a gaussian-nll run, or --mc-dropout K) writes DIR/uq.json: MSE,
Gaussian log-likelihood, CRPS, coverage of 50/90/95% intervals, calibration, conservation error.`,
  options: [...EVALUATE_OPTIONS, ...EVALUATE_ONLY],
  run: async ({ values, file }) => {
    const opts = libraryOptions(evaluate.options, values, file);
    runOf(opts, 'evaluate');
    await initBackend(opts.backend as string | undefined);
    // The backend line comes with the results: an error is then the only line.
    const e = await evaluation.evaluate(String(opts.run), evaluateOptions(opts));
    banner();
    if (e.kind === 'uq') {
      const u = e.result;
      if (values.json) process.stdout.write(`${JSON.stringify(u, null, 2)}\n`);
      else {
        const rc = u.recalibration ? `; sigma x ${u.recalibration.sigmaScale.toPrecision(4)} from ${u.recalibration.samples} validation samples` : '';
        process.stdout.write(
          `${u.method}${u.members > 1 ? ` of ${u.members}` : ''}; frames ${u.frames[0]}-${u.frames[u.frames.length - 1]}${rc}\n${formatUqGroup('in distribution', u.inDistribution)}\n`,
        );
        if (u.ood) process.stdout.write(`${formatUqGroup('out of distribution', u.ood)}\n`);
      }
      return 0;
    }
    const r = e.result;
    if (values.json) process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
    else {
      process.stdout.write(`${r.split} set: ${r.indices.length} samples of ${r.data}\nmean over samples:\n${formatMetrics(r.metrics)}\n`);
      process.stdout.write(
        `relative L2 by resolution: ${r.resolution.map((x) => `${x.grid.length === 1 ? `nx=${x.nx}` : x.grid.join('x')}: ${x.relL2.toPrecision(4)}`).join(', ')}\n`,
      );
      if (r.rollout !== null) {
        process.stdout.write(
          `rollout: ${r.rollout.nFrames} frames from t=${r.rollout.times[0]} to t=${r.rollout.times[r.rollout.nFrames - 1]}; relative L2 per frame ${r.metrics.perFrame.relL2.map((e) => e.toPrecision(3)).join(' ')}\n`,
        );
      }
      const ns = r.metrics2d?.ns;
      if (ns) {
        const c = ns.correlation.mean;
        process.stdout.write(
          `vorticity correlation with the DNS: ${c[0].toPrecision(3)} at the first frame, ${c[c.length - 1].toPrecision(3)} at the last; time above ${ns.highCorrelationTime.threshold}: median ${ns.highCorrelationTime.median.toPrecision(3)}, mean ${ns.highCorrelationTime.mean.toPrecision(3)} (from the last input frame)\n`,
        );
      }
    }
    return 0;
  },
};

export const report: Command = {
  summary: 'write the HTML report comparing a trained surrogate with the reference solver',
  usage: 'pdes report --run DIR [--data FILE.h5] [-o PAGE.html] [--rollout-steps N]',
  intro:
    'Self-contained page (plotly inlined): best/median/worst samples, errors, resolution, training curves, rollouts\n(2D data: the line through the middle of the y grid). Takes the options of pdes evaluate.',
  options: [...EVALUATE_OPTIONS, ...REPORT_ONLY],
  run: async ({ values, file }) => {
    const opts = libraryOptions(report.options, values, file);
    runOf(opts, 'report');
    await initBackend(opts.backend as string | undefined);
    const r = await evaluation.report(String(opts.run), { ...evaluateOptions(opts), out: opts.out as string | undefined });
    banner();
    if (r.kind === 'uq') {
      process.stdout.write(`wrote ${r.path} (${r.result.inDistribution.variants.map((x) => `${x.name} MSE ${x.metrics.mse.toPrecision(4)}`).join(', ')})\n`);
      return 0;
    }
    process.stdout.write(`wrote ${r.path} (test relative L2 ${r.result.metrics.mean.relL2.toPrecision(4)})\n`);
    return 0;
  },
};
