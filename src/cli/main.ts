/**
 * The `pdes` command: a thin layer over library functions that scripts and notebooks call the
 * same way. Each command (src/cli/commands/) declares its options once (src/cli/options.ts); the
 * parser, the --help text, the --config file and the messages come from those declarations.
 * Exit codes come from the error classes (core/errors.ts exitCodeOf): 0 success, 1 failure,
 * 2 usage error, 130 interrupted (work kept).
 */
import { exitCodeOf } from '../../core/errors.js';
import { escapeControl } from './flags.js';
import { removeOwnTemps } from '../../core/atomic.js';
import { packageVersion } from '../../core/runtime.js';
import { readConfigFile } from './config_file.js';
import { CliUsageError, fieldsToFlags, normalizeFile, optionsHelp, parseCommandLine, setInFile, type OptionDecl, type Values } from './options.js';
import { interruptsHandled, type Command } from './commands/command.js';
import { generate } from './commands/generate.js';
import { trainCommand } from './commands/train.js';
import { evaluate, report } from './commands/evaluate.js';
import { info, merge, plot, recipes } from './commands/data.js';
import { demo } from './commands/demo.js';

export { CliUsageError };

export const COMMANDS: Readonly<Record<string, Command>> = { generate, train: trainCommand, evaluate, report, merge, info, plot, recipes, demo };

/** A command's --help: usage, summary, prose, and one line (or more) per declared option. */
export function commandHelp(c: Command): string {
  return `Usage: ${c.usage}\n${c.summary}\n\n${c.intro}\nOptions:\n${optionsHelp(c.options)}\n`;
}

function mainHelp(): string {
  const lines = Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(10)} ${c.summary}`);
  return `pdes ${packageVersion()}: PDE datasets and neural surrogates\n\nUsage: pdes <command> [options]\n\nCommands:\n${lines.join('\n')}\n  help       show help for a command\n\nRun 'pdes <command> --help' for a command's options.`;
}

/** Entry point: returns the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    process.stdout.write(`${mainHelp()}\n`);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  if (name === 'help') {
    const c = rest[0] ? COMMANDS[rest[0]] : undefined;
    if (rest[0] && !c) return usageError(`unknown command '${rest[0]}': known commands are ${Object.keys(COMMANDS).join(', ')}`);
    process.stdout.write(c ? commandHelp(c) : `${mainHelp()}\n`);
    return 0;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) return usageError(`unknown command '${name}': known commands are ${Object.keys(COMMANDS).join(', ')}`);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(commandHelp(cmd));
    return 0;
  }
  const stopOnSignal = onSignalStop(name);
  let typed = new Map<string, string>();
  // The declarations whose fields messages name as flags: all but those a --config file set and no flag overrode.
  let asFlags: readonly OptionDecl[] = [cmd, ...Object.values(COMMANDS).filter((c) => c !== cmd)].flatMap((c) => c.options);
  try {
    const parsed = parseCommandLine(rest, cmd.options);
    typed = parsed.typed;
    const configFile = parsed.values.config as string | undefined;
    const raw = configFile === undefined ? {} : readConfigFile(configFile);
    // Then the other commands' (a checkpoint's `mapping.history` is train's --history, also in pdes evaluate).
    const others = Object.values(COMMANDS)
      .filter((c) => c !== cmd)
      .flatMap((c) => c.options);
    asFlags = [...cmd.options.filter((d) => typed.has(d.flag) || !setInFile(d, raw)), ...others.filter((d) => !setInFile(d, raw))];
    const file = configFile === undefined ? {} : configOf(cmd, name, configFile, raw);
    return await cmd.run({ ...parsed, file });
  } catch (e) {
    return reportError(name, asFlags, typed, e);
  } finally {
    stopOnSignal();
  }
}

/** A --config file's options in current field names; a field the command does not know is a usage error. */
function configOf(cmd: Command, name: string, file: string, raw: Values): Values {
  const obj = normalizeFile(cmd.options, raw, file);
  const known = new Set([...(cmd.fileKeys ?? []), ...cmd.options.flatMap((d) => (d.field === null ? [] : [d.field.split('.')[0]]))]);
  const unknown = Object.keys(obj).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new CliUsageError(`--config=${file}: ${unknown[0]} is not an option of pdes ${name} (known: ${[...known].sort().join(', ')})`);
  return obj;
}

/**
 * SIGINT and SIGTERM stop every command with exit code 130 and one line. Generate and train turn
 * them into an abort that keeps finished work (withInterrupts); any other command (evaluate,
 * report, merge, info, plot) stops at once: its outputs are written whole or not at all, so an
 * interruption leaves the previous file or none. Returns the uninstaller.
 */
function onSignalStop(cmd: string): () => void {
  const stop = (signal: NodeJS.Signals): void => {
    if (interruptsHandled()) return;
    removeOwnTemps();
    process.stderr.write(`pdes ${cmd}: interrupted by ${signal}; nothing was written\n`);
    process.exit(130);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

function usageError(msg: string): number {
  process.stderr.write(`pdes: ${msg}\n`);
  return 2;
}

/** One line: a usage message in the flags the user typed (from the command's declarations). */
function reportError(cmd: string, decls: readonly OptionDecl[], typed: Map<string, string>, e: unknown): number {
  const msg = escapeControl((e instanceof Error ? e.message : String(e)).split('\n')[0]);
  const code = exitCodeOf(e);
  process.stderr.write(`pdes ${cmd}: ${code === 2 ? fieldsToFlags(msg, decls, typed) : msg}\n`);
  if (process.env.PDES_DEBUG && e instanceof Error && e.stack) process.stderr.write(`${e.stack}\n`);
  return code;
}
