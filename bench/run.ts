/**
 * `npm run bench [-- NAME ...]`: runs the benchmarks (each against its peer in the same run, on
 * this machine) one after another and writes bench/results/NAME.json. Benchmarks are not tests:
 * they report figures and whether the issue's target was met; they never fail the build.
 */
import fs from 'node:fs';
import path from 'node:path';
import { machineInfo, projectRoot, type BenchResult } from './common.js';

const BENCHES: Record<string, () => Promise<{ run: () => Promise<BenchResult> }>> = {
  burgers_fv: () => import('./burgers_fv.js'),
  burgers_spectral: () => import('./burgers_spectral.js'),
  generation: () => import('./generation.js'),
  fno_step: () => import('./fno_step.js'),
  fno_train_throughput: () => import('./fno_train_throughput.js'),
  ns2d_step: () => import('./ns2d_step.js'),
  fno2d_step: () => import('./fno2d_step.js'),
  projection: () => import('./projection.js'),
  ensemble: () => import('./ensemble.js'),
};

/** Long runs (tens of minutes): only when named, e.g. `npm run bench -- fno_accuracy`. */
const LONG: Record<string, () => Promise<{ run: () => Promise<BenchResult> }>> = {
  fno_accuracy: () => import('./fno_accuracy.js'),
  fno_accuracy_ref: () => import('./fno_accuracy.js').then((m) => ({ run: m.runRef })),
  ns_accuracy: () => import('./ns_accuracy.js'),
  uq_gpme: () => import('./uq_gpme.js'),
};

async function main(): Promise<void> {
  const want = process.argv.slice(2);
  const all = { ...BENCHES, ...LONG };
  for (const w of want) {
    if (!all[w]) {
      process.stderr.write(`unknown benchmark '${w}': known are ${Object.keys(all).join(', ')}\n`);
      process.exit(2);
    }
  }
  const names = want.length ? want : Object.keys(BENCHES);
  const outDir = path.join(projectRoot(), 'bench', 'results');
  fs.mkdirSync(outDir, { recursive: true });
  for (const name of names) {
    process.stderr.write(`bench ${name} ...\n`);
    const mod = await all[name]();
    const res = await mod.run();
    const record = { ...res, date: new Date().toISOString(), machine: machineInfo() };
    fs.writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(record, null, 2)}\n`);
    const ratios = Object.entries(res.ratios)
      .map(([k, v]) => `${k}=${v.toFixed(2)}`)
      .join(' ');
    process.stdout.write(`${name}: ${ratios}${res.target ? `  target ${res.target}: ${res.met ? 'met' : 'NOT met'}` : ''}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
