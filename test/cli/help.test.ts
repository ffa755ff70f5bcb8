/**
 * Every command's --help is generated from its option declarations: each declared option (and
 * alias) appears, the Options section lists exactly the declarations, and any other flag the help
 * names is declared by the command (or by the command the same line names: 'pdes generate --shard').
 */
import { describe, expect, it } from 'vitest';
import { COMMANDS, commandHelp } from '../../src/cli/main.js';
import { fieldsToFlags, normalizeFile, optionsHelp, parseCommandLine, type OptionDecl } from '../../src/cli/options.js';

const flagsOf = (decls: readonly OptionDecl[]): Set<string> => new Set(decls.flatMap((d) => [d.flag, ...(d.aliases ?? [])]));

describe('--help from the declarations', () => {
  it.each(Object.keys(COMMANDS))('pdes %s', (name) => {
    const cmd = COMMANDS[name];
    const help = commandHelp(cmd);
    const declared = flagsOf(cmd.options);
    for (const d of cmd.options) {
      expect(help, d.flag).toContain(`--${d.flag}`);
      for (const a of d.aliases ?? []) expect(help, a).toContain(`--${a}`);
      if (d.short) expect(help).toContain(`-${d.short}, --${d.flag}`);
    }
    // The Options section: one entry per declaration, in order.
    const section = help.slice(help.indexOf('\nOptions:\n') + 10);
    const heads = section
      .split('\n')
      .filter((l) => /^ {2}(-[a-z], )?--/.test(l))
      .map((l) => /--([a-z0-9-]+)/.exec(l)?.[1]);
    expect(heads).toEqual(cmd.options.map((d) => d.flag));
    expect(section).toBe(`${optionsHelp(cmd.options)}\n`);
    // No flag the command does not declare, except one named with its command on the same line.
    for (const line of help.split('\n')) {
      for (const m of line.matchAll(/(?<![\w-])--([a-z][a-z0-9-]*)/g)) {
        const other = /pdes ([a-z]+)/.exec(line)?.[1];
        const ok = declared.has(m[1]) || (other !== undefined && other in COMMANDS && flagsOf(COMMANDS[other].options).has(m[1]));
        expect(ok, `${name}: --${m[1]} in "${line}"`).toBe(true);
      }
    }
  });
});

describe('declarations to parser and messages', () => {
  const decls: OptionDecl[] = [
    { flag: 'n-layers', field: 'model.nLayers', type: 'int', help: '', aliases: ['layers'], fieldAliases: ['layers'] },
    { flag: 'overwrite', field: 'overwrite', type: 'boolean', help: '', aliases: ['force'], fieldAliases: ['force'] },
    { flag: 'lr', field: 'optimizer.lr', type: 'number', help: '' },
    { flag: 'optimizer', field: 'optimizer.kind', type: 'string', help: '' },
    { flag: 'strides', field: 'strides', type: 'ints', help: '' },
  ];

  it('converts values and refuses bad ones in flag names', () => {
    const p = parseCommandLine(['--layers', '3', '--lr=-1e-3', '--strides', '1,2,4', '--force'], decls);
    expect(p.values).toEqual({ 'n-layers': 3, lr: -1e-3, strides: [1, 2, 4], overwrite: true });
    expect(p.typed.get('n-layers')).toBe('layers');
    expect(() => parseCommandLine(['--lr', 'abc'], decls)).toThrow('--lr=abc is not a number');
    expect(() => parseCommandLine(['--n-layers', '1.5'], decls)).toThrow('--n-layers=1.5 is not an integer');
    expect(() => parseCommandLine(['--strides', '1,x'], decls)).toThrow('--strides=x is not an integer');
  });

  it('maps library field paths to the flags as typed', () => {
    const typed = new Map([['n-layers', 'layers']]);
    expect(fieldsToFlags('model.nLayers=0 is not allowed', decls, typed)).toBe('--layers=0 is not allowed');
    expect(fieldsToFlags('nLayers=0 is not allowed', decls)).toBe('--n-layers=0 is not allowed');
    expect(fieldsToFlags("optimizer='sgd' is not allowed", decls)).toBe('--optimizer=sgd is not allowed');
    expect(fieldsToFlags('optimizer.lr=-1 is not allowed', decls)).toBe('--lr=-1 is not allowed');
    expect(fieldsToFlags('pass overwrite: true to replace it', decls, new Map([['overwrite', 'force']]))).toBe('pass --force to replace it');
  });

  it('renames old field names of a file and converts its values', () => {
    expect(normalizeFile(decls, { force: true, model: { kind: 'fno', layers: '2' }, optimizer: { lr: 1e-3 } }, 'f.json')).toEqual({
      overwrite: true,
      model: { kind: 'fno', nLayers: 2 },
      optimizer: { lr: 1e-3 },
    });
  });
});
