/**
 * Training options: one typed object, every default documented, resolved by `resolveTrainOptions`,
 * which throws a one-line `TrainOptionsError` naming the field and value at fault (mljs
 * `checkOptions`). The resolved object is what `config.json` and checkpoints store.
 */
import { checkBoolean, checkOneOf, show } from '../../core/checks.js';
import type { BackendName } from '../engine/backend.js';
import type { ModelConfig } from '../models/model.js';
import { resolveModelConfig } from '../models/registry.js';
import { TrainOptionsError } from './errors.js';
import { frameStack, mappingItems, MAPPING_KINDS, type Mapping, type MappingKind } from '../inference/mapping.js';

export {
  frameStack,
  MAPPING_KINDS,
  type FrameStack,
  type InitialToFinalMapping,
  type Mapping,
  type MappingKind,
  type NextStepMapping,
  type WindowMapping,
} from '../inference/mapping.js';

/**
 * 'rel-l2' and 'mse' compare the prediction with the target (see losses.ts). 'gaussian-nll' trains
 * a Gaussian noise head (heteroscedastic aleatoric uncertainty, Nix & Weigend 1994; Lakshminarayanan
 * et al. 2017): the model's output channels are doubled — the future·C mean channels, then future·C
 * raw-variance channels — and the loss is the Gaussian negative log-likelihood in normalised units.
 */
export type LossKind = 'rel-l2' | 'mse' | 'gaussian-nll';
export const LOSS_KINDS: readonly LossKind[] = ['rel-l2', 'mse', 'gaussian-nll'];

/** Output heads per predicted value: 2 (mean, variance) for 'gaussian-nll', else 1. */
export function outputHeads(loss: LossKind): number {
  return loss === 'gaussian-nll' ? 2 : 1;
}

/** Normalizers fitted on the training split only: per grid point, one scalar, or none. */
export type NormalizeMode = 'pointwise' | 'scalar' | 'none';
export const NORMALIZE_MODES: readonly NormalizeMode[] = ['pointwise', 'scalar', 'none'];

/** The frames of a dataset that options are checked against (an `H5Dataset` has them). */
export interface DataFrames {
  path: string;
  /** Frames per sample. */
  nt: number;
  /** Fields per point C. */
  nChannels: number;
}

/**
 * Adam with L2 weight decay added to the gradient (torch.optim.Adam, as the FNO reference uses it)
 * or AdamW with decoupled decay (torch.optim.AdamW).
 */
export interface OptimizerOptions {
  /** @default 'adam' */
  kind: 'adam' | 'adamw';
  /** Base learning rate (the schedule scales it). @default 1e-3 */
  lr: number;
  /** @default 1e-4 (the FNO reference's Adam weight_decay) */
  weightDecay: number;
  /** @default 0.9 */
  beta1: number;
  /** @default 0.999 */
  beta2: number;
  /** @default 1e-8 */
  eps: number;
}

/** Learning rate as a function of the epoch (see schedules.ts). */
export type ScheduleOptions =
  /** lr · gamma^floor(epoch / stepSize) (torch StepLR; the FNO paper: 100, 0.5). */
  | { kind: 'step'; stepSize: number; gamma: number }
  /** torch CosineAnnealingLR's closed form. tMax @default epochs; etaMin @default 0. */
  | { kind: 'cosine'; tMax: number; etaMin: number }
  | { kind: 'constant' };

export interface SplitOptions {
  /** Training samples (count >= 1 or fraction in (0, 1)); null: all not in val or test. @default null */
  train: number | null;
  /** @default 0.1 */
  val: number;
  /** @default 0.1 */
  test: number;
  /** Permute samples (seeded by `seed`) before taking contiguous blocks. @default false */
  shuffle: boolean;
}

