/** A run's training curves as the reports draw them (the one curves type: report/format.ts). */
import nodePath from 'node:path';
import type { CurvePoint } from '../report/format.js';
import { isEnsembleDir, memberDir, readRunMetrics } from '../training/run_dir.js';

/** A run's training curves, one point per epoch (an ensemble: its first member's); undefined without metrics.jsonl. */
export function readCurves(dir: string): CurvePoint[] | undefined {
  const runDir = isEnsembleDir(dir) ? nodePath.join(dir, memberDir(0)) : dir;
  return readRunMetrics(runDir)?.map((r) => ({ epoch: r.epoch, trainLoss: r.trainLoss, ...(r.valLoss !== null ? { valLoss: r.valLoss } : {}), lr: r.lr }));
}
