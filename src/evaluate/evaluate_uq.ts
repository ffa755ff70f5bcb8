/**
 * Probabilistic evaluation with ProbConserv's conservation projection: the library function
 * behind `pdes evaluate --conserve …` and `pdes report --conserve …`.
 *
 * 1. A predictive distribution on the test samples: a deep ensemble (`<run>/ensemble.json`, with `ensemble: true`;
 *    src/uq), one run with a Gaussian noise head (`--loss gaussian-nll`), or MC dropout
 *    (`mcDropout: K`). Rollouts are predicted as usual (window / next-step mappings).
 * 2. The conserved integral per predicted frame: G = the quadrature weights of each frame
 *    (cell widths dx for the finite-volume cell averages of the GPME and Burgers files, dx·dy on a
 *    2D periodic grid), b = the known mass: the dataset's per-sample `mass` [N, T] where the file
 *    has it (the GPME recipes store the solver's Σ dx·u, which equals the initial mass plus the
 *    integrated boundary flux), else the mass of the last input frame (a conserved quantity of a
 *    periodic problem: Burgers' mass, the mean vorticity of Navier–Stokes).
 * 3. Variants: `base` (the distribution as predicted), `projected` (ProbConserv's update
 *    μ' = μ − ΣGᵀ(GΣGᵀ + σ²I)⁻¹(Gμ − b), exact with σ = 0 or noisy), `hardc` (the orthogonal
 *    projection of the mean, Σ = I; variance unchanged). Σ is the diagonal of the predictive
 *    variance (ProbConserv's ANP is diagonal too); `covariance: 'lowrank'` uses the ensemble's
 *    low-rank factor plus the aleatoric diagonal instead. Projected means stay float64, so the
 *    conservation error after an exact projection is round-off.
 * 4. Metrics per variant (src/metrics/uq.ts): MSE, conservation error, Gaussian log-likelihood,
 *    CRPS, coverage of the central 50/90/95% intervals, a calibration curve, and for the Stefan
 *    problem the front position error (level p* of each sample). Optionally the same on an
 *    out-of-distribution dataset (`ood`, e.g. held-out parameters), all its samples.
 *
 * `<run>/uq.json` holds the result; `reportUqRun` also writes the HTML report (1D data).
 */
import fs from 'node:fs';
import path from 'node:path';
import { H5Dataset, h5ready } from '../data/index.js';
import { describeBackend, type BackendName } from '../engine/backend.js';
import { uqMetrics, type UqMetrics, type UqMetricsOptions } from '../metrics/index.js';
import { findFamily, type RecipeBase } from '../../datasets/families/index.js';
import {
  marginalVariances,
  projectConservation,
  projectConservationBatch,
  type ConservationConstraint,
  type LowRankCovariance,
  type ProjectionMode,
  type SpaceTimeGrid,
} from '../uq/projection/index.js';
import { writeUqReport, type UqReportGroup, type UqReportVariant } from '../report/uq_report.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../training/checkpoint.js';
import { registerModelModules } from '../models/plugins.js';
import { extractFrame, pairLayout } from '../training/pairs.js';
import { predictDataset, type Prediction } from '../inference/rollout.js';
import {
  loadEnsemble,
  NO_ENSEMBLE_VARIANCE,
  predictEnsemble,
  predictMcDropout,
  toUqPrediction,
  UqError,
  type LoadedEnsemble,
  type UqPrediction,
} from '../uq/index.js';
import { CHECKPOINT_FILE, isEnsembleDir, isRunDir, memberDir, runDirOf, UQ_REPORT_FILE, writeResult } from '../training/run_dir.js';
import type { SplitName } from './evaluate_run.js';
import { readCurves } from './curves.js';
import { runData, splitName, splitSamples } from './run_source.js';
import '../models/index.js';

/** One conservation variant: ProbConserv's update (exact, or noisy with σ) or HardC. */
export type ConserveSpec = { mode: 'exact' } | { mode: 'noisy'; sigma: number } | { mode: 'hard' };