/** Fully resolved options (what `config.json` holds). */
export interface TrainOptions {
  /** HDF5 dataset path (PDEBench layout). */
  data: string;
  /** Resolved model config (registry defaults filled; `seed` defaults to the training seed). */
  model: ModelConfig;
  /** @default { kind: 'initial-to-final', inFrame: 0, outFrame: -1 } */
  mapping: Mapping;
  split: SplitOptions;
  /** @default 500 (FNO paper) */
  epochs: number;
  /** Samples (pairs) per optimizer step. @default 20 */
  batchSize: number;
  optimizer: OptimizerOptions;
  /** @default { kind: 'step', stepSize: 100, gamma: 0.5 } */
  schedule: ScheduleOptions;
  /** @default 'rel-l2' */
  loss: LossKind;
  /** @default 'pointwise' */
  normalize: NormalizeMode;
  /** Seeds the split shuffle, the batch order, dropout masks and (unless the model sets it) the weights. @default 0 */
  seed: number;
  /**
   * Seeds the split shuffle instead of `seed` (an ensemble's members differ in `seed` but share the
   * split of the ensemble's base seed); null: `seed`. @default null
   */
  splitSeed: number | null;
  /** Compute threads for data-parallel training: this thread plus workers − 1 worker threads. @default 1 */
  workers: number;
  /** Checkpoint every this many epochs (and always at the end). @default 10 */
  checkpointEvery: number;
  /** Run directory (config.json, metrics.jsonl, checkpoint.safetensors); null writes nothing. @default null */
  out: string | null;
  /** Spatial stride applied to every spatial axis (FNO's `sub`). @default 1 */
  subsample: number;
  /**
   * tfjs backend, set in this thread and every worker; null lets `initBackend` choose
   * (PDES_BACKEND, else 'tensorflow' when installed, else 'wasm'). @default null
   */
  backend: BackendName | null;
  /** Continue the run in `out` from its checkpoint. @default false */
  resume: boolean;
  /** Replace a run already in `out`. @default false */
  overwrite: boolean;
  /**
   * Train even when the estimated memory exceeds what the machine has available (or the wasm
   * heap): the check refuses such runs before the model is built. @default false
   */
  skipResourceCheck: boolean;
  /**
   * Modules (paths or file URLs) each worker thread imports before building its replica, for
   * model kinds registered outside src/models; a module's exported `modelEntries` are registered.
   * @default []
   */
  modelModules: string[];
}

type PartialMapping =
  | MappingKind
  | { kind?: MappingKind; inFrame?: number; outFrame?: number; stride?: number; history?: number; future?: number; pushforward?: number };
type PartialSchedule = ScheduleOptions['kind'] | { kind?: ScheduleOptions['kind']; stepSize?: number; gamma?: number; tMax?: number; etaMin?: number };

/** What callers pass: `data` and `model.kind` are required, everything else has a default. */
export interface TrainOptionsInput {
  data: string;
  model: { kind: string; [key: string]: unknown };
  mapping?: PartialMapping;
  split?: Partial<SplitOptions>;
  epochs?: number;
  batchSize?: number;
  optimizer?: Partial<OptimizerOptions>;
  schedule?: PartialSchedule;
  loss?: LossKind;
  normalize?: NormalizeMode;
  seed?: number;
  splitSeed?: number | null;
  workers?: number;
  checkpointEvery?: number;
  out?: string | null;
  subsample?: number;
  backend?: BackendName | null;
  resume?: boolean;
  overwrite?: boolean;
  skipResourceCheck?: boolean;
  modelModules?: string[];
}

const BACKENDS: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];

const TOP_KEYS = [
  'data',
  'model',
  'mapping',
  'split',
  'epochs',
  'batchSize',
  'optimizer',
  'schedule',
  'loss',
  'normalize',
  'seed',
  'splitSeed',
  'workers',
  'checkpointEvery',
  'out',
  'subsample',
  'backend',
  'resume',
  'overwrite',
  'skipResourceCheck',
  'modelModules',
] as const;

/**
 * Options that may change when a run is resumed: they do not change the numbers the run computes
 * (`workers` changes float32 summation order only) or, for `epochs`, extend the same run.
 */
export const RESUMABLE_CHANGES: readonly string[] = [
  'epochs',
  'workers',
  'checkpointEvery',
  'resume',
  'overwrite',
  'skipResourceCheck',
  'modelModules',
  'backend',
];

/**
 * Fills defaults and validates; throws a `TrainOptionsError` naming the field and value.
 *
 * With `data` (the dataset's frames, e.g. an open `H5Dataset`) it also fits the model to the data:
 * a model config with `inChannels` / `outChannels` (or `outFrames`) fields that the input leaves
 * out gets history·C / future·C (C fields per point; history = future = 1 for the pair mappings;
 * outChannels = 2·future·C with the 'gaussian-nll' loss: mean and variance channels), given ones
 * must match, and the mapping must fit in the file's frames.
 */
