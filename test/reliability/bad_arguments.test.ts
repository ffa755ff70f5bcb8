/**
 * A table of bad command lines, every command: each exits 2 with exactly one line on stderr
 * naming the flag or value at fault (and nothing on stdout), and leaves no file behind — neither
 * in the folder it ran in nor next to the inputs it was given.
 */
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { pdes, tmpDir } from '../helpers/cli.js';

interface Fixtures {
  dir: string;
  data: string;
  six: string;
  run: string;
  shard: string;
  notShard: string;
  dirOut: string;
}

let fx: Fixtures;

/** Every file under `dir` with its size and modification time, for "nothing changed" checks. */
function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        out[`${p}/`] = 'dir';
        walk(p);
      } else {
        const st = fs.statSync(p);
        out[p] = `${st.size} ${st.mtimeMs}`;
      }
    }
  };
  walk(dir);
  return out;
}

beforeAll(() => {
  const dir = tmpDir('pdes-badargs-');
  const gen = (args: string[]): void => {
    const r = pdes(['generate', ...args, '-q']);
    expect(r.code, r.stderr).toBe(0);
  };
  const data = path.join(dir, 'data.h5');
  gen(['burgers-fno', '--samples', '12', '--nx', '32', '--solve-nx', '128', '--frames', '3', '-o', data]);
  const six = path.join(dir, 'six.h5');
  gen(['burgers-fno', '--samples', '6', '--nx', '32', '--solve-nx', '128', '--frames', '2', '-o', six]);
  const shard = path.join(dir, 'shard-0.h5');
  gen(['burgers-fno', '--samples', '12', '--nx', '32', '--solve-nx', '128', '--frames', '3', '--shard', '0/2', '-o', shard]);
  const run = path.join(dir, 'run');
  const t = pdes([
    'train',
    'fno',
    '--data',
    data,
    '--out',
    run,
    '--epochs',
    '1',
    '--modes',
    '4',
    '--width',
    '8',
    '--layers',
    '1',
    '--train',
    '8',
    '--val',
    '2',
    '--test',
    '2',
    '--batch-size',
    '4',
    '-q',
  ]);
  expect(t.code, t.stderr).toBe(0);
  const dirOut = path.join(dir, 'a-folder');
  fs.mkdirSync(dirOut);
  fx = { dir, data, six, run, shard, notShard: data, dirOut };
});

const GEN = ['generate', 'burgers-fno', '-o', 'x.h5', '-q'];
const TRAIN = (f: Fixtures): string[] => [
  'train',
  'fno',
  '--data',
  f.data,
  '--out',
  'r',
  '--modes',
  '4',
  '--width',
  '8',
  '--layers',
  '1',
  '--train',
  '8',
  '--val',
  '2',
  '--test',
  '2',
  '-q',
];

