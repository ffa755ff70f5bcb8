/** A run's training curves as the reports draw them (the one curves type: report/format.ts). */
import type { CurvePoint } from '../report/format.js';
import { readRunMetrics } from '../training/run_dir.js';

/** The training curves of the run in `dir`, one point per epoch (an ensemble: pass a member's directory); undefined without metrics.jsonl. */
export function readCurves(dir: string): CurvePoint[] | undefined {
  return readRunMetrics(dir)?.map((r) => ({ epoch: r.epoch, trainLoss: r.trainLoss, ...(r.valLoss !== null ? { valLoss: r.valLoss } : {}), lr: r.lr }));
}
