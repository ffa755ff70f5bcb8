/**
 * One declaration per option. From a command's declarations come the argument parser (node's
 * parseArgs table), the conversion and validation of each value (zod schemas, the same for a flag
 * and for a field of a --config file), the `--help` text, the mapping of flags onto the library's
 * option fields, and the way back: library messages name fields (`batchSize=0`, `model.nModes=0`),
 * the CLI prints them in the flags the user typed.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { z } from 'zod';
import { InputError } from '../../core/errors.js';

/** A usage error: exit code 2. */
export class CliUsageError extends InputError {
  override name = 'CliUsageError';
}

/**
 * Value kinds: 'string', 'number', 'int', 'boolean' (a switch); 'strings' (repeatable flag, an
 * array field), 'ints' (comma list of integers), 'int-or-ints' (one integer, or a comma list or
 * array of them: FNO's nModes, one per axis or one for every axis), 'json' (an object, merged into
 * its field).
 */
export type OptionType = 'string' | 'number' | 'int' | 'boolean' | 'strings' | 'ints' | 'int-or-ints' | 'json';

export interface OptionDecl {
  /** Canonical flag, kebab case of the field's last segment where there is a field. */
  flag: string;
  /** Library field path the value goes to (`optimizer.lr`); null for what only the CLI reads. */
  field: string | null;
  type: OptionType;
  /** Help text (may span lines). */
  help: string;
  /** Placeholder in the help: N, X, FILE, … */
  value?: string;
  short?: string;
  /** Default shown in the help. */
  default?: string;
  /** Old flag names, still accepted on the command line. */
  aliases?: string[];
  /** Old field names, still accepted in --config files (the same path, last segment renamed). */
  fieldAliases?: string[];
}

export type Values = Record<string, unknown>;

const present = z.string().trim().min(1);
const finite = z.union([z.number(), present.transform(Number)]).pipe(z.number());

/** The zod schema a value of this type must pass (flags arrive as strings, files as JSON values). */
function schemaOf(type: OptionType): z.ZodType {
  switch (type) {
    case 'number':
      return finite;
    case 'int':
      return finite.pipe(z.number().int());
    case 'boolean':
      return z.boolean();
    case 'string':
      return z.string();
    case 'strings':
      return z.union([z.string().transform((s) => [s]), z.array(z.string())]);
    case 'ints':
      return z.array(finite.pipe(z.number().int()));
    case 'int-or-ints':
      return finite.pipe(z.number().int());
    case 'json':
      return z.record(z.string(), z.unknown());
  }
}

const NOT_A: Record<OptionType, string> = {
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  string: 'a string',
  strings: 'a string or a list of strings',
  ints: 'a comma-separated list of integers',
  'int-or-ints': 'an integer or a comma-separated list of integers',
  json: 'a JSON object',
};

/** Converts one value (raw text of a flag, or a file's JSON value); `where` names it in the error. */
export function convert(decl: OptionDecl, raw: unknown, where: string): unknown {
  if (decl.type === 'int-or-ints' && ((typeof raw === 'string' && raw.includes(',')) || Array.isArray(raw))) {
    return convert({ ...decl, type: 'ints' }, raw, where);
  }
  if (decl.type === 'ints' && (typeof raw === 'string' || Array.isArray(raw))) {
    // Element by element, so the message names the element at fault.
    const items = typeof raw === 'string' ? raw.split(',') : (raw as unknown[]);
    return items.map((x) => convert({ ...decl, type: 'int' }, x, where));
  }
  if (decl.type === 'json' && typeof raw === 'string') return convert(decl, parseJson(raw, where), where);
  const r = schemaOf(decl.type).safeParse(raw);
  if (r.success) return r.data;
  const shown = typeof raw === 'string' ? raw.trim() : JSON.stringify(raw);
  throw new CliUsageError(`${where}=${shown} is not ${NOT_A[decl.type]}`);
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new CliUsageError(`${where} is not JSON (${(err as Error).message}): give an object, e.g. '{"nModes": 12}'`);
  }
}

/** node's parseArgs table: every flag and alias of the declarations, plus --config where asked. */
function parseTable(decls: readonly OptionDecl[]): NonNullable<ParseArgsConfig['options']> {
  const table: NonNullable<ParseArgsConfig['options']> = {};
  for (const d of decls) {
    const spec = { type: d.type === 'boolean' ? 'boolean' : 'string', ...(d.type === 'strings' ? { multiple: true } : {}) } as const;
    table[d.flag] = d.short ? { ...spec, short: d.short } : spec;
    for (const a of d.aliases ?? []) table[a] = spec;
  }
  return table;
}