export function resolveTrainOptions(input: TrainOptionsInput, data?: DataFrames): TrainOptions {
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new TrainOptionsError(`training options ${show(input)} are not allowed: use an object`);
  checkKeys('', input, TOP_KEYS);
  if (typeof input.data !== 'string' || input.data === '')
    throw new TrainOptionsError(`data=${show(input.data)} is not allowed: use the path of an HDF5 dataset`);
  const epochs = integer('epochs', input.epochs ?? 500, 1);
  const seed = integer('seed', input.seed ?? 0, 0);
  const model = input.model as unknown;
  if (model === null || typeof model !== 'object' || Array.isArray(model) || typeof (model as { kind?: unknown }).kind !== 'string') {
    throw new TrainOptionsError(`model=${show(model)} is not allowed: use a model config with a kind, e.g. { kind: 'fno' }`);
  }
  const out = input.out ?? null;
  if (out !== null && (typeof out !== 'string' || out === '')) throw new TrainOptionsError(`out=${show(out)} is not allowed: use a directory path or null`);
  const resume = bool('resume', input.resume ?? false);
  if (resume && out === null) throw new TrainOptionsError('resume=true is not allowed without out: resuming reads the checkpoint in the run directory');
  const modelModules = input.modelModules ?? [];
  if (!Array.isArray(modelModules) || modelModules.some((m) => typeof m !== 'string' || m === '')) {
    throw new TrainOptionsError(`modelModules=${show(modelModules)} is not allowed: use an array of module paths or file URLs`);
  }
  const backend = input.backend ?? null;
  if (backend !== null && !BACKENDS.includes(backend))
    throw new TrainOptionsError(`backend=${show(backend)} is not allowed: use 'tensorflow', 'wasm', 'cpu' or null`);
  const mapping = resolveMapping(input.mapping);
  const loss = oneOf('loss', input.loss ?? 'rel-l2', LOSS_KINDS);
  const splitSeed = input.splitSeed ?? null;
  if (splitSeed !== null) integer('splitSeed', splitSeed, 0);
  return {
    data: input.data,
    model:
      data === undefined
        ? resolveModelConfig({ seed, ...(model as { kind: string }) })
        : fitModelToData({ seed, ...(model as { kind: string }) }, mapping, data, loss),
    mapping,
    split: resolveSplit(input.split),
    epochs,
    batchSize: integer('batchSize', input.batchSize ?? 20, 1),
    optimizer: resolveOptimizer(input.optimizer),
    schedule: resolveSchedule(input.schedule, epochs),
    loss,
    normalize: oneOf('normalize', input.normalize ?? 'pointwise', NORMALIZE_MODES),
    seed,
    splitSeed,
    workers: integer('workers', input.workers ?? 1, 1),
    checkpointEvery: integer('checkpointEvery', input.checkpointEvery ?? 10, 1),
    out,
    subsample: integer('subsample', input.subsample ?? 1, 1),
    backend,
    resume,
    overwrite: bool('overwrite', input.overwrite ?? false),
    skipResourceCheck: bool('skipResourceCheck', input.skipResourceCheck ?? false),
    modelModules: [...modelModules],
  };
}

function resolveMapping(m: PartialMapping | undefined): Mapping {
  const obj = typeof m === 'string' ? { kind: m } : (m ?? {});
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new TrainOptionsError(`mapping=${show(m)} is not allowed: use 'initial-to-final', 'next-step' or an object with a kind`);
  const kind = oneOf('mapping.kind', obj.kind ?? 'initial-to-final', MAPPING_KINDS);
  if (kind === 'initial-to-final') {
    checkKeys('mapping', obj, ['kind', 'inFrame', 'outFrame']);
    const inFrame = integer('mapping.inFrame', obj.inFrame ?? 0, -Number.MAX_SAFE_INTEGER);
    const outFrame = integer('mapping.outFrame', obj.outFrame ?? -1, -Number.MAX_SAFE_INTEGER);
    return { kind, inFrame, outFrame };
  }
  if (kind === 'window') {
    checkKeys('mapping', obj, ['kind', 'history', 'future', 'stride', 'pushforward']);
    return {
      kind,
      history: integer('mapping.history', obj.history ?? 10, 1),
      future: integer('mapping.future', obj.future ?? 1, 1),
      stride: integer('mapping.stride', obj.stride ?? 1, 1),
      pushforward: integer('mapping.pushforward', obj.pushforward ?? 0, 0),
    };
  }
  checkKeys('mapping', obj, ['kind', 'stride']);
  return { kind, stride: integer('mapping.stride', obj.stride ?? 1, 1) };
}

