/**
 * The run directory: every file name in it, and their readers and writers. Training writes a run
 * (checkpoint.safetensors, config.json, metrics.jsonl; an ensemble adds ensemble.json and one
 * member-i run per member), evaluation adds its results (eval.json, uq.json; eval-FILE.json and
 * uq-FILE.json for data other than the run's own) and reports (report.html, uq_report.html).
 * Every file is written whole or not at all (one atomic writer, src/data/atomic.ts).
 */
import fs from 'node:fs';
import nodePath from 'node:path';
import { writeFileAtomic } from '../../core/atomic.js';
import { CHECKPOINT_FILE } from '../inference/checkpoint_format.js';
import type { EpochMetrics } from './checkpoint.js';

export { CHECKPOINT_FILE };
/** The resolved training options (what replays the run). */
export const CONFIG_FILE = 'config.json';
/** One JSON line per epoch, up to the checkpoint. */
export const METRICS_FILE = 'metrics.jsonl';
/** Held while a trainer writes the directory. */
export const LOCK_FILE = '.lock';
/** An ensemble's manifest (src/uq). */
export const ENSEMBLE_FILE = 'ensemble.json';
/** The surrogate-vs-DNS page of `pdes report`. */
export const REPORT_FILE = 'report.html';
/** The UQ / conservation page of `pdes report --conserve …`. */
export const UQ_REPORT_FILE = 'uq_report.html';
/** The files one training run writes. */
export const RUN_FILES: readonly string[] = [CHECKPOINT_FILE, METRICS_FILE, CONFIG_FILE];

/** Evaluation results: `eval` (deterministic metrics) and `uq` (the predictive distribution). */
export type ResultStem = 'eval' | 'uq';

/** Member i's directory name in an ensemble. */
export function memberDir(i: number): string {
  return `member-${i}`;
}

/** Whether `run` names a run directory (rather than a checkpoint file). */
export function isRunDir(run: string): boolean {
  return fs.existsSync(run) && fs.statSync(run).isDirectory();
}

/** The run directory of a run directory or a checkpoint file. */
export function runDirOf(run: string): string {
  return isRunDir(run) ? run : nodePath.dirname(run);
}

/** Whether `dir` holds an ensemble (its manifest). */
export function isEnsembleDir(dir: string): boolean {
  return fs.existsSync(nodePath.join(dir, ENSEMBLE_FILE));
}

/** `<stem>.json` for the run's own data, `<stem>-<data file name>.json` for data given explicitly. */
export function resultFileName(stem: ResultStem, data: string | undefined): string {
  if (data === undefined) return `${stem}.json`;
  const name = nodePath.basename(data).replace(/\.(h5|hdf5)$/i, '');
  return `${stem}-${name.replace(/[^\w.-]+/g, '_')}.json`;
}

/** Writes `value` as indented JSON with the atomic writer (whole or absent). */
export function writeJsonAtomic(file: string, value: unknown): void {
  writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Writes an evaluation result into the run directory `dir` (see `resultFileName`). */
export function writeResult(dir: string, stem: ResultStem, data: string | undefined, value: unknown): string {
  const file = nodePath.join(dir, resultFileName(stem, data));
  writeJsonAtomic(file, value);
  return file;
}

/** config.json: the resolved training options. */
export function writeRunConfig(dir: string, options: unknown): void {
  writeJsonAtomic(nodePath.join(dir, CONFIG_FILE), options);
}

/** metrics.jsonl: one line per epoch. */
export function writeRunMetrics(dir: string, metrics: readonly EpochMetrics[]): void {
  writeFileAtomic(nodePath.join(dir, METRICS_FILE), metrics.map((m) => JSON.stringify(m) + '\n').join(''));
}

/** The epochs logged in `<dir>/metrics.jsonl` (what the trainer appends), or undefined without the file. */
export function readRunMetrics(dir: string): EpochMetrics[] | undefined {
  const file = nodePath.join(dir, METRICS_FILE);
  if (!fs.existsSync(file)) return undefined;
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as EpochMetrics);
}
