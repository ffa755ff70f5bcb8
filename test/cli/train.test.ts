/**
 * The ML side through the CLI on a tiny problem: train → evaluate → report, interruption and
 * resume, and the bad-input errors (unknown model, backend not installed, changed config on resume,
 * missing run, a dataset the model cannot take); window training with pushforward on 2D data and
 * its rollout evaluation; ensembles, the noise head and dropout (--ensemble, --loss gaussian-nll,
 * --dropout).
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pdes, pdesInterrupted, ROOT, tmpDir } from '../helpers/cli.js';
import { launchBrowser, renderPageInBrowser } from '../helpers/browser.js';
import { h5ready, writeCanonical } from '../../src/data/index.js';
import { write2d } from '../training/helpers.js';

const MODEL = ['--modes', '8', '--width', '16', '--layers', '2', '--train', '30', '--val', '5', '--test', '5', '--batch-size', '10', '-q'];

describe('pdes train / evaluate / report', () => {
  let dir: string;
  let data: string;
  let run: string;
  beforeAll(() => {
    dir = tmpDir();
    data = path.join(dir, 'burgers.h5');
    const g = pdes(['generate', 'burgers-fno', '--samples', '40', '--nx', '64', '--solve-nx', '256', '--frames', '3', '-q', '-o', data]);
    expect(g.code, g.stderr).toBe(0);
    run = path.join(dir, 'run');
    const r = pdes(['train', 'fno', '--data', data, '--out', run, '--epochs', '3', ...MODEL]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^trained 3 epochs: train loss [\d.e-]+, validation loss [\d.e-]+; run in /);
    expect(r.stderr).toMatch(/^backend: wasm \(tfjs 4\.22\.0/);
  });

  it('writes the run directory: config, one metrics line per epoch, checkpoint', () => {
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    expect(config).toMatchObject({ epochs: 3, batchSize: 10, model: { kind: 'fno', nModes: [8], width: 16, nLayers: 2 } });
    const lines = fs
      .readFileSync(path.join(run, 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.epoch)).toEqual([1, 2, 3]);
    for (const l of lines) expect(Number.isFinite(l.trainLoss) && Number.isFinite(l.valLoss)).toBe(true);
    expect(fs.existsSync(path.join(run, 'checkpoint.safetensors'))).toBe(true);
  });

  it('evaluates: every metric per sample and aggregated, and at coarser resolutions', () => {
    const r = pdes(['evaluate', '--run', run, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ev = JSON.parse(r.stdout);
    expect(ev.split).toBe('test');
    expect(ev.indices).toHaveLength(5);
    expect(ev.metrics.perSample).toHaveLength(5);
    for (const k of ['relL2', 'rmse', 'nrmse', 'crmse', 'brmse', 'fLow', 'fMid', 'fHigh', 'maxErr']) {
      expect(ev.metrics.mean[k], k).toBeGreaterThanOrEqual(0);
    }
    expect(ev.resolution.map((x: { nx: number }) => x.nx)).toEqual([64, 32, 16]);
    expect(JSON.parse(fs.readFileSync(path.join(run, 'eval.json'), 'utf8')).metrics.mean.relL2).toBe(ev.metrics.mean.relL2);
  });

  it('writes the report page', () => {
    const out = path.join(dir, 'report.html');
    const r = pdes(['report', '--run', run, '-o', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*report\.html \(test relative L2 [\d.e-]+\)/);
    const html = fs.readFileSync(out, 'utf8');
    expect(html).toContain('Plotly.newPlot');
    expect(html).toContain('best: sample');
  });

  it.each([
    [['train', 'unet', '--data', 'x.h5', '--out', 'r'], "unknown model 'unet': known models are fno"],
    [['train', 'fno', '--out', 'r'], 'pdes train needs a dataset: --data FILE.h5'],
    [['train', 'fno', '--data', 'x.h5', '--out', 'r', '--backend', 'gpu'], "--backend=gpu is not allowed: use 'tensorflow', 'wasm', 'cpu'"],
    [['train', 'fno', '--data', 'x.h5', '--out', 'r', '--backend', 'tensorflow'], "backend 'tensorflow' is not installed: npm install @tensorflow/tfjs-node"],
    [['train', 'fno', '--data', 'x.h5', '--out', 'r', '--epochs', '0'], '--epochs=0 is not allowed'],
    [['train', 'fno', '--data', 'x.h5', '--out', 'r', '--optimizer', 'sgd'], 'sgd'],
    [['evaluate'], 'pdes evaluate needs a run: --run DIR'],
  ])('%j is a usage error (exit 2), one line', (args, msg) => {
    const r = pdes(args as string[]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(msg);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses --resume with a changed config, and a run directory that is not a run', () => {
    const r = pdes(['train', 'fno', '--data', data, '--out', run, '--epochs', '4', ...MODEL, '--lr', '0.01', '--resume']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/resume: .*lr: 0\.001 vs 0\.01/);
    const missing = pdes(['evaluate', '--run', path.join(dir, 'nothing')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no checkpoint at');
  });

  it('--ensemble M --ensemble-workers 2 --loss gaussian-nll --dropout X writes an ensemble of run directories', () => {
    const ens = path.join(dir, 'ens');
    const r = pdes([
      'train',
      'fno',
      '--data',
      data,
      '--out',
      ens,
      '--epochs',
      '1',
      ...MODEL,
      '--ensemble',
      '2',
      '--ensemble-workers',
      '2',
      '--loss',
      'gaussian-nll',
      '--dropout',
      '0.1',
      '--seed',
      '3',
    ]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^trained an ensemble of 2 members, 1 epochs each: mean train loss [\d.e-]+, validation loss [\d.e-]+; ensemble in /);
    const manifest = JSON.parse(fs.readFileSync(path.join(ens, 'ensemble.json'), 'utf8'));
    expect(manifest).toMatchObject({ ensemble: 2, seeds: [3, 4], splitSeed: 3, options: { loss: 'gaussian-nll', seed: 3 } });
    for (const i of [0, 1]) {
      const config = JSON.parse(fs.readFileSync(path.join(ens, `member-${i}`, 'config.json'), 'utf8'));
      expect(config).toMatchObject({ seed: 3 + i, splitSeed: 3, loss: 'gaussian-nll', model: { kind: 'fno', outChannels: 2, dropout: 0.1, seed: 3 + i } });
    }
    const again = pdes([
      'train',
      'fno',
      '--data',
      data,
      '--out',
      ens,
      '--epochs',
      '1',
      ...MODEL,
      '--ensemble',
      '2',
      '--loss',
      'gaussian-nll',
      '--dropout',
      '0.1',
      '--seed',
      '3',
      '--resume',
    ]);
    expect(again.code, again.stderr).toBe(0);
    const e = pdes(['evaluate', '--run', path.join(ens, 'member-1'), '--json']);
    expect(e.code, e.stderr).toBe(0);
    expect(JSON.parse(e.stdout).metrics.mean.relL2).toBeGreaterThan(0);
  });

  it.each([
    [['--ensemble-workers', '2'], '--ensemble-workers needs --ensemble N (members)'],
    [['--ensemble', '0'], '--ensemble=0 is not allowed: use an integer >= 1 (members)'],
    [['--dropout', '1.5'], 'fno config: --dropout=1.5 is not allowed: use a rate in [0, 1)'],
    [['--loss', 'nll'], "--loss=nll is not allowed: use 'rel-l2', 'mse', 'gaussian-nll'"],
  ])('pdes train %j is a usage error (exit 2), one line', (flags, msg) => {
    const r = pdes(['train', 'fno', '--data', data, '--out', path.join(dir, 'bad'), ...flags]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toBe(`pdes train: ${msg}`);
  });

  it('refuses a dataset too coarse for the model, naming the grid', () => {
    const coarse = path.join(dir, 'coarse.h5');
    expect(pdes(['generate', 'burgers-fno', '--samples', '40', '--nx', '8', '--solve-nx', '256', '--frames', '3', '-q', '-o', coarse]).code).toBe(0);
    const r = pdes(['evaluate', '--run', run, '--data', coarse, '--strides', '1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/8/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1); // the error alone: the backend line comes with results
  });

  it('refuses a dataset with another grid rank than the checkpoint (2D data for a 1D model)', async () => {
    await h5ready();
    const twoD = path.join(dir, 'two-d.h5');
    const [n, nt, nx, ny] = [40, 3, 16, 16];
    writeCanonical(
      twoD,
      {
        shape: [n, nt, nx, ny],
        coordinates: {
          x: Float64Array.from({ length: nx }, (_, i) => i / nx),
          y: Float64Array.from({ length: ny }, (_, i) => i / ny),
          t: Float64Array.from([0, 0.5, 1]),
        },
        attrs: { Nu: 0.1 },
      },
      () => new Float32Array(nt * nx * ny),
    );
    const r = pdes(['evaluate', '--run', run, '--data', twoD]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${twoD} has a 2D grid [16, 16]; the checkpoint was trained on a 1D grid [64]: evaluate on 1D data`);
    expect(r.stderr.trim().split('\n')).toHaveLength(1); // the error alone: the backend line comes with results
  });

  it('stops on SIGINT with a checkpoint (exit 130) and --resume finishes the run', async () => {
    const run2 = path.join(dir, 'run2');
    const metrics = path.join(run2, 'metrics.jsonl');
    const { code, stderr } = await pdesInterrupted(
      ['train', 'fno', '--data', data, '--out', run2, '--epochs', '400', ...MODEL],
      () => fs.existsSync(metrics) && fs.readFileSync(metrics, 'utf8').trim().split('\n').length >= 2,
      'SIGINT',
    );
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/i);
    const done = fs.readFileSync(path.join(run2, 'metrics.jsonl'), 'utf8').trim().split('\n').length;
    expect(done).toBeLessThan(400);
    const r = pdes(['train', 'fno', '--data', data, '--out', run2, '--epochs', String(done + 2), ...MODEL, '--resume']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`trained ${done + 2} epochs`);
  });

  it('next-step training is evaluated by rollout, and both real reports render in Chromium', async () => {
    const run3 = path.join(dir, 'run-next');
    const t = pdes(['train', 'fno', '--data', data, '--out', run3, '--epochs', '2', '--mapping', 'next-step', ...MODEL]);
    expect(t.code, t.stderr).toBe(0);
    const e = pdes(['evaluate', '--run', run3, '--json']);
    expect(e.code, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    // 3 frames: the rollout predicts frames 1 and 2 from frame 0.
    expect(ev.metrics.perFrame.relL2).toHaveLength(2);
    const pages = [path.join(dir, 'final.html'), path.join(dir, 'rollout.html')];
    expect(pdes(['report', '--run', run, '-o', pages[0]]).code).toBe(0);
    expect(pdes(['report', '--run', run3, '-o', pages[1]]).code).toBe(0);
    expect(fs.readFileSync(pages[0], 'utf8')).not.toContain('id="rollout-fields"');
    expect(fs.readFileSync(pages[1], 'utf8')).toContain('id="rollout-fields"');
    const browser = await launchBrowser();
    try {
      for (const [k, page] of pages.entries()) {
        const figures = (fs.readFileSync(page, 'utf8').match(/class="plot"/g) ?? []).length;
        const r = await renderPageInBrowser(browser, page, figures, { screenshot: path.join(ROOT, 'dist', 'test-artifacts', `run-report-${k}.png`) });
        expect(r.pageErrors).toEqual([]);
        expect(r.consoleErrors).toEqual([]);
        expect(r.plots.length).toBe(figures);
        for (const p of r.plots) expect(p.hasSvg, p.id).toBe(true);
      }
    } finally {
      await browser.close();
    }
  });
});

describe('pdes train --mapping window / evaluate --rollout-steps on 2D data', () => {
  // The toy model (test/training/toy_model.js) takes 2D grids and any channel counts.
  const TOY = ['--model-module', 'test/training/toy_model.js'];
  const TRAIN = ['--train', '8', '--val', '2', '--test', '2', '--batch-size', '8', '--epochs', '2', '-q'];
  let dir: string;
  let data: string;
  let run: string;
  beforeAll(async () => {
    await h5ready();
    dir = tmpDir();
    data = write2d(path.join(dir, 'waves.h5'), { samples: 12, nt: 8, nx: 8, ny: 8 });
    run = path.join(dir, 'run');
    const r = pdes([
      'train',
      'toy-conv',
      ...TOY,
      '--data',
      data,
      '--out',
      run,
      '--mapping',
      'window',
      '--history',
      '2',
      '--future',
      '1',
      '--pushforward',
      '1',
      ...TRAIN,
    ]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('fills the model channels from the window and records the mapping', () => {
    const config = JSON.parse(fs.readFileSync(path.join(run, 'config.json'), 'utf8'));
    expect(config.mapping).toEqual({ kind: 'window', history: 2, future: 1, stride: 1, pushforward: 1 });
    expect(config.model).toMatchObject({ kind: 'toy-conv', inChannels: 2, outChannels: 1 });
    expect(config.modelModules).toEqual(['test/training/toy_model.js']);
  });

  it('evaluates by rollout from the first history frames: frames, times and per-frame errors in eval.json', () => {
    const r = pdes(['evaluate', '--run', run, ...TOY, '--rollout-steps', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const ev = JSON.parse(r.stdout);
    expect(ev.mapping).toEqual({ kind: 'window', history: 2, future: 1, stride: 1, pushforward: 1 });
    expect(ev.rollout.inputFrames).toEqual([0, 1]);
    expect(ev.rollout).toMatchObject({ firstFrame: 2, nFrames: 3, modelCalls: 3 });
    ev.rollout.times.forEach((t: number, k: number) => expect(t).toBeCloseTo(0.1 * (k + 2), 12));
    expect(ev.metrics.perFrame.relL2).toHaveLength(3);
    expect(ev.metrics.perSample).toHaveLength(2);
    expect(ev.metrics2d).toMatchObject({ grid: [8, 8], channels: 1 });
    // Flow diagnostics against the DNS, on times measured from the last input frame (t = 0.1).
    const ns = ev.metrics2d.ns;
    expect(ns.correlation.mean).toHaveLength(3);
    ns.times.forEach((t: number, k: number) => expect(t).toBeCloseTo(0.1 * (k + 1), 12));
    expect(ns.relL2.perFrame).toHaveLength(3);
    ns.relL2.perFrame.forEach((v: number, k: number) => expect(v).toBeCloseTo(ev.metrics.perFrame.relL2[k], 5));
    expect(ns.highCorrelationTime.perSample).toHaveLength(2);
    expect(ev.resolution).toMatchObject([{ nx: 8, grid: [8, 8], stride: 1 }]);
    expect(ev.resolution[0].relL2).toBeCloseTo(ev.metrics.mean.relL2, 12);
    expect(JSON.parse(fs.readFileSync(path.join(run, 'eval.json'), 'utf8'))).toEqual(ev);
    const text = pdes(['evaluate', '--run', run, ...TOY]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/rollout: 6 frames from t=0\.2 to t=0\.7\d*; relative L2 per frame( [\d.e-]+){6}\n/);
    expect(text.stdout).toMatch(
      /vorticity correlation with the DNS: [\d.e-]+ at the first frame, [\d.e-]+ at the last; time above 0\.8: median [\d.e-]+, mean [\d.e-]+/,
    );
    const page = path.join(dir, 'report.html');
    const rep = pdes(['report', '--run', run, ...TOY, '-o', page]);
    expect(rep.code, rep.stderr).toBe(0);
    const html = fs.readFileSync(page, 'utf8');
    // A single-field 2D rollout gets the DNS comparison report (vorticity, correlation, spectra).
    expect(html).toContain('id="ns-vorticity"');
    expect(html).toContain('id="ns-correlation"');
    expect(html).toContain('id="ns-spectra"');
  });

  it('refuses data that does not fit the checkpoint: one line naming both values, exit 2, nothing written', () => {
    const before = fs.readFileSync(path.join(run, 'eval.json'), 'utf8');
    const short = write2d(path.join(dir, 'short.h5'), { samples: 12, nt: 2, nx: 8, ny: 8 });
    const coarse = write2d(path.join(dir, 'coarse.h5'), { samples: 12, nt: 8, nx: 4, ny: 4 });
    const twoFields = write2d(path.join(dir, 'two-fields.h5'), { samples: 12, nt: 8, nx: 8, ny: 8, channels: 2 });
    const cases: [string[], string][] = [
      [['--data', short], `${short} has 2 frames; the checkpoint's --history=2 at stride 1 needs at least 3 (history + 1 frames)`],
      [['--data', coarse], `${coarse} gives a [4, 4] grid at subsample 1; the checkpoint was trained on [8, 8]`],
      [['--data', twoFields], `${twoFields} has 2 field(s) per point; the checkpoint was trained on 1`],
      [['--rollout-steps', '7'], `--rollout-steps=7 is not allowed for ${data} with 8 frames (history 2, stride 1): use 1 to 6`],
    ];
    for (const [args, message] of cases) {
      const r = pdes(['evaluate', '--run', run, ...TOY, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain(`pdes evaluate: ${message}`);
      expect(r.stderr.trim().split('\n')).toHaveLength(1); // the error alone: the backend line comes with results
    }
    expect(fs.readFileSync(path.join(run, 'eval.json'), 'utf8')).toBe(before);
  });

  it('refuses model channels that do not match the window before writing anything', () => {
    const out = path.join(dir, 'bad-channels');
    const r = pdes(['train', 'toy-conv', ...TOY, '--data', data, '--out', out, '--mapping', 'window', '--history', '2', '--in-channels', '3', ...TRAIN]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n').pop()).toBe(
      'pdes train: model --in-channels=3 does not match --history=2 × 1 field: set --in-channels 2 or --history 3',
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});