/**
 * The model config with `inChannels` / `outChannels` filled from the mapping and the data's field
 * count where the model has those fields and the input leaves them out, then checked against
 * them; and the mapping checked against the file's frames.
 */
function fitModelToData(partial: { kind: string; seed: number } & Record<string, unknown>, mapping: Mapping, data: DataFrames, loss: LossKind): ModelConfig {
  mappingItems(mapping, data.nt, data.path);
  const stack = frameStack(mapping);
  const c = data.nChannels;
  const heads = outputHeads(loss);
  // `outFrames`: models with one output channel per frame (fno3d).
  const sides = [
    { field: 'inChannels', frames: stack.history, what: 'history', flag: '--in-channels', heads: 1 },
    { field: 'outChannels', frames: stack.future, what: 'future', flag: '--out-channels', heads },
    { field: 'outFrames', frames: stack.future, what: 'future', flag: '--out-frames', heads: 1 },
  ] as const;
  let config = resolveModelConfig(partial);
  if (heads > 1 && typeof config.outChannels !== 'number') {
    throw new TrainOptionsError(
      `loss='${loss}' needs a model with an outChannels field (mean and variance channels); '${config.kind}' has none: use loss 'rel-l2' or 'mse'`,
    );
  }
  const fill: Record<string, number> = {};
  for (const s of sides) if (typeof config[s.field] === 'number' && partial[s.field] === undefined) fill[s.field] = s.frames * c * s.heads;
  if (Object.keys(fill).length > 0) config = resolveModelConfig({ ...partial, ...fill });
  const fields = `${c} field${c === 1 ? '' : 's'}`;
  for (const s of sides) {
    const have = config[s.field];
    if (typeof have !== 'number' || have === s.frames * c * s.heads) continue;
    if (s.heads > 1) {
      throw new TrainOptionsError(
        `model ${s.field}=${have} does not match loss='${loss}': it needs 2 × ${s.frames} frame(s) × ${fields} (mean and variance channels): set ${s.flag} ${2 * s.frames * c} or leave it out`,
      );
    }
    if (mapping.kind === 'window') {
      const alt = have % c === 0 ? ` or --${s.what} ${have / c}` : '';
      throw new TrainOptionsError(`model ${s.field}=${have} does not match mapping.${s.what}=${s.frames} × ${fields}: set ${s.flag} ${s.frames * c}${alt}`);
    }
    throw new TrainOptionsError(`model ${s.field}=${have} does not match the ${mapping.kind} mapping's 1 frame × ${fields}: set ${s.flag} ${c}`);
  }
  return config;
}

function resolveSplit(s: Partial<SplitOptions> | undefined): SplitOptions {
  const obj = s ?? {};
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new TrainOptionsError(`split=${show(s)} is not allowed: use { train?, val?, test?, shuffle? }`);
  checkKeys('split', obj, ['train', 'val', 'test', 'shuffle']);
  const part = (name: 'train' | 'val' | 'test', v: unknown, dflt: number | null): number | null => {
    if (v === undefined || v === null) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (v >= 1 && !Number.isSafeInteger(v)) || (name === 'train' && v === 0)) {
      throw new TrainOptionsError(`split.${name}=${show(v)} is not allowed: use a fraction in ${name === 'train' ? '(0, 1)' : '[0, 1)'} or a whole count >= 1`);
    }
    return v;
  };
  return {
    train: part('train', obj.train, null),
    val: part('val', obj.val, 0.1) as number,
    test: part('test', obj.test, 0.1) as number,
    shuffle: bool('split.shuffle', obj.shuffle ?? false),
  };
}

