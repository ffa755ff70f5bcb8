/**
 * The HTML reports in headless Chromium: every figure is drawn (an SVG in every plot div), no
 * console or page errors; full-page screenshots go to dist/test-artifacts/ for a human to look at.
 * A missing Chromium fails these tests (CI installs it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { h5ready, writeCanonical } from '../../src/data/index.js';
import { evaluateFields, pickBestMedianWorst } from '../../src/metrics/index.js';
import { plotDatasetSamples } from '../../src/evaluate/dataset_page.js';
import { surrogateReportFigures, writeSurrogateReport, type SurrogateReportData } from '../../src/report/surrogate_report.js';
import { launchBrowser, renderPageInBrowser, type Browser, type RenderedPage } from '../helpers/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../dist/test-artifacts/', import.meta.url));
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** A decaying sum of sines for sample b (a heat-equation-like reference). */
function reference(b: number, t: number, x: number): number {
  let u = 0;
  for (let m = 1; m <= 3; m++) u += ((1 + 0.1 * b) / m) * Math.sin(2 * Math.PI * m * x + 0.7 * b * m) * Math.exp(-0.02 * (2 * Math.PI * m) ** 2 * t);
  return u;
}

/** The "surrogate": the reference plus an error that grows with t and with the sample index. */
function surrogate(b: number, t: number, x: number): number {
  const eps = 0.004 * (1 + b ** 1.5 / 3) * (0.2 + t);
  return reference(b, t, x) + eps * (Math.sin(2 * Math.PI * 7 * x) + 0.5 * x);
}

function fields(n: number, nt: number, nx: number): { truth: Float32Array; pred: Float32Array; x: number[]; t: number[] } {
  const x = Array.from({ length: nx }, (_, j) => (j + 0.5) / nx);
  const t = Array.from({ length: nt }, (_, k) => 0.05 * k);
  const truth = new Float32Array(n * nt * nx);
  const pred = new Float32Array(n * nt * nx);
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < nt; k++) {
      for (let j = 0; j < nx; j++) {
        truth[(b * nt + k) * nx + j] = reference(b, t[k], x[j]);
        pred[(b * nt + k) * nx + j] = surrogate(b, t[k], x[j]);
      }
    }
  }
  return { truth, pred, x, t };
}

function frames(a: Float32Array, b: number, nt: number, nx: number): number[][] {
  return Array.from({ length: nt }, (_, k) => Array.from(a.subarray((b * nt + k) * nx, (b * nt + k + 1) * nx)));
}

function syntheticReport(): SurrogateReportData {
  const n = 12;
  const nt = 21;
  const nx = 128;
  const { truth, pred, x, t } = fields(n, nt, nx);
  const shape = { n, nt, nx };
  const metrics = evaluateFields(pred, truth, shape);
  const rel = metrics.perSample.map((s) => s.relL2);
  const samples = pickBestMedianWorst(rel).map(({ label, index }) => ({
    label,
    index,
    relL2: rel[index],
    t,
    truth: frames(truth, index, nt, nx),
    pred: frames(pred, index, nt, nx),
  }));
  const resolution = [32, 64, 256, 512].map((m) => {
    const f = fields(n, nt, m);
    return { nx: m, relL2: evaluateFields(f.pred, f.truth, { n, nt, nx: m }).mean.relL2 };
  });
  resolution.push({ nx, relL2: metrics.mean.relL2 });
  const epoch = Array.from({ length: 60 }, (_, e) => e + 1);
  const worst = samples[samples.length - 1].index;
  return {
    title: 'Synthetic surrogate <vs> DNS',
    x,
    samples,
    metrics,
    resolution,
    curves: epoch.map((e) => ({
      epoch: e,
      trainLoss: 0.5 * Math.exp(-e / 12) + 1e-3,
      valLoss: 0.6 * Math.exp(-e / 12) + 1.5e-3,
      lr: 1e-3 * 0.5 * (1 + Math.cos((Math.PI * (e - 1)) / 60)),
    })),
    rollout: { t, relL2PerFrame: metrics.perFrame.relL2, sample: { index: worst, truth: frames(truth, worst, nt, nx), pred: frames(pred, worst, nt, nx) } },
    info: [
      ['model', 'synthetic (reference + 7th-mode error)'],
      ['test samples', String(n)],
      ['grid', `${nx} points, ${nt} frames`],
    ],
  };
}

