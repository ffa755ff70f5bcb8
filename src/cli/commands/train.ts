/** `pdes train`: a surrogate (or a deep ensemble) trained on a dataset; the trainer validates every value. */
import { modelKinds } from '../../models/registry.js';
import { initBackend, describeBackend } from '../../engine/backend.js';
import { train, resolveTrainOptions, type TrainOptionsInput } from '../../training/index.js';
import { registerModelModules } from '../../models/plugins.js';
import { EnsembleInterrupted, trainEnsemble } from '../../uq/index.js';
import { CONFIG_OPTION } from '../config_file.js';
import { CliUsageError, libraryOptions, type OptionDecl, type Values } from '../options.js';
import { QUIET, withInterrupts, type Command } from './command.js';

/** Every option of src/training's TrainOptionsInput, plus the ensemble's (src/uq). */
export const TRAIN_OPTIONS: OptionDecl[] = [
  CONFIG_OPTION,
  { flag: 'data', field: 'data', type: 'string', value: 'FILE.h5', help: 'the dataset (PDEBench layout)' },
  { flag: 'out', short: 'o', field: 'out', type: 'string', value: 'DIR', help: 'the run directory' },
  { flag: 'epochs', field: 'epochs', type: 'int', value: 'N', default: '500, the FNO paper', help: 'epochs' },
  { flag: 'batch-size', field: 'batchSize', type: 'int', value: 'N', default: '20', help: 'samples per step' },
  { flag: 'optimizer', field: 'optimizer.kind', type: 'string', value: 'K', help: 'adam (L2 weight decay, as the FNO code) | adamw (decoupled)' },
  { flag: 'lr', field: 'optimizer.lr', type: 'number', value: 'X', default: '1e-3', help: 'learning rate' },
  { flag: 'weight-decay', field: 'optimizer.weightDecay', type: 'number', value: 'X', default: '1e-4', help: 'weight decay' },
  { flag: 'schedule', field: 'schedule.kind', type: 'string', value: 'K', help: 'step (default: halve every 100 epochs) | cosine | constant' },
  { flag: 'step-size', field: 'schedule.stepSize', type: 'int', value: 'N', help: 'step schedule: epochs per step' },
  { flag: 'gamma', field: 'schedule.gamma', type: 'number', value: 'X', help: 'step schedule: factor per step' },
  {
    flag: 'loss',
    field: 'loss',
    type: 'string',
    value: 'K',
    help: 'rel-l2 (default) | mse | gaussian-nll (a noise head: mean and variance channels,\nGaussian negative log-likelihood in normalised units)',
  },
  { flag: 'normalize', field: 'normalize', type: 'string', value: 'K', help: 'pointwise (default) | scalar | none; fitted on the training split only' },
  {
    flag: 'mapping',
    field: 'mapping.kind',
    type: 'string',
    value: 'K',
    help: 'initial-to-final (u(0) -> u(T), default) | next-step (u(t) -> u(t+dt), rollouts)\n| window (k frames -> the next m, stacked as channels; rollouts)',
  },
  { flag: 'stride', field: 'mapping.stride', type: 'int', value: 'N', help: 'frames between input and output (next-step), between window frames (window)' },
  { flag: 'history', field: 'mapping.history', type: 'int', value: 'N', default: '10', help: 'window: input frames k per model call' },
  { flag: 'future', field: 'mapping.future', type: 'int', value: 'N', default: '1', help: 'window: output frames m per model call' },
  {
    flag: 'pushforward',
    field: 'mapping.pushforward',
    type: 'int',
    value: 'N',
    default: '0',
    help: 'window: unroll the model N times without gradient before the loss\n(Brandstetter et al. 2022)',
  },
  {
    flag: 'model-config',
    field: 'model',
    type: 'json',
    value: 'JSON',
    help: `model config fields, e.g. '{"projectionChannels": 32}' (the flags below override it)`,
  },
  {
    flag: 'n-modes',
    field: 'model.nModes',
    type: 'int-or-ints',
    value: 'N[,N..]',
    default: '16',
    aliases: ['modes'],
    help: 'FNO Fourier modes: one per axis, or one for every axis',
  },
  { flag: 'modes1', field: 'model.modes1', type: 'int', value: 'N', help: 'Fourier modes along x (fno2d, fno3d)' },
  { flag: 'modes2', field: 'model.modes2', type: 'int', value: 'N', help: 'Fourier modes along y (fno2d, fno3d)' },
  { flag: 'modes3', field: 'model.modes3', type: 'int', value: 'N', help: 'Fourier modes along t (fno3d)' },
  { flag: 'width', field: 'model.width', type: 'int', value: 'N', default: '64', help: 'FNO channel width' },
  { flag: 'n-layers', field: 'model.nLayers', type: 'int', value: 'N', default: '4', aliases: ['layers'], help: 'FNO Fourier layers' },
  { flag: 'in-channels', field: 'model.inChannels', type: 'int', value: 'N', default: 'history x fields', help: 'model input channels' },
  { flag: 'out-channels', field: 'model.outChannels', type: 'int', value: 'N', default: 'future x fields', help: 'model output channels' },
  {
    flag: 'out-frames',
    field: 'model.outFrames',
    type: 'int',
    value: 'N',
    default: 'future',
    help: 'output frames of models with one channel per frame (fno3d)',
  },
  {
    flag: 'dropout',
    field: 'model.dropout',
    type: 'number',
    value: 'X',
    help: 'fno: dropout rate after each Fourier layer (training; MC dropout at inference)',
  },
  {
    flag: 'ensemble',
    field: 'ensemble',
    type: 'int',
    value: 'M',
    help: 'a deep ensemble of M members (seeds seed, seed+1, …; one data split): writes\nDIR/ensemble.json and DIR/member-<i>/ (each a run directory; --resume continues\nthe unfinished members)',
  },
  {
    flag: 'ensemble-workers',
    field: 'ensembleWorkers',
    type: 'int',
    value: 'N',
    default: 'all cores',
    help: 'members trained at a time, one worker thread each',
  },
  {
    flag: 'model-module',
    field: 'modelModules',
    type: 'strings',
    value: 'FILE',
    help: 'import FILE and register the model kinds it exports as modelEntries\n(repeatable; workers import it too)',
  },
  { flag: 'train', field: 'split.train', type: 'number', value: 'N', help: 'training samples: a count, or a fraction < 1 (default: the rest)' },
  { flag: 'val', field: 'split.val', type: 'number', value: 'N', default: '0.1', help: 'validation samples: a count, or a fraction < 1' },
  { flag: 'test', field: 'split.test', type: 'number', value: 'N', default: '0.1', help: 'test samples: a count, or a fraction < 1' },
  { flag: 'subsample', field: 'subsample', type: 'int', value: 'N', help: "spatial stride of the data (FNO's sub)" },
  { flag: 'seed', field: 'seed', type: 'int', value: 'N', help: 'seeds weights, split and batch order' },
  { flag: 'workers', field: 'workers', type: 'int', value: 'N', default: '1', help: 'threads for data-parallel training' },
  { flag: 'checkpoint-every', field: 'checkpointEvery', type: 'int', value: 'N', default: '10', help: 'epochs between checkpoints' },
  { flag: 'backend', field: 'backend', type: 'string', value: 'NAME', help: 'tensorflow | wasm | cpu (or PDES_BACKEND)' },
  { flag: 'resume', field: 'resume', type: 'boolean', help: 'continue the run in DIR (same options)' },
  { flag: 'overwrite', field: 'overwrite', type: 'boolean', aliases: ['force'], fieldAliases: ['force'], help: 'replace a run already in DIR' },
  { flag: 'skip-resource-check', field: 'skipResourceCheck', type: 'boolean', help: 'start even when the estimated memory exceeds what is available' },
  QUIET,
];