/** Parses `exact`, `noisy:σ` (σ > 0) or `hard`; throws a one-line UqError otherwise. */
export function parseConserve(text: string): ConserveSpec {
  const s = text.trim();
  if (s === 'exact') return { mode: 'exact' };
  if (s === 'hard' || s === 'hardc') return { mode: 'hard' };
  const m = /^noisy:(.+)$/.exec(s);
  if (m) {
    const sigma = Number(m[1]);
    if (!Number.isFinite(sigma) || sigma < 0 || m[1].trim() === '') {
      throw new UqError(`--conserve=${s} is not allowed: sigma must be a number >= 0 (noisy:0.01; noisy:0 is exact)`);
    }
    return sigma === 0 ? { mode: 'exact' } : { mode: 'noisy', sigma };
  }
  throw new UqError(`--conserve=${s} is not allowed: use exact, noisy:SIGMA (SIGMA > 0) or hard`);
}

export function conserveName(c: ConserveSpec): string {
  return c.mode === 'exact' ? 'projected' : c.mode === 'noisy' ? `projected σ=${c.sigma}` : 'hardc';
}

export interface UqEvaluateOptions {
  /** An ensemble directory (ensemble.json, with `ensemble: true`), or a run directory / checkpoint. */
  run: string;
  /**
   * `run` is an ensemble directory: predict with its members. Otherwise `run` is one run, predicted
   * by MC dropout (`mcDropout`) or its noise head. `evaluate()` and the CLI always say which.
   * @default for `evaluateUqRun` / `reportUqRun`, called as before issue 11 without it: whether
   * `run` holds ensemble.json (so code and notebooks written against them keep working)
   */
  ensemble?: boolean;
  /** Dataset. @default the training data */
  data?: string;
  /** @default 'test' */
  split?: SplitName;
  /** Conservation variants besides the base prediction. @default [] */
  conserve?: ConserveSpec[];
  /** Σ of the projection: the predictive variances, or the ensemble's low-rank factor + aleatoric diagonal. @default 'diag' */
  covariance?: 'diag' | 'lowrank';
  /** MC-dropout passes for a single run with dropout (instead of an ensemble). */
  mcDropout?: number;
  /** Seed of the MC-dropout masks. @default 0 */
  seed?: number;
  /** A second dataset (e.g. held-out parameters) evaluated on all its samples. */
  ood?: string;
  rolloutSteps?: number;
  backend?: BackendName;
  modelModules?: string[];
  /** Metric options (coverage levels, front level). @default Stefan fronts at each sample's p* */
  metrics?: UqMetricsOptions;
  /**
   * Recalibrate the predictive spread on the run's validation split before anything else: every
   * σ is multiplied by s = q₀.₉(|y − μ|/σ) / z₀.₉₅ over the validation points (quantile σ-scaling:
   * afterwards the central 90% interval covers 90% of the validation points), the low-rank factor
   * by s as well. @default false
   */
  recalibrate?: boolean;
}

/** The σ-scaling fitted on the validation split (see `UqEvaluateOptions.recalibrate`). */
export interface Recalibration {
  split: 'val';
  samples: number;
  /** The factor on σ (variances scale by its square). */
  sigmaScale: number;
  /** Coverage of the central 90% interval on the validation points before scaling. */
  coverage90Before: number;
}

export interface UqVariantResult {
  name: string;
  conserve: ConserveSpec | null;
  metrics: UqMetrics;
}

export interface UqGroupResult {
  data: string;
  indices: number[];
  /** Per-sample PDE parameter, where the file stores one. */
  parameters?: number[];
  /** Where b came from. */
  massSource: 'dataset mass' | 'last input frame';
  variants: UqVariantResult[];
}

export interface UqEvaluateResult {
  run: string;
  method: UqPrediction['method'] | 'noise-head';
  members: number;
  recalibration: Recalibration | null;
  backend: string;
  covariance: 'diag' | 'lowrank';
  frames: number[];
  times: number[];
  inDistribution: UqGroupResult;
  ood?: UqGroupResult;
}

interface GroupData {
  result: UqGroupResult;
  x: number[];
  truth: Float32Array;
  variants: UqReportVariant[];
}

