/**
 * Cross-check against an independent NumPy transcription of PDEBench's `metric_func` (1D branch,
 * pdebench/models/metrics.py, layout [batch, channel, x, t]): our `pdebench` aggregate must give
 * the same numbers on a deterministic pseudo-random set. NumPy is required (CI installs it with
 * h5py); a missing NumPy fails, never skips.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { evaluateFields, type SampleMetrics } from '../../src/metrics/index.js';
import { PYTHON, requireH5py } from '../data/helpers.js';

const METRIC_FUNC_1D = `
import json, sys
import numpy as np
d = json.load(sys.stdin)
s, Lx, iLow, iHigh = d['shape'], d['Lx'], d['iLow'], d['iHigh']
shape = (s['n'], s['nt'], s['nx'])
# [n, nt, nx] -> PDEBench's [batch, channel, x, t]
T = np.array(d['truth']).reshape(shape).transpose(0, 2, 1)[:, None]
P = np.array(d['pred']).reshape(shape).transpose(0, 2, 1)[:, None]
nb, nc, nx, nt = T.shape
err_mean = np.sqrt(np.mean((P - T) ** 2, axis=2))
err_RMSE = err_mean.mean(0)
err_nRMSE = (err_mean / np.sqrt(np.mean(T ** 2, axis=2))).mean(0)
err_CSV = np.sqrt(np.mean((P.sum(2) - T.sum(2)) ** 2, axis=0)) / nx
err_Max = np.abs(P - T).max(2).max(0)
err_BD = np.sqrt(((P[:, :, 0] - T[:, :, 0]) ** 2 + (P[:, :, -1] - T[:, :, -1]) ** 2) / 2).mean(0)
F = np.sqrt(np.mean(np.abs(np.fft.rfft(P, axis=2) - np.fft.rfft(T, axis=2)) ** 2, axis=0)) / nx * Lx
print(json.dumps(dict(rmse=err_RMSE.mean(), nrmse=err_nRMSE.mean(), crmse=err_CSV.mean(), maxErr=err_Max.mean(), brmse=err_BD.mean(),
    fLow=F[:, :iLow].mean(1).mean(), fMid=F[:, iLow:iHigh].mean(1).mean(), fHigh=F[:, iHigh:].mean(1).mean())))
`;

/** A fixed hash in [−0.5, 0.5): deterministic "noise" without a generator. */
function hash(i: number, seed: number): number {
  const v = Math.sin(i * 12.9898 + seed * 78.233) * 43758.5453;
  return v - Math.floor(v) - 0.5;
}

describe('pdebench aggregate vs a NumPy transcription of metric_func', () => {
  // nx = 50 (Bluestein path) and 64 (radix-2), with options off their defaults.
  it.each([
    [{ n: 5, nt: 7, nx: 50 }, { iLow: 4, iHigh: 12, domainLength: 2 }],
    [{ n: 3, nt: 2, nx: 64 }, { iLow: 3, iHigh: 20, domainLength: 1 }],
  ])('%o %o', (shape, opts) => {
    requireH5py();
    const size = shape.n * shape.nt * shape.nx;
    const truth = Float64Array.from({ length: size }, (_, i) => 1 + hash(i, 1));
    const pred = Float64Array.from({ length: size }, (_, i) => truth[i] + 0.1 * hash(i, 2) + 0.05 * Math.sin(i));
    const ours = evaluateFields(pred, truth, shape, opts).pdebench;
    const input = JSON.stringify({ shape, truth: Array.from(truth), pred: Array.from(pred), Lx: opts.domainLength, iLow: opts.iLow, iHigh: opts.iHigh });
    const res = spawnSync(PYTHON, ['-c', METRIC_FUNC_1D], { input, encoding: 'utf8' });
    if (res.status !== 0) throw new Error(`${PYTHON} metric_func transcription failed (status ${res.status}): ${res.stderr.trim()}`);
    const theirs = JSON.parse(res.stdout) as Omit<SampleMetrics, 'relL2'>;
    for (const key of Object.keys(theirs) as (keyof typeof theirs)[]) expect(ours[key], key).toBeCloseTo(theirs[key], 13);
  });
});
