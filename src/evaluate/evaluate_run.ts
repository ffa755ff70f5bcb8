/**
 * Evaluation and reports of a training run: the library functions behind `pdes evaluate` and
 * `pdes report`, callable the same way from scripts and notebooks.
 *
 * A run directory holds config.json, metrics.jsonl and checkpoint.safetensors (src/training).
 * Evaluation predicts the chosen split of a dataset (by default the training data's test split),
 * computes every metric per sample and aggregated (src/metrics), and repeats the relative L2 at
 * other resolutions: coarser by striding the file (s/2, s/4 …) and finer by passing a dataset
 * stored at a finer grid (same recipe and seed give the same samples; 2D data only when strides
 * are asked for). Next-step and window checkpoints are evaluated by rollout from the first input
 * frames of each sample (src/inference/rollout.ts); eval.json records the frames and their times.
 * On 2D data, `fieldMetrics2d` is where metrics of the 2D fields (flow diagnostics) are added.
 */
import fs from 'node:fs';
import path from 'node:path';
import { H5Dataset, h5ready } from '../data/index.js';
import { runData, splitName, splitSamples, type SplitName } from './run_source.js';
import { describeBackend } from '../engine/backend.js';
import {
  evaluateFields,
  nsRolloutMetrics,
  pickBestMedianWorst,
  relativeL2Batch,
  type MetricsReport,
  type NsFields,
  type NsRolloutMetrics,
} from '../metrics/index.js';
import { writeNsReport } from '../report/ns_report.js';
import { writeSurrogateReport, type SurrogateReportData } from '../report/surrogate_report.js';
import { loadCheckpoint } from '../training/checkpoint.js';
import { CheckpointError, TrainOptionsError } from '../training/errors.js';
import { registerModelModules } from '../models/plugins.js';
import { fields2d, predictDataset, type Prediction } from '../inference/rollout.js';
import { isRunDir, REPORT_FILE, runDirOf, writeResult, CHECKPOINT_FILE } from '../training/run_dir.js';
import { readCurves } from './curves.js';
import '../models/index.js';

export type { SplitName } from './run_source.js';

export interface EvaluateOptions {
  /** Run directory (or checkpoint file). */
  run: string;
  /** Dataset to evaluate on. @default the training data */
  data?: string;
  /** @default 'test' */
  split?: SplitName;
  /**
   * Spatial strides of the dataset to evaluate at besides the training one (each must leave at
   * least 2·nModes points). Asking for them also allows 2D data on a grid other than the training
   * one. @default 1D: every power of two up to 8 that does; 2D: the training stride only
   */
  strides?: number[];
  /**
   * Frames to predict by rollout (next-step and window checkpoints). @default every frame of the
   * samples after the first input window
   */
  rolloutSteps?: number;
  /** Modules registering model kinds from outside src/models (see TrainOptions.modelModules). @default [] */
  modelModules?: string[];
  /** tfjs backend. @default as initBackend chooses */
  backend?: string;
}

export interface ResolutionResult {
  nx: number;
  /** The full grid ([nx] or [nx, ny]). */
  grid: number[];
  stride: number;
  relL2: number;
}

/** What a rollout covered (next-step and window checkpoints). */
export interface RolloutSummary {
  /** File frames of the first model input, oldest first. */
  inputFrames: number[];
  /** First predicted frame. */
  firstFrame: number;
  /** Predicted frames (per sample). */
  nFrames: number;
  /** Model calls per sample. */
  modelCalls: number;
  /** t of each predicted frame (metrics.perFrame runs over the same frames). */
  times: number[];
}

/** Metrics of 2D fields, from the fields' 2D structure (see `fieldMetrics2d`). */
export interface Metrics2d {
  /** The grid the fields were compared on. */
  grid: [number, number];
  /** Fields per point. */
  channels: number;
  /**
   * Flow diagnostics of single-field rollouts (vorticity): correlation with the DNS over time,
   * high-correlation time, energy spectra and their band errors, enstrophy (src/metrics/ns.ts).
   * Times are measured from the last input frame (t − t_input), so the high-correlation time is a
   * duration of the rollout.
   */
  ns?: NsRolloutMetrics;
}

export interface EvaluateResult {
  run: string;
  data: string;
  split: SplitName;
  indices: number[];
  backend: string;
  model: Record<string, unknown>;
  mapping: unknown;
  epochs: number;
  /** Point-wise metrics over each sample's predicted frames, fields flattened per frame. */
  metrics: MetricsReport;
  resolution: ResolutionResult[];
  /** The rollout evaluated; null for initial-to-final checkpoints. */
  rollout: RolloutSummary | null;
  /** 2D data only. */
  metrics2d?: Metrics2d;
}