interface Source {
  kind: UqEvaluateResult['method'];
  members: number;
  meta: LoadedCheckpoint['meta'];
  /** The run directory `meta` belongs to (its data reference is relative to it). */
  metaDir: string;
  predict(data: string, indices: number[]): Promise<UqPrediction>;
  dispose(): void;
}

async function openSource(opts: UqEvaluateOptions): Promise<Source> {
  const isDir = isRunDir(opts.run);
  const predictOpts = { rolloutSteps: opts.rolloutSteps, otherGrid: true };
  if (opts.ensemble) {
    const ens: LoadedEnsemble = await loadEnsemble(opts.run, { backend: opts.backend, modelModules: opts.modelModules });
    if (ens.members.length === 1 && !ens.noiseHead) {
      ens.dispose();
      throw new UqError(NO_ENSEMBLE_VARIANCE);
    }
    return {
      kind: 'ensemble',
      members: ens.members.length,
      meta: ens.members[0].meta,
      metaDir: path.dirname(ens.members[0].path),
      predict: (data, indices) => predictEnsemble(ens, data, indices, predictOpts),
      dispose: () => ens.dispose(),
    };
  }
  await registerModelModules(opts.modelModules ?? []);
  const file = isDir ? path.join(opts.run, CHECKPOINT_FILE) : opts.run;
  if (!fs.existsSync(file)) throw new UqError(`no ensemble or checkpoint at ${opts.run}: train one with pdes train … --ensemble M --out ${opts.run}`);
  const ckpt = await loadCheckpoint(file, { backend: opts.backend });
  if (opts.mcDropout !== undefined) {
    const samples = opts.mcDropout;
    return {
      kind: 'mc-dropout',
      members: samples,
      meta: ckpt.meta,
      metaDir: path.dirname(ckpt.path),
      predict: (data, indices) => predictMcDropout(ckpt, data, indices, { ...predictOpts, samples, seed: opts.seed ?? 0 }),
      dispose: () => ckpt.dispose(),
    };
  }
  if (ckpt.meta.trainOptions.loss !== 'gaussian-nll') {
    ckpt.dispose();
    throw new UqError(
      `${opts.run} is one deterministic run: ${NO_ENSEMBLE_VARIANCE.replace(/^an ensemble of 1 has no variance: /, 'it has no variance: ')}, or MC dropout (--mc-dropout K) for a model trained with --dropout`,
    );
  }
  return {
    kind: 'noise-head',
    members: 1,
    meta: ckpt.meta,
    metaDir: path.dirname(ckpt.path),
    predict: async (data, indices) => {
      const p: Prediction = await predictDataset(ckpt, data, indices, predictOpts);
      return toUqPrediction(p, [{ pred: p.pred, ...(p.variance ? { variance: p.variance } : {}) }], 'ensemble', NO_ENSEMBLE_VARIANCE);
    },
    dispose: () => ckpt.dispose(),
  };
}

/** Quadrature weight of each value of a frame (points × fields): the cell area dx (·dy). */
function pointWeights(p: UqPrediction): number[] {
  const spacing = (c: number[]): number => (c.length > 1 ? Math.abs(c[1] - c[0]) : 1);
  const w = spacing(p.x) * (p.y ? spacing(p.y) : 1);
  const size = p.shape.spatial.reduce((a, b) => a * b, 1) * p.shape.channels;
  return new Array<number>(size).fill(w);
}

/** b[i, k]: the known mass of sample i at predicted frame k (see the module comment). */
function knownMass(
  ds: H5Dataset,
  indices: number[],
  p: UqPrediction,
  meta: LoadedCheckpoint['meta'],
  weights: number[],
): { b: Float64Array; source: UqGroupResult['massSource'] } {
  const nt = p.shape.nt;
  const b = new Float64Array(indices.length * nt);
  if (ds.extras && 'mass' in ds.extras && p.shape.channels === 1) {
    indices.forEach((s, i) => {
      const m = ds.readExtra('mass', s, s + 1);
      p.frames.forEach((f, k) => (b[i * nt + k] = m[f]));
    });
    return { b, source: 'dataset mass' };
  }
  const layout = pairLayout({ path: ds.path, nt: ds.nt, spatialShape: ds.spatialShape, nChannels: ds.nChannels }, meta.trainOptions.mapping, 1);
  const frame = new Float32Array(layout.frameSize);
  const last = p.inputFrames[p.inputFrames.length - 1];
  indices.forEach((s, i) => {
    extractFrame(ds.readSample(s), layout, last, frame, 0);
    let m = 0;
    for (let j = 0; j < frame.length; j++) m += weights[j] * frame[j];
    for (let k = 0; k < nt; k++) b[i * nt + k] = m;
  });
  return { b, source: 'last input frame' };
}