function resolveOptimizer(o: Partial<OptimizerOptions> | undefined): OptimizerOptions {
  const obj = o ?? {};
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new TrainOptionsError(`optimizer=${show(o)} is not allowed: use { kind, lr, weightDecay, ... }`);
  checkKeys('optimizer', obj, ['kind', 'lr', 'weightDecay', 'beta1', 'beta2', 'eps']);
  return {
    kind: oneOf('optimizer.kind', obj.kind ?? 'adam', ['adam', 'adamw'] as const),
    lr: real('optimizer.lr', obj.lr ?? 1e-3, 'positive'),
    weightDecay: real('optimizer.weightDecay', obj.weightDecay ?? 1e-4, 'non-negative'),
    beta1: real('optimizer.beta1', obj.beta1 ?? 0.9, 'unit'),
    beta2: real('optimizer.beta2', obj.beta2 ?? 0.999, 'unit'),
    eps: real('optimizer.eps', obj.eps ?? 1e-8, 'positive'),
  };
}

function resolveSchedule(s: PartialSchedule | undefined, epochs: number): ScheduleOptions {
  const obj = typeof s === 'string' ? { kind: s } : (s ?? {});
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj))
    throw new TrainOptionsError(`schedule=${show(s)} is not allowed: use 'step', 'cosine', 'constant' or an object with a kind`);
  const kind = oneOf('schedule.kind', obj.kind ?? 'step', ['step', 'cosine', 'constant'] as const);
  if (kind === 'step') {
    checkKeys('schedule', obj, ['kind', 'stepSize', 'gamma']);
    return { kind, stepSize: integer('schedule.stepSize', obj.stepSize ?? 100, 1), gamma: real('schedule.gamma', obj.gamma ?? 0.5, 'positive') };
  }
  if (kind === 'cosine') {
    checkKeys('schedule', obj, ['kind', 'tMax', 'etaMin']);
    return { kind, tMax: integer('schedule.tMax', obj.tMax ?? epochs, 1), etaMin: real('schedule.etaMin', obj.etaMin ?? 0, 'non-negative') };
  }
  checkKeys('schedule', obj, ['kind']);
  return { kind };
}

/**
 * The first field (dotted path, keys in sorted order) where two resolved option objects differ,
 * as "field: A vs B", or null when equal. Fields in `ignore` (top-level names) are skipped.
 */
export function firstDifference(a: unknown, b: unknown, ignore: readonly string[] = [], prefix = ''): string | null {
  if (JSON.stringify(a) === JSON.stringify(b) && (a === null || typeof a !== 'object')) return null;
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object' && Array.isArray(a) === Array.isArray(b)) {
    const ra = a as Record<string, unknown>;
    const rb = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(ra), ...Object.keys(rb)])].sort();
    for (const k of keys) {
      const path = prefix ? `${prefix}.${k}` : k;
      if (prefix === '' && ignore.includes(k)) continue;
      const d = firstDifference(ra[k], rb[k], ignore, path);
      if (d !== null) return d;
    }
    return null;
  }
  return `${prefix || '(options)'}: ${show(a)} vs ${show(b)}`;
}

function checkKeys(prefix: string, obj: object, allowed: readonly string[]): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) {
      const field = prefix ? `${prefix}.${key}` : key;
      throw new TrainOptionsError(`unknown training option ${field}: known ${prefix ? `${prefix} fields` : 'options'} are ${allowed.join(', ')}`);
    }
  }
}

function integer(field: string, v: unknown, min: number): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min) {
    throw new TrainOptionsError(`${field}=${show(v)} is not allowed: use an integer${min > -Number.MAX_SAFE_INTEGER ? ` >= ${min}` : ''}`);
  }
  return v;
}

function real(field: string, v: unknown, range: 'positive' | 'non-negative' | 'unit'): number {
  const ok = typeof v === 'number' && Number.isFinite(v) && (range === 'positive' ? v > 0 : range === 'non-negative' ? v >= 0 : v >= 0 && v < 1);
  if (!ok) {
    const what = range === 'positive' ? 'a finite number > 0' : range === 'non-negative' ? 'a finite number >= 0' : 'a number in [0, 1)';
    throw new TrainOptionsError(`${field}=${show(v)} is not allowed: use ${what}`);
  }
  return v as number;
}

function bool(field: string, v: unknown): boolean {
  return checkBoolean(TrainOptionsError, field, v);
}

function oneOf<T extends string>(field: string, v: unknown, allowed: readonly T[]): T {
  return checkOneOf(TrainOptionsError, field, v, allowed);
}