interface Trained {
  out: string;
  lastVal: number | null;
  lastTrain: number;
  epochs: number;
  members?: number;
}

/** The library options of a command line (the --config file's, flags overriding); `kind` replaces a different model kind's fields. */
export function trainOptionsFrom(values: Values, file: Values, kind: string | undefined): Values {
  const fileModel = file.model as { kind?: unknown } | undefined;
  const sameKind = kind === undefined || fileModel?.kind === undefined || fileModel.kind === kind;
  const opts = libraryOptions(TRAIN_OPTIONS, values, sameKind ? file : { ...file, model: {} });
  if (kind !== undefined) opts.model = { ...(opts.model as Values | undefined), kind };
  return opts;
}

async function runTrain(opts: Values, quiet: boolean, say: (s: string) => void): Promise<Trained> {
  const { ensemble: members, ensembleWorkers, ...rest } = opts as Values & { ensemble?: number; ensembleWorkers?: number };
  await registerModelModules((rest.modelModules as string[] | undefined) ?? []);
  if (typeof (rest.model as { kind?: unknown } | undefined)?.kind !== 'string')
    throw new CliUsageError(`pdes train takes a model kind (known: ${modelKinds().join(', ')})`);
  if (!rest.data) throw new CliUsageError('pdes train needs a dataset: --data FILE.h5');
  if (!rest.out) throw new CliUsageError('pdes train needs a run directory: --out DIR');
  const input = rest as unknown as TrainOptionsInput;
  if (members === undefined && ensembleWorkers !== undefined) throw new CliUsageError('--ensemble-workers needs --ensemble N (members)');
  if (members !== undefined && members < 1) throw new CliUsageError(`--ensemble=${members} is not allowed: use an integer >= 1 (members)`);
  if (ensembleWorkers !== undefined && ensembleWorkers < 1)
    throw new CliUsageError(`--ensemble-workers=${ensembleWorkers} is not allowed: use an integer >= 1`);
  // Validate everything before touching the engine, so bad input gets its one line and nothing else.
  resolveTrainOptions(input);
  const info = await initBackend(input.backend ?? undefined);
  // The banner once the run has passed every check: an error is then the only line.
  const onStart = (): void =>
    say(`backend: ${describeBackend()}${info.name === 'wasm' ? ' (install @tensorflow/tfjs-node or -node-gpu for the native backend)' : ''}`);
  const progress = quiet ? false : process.stderr;
  if (members !== undefined) {
    const ens = await withInterrupts((signal) =>
      trainEnsemble({ ...input, backend: info.name, ensemble: members, ensembleWorkers }, { signal, progress, onStart }),
    );
    const lasts = ens.members.map((m) => m.metrics[m.metrics.length - 1]);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    const vals = lasts.map((l) => l?.valLoss).filter((x): x is number => typeof x === 'number');
    return {
      out: ens.dir,
      lastVal: vals.length === lasts.length ? mean(vals) : null,
      lastTrain: mean(lasts.map((l) => l?.trainLoss ?? NaN)),
      epochs: lasts[0]?.epoch ?? 0,
      members,
    };
  }
  const res = await withInterrupts((signal) => train({ ...input, backend: info.name }, { signal, progress, onStart }));
  res.model.dispose();
  const last = res.metrics[res.metrics.length - 1];
  return { out: String(input.out), lastVal: last?.valLoss ?? null, lastTrain: last?.trainLoss ?? NaN, epochs: last?.epoch ?? 0 };
}