function readParameters(ds: H5Dataset, indices: number[]): number[] | undefined {
  if (!ds.extras || !('parameter' in ds.extras)) return undefined;
  return indices.map((s) => ds.readExtra('parameter', s, s + 1)[0]);
}

function metricOptions(ds: H5Dataset, parameters: number[] | undefined, given: UqMetricsOptions | undefined): UqMetricsOptions {
  if (given) return given;
  const family = findFamily(ds.recipe);
  const level = parameters && family?.frontLevels?.(ds.recipe as unknown as RecipeBase, parameters);
  return level ? { front: { level } } : {};
}

/** z with P(|Z| ≤ z) = 0.9 for a standard normal. */
const Z90 = 1.6448536269514722;

/** Fits the σ-scaling on the validation split (see `UqEvaluateOptions.recalibrate`). */
async function fitRecalibration(source: Source, data: string): Promise<Recalibration> {
  const val = source.meta.splits.val;
  if (!val || val.length === 0) throw new UqError('--recalibrate needs validation samples: train with --val N (N >= 1)');
  const p = await source.predict(data, val);
  const z: number[] = [];
  for (let i = 0; i < p.mean.length; i++) {
    const v = p.variance[i];
    const e = Math.abs(p.mean[i] - p.truth[i]);
    if (v > 0) z.push(e / Math.sqrt(v));
  }
  if (z.length === 0) throw new UqError('--recalibrate: the validation prediction has no variance to scale');
  z.sort((a, b) => a - b);
  const q = z[Math.min(z.length - 1, Math.ceil(0.9 * z.length) - 1)];
  const before = z.filter((x) => x <= Z90).length / z.length;
  if (!(q > 0)) throw new UqError('--recalibrate: the validation errors are all 0; there is nothing to fit');
  return { split: 'val', samples: val.length, sigmaScale: q / Z90, coverage90Before: before };
}

/** Multiplies every σ of a prediction by `s` (variances, aleatoric part and the low-rank factor). */
function scaleSpread(p: UqPrediction, s: number): void {
  const s2 = s * s;
  // The same array may stand for two of them (e.g. one noise head: variance = aleatoric): scale each once.
  for (const a of new Set([p.variance, p.epistemicVariance, p.aleatoricVariance])) if (a) for (let i = 0; i < a.length; i++) a[i] *= s2;
  for (let i = 0; i < p.lowRank.factor.length; i++) p.lowRank.factor[i] *= s;
}

async function evaluateGroup(
  source: Source,
  data: string,
  indices: number[],
  opts: UqEvaluateOptions,
  covariance: 'diag' | 'lowrank',
  recalibration: Recalibration | null,
): Promise<{ group: GroupData; prediction: UqPrediction }> {
  const p = await source.predict(data, indices);
  if (recalibration) scaleSpread(p, recalibration.sigmaScale);
  const ds = H5Dataset.open(data);
  try {
    const n = indices.length;
    const nt = p.shape.nt;
    const P = p.shape.spatial.reduce((a, b) => a * b, 1) * p.shape.channels;
    const weights = pointWeights(p);
    const { b, source: massSource } = knownMass(ds, indices, p, source.meta, weights);
    const parameters = readParameters(ds, indices);
    const mopts = metricOptions(ds, parameters, opts.metrics);
    const x = p.shape.spatial.length === 1 ? p.x : Array.from({ length: P }, (_, j) => j);
    const base = { mean: p.mean, variance: p.variance };
    const metricsOf = (mean: ArrayLike<number>, variance: ArrayLike<number>): UqMetrics =>
      uqMetrics(
        { mean, variance, truth: p.truth, n, nt, nx: P, weights: Float64Array.from(weights), trueMass: b, ...(p.shape.spatial.length === 1 ? { x: p.x } : {}) },
        mopts,
      );
    const variants: UqVariantResult[] = [{ name: 'base', conserve: null, metrics: metricsOf(base.mean, base.variance) }];
    const reportVariants: UqReportVariant[] = [{ name: 'base', mean: base.mean, variance: base.variance, metrics: variants[0].metrics }];
    const grid: SpaceTimeGrid = { nFrames: nt, nPoints: P };
    const constraint: ConservationConstraint = { weights: Float64Array.from(weights), b };
    for (const c of opts.conserve ?? []) {
      const { mean, variance } = project(p, c, covariance, grid, constraint, n, P * nt);
      const name = conserveName(c);
      const metrics = metricsOf(mean, variance);
      variants.push({ name, conserve: c, metrics });
      reportVariants.push({ name: c.mode === 'hard' ? 'hardc' : name, mean, variance, metrics });
    }
    return {
      group: { result: { data, indices, ...(parameters ? { parameters } : {}), massSource, variants }, x, truth: p.truth, variants: reportVariants },
      prediction: p,
    };
  } finally {
    ds.close();
  }
}

