/** `pdes demo`: runDemo (src/demo.ts) with its account printed. */
import { runDemo, type DemoOptions } from '../../demo.js';
import { libraryOptions, type OptionDecl } from '../options.js';
import { QUIET, withInterrupts, type Command } from './command.js';

const OPTIONS: OptionDecl[] = [
  { flag: 'out', short: 'o', field: 'dir', type: 'string', value: 'DIR', default: 'runs/demo', help: 'the folder to write' },
  { flag: 'workers', field: 'workers', type: 'int', value: 'N', default: 'min(2, cores)', help: 'worker threads' },
  { flag: 'epochs', field: 'epochs', type: 'int', value: 'N', default: '120', help: 'training epochs' },
  { flag: 'samples', field: 'samples', type: 'int', value: 'N', default: '300', help: 'samples generated' },
  { flag: 'backend', field: 'backend', type: 'string', value: 'NAME', help: 'tensorflow | wasm | cpu (or PDES_BACKEND)' },
  QUIET,
];

export const demo: Command = {
  summary: 'the main job on an embedded default: generate Burgers data, train FNO-1D on both cores, evaluate, report',
  usage: 'pdes demo [--out DIR] [--workers N] [--epochs N] [--samples N]',
  intro: `Generates DIR/burgers.h5 (burgers-fno at nx=256, 300 samples), plots samples (DIR/samples.html),
trains FNO-1D u(0) -> u(1) for 120 epochs on all cores (DIR/run), evaluates the test split and writes
DIR/report.html. About 3-4 minutes on 2 cores.`,
  options: OPTIONS,
  run: async ({ values }) => {
    const opts = libraryOptions(OPTIONS, values) as DemoOptions;
    await withInterrupts((signal) => runDemo({ ...opts, progress: !values.quiet, signal, say: (s) => process.stdout.write(`${s}\n`) }));
    return 0;
  },
};