function checkpointFor(run: string): string {
  const file = isRunDir(run) ? path.join(run, CHECKPOINT_FILE) : run;
  if (!fs.existsSync(file)) throw new CheckpointError(`no checkpoint at ${file}: train first (pdes train … --out ${run})`);
  return file;
}

/** Values per predicted frame: every point and field, flattened (what the field metrics take). */
function frameValues(p: Prediction): number {
  return p.shape.spatial.reduce((a, b) => a * b, 1) * p.shape.channels;
}

/**
 * Metrics that need the fields' 2D structure (2D data only); eval.json holds them as `metrics2d`.
 * The one place for flow diagnostics of rollouts: `fields2d(prediction)` gives pred and truth as
 * [n, nt, nx, ny, C] with the time of each frame.
 */
function fieldMetrics2d(prediction: Prediction): Metrics2d {
  const f = fields2d(prediction);
  const out: Metrics2d = { grid: [f.nx, f.ny], channels: f.channels };
  const ns = nsFields(prediction);
  if (ns) out.ns = nsRolloutMetrics(ns);
  return out;
}

/**
 * A single-field 2D rollout as the Navier–Stokes metrics take it (square periodic box of side
 * L = the x period), times measured from the last input frame; null when not applicable.
 */
function nsFields(prediction: Prediction): NsFields | null {
  if (prediction.shape.spatial.length !== 2 || prediction.shape.channels !== 1 || prediction.inputFrames.length === 0) return null;
  const f = fields2d(prediction);
  const t0 = prediction.inputTimes[prediction.inputTimes.length - 1];
  return { pred: f.pred, truth: f.truth, n: f.n, nt: f.nt, nx: f.nx, ny: f.ny, length: f.length, times: f.times.map((t) => t - t0) };
}

interface Evaluated {
  result: EvaluateResult;
  prediction: Prediction;
}

async function evaluateInternal(opts: EvaluateOptions): Promise<Evaluated> {
  await h5ready();
  await registerModelModules(opts.modelModules ?? []);
  const file = checkpointFor(opts.run);
  const ckpt = await loadCheckpoint(file, { backend: opts.backend as never });
  try {
    const to = ckpt.meta.trainOptions;
    const data = runData(ckpt.meta, path.dirname(ckpt.path), opts.data);
    const split = splitName(opts.split);
    const ds = H5Dataset.open(data);
    const { nSamples, spatialShape } = ds;
    const nxData = spatialShape[0];
    ds.close();
    const indices = splitSamples(ckpt.meta, split, nSamples);
    const twoD = spatialShape.length === 2;
    // Data on the training grid is seen as in training; other data at its own resolution (2D data
    // only when strides ask for other resolutions).
    const trainedGrid = ckpt.meta.dataShape.slice(2, 2 + spatialShape.length);
    const subsample = JSON.stringify(spatialShape) === JSON.stringify(trainedGrid) ? to.subsample : 1;
    const otherGrid = !twoD || opts.strides !== undefined;
    const predict = (s: number): Promise<Prediction> => predictDataset(ckpt, data, indices, { subsample: s, rolloutSteps: opts.rolloutSteps, otherGrid });
    const prediction = await predict(subsample);
    const metrics = evaluateFields(prediction.pred, prediction.truth, { n: prediction.shape.n, nt: prediction.shape.nt, nx: frameValues(prediction) });
    const modes = ckpt.meta.config.nModes; // [n] for fno, a number in checkpoints written before the array
    const nModes = typeof modes === 'number' ? modes : Array.isArray(modes) && modes.length === 1 ? (modes[0] as number) : 1;
    const strides = opts.strides ?? (twoD ? [subsample] : [1, 2, 4, 8].filter((s) => nxData / s >= 2 * nModes && Number.isInteger(nxData / s)));
    const resolution: ResolutionResult[] = [];
    for (const s of [...new Set(strides)].sort((a, b) => a - b)) {
      if (!Number.isInteger(s) || s < 1 || spatialShape.some((n) => n % s !== 0)) {
        throw new TrainOptionsError(`stride ${s} is not allowed for a [${spatialShape.join(', ')}] grid: use a whole divisor`);
      }
      if (nxData / s < 2 * nModes) throw new TrainOptionsError(`stride ${s} leaves ${nxData / s} points, fewer than 2·nModes = ${2 * nModes}`);
      const p = s === subsample ? prediction : await predict(s);
      const rel = relativeL2Batch(p.pred, p.truth, { n: p.shape.n, nt: p.shape.nt, nx: frameValues(p) });
      resolution.push({ nx: p.shape.nx, grid: p.shape.spatial, stride: s, relL2: rel.reduce((a, b) => a + b, 0) / rel.length });
    }
    const result: EvaluateResult = {
      run: opts.run,
      data,
      split,
      indices,
      backend: describeBackend(),
      model: ckpt.meta.config as Record<string, unknown>,
      mapping: to.mapping,
      epochs: ckpt.meta.epoch,
      metrics,
      resolution,
      rollout:
        to.mapping.kind === 'initial-to-final'
          ? null
          : {
              inputFrames: prediction.inputFrames,
              firstFrame: prediction.firstFrame,
              nFrames: prediction.shape.nt,
              modelCalls: prediction.modelCalls,
              times: prediction.times,
            },
    };
    if (twoD) result.metrics2d = fieldMetrics2d(prediction);
    return { result, prediction };
  } finally {
    ckpt.dispose();
  }
}

