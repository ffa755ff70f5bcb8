/** `pdes merge`, `pdes info`, `pdes plot`, `pdes recipes`: the dataset file commands. */
import { recipeSummaries } from '../../../datasets/recipes.js';
import { mergeShards } from '../../../datasets/generate.js';
import { describeDataset, formatSummary, h5ready } from '../../data/index.js';
import { plotDatasetSamples } from '../../evaluate/dataset_page.js';
import { escapeControl } from '../flags.js';
import { CliUsageError, libraryOptions, type OptionDecl } from '../options.js';
import { type Command } from './command.js';

const JSON_OPTION: OptionDecl = { flag: 'json', field: null, type: 'boolean', help: 'print JSON' };

const MERGE_OPTIONS: OptionDecl[] = [
  { flag: 'out', short: 'o', field: 'out', type: 'string', value: 'OUT.h5', help: 'the merged file' },
  { flag: 'overwrite', field: 'overwrite', type: 'boolean', aliases: ['force'], help: 'replace an existing OUT.h5' },
];

export const merge: Command = {
  summary: 'join shard files (from pdes generate --shard i/N) into the file a single run writes',
  usage: 'pdes merge -o OUT.h5 SHARD.h5 [SHARD.h5 ...] [--overwrite]',
  intro: 'Every shard must be complete and from the same recipe; together they must cover all samples.',
  options: MERGE_OPTIONS,
  run: async ({ values, positionals }) => {
    const out = values.out as string | undefined;
    if (!out) throw new CliUsageError('pdes merge needs an output file: -o OUT.h5');
    if (positionals.length === 0) throw new CliUsageError('pdes merge needs the shard files to join');
    const res = await mergeShards({ shards: positionals, out, overwrite: Boolean(values.overwrite) });
    process.stdout.write(`wrote ${res.path}: ${res.samples} samples from ${positionals.length} shards\n`);
    return 0;
  },
};

const INFO_OPTIONS: OptionDecl[] = [
  JSON_OPTION,
  { flag: 'max-samples', field: 'maxSamples', type: 'int', value: 'N', help: 'value ranges over the first N samples only' },
];

export const info: Command = {
  summary: 'print shapes, coordinates, attributes and value ranges of a dataset file',
  usage: 'pdes info FILE.h5 [--json] [--max-samples N]',
  intro: 'Value ranges stream over all samples (or the first --max-samples).',
  options: INFO_OPTIONS,
  run: async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new CliUsageError(`pdes info takes one file, got ${positionals.length}`);
    await h5ready();
    const summary = describeDataset(positionals[0], libraryOptions(INFO_OPTIONS, values));
    process.stdout.write(values.json ? `${JSON.stringify(summary, null, 2)}\n` : `${escapeControl(formatSummary(summary), true)}\n`);
    return 0;
  },
};

const PLOT_OPTIONS: OptionDecl[] = [
  { flag: 'out', short: 'o', field: null, type: 'string', value: 'PAGE.html', help: 'the page to write' },
  { flag: 'samples', field: 'samples', type: 'ints', value: 'A,B', default: '0,1,2', help: 'the samples to plot' },
];

export const plot: Command = {
  summary: 'write an HTML page plotting a few samples of a 1D dataset',
  usage: 'pdes plot FILE.h5 -o PAGE.html [--samples 0,1,2]',
  intro: 'The page is self-contained (plotly inlined) and works offline.',
  options: PLOT_OPTIONS,
  run: async ({ values, positionals }) => {
    if (positionals.length !== 1) throw new CliUsageError(`pdes plot takes one file, got ${positionals.length}`);
    const out = values.out as string | undefined;
    if (!out) throw new CliUsageError('pdes plot needs an output page: -o PAGE.html');
    await h5ready();
    plotDatasetSamples(positionals[0], out, libraryOptions(PLOT_OPTIONS, values));
    process.stdout.write(`wrote ${out}\n`);
    return 0;
  },
};

export const recipes: Command = {
  summary: 'list the dataset recipes',
  usage: 'pdes recipes [--json]',
  intro: "'pdes generate <recipe> --dry-run' prints a recipe fully resolved.",
  options: [JSON_OPTION],
  run: async ({ values }) => {
    const list = recipeSummaries();
    process.stdout.write(values.json ? `${JSON.stringify(list, null, 2)}\n` : list.map((r) => `${r.name.padEnd(18)} ${r.summary}`).join('\n') + '\n');
    return 0;
  },
};
