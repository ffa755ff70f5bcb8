/**
 * The Navier–Stokes report in headless Chromium: every figure drawn, no console or page errors, and
 * the page's controls work — the time slider and the sample buttons change the frame plotly shows
 * (read back from plotly's data in the page). Screenshot in dist/test-artifacts/ns_report.png.
 * A missing Chromium fails the test (CI installs it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nsRolloutMetrics, type NsFields } from '../../src/metrics/index.js';
import { nsReportFigures, writeNsReport, type NsReportInput } from '../../src/report/ns_report.js';
import { launchBrowser, renderPageInBrowser, type Browser } from '../helpers/browser.js';

const ARTIFACTS = fileURLToPath(new URL('../../dist/test-artifacts/', import.meta.url));

/**
 * Decaying broadband vorticity per sample (L = 2π, 64², 31 frames): 24 modes, one per shell
 * 1..24, amplitude ∝ |m|^−1 (E(k) ∝ k^−3 in shell sums), viscous decay. The surrogate's phases
 * drift at a rate that grows with |m| and with a sample-dependent factor, and it damps the small
 * scales too fast, so correlation decays and the high band loses energy, as an over-smoothing
 * surrogate's does.
 */
function rollouts(n: number, nt: number, nx: number): NsFields {
  const times = Array.from({ length: nt }, (_, k) => 0.1 * k);
  const size = nx * nx;
  const f: NsFields = { pred: new Float32Array(n * nt * size), truth: new Float32Array(n * nt * size), n, nt, nx, ny: nx, length: 2 * Math.PI, times };
  const modes = Array.from({ length: 24 }, (_, s) => {
    const angle = 2.4 * s;
    return { mx: Math.round((s + 1) * Math.cos(angle)), my: Math.round((s + 1) * Math.sin(angle)), a: 1 / (s + 1) };
  });
  for (let b = 0; b < n; b++) {
    const rate = 0.02 + ((b * 5) % n) * 0.02;
    for (let t = 0; t < nt; t++) {
      const tt = times[t];
      for (let i = 0; i < nx; i++) {
        for (let j = 0; j < nx; j++) {
          let w = 0;
          let p = 0;
          for (const [m, { a, mx, my }] of modes.entries()) {
            const arg = (2 * Math.PI * (mx * i + my * j)) / nx + 1.3 * b * (m + 1);
            const k2 = mx * mx + my * my;
            w += a * Math.exp(-0.002 * k2 * tt) * Math.cos(arg);
            p += a * Math.exp(-0.004 * k2 * tt) * Math.cos(arg + rate * Math.sqrt(k2) * tt);
          }
          const at = (b * nt + t) * size + i * nx + j;
          f.truth[at] = w;
          f.pred[at] = p;
        }
      }
    }
  }
  return f;
}

/** Frame t of sample b as plotly holds a heatmap's z: rows along y, float32 values. */
function rows(f: NsFields, a: Float32Array, b: number, t: number): number[][] {
  const off = (b * f.nt + t) * f.nx * f.ny;
  return Array.from({ length: f.ny }, (_, j) => Array.from({ length: f.nx }, (_, i) => a[off + i * f.ny + j]));
}

/** What the page shows: z of the three heatmaps (plotly's full data, typed arrays or not) and the caption. */
const SHOWN = `(() => {
  const gd = document.getElementById('ns-vorticity');
  return { z: gd._fullData.map((t) => Array.from(t.z, (row) => Array.from(row))), title: gd.layout.title.text };
})()`;

interface Shown {
  z: number[][][];
  title: string;
}

