/** What every `pdes` command is: its declarations, help prose and run function; and the interrupt helper. */
import { type OptionDecl, type ParsedArgs, type Values } from '../options.js';

export interface CommandArgs extends ParsedArgs {
  /** The --config file's options (old field names renamed); {} without --config. */
  file: Values;
}

export interface Command {
  summary: string;
  usage: string;
  /** Help prose printed before the Options section. */
  intro: string;
  /** Every option the command takes, one declaration each. */
  options: readonly OptionDecl[];
  /** Top-level fields a --config file may hold besides the declared ones (library fields without a flag). */
  fileKeys?: readonly string[];
  run(args: CommandArgs): Promise<number>;
}

/** withInterrupts calls running: while one is, a signal aborts it instead of stopping the process. */
let abortable = 0;

/** Whether a withInterrupts call is running (main's signal handler then leaves the signal to it). */
export function interruptsHandled(): boolean {
  return abortable > 0;
}

/** Runs `fn` with SIGINT/SIGTERM turned into an abort (finished work is kept). */
export async function withInterrupts<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onSignal = (): void => ac.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  abortable++;
  try {
    return await fn(ac.signal);
  } finally {
    abortable--;
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The `quiet` switch shared by the commands that draw progress bars. */
export const QUIET: OptionDecl = { flag: 'quiet', short: 'q', field: null, type: 'boolean', help: 'no progress bar' };
