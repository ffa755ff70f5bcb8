/**
 * The UQ report in headless Chromium: every figure drawn, no console or page errors, the ±2σ bands
 * drawn as filled areas, and the page's controls work — the time slider and the sample buttons of
 * each band figure change the curves plotly shows (read back from plotly's data in the page).
 * Screenshot in dist/test-artifacts/uq_report.png. A missing Chromium fails the test (CI installs it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uqMetrics } from '../../src/metrics/index.js';
import { bandTraceValues, uqReportFigures, writeUqReport, type UqReportGroup, type UqReportInput } from '../../src/report/uq_report.js';
import { launchBrowser, renderPageInBrowser, type Browser } from '../helpers/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../dist/test-artifacts/', import.meta.url));

const NX = 128;
const NT = 21;
const X = Array.from({ length: NX }, (_, j) => j / (NX - 1));
const TIMES = Array.from({ length: NT }, (_, t) => 0.02 * t);
const DX = 1 / (NX - 1);

/**
 * A Stefan-like set: u = 1 behind a front s(t) = 0.1 + k·t, a linear ramp to 0 over 0.15. The base
 * model smears and lags the front (error growing with k and t) with a σ that covers about half of
 * it; its projection is shifted by a constant onto the true mass; HardC has half the error and a
 * wider σ.
 */
function group(n: number, kOf: (b: number) => number, label: string): UqReportGroup {
  const size = n * NT * NX;
  const truth = new Float32Array(size);
  const fields = { base: new Float32Array(size), projected: new Float32Array(size), hardc: new Float32Array(size) };
  const variances = { base: new Float32Array(size), projected: new Float32Array(size), hardc: new Float32Array(size) };
  const parameters = Array.from({ length: n }, (_, b) => kOf(b));
  const ramp = (x: number, s: number, w: number) => Math.min(1, Math.max(0, 1 - (x - s) / w));
  for (let b = 0; b < n; b++) {
    const k = parameters[b];
    for (let t = 0; t < NT; t++) {
      const s = 0.1 + k * TIMES[t];
      const lag = 0.02 + 0.15 * k * TIMES[t] * (0.5 + ((b * 3) % n) / n);
      const off = (b * NT + t) * NX;
      let dm = 0;
      for (let j = 0; j < NX; j++) {
        const u = ramp(X[j], s, 0.15);
        const p = ramp(X[j], s - lag, 0.25);
        const e = p - u;
        truth[off + j] = u;
        fields.base[off + j] = p;
        variances.base[off + j] = (0.5 * Math.abs(e) + 0.01) ** 2;
        fields.hardc[off + j] = u + 0.5 * e;
        variances.hardc[off + j] = (0.6 * Math.abs(e) + 0.02) ** 2;
        dm += DX * e;
      }
      for (let j = 0; j < NX; j++) {
        fields.projected[off + j] = fields.base[off + j] - dm / (NX * DX);
        variances.projected[off + j] = 0.7 * variances.base[off + j];
      }
    }
  }
  const variants = (['base', 'projected', 'hardc'] as const).map((name) => {
    const mean = fields[name];
    const variance = variances[name];
    return { name, mean, variance, metrics: uqMetrics({ mean, variance, truth, n, nt: NT, nx: NX, weights: DX, x: X }, { front: { level: 0.5 } }) };
  });
  return { label, truth, variants, parameters };
}

/** What a band figure shows: every trace's y (plotly's full data, typed arrays or not), fills, and the caption. */
const shown = (id: string) => `(() => {
  const gd = document.getElementById('${id}');
  return {
    y: gd._fullData.map((t) => Array.from(t.y)),
    fills: gd._fullData.map((t) => t.fill),
    fillPaths: gd.querySelectorAll('.js-fill').length,
    title: gd.layout.title.text,
  };
})()`;

interface Shown {
  y: number[][];
  fills: string[];
  fillPaths: number;
  title: string;
}