export interface ParsedArgs {
  /** Converted values by canonical flag. */
  values: Values;
  positionals: string[];
  /** Canonical flag → the spelling typed (an alias where one was used). */
  typed: Map<string, string>;
}

/** Parses a command line against the declarations: unknown flags, empty values and bad numbers are usage errors. */
export function parseCommandLine(args: string[], decls: readonly OptionDecl[]): ParsedArgs {
  const table = parseTable(decls);
  const { values, positionals } = parseArgs({ args: joinNegativeValues(args, table), options: table, allowPositionals: true, strict: true });
  const byName = new Map<string, OptionDecl>();
  for (const d of decls) for (const n of [d.flag, ...(d.aliases ?? [])]) byName.set(n, d);
  const out: Values = {};
  const typed = new Map<string, string>();
  for (const [name, value] of Object.entries(values)) {
    if (value === '' || (Array.isArray(value) && value.includes(''))) throw new CliUsageError(`--${name} is empty: give it a value`);
    const d = byName.get(name) as OptionDecl;
    if (d.flag in out && d.type !== 'strings') throw new CliUsageError(`--${name} and --${typed.get(d.flag)} are the same option: give it once`);
    const v = convert(d, value, `--${name}`);
    out[d.flag] = d.type === 'strings' && Array.isArray(out[d.flag]) ? [...(out[d.flag] as string[]), ...(v as string[])] : v;
    typed.set(d.flag, name);
  }
  return { values: out, positionals, typed };
}

/** `--nu -0.5` → `--nu=-0.5`: node's parseArgs otherwise reads a negative number as an option. */
function joinNegativeValues(args: string[], table: NonNullable<ParseArgsConfig['options']>): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const name = a.startsWith('--') && !a.includes('=') ? a.slice(2) : null;
    if (name !== null && table[name]?.type === 'string' && i + 1 < args.length && /^-(\d|\.\d)/.test(args[i + 1])) {
      out.push(`${a}=${args[++i]}`);
    } else {
      out.push(a);
    }
  }
  return out;
}

function setPath(target: Values, fieldPath: string, value: unknown, merge: boolean): void {
  const keys = fieldPath.split('.');
  let o = target;
  for (const k of keys.slice(0, -1)) {
    const next = o[k];
    o = o[k] = next !== null && typeof next === 'object' && !Array.isArray(next) ? { ...(next as Values) } : {};
  }
  const last = keys[keys.length - 1];
  const old = o[last];
  o[last] = merge && old !== null && typeof old === 'object' && !Array.isArray(old) ? { ...(old as Values), ...(value as Values) } : value;
}

function getPath(source: Values, fieldPath: string): unknown {
  let o: unknown = source;
  for (const k of fieldPath.split('.')) {
    if (o === null || typeof o !== 'object' || Array.isArray(o)) return undefined;
    o = (o as Values)[k];
  }
  return o;
}

/**
 * The library options: the --config file's object (old field names renamed, declared fields
 * converted) with every flag given set at its field path (flags override the file; a 'json' flag
 * is merged into its field). Switches that are off are left out, so a file's `true` stays.
 */
export function libraryOptions(decls: readonly OptionDecl[], values: Values, file: Values = {}): Values {
  const out: Values = structuredClone(file);
  // A `.kind` flag that changes the file's kind starts that object afresh (its other fields belong to the old kind).
  const kindsFirst = [...decls].sort((a, b) => Number(b.field?.endsWith('.kind') ?? false) - Number(a.field?.endsWith('.kind') ?? false));
  for (const d of kindsFirst) {
    if (d.field === null) continue;
    const v = values[d.flag];
    if (d.field.endsWith('.kind') && v !== undefined && getPath(out, d.field) !== v) setPath(out, d.field.slice(0, -'.kind'.length), {}, false);
    if (v === undefined || v === false) continue;
    setPath(out, d.field, v, d.type === 'json');
  }
  return out;
}

/**
 * A --config file's object in the library's current field names: old names (`fieldAliases`) are
 * renamed, declared fields converted like flags (a file's error names the file and the field).
 */
