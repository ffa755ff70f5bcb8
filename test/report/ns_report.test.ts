import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nsRolloutMetrics, type NsFields } from '../../src/metrics/index.js';
import { nsReportFigures, renderNsReport, writeNsReport, type NsReportInput, type NsVorticityData } from '../../src/report/ns_report.js';

/**
 * n rollouts on an nx × ny grid (L = 2π): the DNS is a decaying sum of three modes with
 * sample-dependent phases; the surrogate drifts in phase at a rate growing with the sample index
 * (sample 0 is nearly exact, sample n − 1 the worst) and loses its smallest mode.
 */
function synthetic(n: number, nt: number, nx: number, ny: number): NsFields {
  const L = 2 * Math.PI;
  const times = Array.from({ length: nt }, (_, k) => 0.1 * k);
  const modes = [
    { a: 1, mx: 1, my: 2 },
    { a: 0.4, mx: 3, my: -1 },
    { a: 0.1, mx: 5, my: 4 },
  ];
  const size = nx * ny;
  const f: NsFields = { pred: new Float32Array(n * nt * size), truth: new Float32Array(n * nt * size), n, nt, nx, ny, length: L, times };
  for (let b = 0; b < n; b++) {
    // Not monotone in b, so the picks are not simply 0 and n − 1.
    const drift = 0.2 + ((b * 7) % n);
    for (let t = 0; t < nt; t++) {
      for (let i = 0; i < nx; i++) {
        for (let j = 0; j < ny; j++) {
          let w = 0;
          let p = 0;
          modes.forEach(({ a, mx, my }, m) => {
            const arg = (2 * Math.PI * mx * i) / nx + (2 * Math.PI * my * j) / ny + 0.9 * b * (m + 1);
            const decay = Math.exp(-0.05 * (mx * mx + my * my) * times[t]);
            w += a * decay * Math.cos(arg);
            if (m < 2) p += a * decay * Math.cos(arg + drift * times[t] * (m + 1));
          });
          const at = (b * nt + t) * size + i * ny + j;
          f.truth[at] = w;
          f.pred[at] = p;
        }
      }
    }
  }
  return f;
}

function input(f: NsFields, extra: Partial<NsReportInput> = {}): NsReportInput {
  return { title: 'NS <test>', info: [['model', 'synthetic']], metrics: nsRolloutMetrics(f), fields: f, ...extra };
}

function decode(b64: string): number[] {
  const buf = Buffer.from(b64, 'base64');
  return Array.from(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)));
}

/** Frame t of sample b, every sx-th x and sy-th y, as rows of y (what the page draws). */
function expectedRows(f: NsFields, a: Float32Array, b: number, t: number, sx: number, sy: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < f.ny; j += sy) for (let i = 0; i < f.nx; i += sx) out.push(a[(b * f.nt + t) * f.nx * f.ny + i * f.ny + j]);
  return out;
}

function embedded(html: string): NsVorticityData & { captions: string[][] } {
  const m = /<script type="application\/json" id="ns-report-data">(.*?)<\/script>/s.exec(html);
  if (!m) throw new Error('no ns-report-data in the page');
  return JSON.parse(m[1]) as NsVorticityData & { captions: string[][] };
}