function expectAllDrawn(page: RenderedPage, nFigures: number): void {
  expect(page.pageErrors).toEqual([]);
  expect(page.consoleErrors).toEqual([]);
  expect(page.rendered).toBe(nFigures);
  expect(page.plots).toHaveLength(nFigures);
  for (const p of page.plots) {
    expect(p.hasSvg, `plot ${p.id} has no .main-svg`).toBe(true);
    expect(p.width, `plot ${p.id} width`).toBeGreaterThan(100);
    expect(p.height, `plot ${p.id} height`).toBeGreaterThan(100);
  }
}

function expectPng(file: string): void {
  const head = Buffer.alloc(8);
  const fd = fs.openSync(file, 'r');
  try {
    fs.readSync(fd, head, 0, 8, 0);
  } finally {
    fs.closeSync(fd);
  }
  expect(head.equals(PNG_SIGNATURE), `${file} is not a PNG`).toBe(true);
  expect(fs.statSync(file).size).toBeGreaterThan(20_000);
}

describe('reports in headless Chromium', () => {
  // Launched by the first test that needs it, so a missing Chromium fails each test (not a hook
  // whose tests would show as skipped).
  let launched: Promise<Browser> | undefined;
  const getBrowser = () => (launched ??= launchBrowser());
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-report-'));
  });
  afterAll(async () => {
    // A failed launch has already failed the tests that asked for the browser.
    const b = await launched?.catch(() => undefined);
    await b?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the surrogate report draws every figure; screenshot in dist/test-artifacts/report.png', async () => {
    const data = syntheticReport();
    const ids = surrogateReportFigures(data).map((f) => f.id);
    expect(ids).toEqual(['metrics', 'sample-0', 'sample-1', 'sample-2', 'relL2-histogram', 'resolution', 'training-curves', 'rollout-error', 'rollout-fields']);
    const file = path.join(dir, 'report.html');
    writeSurrogateReport(file, data);
    const size = fs.statSync(file).size;
    expect(size).toBeLessThan(fs.statSync(fileURLToPath(import.meta.resolve('plotly.js-dist-min'))).size + 1_500_000);
    const screenshot = path.join(ARTIFACTS, 'report.png');
    // The frame selector of the first sample: pick the first frame, the DNS line shows frame 0.
    const shown: { before?: number[]; after?: number[] } = {};
    const dnsY = `Array.from(document.getElementById('sample-0').data[0].y)`;
    const page = await renderPageInBrowser(await getBrowser(), file, ids.length, {
      screenshot,
      interact: async (p) => {
        shown.before = (await p.evaluate(dnsY)) as number[];
        await p.locator('#sample-0 .updatemenu-header-group').click();
        await p.locator('#sample-0 .updatemenu-dropdown-button').first().click();
        await p.waitForFunction(`${dnsY}[0] !== ${shown.before[0]}`, undefined, { timeout: 10_000 });
        shown.after = (await p.evaluate(dnsY)) as number[];
      },
    });
    expectAllDrawn(page, ids.length);
    const round6 = (v: number) => Number(v.toPrecision(6));
    expect(shown.before).toEqual(data.samples[0].truth[20].map(round6));
    expect(shown.after).toEqual(data.samples[0].truth[0].map(round6));
    expect(page.plots.map((p) => p.id)).toEqual(ids);
    expect(page.headings[0]).toBe('Synthetic surrogate <vs> DNS');
    expect(page.headings).toContain(`Metrics over 12 test samples`);
    expectPng(screenshot);
  });

  it('the dataset page of src/report/dataset_plot.ts draws every figure; screenshot in dist/test-artifacts/dataset.png', async () => {
    await h5ready();
    const shape = [3, 11, 64];
    const { truth, x, t } = fields(3, 11, 64);
    const h5 = path.join(dir, 'tiny.h5');
    writeCanonical(h5, { shape, coordinates: { x: Float64Array.from(x), t: Float64Array.from(t) }, attrs: { Nu: 0.02 } }, (i) =>
      truth.slice(i * 11 * 64, (i + 1) * 11 * 64),
    );
    const html = path.join(dir, 'dataset.html');
    const { samples } = plotDatasetSamples(h5, html);
    expect(samples).toEqual([0, 1, 2]);
    const screenshot = path.join(ARTIFACTS, 'dataset.png');
    const page = await renderPageInBrowser(await getBrowser(), html, 4, { screenshot });
    expectAllDrawn(page, 4);
    expect(page.plots.map((p) => p.id)).toEqual(['sample-0', 'sample-1', 'sample-2', 'heatmap']);
    expectPng(screenshot);
  });
});