export function normalizeFile(decls: readonly OptionDecl[], obj: Values, file: string): Values {
  const out: Values = structuredClone(obj);
  for (const d of decls) {
    if (d.field === null) continue;
    const keys = d.field.split('.');
    const parentPath = keys.slice(0, -1).join('.');
    const parent = (parentPath ? getPath(out, parentPath) : out) as Values | undefined;
    if (parent === undefined || parent === null || typeof parent !== 'object') continue;
    const last = keys[keys.length - 1];
    for (const old of d.fieldAliases ?? []) {
      if (!(old in parent)) continue;
      if (last in parent) throw new CliUsageError(`${file}: ${parentPath ? `${parentPath}.` : ''}${old} and ${d.field} are the same field: give it once`);
      parent[last] = parent[old];
      delete parent[old];
    }
    // Strings and lists of strings the library checks itself (a list may hold parsed specs).
    if (parent[last] !== undefined && parent[last] !== null && !['json', 'string', 'strings'].includes(d.type))
      parent[last] = convert(d, parent[last], `${file}: ${d.field}`);
  }
  return out;
}

/** Whether a --config file (as read, old names and all) sets the declaration's field. */
export function setInFile(decl: OptionDecl, obj: Values): boolean {
  if (decl.field === null) return false;
  const keys = decl.field.split('.');
  const parent = keys.slice(0, -1).join('.');
  return [keys[keys.length - 1], ...(decl.fieldAliases ?? [])].some((k) => getPath(obj, parent ? `${parent}.${k}` : k) !== undefined);
}

/** `--batch-size N` as the help writes it. */
function optionHead(d: OptionDecl): string {
  return `${d.short ? `-${d.short}, ` : ''}--${d.flag}${d.value ? ` ${d.value}` : ''}`;
}

/** The Options section of a command's help: one entry per declaration, help text aligned. */
export function optionsHelp(decls: readonly OptionDecl[]): string {
  const width = Math.max(...decls.map((d) => optionHead(d).length)) + 2;
  const pad = ' '.repeat(width + 2);
  return decls
    .map((d) => {
      const extra = [
        d.default !== undefined ? `default ${d.default}` : '',
        d.aliases?.length ? `alias ${d.aliases.map((a) => `--${a}`).join(', ')}` : '',
      ].filter(Boolean);
      // Default and aliases close the first line of the help.
      const [head, ...rest] = d.help.split('\n');
      const first = `${head}${extra.length ? ` (${extra.join('; ')})` : ''}`;
      return [`  ${optionHead(d).padEnd(width)}${first}`, ...rest.map((l) => `${pad}${l.trimStart()}`)].join('\n');
    })
    .join('\n');
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Library field → flag for messages: each declared field by its full path, its last segment and,
 * for a `.kind` field, its parent (`optimizer=sgd`), the first declaration claiming a name winning;
 * the flag as the user typed it (an alias stays an alias).
 */
export function fieldFlagTable(decls: readonly OptionDecl[], typed: Map<string, string> = new Map()): Map<string, string> {
  const table = new Map<string, string>();
  const claim = (name: string, flag: string): void => {
    if (!table.has(name)) table.set(name, flag);
  };
  const withField = decls.filter((d) => d.field !== null);
  for (const d of withField) claim(d.field as string, `--${typed.get(d.flag) ?? d.flag}`);
  for (const d of withField) {
    const keys = (d.field as string).split('.');
    const flag = `--${typed.get(d.flag) ?? d.flag}`;
    if (keys.length > 1 && keys[keys.length - 1] === 'kind') claim(keys.slice(0, -1).join('.'), flag);
    claim(keys[keys.length - 1], flag);
    for (const a of d.fieldAliases ?? []) claim(a, flag);
  }
  return table;
}

/**
 * A usage message with library field names replaced by flags where a field is given a value
 * (`batchSize=0` → `--batch-size=0`), and switches (`resume: true`, `with resume`) by theirs.
 */
export function fieldsToFlags(message: string, decls: readonly OptionDecl[], typed?: Map<string, string>): string {
  const table = fieldFlagTable(decls, typed);
  const names = [...table.keys()].sort((a, b) => b.length - a.length).map(escapeRe);
  let out = names.length ? message.replace(new RegExp(`(?<![\\w.\\-'"])(${names.join('|')})(?==)`, 'g'), (f) => table.get(f) as string) : message;
  for (const d of decls) {
    if (d.type !== 'boolean' || d.field === null) continue;
    const name = escapeRe(d.field);
    const flag = `--${typed?.get(d.flag) ?? d.flag}`;
    out = out.replace(new RegExp(`\\b${name}: true\\b`, 'g'), flag).replace(new RegExp(`\\b(with|without) ${name}\\b`, 'g'), `$1 ${flag}`);
  }
  // As typed on a command line: --loss=nll, not --loss='nll'.
  return out.replace(/(--[a-z0-9-]+)='([^'\s]*)'/g, '$1=$2');
}
