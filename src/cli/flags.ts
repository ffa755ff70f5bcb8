/**
 * What the CLI does to a library message before printing it: library errors name option fields
 * (`batchSize=0`, `optimizer.lr=-1`, `pass resume: true`), the user typed flags, so usage messages
 * are rewritten in flag names from one table; and control characters that came from files
 * (attribute values, paths) are escaped so a file cannot drive the terminal. The table is the
 * stand-in the architecture issue's option declarations replace.
 */

/** Library field path → CLI flag. Longer paths first (`model.nModes` before `nModes`). */
export const FIELD_FLAGS: Readonly<Record<string, string>> = {
  'optimizer.weightDecay': '--weight-decay',
  'optimizer.lr': '--lr',
  'optimizer.kind': '--optimizer',
  'schedule.stepSize': '--step-size',
  'schedule.gamma': '--gamma',
  'schedule.kind': '--schedule',
  'mapping.kind': '--mapping',
  'mapping.stride': '--stride',
  'mapping.history': '--history',
  'mapping.future': '--future',
  'mapping.pushforward': '--pushforward',
  'model.nModes': '--modes',
  'model.modes1': '--modes1',
  'model.modes2': '--modes2',
  'model.modes3': '--modes3',
  'model.width': '--width',
  'model.nLayers': '--layers',
  'model.inChannels': '--in-channels',
  'model.outChannels': '--out-channels',
  'model.outFrames': '--out-frames',
  'model.dropout': '--dropout',
  'split.train': '--train',
  'split.val': '--val',
  'split.test': '--test',
  nModes: '--modes',
  modes1: '--modes1',
  modes2: '--modes2',
  modes3: '--modes3',
  width: '--width',
  dropout: '--dropout',
  nLayers: '--layers',
  inChannels: '--in-channels',
  outChannels: '--out-channels',
  outFrames: '--out-frames',
  batchSize: '--batch-size',
  checkpointEvery: '--checkpoint-every',
  modelModules: '--model-module',
  skipResourceCheck: '--skip-resource-check',
  ensembleWorkers: '--ensemble-workers',
  rolloutSteps: '--rollout-steps',
  mcDropout: '--mc-dropout',
  weightDecay: '--weight-decay',
  stepSize: '--step-size',
  epochs: '--epochs',
  workers: '--workers',
  subsample: '--subsample',
  backend: '--backend',
  ensemble: '--ensemble',
  optimizer: '--optimizer',
  schedule: '--schedule',
  mapping: '--mapping',
  normalize: '--normalize',
  loss: '--loss',
  seed: '--seed',
  data: '--data',
  out: '--out',
  split: '--split',
};

const SWITCHES: [RegExp, string][] = [
  [/\bresume: true\b/g, '--resume'],
  [/\boverwrite: true\b/g, '--force'],
  [/\bwithout resume\b/g, 'without --resume'],
  [/\bwith resume\b/g, 'with --resume'],
];

const FIELD_PATTERN = new RegExp(
  `(?<![\\w.\\-'"])(${Object.keys(FIELD_FLAGS)
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace('.', '\\.'))
    .join('|')})(?==)`,
  'g',
);

/**
 * A usage message with library field names replaced by flags where a field is given a value
 * (`batchSize=0` → `--batch-size=0`) and the resume/overwrite switches by theirs.
 */
export function fieldsToFlags(message: string): string {
  let out = message.replace(FIELD_PATTERN, (field) => FIELD_FLAGS[field]);
  for (const [re, flag] of SWITCHES) out = out.replace(re, flag);
  // As typed on a command line: --loss=nll, not --loss='nll'.
  return out.replace(/(--[a-z0-9-]+)='([^'\s]*)'/g, '$1=$2');
}

/**
 * Control characters (C0 but tab, DEL, C1) as visible escapes (`\x1b`), so text from files and
 * arguments cannot move the cursor, recolour or retitle a terminal; newlines too, where a value
 * must stay on its line.
 */
export function escapeControl(text: string, keepNewlines = false): string {
  let out = '';
  for (const ch of text) {
    const c = ch.charCodeAt(0);
    const control = (c < 0x20 && ch !== '\t') || (c >= 0x7f && c <= 0x9f);
    out += control && !(keepNewlines && ch === '\n') ? `\\x${c.toString(16).padStart(2, '0')}` : ch;
  }
  return out;
}
