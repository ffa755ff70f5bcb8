/**
 * Evaluation and reports of a training run: the library functions behind `pdes evaluate` and
 * `pdes report`, callable the same way from scripts and notebooks.
 *
 * A run directory holds config.json, metrics.jsonl and checkpoint.safetensors (src/training).
 * Evaluation predicts the chosen split of a dataset (by default the training data's test split),
 * computes every metric per sample and aggregated (src/metrics), and repeats the relative L2 at
 * other resolutions: coarser by striding the file (s/2, s/4 …) and finer by passing a dataset
 * stored at a finer grid (same recipe and seed give the same samples).
 */
import fs from 'node:fs';
import path from 'node:path';
import { H5Dataset, h5ready } from '../data/index.js';
import { describeBackend } from '../engine/backend.js';
import { evaluateFields, pickBestMedianWorst, relativeL2Batch, type MetricsReport } from '../metrics/index.js';
import { writeSurrogateReport, type SurrogateReportData } from '../report/surrogate_report.js';
import { loadCheckpoint, type LoadedCheckpoint } from '../training/checkpoint.js';
import { CheckpointError, TrainOptionsError } from '../training/errors.js';
import { predictDataset, type Prediction } from '../training/rollout.js';
import { METRICS_FILE } from '../training/trainer.js';
import '../models/index.js';

export type SplitName = 'train' | 'val' | 'test';

export interface EvaluateOptions {
  /** Run directory (or checkpoint file). */
  run: string;
  /** Dataset to evaluate on. @default the training data */
  data?: string;
  /** @default 'test' */
  split?: SplitName;
  /**
   * Spatial strides of the dataset to evaluate at besides the training one (each must leave at
   * least 2·nModes points). @default every power of two up to 8 that does
   */
  strides?: number[];
  /** tfjs backend. @default as initBackend chooses */
  backend?: string;
}

export interface ResolutionResult {
  nx: number;
  stride: number;
  relL2: number;
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
  metrics: MetricsReport;
  resolution: ResolutionResult[];
}

function checkpointFor(run: string): string {
  const file = fs.existsSync(run) && fs.statSync(run).isDirectory() ? path.join(run, 'checkpoint.safetensors') : run;
  if (!fs.existsSync(file)) throw new CheckpointError(`no checkpoint at ${file}: train first (pdes train … --out ${run})`);
  return file;
}

/** Indices of a split of the dataset, as the run's training defined them. */
function splitOf(ckpt: LoadedCheckpoint, split: SplitName, nSamples: number): number[] {
  const idx = ckpt.meta.splits[split];
  if (!idx || idx.length === 0) throw new TrainOptionsError(`the run has no ${split} samples`);
  const bad = idx.find((i) => i >= nSamples);
  if (bad !== undefined) throw new TrainOptionsError(`${split} sample ${bad} is not in a dataset of ${nSamples} samples: evaluate on data from the same recipe`);
  return idx;
}

interface Evaluated {
  result: EvaluateResult;
  prediction: Prediction;
  x: Float64Array;
  t: Float64Array;
}

async function evaluateInternal(opts: EvaluateOptions): Promise<Evaluated> {
  await h5ready();
  const file = checkpointFor(opts.run);
  const ckpt = await loadCheckpoint(file, { backend: opts.backend as never });
  try {
    const to = ckpt.meta.trainOptions;
    const data = opts.data ?? to.data;
    const split = opts.split ?? 'test';
    if (!['train', 'val', 'test'].includes(split)) throw new TrainOptionsError(`split=${split} is not allowed: use train, val or test`);
    const ds = H5Dataset.open(data);
    const nSamples = ds.nSamples;
    const nxData = ds.spatialShape[0];
    const x = ds.x;
    const t = ds.t;
    ds.close();
    const indices = splitOf(ckpt, split, nSamples);
    // Data at the training resolution is seen as in training; other data at its own resolution.
    const subsample = nxData === ckpt.meta.dataShape[2] ? to.subsample : 1;
    const prediction = await predictDataset(ckpt, data, indices, { subsample });
    const metrics = evaluateFields(prediction.pred, prediction.truth, { n: prediction.shape.n, nt: prediction.shape.nt, nx: prediction.shape.nx * prediction.shape.channels });
    const nModes = typeof ckpt.meta.config.nModes === 'number' ? ckpt.meta.config.nModes : 1;
    const strides = opts.strides ?? [1, 2, 4, 8].filter((s) => nxData / s >= 2 * nModes && Number.isInteger(nxData / s));
    const resolution: ResolutionResult[] = [];
    for (const s of [...new Set(strides)].sort((a, b) => a - b)) {
      if (!Number.isInteger(s) || s < 1 || nxData % s !== 0) throw new TrainOptionsError(`stride ${s} is not allowed for ${nxData} points: use a whole divisor`);
      if (nxData / s < 2 * nModes) throw new TrainOptionsError(`stride ${s} leaves ${nxData / s} points, fewer than 2·nModes = ${2 * nModes}`);
      const p = s === subsample ? prediction : await predictDataset(ckpt, data, indices, { subsample: s });
      const rel = relativeL2Batch(p.pred, p.truth, { n: p.shape.n, nt: p.shape.nt, nx: p.shape.nx * p.shape.channels });
      resolution.push({ nx: p.shape.nx, stride: s, relL2: rel.reduce((a, b) => a + b, 0) / rel.length });
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
    };
    const xs = Float64Array.from({ length: prediction.shape.nx }, (_, i) => x[i * subsample]);
    return { result, prediction, x: xs, t };
  } finally {
    ckpt.dispose();
  }
}