/** One variant's projected mean (float64) and variance for every sample. */
function project(
  p: UqPrediction,
  c: ConserveSpec,
  covariance: 'diag' | 'lowrank',
  grid: SpaceTimeGrid,
  constraint: ConservationConstraint,
  n: number,
  size: number,
): { mean: Float64Array; variance: Float64Array } {
  const means = Float64Array.from(p.mean);
  const variance = Float64Array.from(p.variance);
  const mode: ProjectionMode = c.mode === 'hard' ? 'hardc' : c.mode;
  const popts = c.mode === 'noisy' ? { mode, sigma: c.sigma } : { mode };
  if (c.mode === 'hard' || covariance === 'diag') {
    const r = projectConservationBatch(means, { kind: 'diag', variances: variance }, constraint, grid, popts);
    return { mean: r.means, variance: c.mode === 'hard' ? variance : r.variances };
  }
  const rank = p.lowRank.rank;
  if (rank === 0) throw new UqError('--covariance lowrank needs an ensemble (a low-rank factor); this prediction has none: use the diagonal');
  const outMean = new Float64Array(n * size);
  const outVar = new Float64Array(n * size);
  for (let i = 0; i < n; i++) {
    const factor = Float64Array.from(p.lowRank.factor.subarray(i * size * rank, (i + 1) * size * rank));
    const diag = p.aleatoricVariance ? Float64Array.from(p.aleatoricVariance.subarray(i * size, (i + 1) * size)) : new Float64Array(size);
    const cov: LowRankCovariance = { kind: 'lowrank', factor, rank, diag };
    const r = projectConservation(
      means.subarray(i * size, (i + 1) * size),
      cov,
      { weights: constraint.weights, b: constraint.b.subarray(i * grid.nFrames, (i + 1) * grid.nFrames) },
      grid,
      popts,
    );
    outMean.set(r.mean, i * size);
    outVar.set(marginalVariances(r.cov), i * size);
  }
  return { mean: outMean, variance: outVar };
}

interface Evaluated {
  result: UqEvaluateResult;
  groups: { main: GroupData; ood?: GroupData };
  prediction: UqPrediction;
}

async function evaluateInternal(opts: UqEvaluateOptions): Promise<Evaluated> {
  await h5ready();
  const source = await openSource(opts);
  try {
    const data = runData(source.meta, source.metaDir, opts.data);
    const indices = splitSamples(source.meta, splitName(opts.split));
    const covariance = opts.covariance ?? 'diag';
    const recalibration = opts.recalibrate ? await fitRecalibration(source, data) : null;
    const main = await evaluateGroup(source, data, indices, opts, covariance, recalibration);
    let ood: GroupData | undefined;
    if (opts.ood !== undefined) {
      const ds = H5Dataset.open(opts.ood);
      const all = Array.from({ length: ds.nSamples }, (_, i) => i);
      ds.close();
      ood = (await evaluateGroup(source, opts.ood, all, opts, covariance, recalibration)).group;
    }
    const p = main.prediction;
    const result: UqEvaluateResult = {
      run: opts.run,
      method: source.kind,
      members: source.members,
      recalibration,
      backend: describeBackend(),
      covariance,
      frames: p.frames,
      times: p.times,
      inDistribution: main.group.result,
      ...(ood ? { ood: ood.result } : {}),
    };
    return { result, groups: { main: main.group, ...(ood ? { ood } : {}) }, prediction: p };
  } finally {
    source.dispose();
  }
}