/**
 * Evaluates a run; writes `<run>/eval.json` when `run` is a directory (`eval-<data>.json` when
 * `data` names another file, so the run's own evaluation is never replaced by one on other data).
 */
export async function evaluateRun(opts: EvaluateOptions): Promise<EvaluateResult> {
  const { result } = await evaluateInternal(opts);
  if (isRunDir(opts.run)) writeResult(opts.run, 'eval', opts.data, result);
  return result;
}

export interface ReportOptions extends EvaluateOptions {
  /** Output page. @default <run>/report.html */
  out?: string;
}

/**
 * The frames of one sample as lines u(x) for the report: field 0, and on 2D data the row through
 * the middle of the y grid (y index `row`).
 */
function lineFrames(flat: Float32Array, sample: number, p: Prediction, row: number): number[][] {
  const { nt, nx, spatial, channels } = p.shape;
  const ny = spatial.length === 2 ? spatial[1] : 1;
  const size = nx * ny * channels;
  const out: number[][] = [];
  for (let k = 0; k < nt; k++) {
    const base = (sample * nt + k) * size;
    out.push(Array.from({ length: nx }, (_, i) => flat[base + (i * ny + row) * channels]));
  }
  return out;
}

/** Evaluates a run and writes the surrogate-vs-DNS HTML report; returns its path and the evaluation. */
export async function reportRun(opts: ReportOptions): Promise<{ path: string; evaluation: EvaluateResult }> {
  const { result, prediction } = await evaluateInternal(opts);
  const { x, y } = prediction;
  const runDir = runDirOf(opts.run);
  const out = opts.out ?? path.join(runDir, REPORT_FILE);
  const row = y === undefined ? 0 : Math.floor(y.length / 2);
  const rel = result.metrics.perSample.map((m) => m.relL2);
  const times = prediction.times;
  const samples = pickBestMedianWorst(rel).map(({ label, index }) => ({
    label,
    index: result.indices[index],
    relL2: rel[index],
    t: times,
    truth: lineFrames(prediction.truth, index, prediction, row),
    pred: lineFrames(prediction.pred, index, prediction, row),
  }));
  const worst = pickBestMedianWorst(rel).find((s) => s.label === 'worst') as { index: number };
  const data: SurrogateReportData = {
    title: `${String(result.model.kind).toUpperCase()} surrogate vs DNS — ${path.basename(result.data)}${y === undefined ? '' : ` (cut at y = ${Number(y[row].toPrecision(4))})`}`,
    x,
    samples,
    metrics: result.metrics,
    resolution: result.resolution.map((r) => ({ nx: r.nx, relL2: r.relL2 })),
    curves: readCurves(runDir),
    rollout:
      result.rollout !== null
        ? {
            t: times,
            relL2PerFrame: result.metrics.perFrame.relL2,
            sample: {
              index: result.indices[worst.index],
              truth: lineFrames(prediction.truth, worst.index, prediction, row),
              pred: lineFrames(prediction.pred, worst.index, prediction, row),
            },
          }
        : undefined,
    info: [
      ['run', opts.run],
      ['data', result.data],
      ['split', `${result.split} (${result.indices.length} samples)`],
      ['model', JSON.stringify(result.model)],
      ['mapping', JSON.stringify(result.mapping)],
      ...(result.rollout === null
        ? []
        : [
            [
              'rollout',
              `frames ${prediction.frames[0]}–${prediction.frames[prediction.frames.length - 1]} from frames ${prediction.inputFrames.join(', ')} (${result.rollout.nFrames} frames, ${result.rollout.modelCalls} model calls)`,
            ] as [string, string],
          ]),
      ['epochs trained', String(result.epochs)],
      ['backend', result.backend],
    ],
  };
  const ns = result.metrics2d?.ns;
  const fields = nsFields(prediction);
  if (ns && fields && result.rollout !== null) {
    const curves = data.curves;
    writeNsReport(out, {
      title: `${String(result.model.kind).toUpperCase()} rollout vs DNS — ${path.basename(result.data)}`,
      info: data.info,
      metrics: ns,
      fields,
      curves,
    });
  } else {
    writeSurrogateReport(out, data);
  }
  if (isRunDir(opts.run)) writeResult(opts.run, 'eval', undefined, result);
  return { path: out, evaluation: result };
}