describe('UQ report in headless Chromium', () => {
  let launched: Promise<Browser> | undefined;
  const getBrowser = () => (launched ??= launchBrowser());
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-uq-report-'));
  });
  afterAll(async () => {
    const b = await launched?.catch(() => undefined);
    await b?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws every figure and the ±2σ bands; the time slider and sample buttons change the curves; screenshot in dist/test-artifacts/uq_report.png', async () => {
    const id = group(12, (b) => 0.5 + 0.1 * b, 'in-distribution (k ≤ 1.6)');
    const epochs = Array.from({ length: 30 }, (_, e) => e + 1);
    const input: UqReportInput = {
      title: 'Stefan problem <UQ>',
      info: [
        ['dataset', 'synthetic Stefan'],
        ['projection', 'ProbConserv, mass'],
      ],
      x: X,
      times: TIMES,
      label: id.label,
      truth: id.truth,
      variants: id.variants,
      parameters: id.parameters,
      parameterName: 'k',
      ood: group(6, (b) => 1.8 + 0.1 * b, 'out-of-distribution (k ≥ 1.8)'),
      curves: epochs.map((e) => ({ epoch: e, trainLoss: 0.5 * Math.exp(-e / 8) + 1e-3, valLoss: 0.6 * Math.exp(-e / 8) + 2e-3 })),
    };
    const { figures, bands } = uqReportFigures(input);
    const ids = figures.map((f) => f.id);
    const file = path.join(dir, 'uq.html');
    writeUqReport(file, input);

    const steps: Record<string, Shown> = {};
    const page = await renderPageInBrowser(await getBrowser(), file, ids.length, {
      screenshot: path.join(ARTIFACTS, 'uq_report.png'),
      interact: async (p) => {
        await p.waitForFunction(`document.body.dataset.uqControls === 'ready'`, undefined, { timeout: 10_000 });
        steps.initial = (await p.evaluate(shown('uq-band-id'))) as Shown;
        steps.oodInitial = (await p.evaluate(shown('uq-band-ood'))) as Shown;
        // The slider's rail: a click at its left end picks the first frame.
        const rail = p.locator('#uq-band-id .slider-rail-touch-rect');
        const box = await rail.boundingBox();
        if (!box) throw new Error('the time slider has no rail');
        await rail.click({ position: { x: 2, y: box.height / 2 } });
        await p.waitForFunction(`${shown('uq-band-id')}.title.endsWith('t = 0')`, undefined, { timeout: 10_000 });
        steps.first = (await p.evaluate(shown('uq-band-id'))) as Shown;
        // The middle of the rail: slot 5 of 11, frame 10.
        await rail.click({ position: { x: box.width / 2, y: box.height / 2 } });
        await p.waitForFunction(`${shown('uq-band-id')}.title.endsWith('t = 0.2')`, undefined, { timeout: 10_000 });
        steps.middle = (await p.evaluate(shown('uq-band-id'))) as Shown;
        // The third button: the worst sample, at the same frame.
        await p.locator('#uq-band-id .updatemenu-button').nth(2).click();
        await p.waitForFunction(`${shown('uq-band-id')}.title.includes('— worst')`, undefined, { timeout: 10_000 });
        steps.worst = (await p.evaluate(shown('uq-band-id'))) as Shown;
        // The second group's controls are its own: its first button picks its best sample.
        await p.locator('#uq-band-ood .updatemenu-button').nth(0).click();
        await p.waitForFunction(`${shown('uq-band-ood')}.title.includes('— best')`, undefined, { timeout: 10_000 });
        steps.oodBest = (await p.evaluate(shown('uq-band-ood'))) as Shown;
        steps.afterOod = (await p.evaluate(shown('uq-band-id'))) as Shown;
      },
    });

    expect(page.pageErrors).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.rendered).toBe(ids.length);
    expect(ids).toEqual([
      'uq-metrics',
      'uq-band-id',
      'uq-band-ood',
      'uq-calibration',
      'uq-mass-id',
      'uq-mass-ood',
      'uq-front',
      'uq-parameters',
      'training-curves',
    ]);
    expect(page.plots.map((p) => p.id)).toEqual(ids);
    for (const p of page.plots) {
      expect(p.hasSvg, `plot ${p.id} has no .main-svg`).toBe(true);
      expect(p.width, `plot ${p.id} width`).toBeGreaterThan(100);
      expect(p.height, `plot ${p.id} height`).toBeGreaterThan(100);
    }
    expect(page.plots.find((p) => p.id === 'uq-band-id')?.height).toBe(520);
    expect(page.headings[0]).toBe('Stefan problem <UQ>');

    // The bands: one filled polygon per variant, drawn.
    expect(steps.initial.fills.filter((f) => f === 'toself')).toHaveLength(3);
    expect(steps.initial.fillPaths).toBeGreaterThanOrEqual(3);

    const [idBand, oodBand] = bands;
    const expectShown = (s: Shown, d: typeof idBand, sample: number, slot: number) => {
      expect(s.y).toEqual(bandTraceValues(d, sample, slot).map((a) => Array.from(a)));
      expect(s.title).toContain(`${d.samples[sample].label}: sample ${d.samples[sample].index}`);
    };
    // Opens on the median sample at the last frame (from the figure's data), then the page's own restyles.
    expectShown(steps.initial, idBand, 1, 10);
    expect(steps.initial.title).toContain('t = 0.4');
    expectShown(steps.first, idBand, 1, 0);
    expectShown(steps.middle, idBand, 1, 5);
    expectShown(steps.worst, idBand, 2, 5);
    expectShown(steps.oodInitial, oodBand, 1, 10);
    expectShown(steps.oodBest, oodBand, 0, 10);
    expect(steps.afterOod).toEqual(steps.worst);
    // The frames differ: the front has moved.
    expect(steps.first.y[2]).not.toEqual(steps.initial.y[2]);
    // The exact solution in the page is the input's, every point (nx = 128 ≤ maxPoints).
    const b = idBand.samples[2].index;
    expect(steps.worst.y[2]).toEqual(Array.from(id.truth).slice((b * NT + 10) * NX, (b * NT + 11) * NX));
    expect(fs.statSync(path.join(ARTIFACTS, 'uq_report.png')).size).toBeGreaterThan(20_000);
  });
});