/** Evaluates a run; writes `<run>/eval.json` when `run` is a directory. */
export async function evaluateRun(opts: EvaluateOptions): Promise<EvaluateResult> {
  const { result } = await evaluateInternal(opts);
  if (fs.existsSync(opts.run) && fs.statSync(opts.run).isDirectory()) writeJsonAtomic(path.join(opts.run, 'eval.json'), result);
  return result;
}

export function writeJsonAtomic(file: string, value: unknown): void {
  const tmp = `${file}.tmp-${process.pid}`;
  fs.writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`);
  fs.renameSync(tmp, file);
}

export interface ReportOptions extends EvaluateOptions {
  /** Output page. @default <run>/report.html */
  out?: string;
}

function frames(flat: Float32Array, sample: number, nt: number, nx: number): number[][] {
  const out: number[][] = [];
  for (let k = 0; k < nt; k++) out.push(Array.from(flat.subarray((sample * nt + k) * nx, (sample * nt + k + 1) * nx)));
  return out;
}

function readCurves(run: string): SurrogateReportData['curves'] {
  const file = path.join(run, METRICS_FILE);
  if (!fs.existsSync(file)) return undefined;
  const rows = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { epoch: number; trainLoss: number; valLoss: number | null; lr: number });
  return {
    epoch: rows.map((r) => r.epoch),
    trainLoss: rows.map((r) => r.trainLoss),
    valLoss: rows.every((r) => r.valLoss !== null) ? rows.map((r) => r.valLoss as number) : undefined,
    lr: rows.map((r) => r.lr),
  };
}

/** Evaluates a run and writes the surrogate-vs-DNS HTML report; returns its path and the evaluation. */
export async function reportRun(opts: ReportOptions): Promise<{ path: string; evaluation: EvaluateResult }> {
  const { result, prediction, x, t } = await evaluateInternal(opts);
  const runDir = fs.existsSync(opts.run) && fs.statSync(opts.run).isDirectory() ? opts.run : path.dirname(opts.run);
  const out = opts.out ?? path.join(runDir, 'report.html');
  const { nt, nx } = prediction.shape;
  const nxc = nx * prediction.shape.channels;
  const rel = result.metrics.perSample.map((m) => m.relL2);
  const mapping = result.mapping as { kind: string; stride?: number; inFrame?: number; outFrame?: number };
  const frameTimes = (): number[] => {
    if (mapping.kind === 'next-step') return Array.from({ length: nt }, (_, k) => t[(k + 1) * (mapping.stride ?? 1)]);
    const of = mapping.outFrame ?? -1;
    return [t[of < 0 ? t.length + of : of]];
  };
  const times = frameTimes();
  const samples = pickBestMedianWorst(rel).map(({ label, index }) => ({
    label,
    index: result.indices[index],
    relL2: rel[index],
    t: times,
    truth: frames(prediction.truth, index, nt, nxc),
    pred: frames(prediction.pred, index, nt, nxc),
  }));
  const worst = pickBestMedianWorst(rel).find((s) => s.label === 'worst') as { index: number };
  const data: SurrogateReportData = {
    title: `${String(result.model.kind).toUpperCase()} surrogate vs DNS — ${path.basename(result.data)}`,
    x: Array.from(x),
    samples,
    metrics: result.metrics,
    resolution: result.resolution.map((r) => ({ nx: r.nx, relL2: r.relL2 })),
    curves: readCurves(runDir),
    rollout:
      mapping.kind === 'next-step'
        ? {
            t: times,
            relL2PerFrame: result.metrics.perFrame.relL2,
            sample: { index: result.indices[worst.index], truth: frames(prediction.truth, worst.index, nt, nxc), pred: frames(prediction.pred, worst.index, nt, nxc) },
          }
        : undefined,
    info: [
      ['run', opts.run],
      ['data', result.data],
      ['split', `${result.split} (${result.indices.length} samples)`],
      ['model', JSON.stringify(result.model)],
      ['mapping', JSON.stringify(result.mapping)],
      ['epochs trained', String(result.epochs)],
      ['backend', result.backend],
    ],
  };
  writeSurrogateReport(out, data);
  if (fs.existsSync(opts.run) && fs.statSync(opts.run).isDirectory()) writeJsonAtomic(path.join(opts.run, 'eval.json'), result);
  return { path: out, evaluation: result };
}