describe('Navier–Stokes report in headless Chromium', () => {
  let launched: Promise<Browser> | undefined;
  const getBrowser = () => (launched ??= launchBrowser());
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-ns-report-'));
  });
  afterAll(async () => {
    const b = await launched?.catch(() => undefined);
    await b?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('draws every figure; the time slider and the sample buttons change the heatmaps; screenshot in dist/test-artifacts/ns_report.png', async () => {
    const f = rollouts(9, 31, 64);
    const epochs = Array.from({ length: 40 }, (_, e) => e + 1);
    const input: NsReportInput = {
      title: 'Navier–Stokes 64² <synthetic>',
      info: [
        ['dataset', 'synthetic decaying vortices'],
        ['model', 'phase-drifting surrogate'],
      ],
      metrics: nsRolloutMetrics(f),
      fields: f,
      curves: epochs.map((e) => ({ epoch: e, trainLoss: 0.3 * Math.exp(-e / 10) + 1e-3, valLoss: 0.35 * Math.exp(-e / 10) + 2e-3 })),
    };
    const { figures, vorticity } = nsReportFigures(input);
    const ids = figures.map((g) => g.id);
    const file = path.join(dir, 'ns.html');
    writeNsReport(file, input);

    const [best, median, worst] = vorticity.samples;
    expect([best.label, median.label, worst.label]).toEqual(['best', 'median', 'worst']);
    const steps: Record<string, Shown> = {};
    const page = await renderPageInBrowser(await getBrowser(), file, ids.length, {
      screenshot: path.join(ARTIFACTS, 'ns_report.png'),
      interact: async (p) => {
        await p.waitForFunction(`document.body.dataset.nsControls === 'ready'`, undefined, { timeout: 10_000 });
        steps.initial = (await p.evaluate(SHOWN)) as Shown;
        // The slider's rail: a click at its left end picks the first frame.
        const rail = p.locator('#ns-vorticity .slider-rail-touch-rect');
        const box = await rail.boundingBox();
        if (!box) throw new Error('the time slider has no rail');
        await rail.click({ position: { x: 2, y: box.height / 2 } });
        await p.waitForFunction(`${SHOWN}.title.includes('frame 0,')`, undefined, { timeout: 10_000 });
        steps.first = (await p.evaluate(SHOWN)) as Shown;
        // The middle of the rail: the middle offered frame (slot 10 of 21: frame 15).
        await rail.click({ position: { x: box.width / 2, y: box.height / 2 } });
        await p.waitForFunction(`${SHOWN}.title.includes('frame 15,')`, undefined, { timeout: 10_000 });
        steps.middle = (await p.evaluate(SHOWN)) as Shown;
        // The third button: the worst sample, at the same frame.
        await p.locator('#ns-vorticity .updatemenu-button').nth(2).click();
        await p.waitForFunction(`${SHOWN}.title.startsWith('worst')`, undefined, { timeout: 10_000 });
        steps.worst = (await p.evaluate(SHOWN)) as Shown;
      },
    });

    expect(page.pageErrors).toEqual([]);
    expect(page.consoleErrors).toEqual([]);
    expect(page.rendered).toBe(ids.length);
    expect(page.plots.map((p) => p.id)).toEqual(ids);
    for (const p of page.plots) {
      expect(p.hasSvg, `plot ${p.id} has no .main-svg`).toBe(true);
      expect(p.width, `plot ${p.id} width`).toBeGreaterThan(100);
      expect(p.height, `plot ${p.id} height`).toBeGreaterThan(100);
    }
    expect(page.plots.find((p) => p.id === 'ns-vorticity')?.height).toBe(560);
    expect(page.headings[0]).toBe('Navier–Stokes 64² <synthetic>');

    const error = (b: number, t: number) => {
      const u = rows(f, f.truth, b, t);
      return rows(f, f.pred, b, t).map((r, j) => r.map((v, i) => Math.fround(v - u[j][i])));
    };
    const expectFrame = (s: Shown, b: number, t: number) => {
      expect(s.z[0]).toEqual(rows(f, f.truth, b, t));
      expect(s.z[1]).toEqual(rows(f, f.pred, b, t));
      expect(s.z[2]).toEqual(error(b, t));
    };
    // Opens on the median sample at the last frame (from the figure's base64 data), then the page's own restyles.
    expectFrame(steps.initial, median.index, 30);
    expect(steps.initial.title).toContain(`median: sample ${median.index}`);
    expectFrame(steps.first, median.index, 0);
    expectFrame(steps.middle, median.index, 15);
    expectFrame(steps.worst, worst.index, 15);
    expect(steps.worst.title).toContain('t = 1.5');
    expect(steps.first.z[0]).not.toEqual(steps.initial.z[0]);
    expect(fs.statSync(path.join(ARTIFACTS, 'ns_report.png')).size).toBeGreaterThan(20_000);
  });
});