/** [name, args (built from the fixtures), what the one line must say]. */
const CASES: [string, (f: Fixtures) => string[], RegExp][] = [
  // pdes itself
  ['no command', () => [], /^$/],
  ['unknown command', () => ['frobnicate'], /unknown command 'frobnicate': known commands are/],
  ['help of an unknown command', () => ['help', 'frobnicate'], /unknown command 'frobnicate'/],
  // generate
  ['generate without a recipe', () => ['generate', '-o', 'x.h5'], /takes one recipe name/],
  ['generate, two recipes', () => ['generate', 'burgers-fno', 'gpme-heat', '-o', 'x.h5'], /takes one recipe name/],
  ['generate, unknown recipe', () => ['generate', 'nope', '-o', 'x.h5'], /unknown recipe 'nope': known recipes are/],
  ['generate without -o', () => ['generate', 'burgers-fno'], /needs an output file: -o FILE\.h5/],
  ['generate --samples 0', () => [...GEN, '--samples', '0'], /--samples=0 is not allowed/],
  ['generate --samples -3', () => [...GEN, '--samples', '-3'], /--samples=-3 is not allowed/],
  ['generate --samples 1.5', () => [...GEN, '--samples', '1.5'], /--samples=1\.5 is not an integer/],
  ['generate --samples abc', () => [...GEN, '--samples', 'abc'], /--samples=abc is not an integer/],
  ['generate --nx 0', () => [...GEN, '--nx', '0'], /--nx=0 is not allowed/],
  ['generate --solve-nx not a multiple', () => [...GEN, '--nx', '64', '--solve-nx', '100'], /--solve-nx=100 is not allowed with --nx=64/],
  ['generate --nu -1', () => [...GEN, '--nu', '-1'], /--nu=-1/],
  ['generate --seed -1', () => [...GEN, '--seed', '-1'], /--seed=-1 is not allowed/],
  ['generate --frames 0', () => [...GEN, '--frames', '0'], /--frames=0 is not allowed/],
  ['generate --t-end 0', () => [...GEN, '--t-end', '0'], /--t-end=0 is not allowed/],
  ['generate --workers 0', () => [...GEN, '--workers', '0'], /--workers=0 is not allowed/],
  ['generate --workers 1.5', () => [...GEN, '--workers', '1.5'], /--workers=1\.5 is not an integer/],
  ['generate --shard 3/2', () => [...GEN, '--shard', '3/2'], /--shard/],
  ['generate --shard abc', () => [...GEN, '--shard', 'abc'], /--shard/],
  ['generate --method', () => [...GEN, '--method', 'magic'], /--method=magic/],
  ['generate burgers-pdebench --flux', () => ['generate', 'burgers-pdebench', '-o', 'x.h5', '--flux', 'magic'], /--flux=magic/],
  ['generate burgers-pdebench --cfl 0', () => ['generate', 'burgers-pdebench', '-o', 'x.h5', '--cfl', '0'], /--cfl=0/],
  ['generate burgers-pdebench --nu off the list', () => ['generate', 'burgers-pdebench', '-o', 'x.h5', '--nu', '0.123'], /--nu=0\.123/],
  ['generate --ic', () => [...GEN, '--ic', 'magic'], /--ic=magic/],
  ['generate ns --forcing', () => ['generate', 'ns-fno-nu1e-3', '-o', 'x.h5', '--forcing', 'magic'], /--forcing=magic/],
  [
    'generate ns --dt above the bound',
    () => ['generate', 'ns-fno-nu1e-3', '-o', 'x.h5', '--samples', '2', '--solve-nx', '64', '--nx', '64', '--scheme', 'cn-euler', '--dt', '1'],
    /--dt|bound/,
  ],
  ['generate gpme --parameter abc', () => ['generate', 'gpme-heat', '-o', 'x.h5', '--parameter', 'abc'], /--parameter/],
  ['generate gpme --parameter-range 5:1', () => ['generate', 'gpme-heat', '-o', 'x.h5', '--parameter-range', '5:1'], /--parameter-range=5:1/],
  ['generate -o a folder', (f) => ['generate', 'burgers-fno', '-o', f.dirOut], /is a directory: give a file path/],
  [
    'generate over a file without --overwrite',
    (f) => ['generate', 'burgers-fno', '--samples', '12', '--nx', '32', '--solve-nx', '128', '--frames', '3', '-o', f.data],
    /exists: pass --resume to complete it or --overwrite to replace it/,
  ],
  ['generate --resume --force', () => [...GEN, '--resume', '--force'], /--resume and --force exclude each other/],
  ['generate --resume --overwrite', () => [...GEN, '--resume', '--overwrite'], /--resume and --overwrite exclude each other/],
  ['generate, an unknown flag', () => [...GEN, '--bogus'], /bogus/],
  ['generate -o ""', () => ['generate', 'burgers-fno', '-o', ''], /--out is empty/],
  ['generate larger than the disk', () => [...GEN, '--samples', String(2 ** 40)], /needs about .* free: .*--skip-resource-check/],
  // merge
  ['merge without -o', (f) => ['merge', f.shard], /needs an output file/],
  ['merge without shards', () => ['merge', '-o', 'm.h5'], /needs the shard files to join/],
  ['merge a missing file', () => ['merge', '-o', 'm.h5', 'missing.h5'], /missing\.h5: no such file/],
  ['merge -o one of its shards', (f) => ['merge', '-o', f.shard, '--force', f.shard], /is one of the shards being merged/],
  ['merge over a file without --overwrite', (f) => ['merge', '-o', f.data, f.shard], /exists: pass --overwrite to replace it/],
  ['merge a file that is not a shard', (f) => ['merge', '-o', 'm.h5', f.notShard], /is not a shard/],
  ['merge a shard twice', (f) => ['merge', '-o', 'm.h5', f.shard, f.shard], /given twice/],
  ['merge with a shard missing', (f) => ['merge', '-o', 'm.h5', f.shard], /shards 1\/2 are missing/],
  // info and plot
  ['info without a file', () => ['info'], /takes one file/],
  ['info, two files', (f) => ['info', f.data, f.data], /takes one file, got 2/],
  ['info of a missing file', () => ['info', 'missing.h5'], /missing\.h5: no such file/],
  ['info --max-samples -1', (f) => ['info', f.data, '--max-samples', '-1'], /max-?[sS]amples=-1 is not allowed/],
  ['info --max-samples x', (f) => ['info', f.data, '--max-samples', 'x'], /--max-samples=x is not an integer/],
  ['plot without -o', (f) => ['plot', f.data], /needs an output page/],
  ['plot --samples 999', (f) => ['plot', f.data, '-o', 'p.html', '--samples', '999'], /sample 999 is not in .*: use 0\.\.11/],
  ['plot --samples a', (f) => ['plot', f.data, '-o', 'p.html', '--samples', 'a'], /--samples=a is not an integer/],
  // train
  ['train without a kind', () => ['train'], /takes a model kind/],
  ['train, unknown kind', (f) => ['train', 'unet', '--data', f.data, '--out', 'r'], /unknown model 'unet'/],
  ['train without --data', () => ['train', 'fno', '--out', 'r'], /needs a dataset: --data FILE\.h5/],
  ['train without --out', (f) => ['train', 'fno', '--data', f.data], /needs a run directory: --out DIR/],
  ['train on a missing file', () => ['train', 'fno', '--data', 'missing.h5', '--out', 'r'], /missing\.h5: no such file/],
  ['train --epochs 0', (f) => [...TRAIN(f), '--epochs', '0'], /--epochs=0 is not allowed/],
  ['train --epochs -1', (f) => [...TRAIN(f), '--epochs', '-1'], /--epochs=-1 is not allowed/],
  ['train --batch-size 0', (f) => [...TRAIN(f), '--batch-size', '0'], /--batch-size=0 is not allowed/],
  ['train --lr -1', (f) => [...TRAIN(f), '--lr', '-1'], /--lr=-1 is not allowed/],
  ['train --lr abc', (f) => [...TRAIN(f), '--lr', 'abc'], /--lr=abc is not a number/],
  ['train --weight-decay -1', (f) => [...TRAIN(f), '--weight-decay', '-1'], /--weight-decay=-1 is not allowed/],
  ['train --optimizer sgd', (f) => [...TRAIN(f), '--optimizer', 'sgd'], /--optimizer=sgd is not allowed/],
  ['train --schedule magic', (f) => [...TRAIN(f), '--schedule', 'magic'], /--schedule=magic is not allowed/],
  ['train --step-size 0', (f) => [...TRAIN(f), '--step-size', '0'], /--step-size=0 is not allowed/],
  ['train --gamma -1', (f) => [...TRAIN(f), '--gamma', '-1'], /--gamma=-1 is not allowed/],
  ['train --loss nll', (f) => [...TRAIN(f), '--loss', 'nll'], /--loss=nll is not allowed/],
  ['train --normalize magic', (f) => [...TRAIN(f), '--normalize', 'magic'], /--normalize=magic is not allowed/],
  ['train --mapping magic', (f) => [...TRAIN(f), '--mapping', 'magic'], /--mapping=magic is not allowed|mapping/],
  ['train --modes 0', (f) => [...TRAIN(f), '--modes', '0'], /--modes=0 is not allowed/],
  ['train --width 0', (f) => [...TRAIN(f), '--width', '0'], /--width=0 is not allowed/],
  ['train --layers 0', (f) => [...TRAIN(f), '--layers', '0'], /--layers=0 is not allowed/],
  ['train --dropout 1.5', (f) => [...TRAIN(f), '--dropout', '1.5'], /--dropout=1\.5 is not allowed/],
  ['train --workers 0', (f) => [...TRAIN(f), '--workers', '0'], /--workers=0 is not allowed/],
  ['train --checkpoint-every 0', (f) => [...TRAIN(f), '--checkpoint-every', '0'], /--checkpoint-every=0 is not allowed/],
  ['train --subsample 0', (f) => [...TRAIN(f), '--subsample', '0'], /--subsample=0 is not allowed/],
  ['train --backend gpu', (f) => [...TRAIN(f), '--backend', 'gpu'], /--backend=gpu is not allowed/],
  ['train --ensemble 0', (f) => [...TRAIN(f), '--ensemble', '0'], /--ensemble=0 is not allowed/],
  ['train --ensemble-workers without --ensemble', (f) => [...TRAIN(f), '--ensemble-workers', '2'], /--ensemble-workers needs --ensemble N/],
  ['train --model-config not JSON', (f) => [...TRAIN(f), '--model-config', '{nope'], /--model-config is not JSON/],
  ['train --model-module missing', (f) => [...TRAIN(f), '--model-module', 'missing.mjs'], /--model-module=missing\.mjs cannot be imported: no such module/],
  [
    'train a split larger than the data',
    (f) => ['train', 'fno', '--data', f.six, '--out', 'r', '--train', '5', '--val', '1', '--test', '1', '-q'],
    /6 samples|split/,
  ],
  ['train --resume --force', (f) => [...TRAIN(f), '--resume', '--force'], /--resume and --force exclude each other/],
  [
    'train into a run without --resume or --force',
    (f) => [
      'train',
      'fno',
      '--data',
      f.data,
      '--out',
      f.run,
      '--epochs',
      '1',
      '--modes',
      '4',
      '--width',
      '8',
      '--layers',
      '1',
      '--train',
      '8',
      '--val',
      '2',
      '--test',
      '2',
      '-q',
    ],
    /already holds a training run .*: pass --resume to continue it or --overwrite to replace it/,
  ],
  ['train a model larger than memory', (f) => [...TRAIN(f), '--width', '1048576'], /needs about .* of memory.*--skip-resource-check/],
  // evaluate and report
  ['evaluate without --run', () => ['evaluate'], /needs a run: --run DIR/],
  ['evaluate --split magic', (f) => ['evaluate', '--run', f.run, '--split', 'magic'], /--split=magic is not allowed/],
  ['evaluate --strides 3', (f) => ['evaluate', '--run', f.run, '--strides', '3'], /stride 3 is not allowed/],
  ['evaluate on a missing file', (f) => ['evaluate', '--run', f.run, '--data', 'missing.h5'], /missing\.h5: no such file/],
  ['evaluate --conserve magic', (f) => ['evaluate', '--run', f.run, '--conserve', 'magic'], /--conserve=magic is not allowed/],
  ['report -o ""', (f) => ['report', '--run', f.run, '-o', ''], /--out is empty/],
  ['report without --run', () => ['report'], /needs a run: --run DIR/],
];

describe('bad command lines', () => {
  it('are at least 60', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60);
  });

  it.each(CASES.map(([name, args, say]) => [name, args, say] as const))('%s: exit 2, one line, no files', (_name, args, say) => {
    const cwd = tmpDir('pdes-badarg-');
    const before = snapshot(fx.dir);
    const r = pdes(args(fx), { cwd });
    expect(r.code, r.stderr).toBe(2);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    if (args(fx).length === 0) {
      // `pdes` alone prints its help (on stdout) and exits 2.
      expect(r.stdout).toMatch(/^pdes .*Usage: pdes <command>/s);
    } else {
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(/^pdes( [a-z]+)?: /);
      expect(lines[0]).toMatch(say);
      expect(r.stdout).toBe('');
    }
    expect(fs.readdirSync(cwd), 'files left in the working folder').toEqual([]);
    expect(snapshot(fx.dir), 'the inputs changed').toEqual(before);
  });
});