describe('Navier–Stokes report', () => {
  const f = synthetic(7, 30, 24, 16);

  it('shows the best, median and worst samples by rollout relL2', () => {
    const data = input(f);
    const rel = data.metrics.relL2.perSample;
    const order = rel.map((_, i) => i).sort((a, b) => rel[a] - rel[b]);
    const { vorticity } = nsReportFigures(data);
    expect(vorticity.samples.map((s) => [s.label, s.index])).toEqual([
      ['best', order[0]],
      ['median', order[3]],
      ['worst', order[6]],
    ]);
    expect(new Set([order[0], order[3], order[6]]).size).toBe(3);
    expect(vorticity.samples.map((s) => s.relL2)).toEqual([rel[order[0]], rel[order[3]], rel[order[6]]]);
    expect(vorticity.initial).toEqual({ sample: 1, slot: vorticity.frames.length - 1 });
  });

  it('embeds at most maxFrames frames of the shown samples as Float32, thinned to maxGrid, rows along y', () => {
    const { vorticity: d } = nsReportFigures(input(f, { maxFrames: 8, maxGrid: 12 }));
    expect(d.frames).toEqual([0, 4, 8, 12, 17, 21, 25, 29]);
    expect(d.times).toEqual(d.frames.map((k) => f.times[k]));
    expect(d.stride).toEqual([2, 2]);
    expect([d.nxShown, d.nyShown]).toEqual([12, 8]);
    for (const s of d.samples) {
      expect(s.truth).toHaveLength(8);
      expect(s.pred).toHaveLength(8);
      d.frames.forEach((t, k) => {
        expect(decode(s.truth[k])).toEqual(expectedRows(f, f.truth, s.index, t, 2, 2));
        expect(decode(s.pred[k])).toEqual(expectedRows(f, f.pred, s.index, t, 2, 2));
        expect(s.vmax[k]).toBeCloseTo(Math.max(...expectedRows(f, f.truth, s.index, t, 2, 2).map(Math.abs)), 4);
      });
      const emax = Math.max(
        ...d.frames.flatMap((t) =>
          expectedRows(f, f.pred, s.index, t, 2, 2).map((p, i) => Math.abs(Math.fround(p - expectedRows(f, f.truth, s.index, t, 2, 2)[i]))),
        ),
      );
      expect(s.emax).toBeCloseTo(emax, 4);
    }
    // Defaults: 21 frames, the whole 24 × 16 grid.
    const full = nsReportFigures(input(f)).vorticity;
    expect(full.frames).toHaveLength(21);
    expect([full.nxShown, full.nyShown, ...full.stride]).toEqual([24, 16, 1, 1]);
  });

  it('draws its figures in a fixed order; the heatmaps open on the median sample at the last frame', () => {
    const withCurves = input(f, { curves: [1, 2, 3].map((e) => ({ epoch: e, trainLoss: 1 / e, valLoss: 2 / e })) });
    const { figures, vorticity: d } = nsReportFigures(withCurves);
    const ids = ['ns-metrics', 'ns-vorticity', 'ns-correlation', 'ns-error-growth', 'ns-spectra', 'ns-spectrum-error', 'ns-enstrophy', 'ns-samples'];
    expect(figures.map((g) => g.id)).toEqual([...ids, 'training-curves']);
    expect(nsReportFigures(input(f)).figures.map((g) => g.id)).toEqual(ids);

    const heat = figures[1] as unknown as {
      data: { type: string; z: { dtype: string; bdata: string; shape: string }; coloraxis: string }[];
      layout: Record<string, unknown>;
    };
    expect(heat.data.map((t) => [t.type, t.coloraxis])).toEqual([
      ['heatmap', 'coloraxis'],
      ['heatmap', 'coloraxis'],
      ['heatmap', 'coloraxis2'],
    ]);
    const s = d.samples[1];
    const last = d.frames.length - 1;
    expect(heat.data[0].z).toEqual({ dtype: 'f4', bdata: s.truth[last], shape: '16,24' });
    expect(heat.data[1].z.bdata).toBe(s.pred[last]);
    const truth = decode(s.truth[last]);
    expect(decode(heat.data[2].z.bdata)).toEqual(decode(s.pred[last]).map((p, i) => Math.fround(p - truth[i])));
    const layout = heat.layout as {
      coloraxis: { cmin: number; cmax: number };
      sliders: { active: number; steps: { method: string; label: string; value: string }[] }[];
      updatemenus: { active: number; buttons: { label: string; method: string }[] }[];
    };
    expect(layout.coloraxis).toMatchObject({ cmin: -s.vmax[last], cmax: s.vmax[last] });
    expect(layout.sliders[0].active).toBe(last);
    expect(layout.sliders[0].steps.map((st) => st.value)).toEqual(d.frames.map((_, k) => String(k)));
    expect(layout.sliders[0].steps.every((st) => st.method === 'skip')).toBe(true);
    expect(layout.updatemenus[0].buttons.map((b) => b.label)).toEqual(d.samples.map((p) => `${p.label} (#${p.index})`));
    expect(layout.updatemenus[0].active).toBe(1);

    // Correlation: the mean and the threshold line; spectra: DNS and surrogate at each spectrum time.
    const corr = figures[2] as unknown as { data: { name: string; y: number[] }[]; layout: { shapes: { y0: number }[] } };
    expect(corr.data.at(-1)?.name).toBe('mean over samples');
    expect(corr.layout.shapes[0].y0).toBe(0.8);
    const spec = figures[4] as unknown as { data: { name: string }[] };
    expect(spec.data.map((t) => t.name)).toEqual([
      'DNS, t = 0',
      'surrogate, t = 0',
      'DNS, t = 1.4',
      'surrogate, t = 1.4',
      'DNS, t = 2.9',
      'surrogate, t = 2.9',
    ]);
  });

  it('the page embeds the controls data once, the page renders figures in order, and stays small', () => {
    const big = synthetic(12, 41, 64, 64);
    const data = input(big, { maxFrames: 21 });
    const html = renderNsReport(data);
    const d = embedded(html);
    const { vorticity } = nsReportFigures(data);
    expect({ ...d, captions: undefined }).toEqual({ ...vorticity, captions: undefined });
    expect(d.captions).toHaveLength(3);
    expect(d.captions[2][0]).toBe(
      `worst: sample ${vorticity.samples[2].index}, rollout relL2 ${Number(vorticity.samples[2].relL2.toPrecision(4))}; frame 0, t = 0`,
    );
    expect(html.indexOf('id="ns-report-data"')).toBeGreaterThan(html.indexOf('const figures ='));
    expect(html).toContain('<style>#ns-vorticity.plot{height:560px}</style>\n</head>');
    expect(html).toContain('<h1>NS &lt;test&gt;</h1>');
    // 3 samples × 21 frames × 2 fields × 64² float32 in base64, plus one initial frame: about 2.8 MB over plotly.
    const plotly = fs.statSync(fileURLToPath(import.meta.resolve('plotly.js-dist-min'))).size;
    const fieldBytes = (3 * 21 * 2 * 64 * 64 * 4 * 4) / 3;
    expect(html.length - plotly).toBeGreaterThan(fieldBytes);
    expect(html.length - plotly).toBeLessThan(fieldBytes + 300_000);

    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pdes-ns-report-'));
    try {
      const file = path.join(dir, 'sub', 'ns.html');
      writeNsReport(file, data);
      expect(fs.readFileSync(file, 'utf8')).toBe(html);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['ns.html']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a diverged (NaN) rollout is the worst sample and the page still renders its numbers as null', () => {
    const g = synthetic(4, 5, 8, 8);
    g.pred.fill(NaN, 2 * 5 * 64 + 3 * 64, 3 * 5 * 64);
    const data = input(g);
    const { vorticity, figures } = nsReportFigures(data);
    expect(vorticity.samples.at(-1)).toMatchObject({ label: 'worst', index: 2 });
    expect(data.metrics.relL2.perSample[2]).toBeNaN();
    const table = figures.find((x) => x.id === 'ns-metrics') as { data: { cells: { values: string[][] } }[] };
    expect(table.data[0].cells.values[1][0]).toBe('n/a');
    expect(table.data[0].cells.values[3][0]).toBe('n/a');
    // JSON has no NaN: the embedded relL2 of the diverged sample is null; its colour ranges stay finite.
    const page = embedded(renderNsReport(data)).samples[2];
    expect(page.relL2).toBeNull();
    expect(page.vmax.every(Number.isFinite)).toBe(true);
    expect(Number.isFinite(page.emax) && page.emax > 0).toBe(true);
  });

  it('rejects metrics of other fields and bad sizes, naming the field', () => {
    const other = synthetic(7, 30, 16, 16);
    expect(() => renderNsReport({ ...input(f), fields: other })).toThrow(
      'Navier–Stokes report: metrics.nx = 24 but fields.nx = 16: compute the metrics from these fields',
    );
    expect(() => renderNsReport({ ...input(f), fields: { ...f, pred: f.pred.subarray(1) } })).toThrow(
      'fields.pred has 80639 values but [n, nt, nx, ny] = [7, 30, 24, 16] needs 80640',
    );
    expect(() => renderNsReport(input(f, { maxFrames: 1 }))).toThrow('maxFrames = 1 is not allowed: use an integer >= 2');
    expect(() => renderNsReport(input(f, { maxGrid: 0 }))).toThrow('maxGrid = 0 is not allowed: use an integer >= 2');
  });
});