export const trainCommand: Command = {
  summary: 'train a surrogate on a dataset (checkpoints, resume, data-parallel workers)',
  usage: 'pdes train <model> --data FILE.h5 --out DIR [options]',
  intro: `Models: ${modelKinds().join(', ')}. Writes DIR/config.json, DIR/metrics.jsonl (one line per epoch) and
DIR/checkpoint.safetensors (every --checkpoint-every epochs, at the end, and on Ctrl-C).
'pdes train <model> --config RUN/config.json --out RUN2' trains RUN again, bit for bit.`,
  options: TRAIN_OPTIONS,
  fileKeys: ['splitSeed'],
  run: async ({ values, positionals, file }) => {
    if (positionals.length > 1) throw new CliUsageError(`pdes train takes one model kind, got ${positionals.length}`);
    let r: Trained;
    try {
      r = await runTrain(trainOptionsFrom(values, file, positionals[0]), Boolean(values.quiet), (s) => process.stderr.write(`${s}\n`));
    } catch (e) {
      if (!(e instanceof EnsembleInterrupted)) throw e;
      process.stderr.write(`pdes train: ${e.message}\n`);
      return e.exitCode;
    }
    const losses = `train loss ${r.lastTrain.toPrecision(4)}${r.lastVal === null ? '' : `, validation loss ${r.lastVal.toPrecision(4)}`}`;
    if (r.members !== undefined)
      process.stdout.write(`trained an ensemble of ${r.members} members, ${r.epochs} epochs each: mean ${losses}; ensemble in ${r.out}\n`);
    else process.stdout.write(`trained ${r.epochs} epochs: ${losses}; run in ${r.out}\n`);
    return 0;
  },
};