/** The options with `ensemble` decided: given, or (the entry points' documented default) from the directory. */
function withEnsembleDefault<T extends UqEvaluateOptions>(opts: T): T {
  return opts.ensemble === undefined ? { ...opts, ensemble: isEnsembleDir(opts.run) } : opts;
}

/** Evaluates the predictive distribution of a run or ensemble (and its projections); writes `<run>/uq.json`. */
export async function evaluateUqRun(opts: UqEvaluateOptions): Promise<UqEvaluateResult> {
  const { result } = await evaluateInternal(withEnsembleDefault(opts));
  writeResult(runDirOf(opts.run), 'uq', opts.data, result);
  return result;
}

/** Evaluates as `evaluateUqRun` and writes the UQ / conservation HTML report (1D data). */
export async function reportUqRun(given: UqEvaluateOptions & { out?: string }): Promise<{ path: string; evaluation: UqEvaluateResult }> {
  const opts = withEnsembleDefault(given);
  const { result, groups, prediction } = await evaluateInternal(opts);
  if (prediction.shape.spatial.length !== 1) {
    throw new UqError(
      `the UQ report draws 1D fields; ${result.inDistribution.data} has a [${prediction.shape.spatial.join(', ')}] grid (use pdes evaluate --conserve for its metrics)`,
    );
  }
  const dir = runDirOf(opts.run);
  const out = opts.out ?? path.join(dir, UQ_REPORT_FILE);
  const ood: UqReportGroup | undefined = groups.ood
    ? {
        label: `out of distribution (${path.basename(groups.ood.result.data)})`,
        truth: groups.ood.truth,
        variants: groups.ood.variants,
        ...(groups.ood.result.parameters ? { parameters: groups.ood.result.parameters } : {}),
      }
    : undefined;
  // An ensemble's training curves are its first member's.
  const curves = readCurves(opts.ensemble ? path.join(dir, memberDir(0)) : dir);
  const ds = H5Dataset.open(result.inDistribution.data);
  const parameterName = typeof ds.attrs['parameter-name'] === 'string' ? ds.attrs['parameter-name'] : undefined;
  ds.close();
  writeUqReport(out, {
    title: `${result.method === 'ensemble' ? `Ensemble of ${result.members}` : result.method === 'mc-dropout' ? `MC dropout (${result.members} passes)` : 'Noise head'} vs the reference — ${path.basename(result.inDistribution.data)}`,
    info: [
      ['run', opts.run],
      ['data', result.inDistribution.data],
      ['method', `${result.method}${result.members > 1 ? ` (${result.members})` : ''}`],
      ['conservation', `${(opts.conserve ?? []).map(conserveName).join(', ') || 'none'}; b from ${result.inDistribution.massSource}; Σ ${result.covariance}`],
      [
        'recalibration',
        result.recalibration
          ? `σ × ${result.recalibration.sigmaScale.toPrecision(4)} (fitted on ${result.recalibration.samples} validation samples; their 90% coverage was ${result.recalibration.coverage90Before.toFixed(3)})`
          : 'none',
      ],
      ['frames', `${result.frames[0]}–${result.frames[result.frames.length - 1]}`],
      ['backend', result.backend],
    ],
    x: groups.main.x,
    times: result.times,
    label: 'in distribution',
    truth: groups.main.truth,
    variants: groups.main.variants,
    ...(groups.main.result.parameters ? { parameters: groups.main.result.parameters } : {}),
    ...(parameterName ? { parameterName } : {}),
    ...(ood ? { ood } : {}),
    ...(curves ? { curves } : {}),
  });
  writeResult(dir, 'uq', opts.data, result);
  return { path: out, evaluation: result };
}
