/**
 * `--config FILE.json|yaml`: options in the library's field names and shape, exactly what a run's
 * config.json holds (so a run's own config.json replays it); flags given with it override it.
 */
import fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { CliUsageError, type OptionDecl, type Values } from './options.js';

/** The --config declaration of the commands that take one. */
export const CONFIG_OPTION: OptionDecl = {
  flag: 'config',
  field: null,
  type: 'string',
  value: 'FILE',
  help: "options from a JSON or YAML file in the library's field names (a run's config.json replays\nthe run); flags override it",
};

/** Reads a --config file: JSON, or YAML for .yaml/.yml; the top level must be an object. */
export function readConfigFile(file: string): Values {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliUsageError(
      `--config=${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory: give a file' : (err as Error).message}`,
    );
  }
  const yaml = /\.ya?ml$/i.test(file);
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
  } catch (err) {
    throw new CliUsageError(`--config=${file} is not ${yaml ? 'YAML' : 'JSON'} (${(err as Error).message.split('\n')[0]})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new CliUsageError(`--config=${file} does not hold an object of options`);
  return parsed as Values;
}
