/**
 * The CLI's small command model. A group (`units`, `demo`, `migrate`…) lives in its own file under
 * src/cli/ and is listed in src/cli/index.ts. Options are declared in `node:util` parseArgs form, so
 * each command gets typed values and unknown options are refused before it runs.
 */
import type { ParseArgsConfig } from 'node:util';
import type { Config } from '../config';
import type { DbHandle } from '../db';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

export interface CliIO {
  out(line: string): void;
  err(line: string): void;
}

export interface CliContext extends CliIO {
  /** configuration, read on first use (a bad .env only fails commands that need it) */
  config(): Config;
  /**
   * Opens the configured database, first bringing it to the latest schema as `npm start` does (a
   * fresh database works at once); the CLI closes it after the command. `migrate: false` opens it
   * as it is (the `migrate` command itself).
   */
  openDb(opts?: { migrate?: boolean }): Promise<DbHandle>;
  /** the instant the command runs (commands take time as a parameter like the rest of the code) */
  now(): Date;
}

export interface ParsedArgs {
  positionals: string[];
  values: Record<string, string | boolean | undefined>;
}

export interface CliCommand {
  name: string;
  /** one line, Vietnamese (English) */
  summary: string;
  /** argument synopsis after the command name, e.g. "FILE --profile NAME" */
  usage?: string;
  /** longer help: option descriptions, examples */
  help?: string;
  options?: OptionSpec;
  /** positional arguments: exact count or [min, max] */
  positionals?: number | [number, number];
  run(ctx: CliContext, args: ParsedArgs): Promise<number | void>;
}

export interface CliGroup {
  name: string;
  summary: string;
  commands: CliCommand[];
  /** a command run when the group is called alone (`migrate`) */
  defaultCommand?: string;
}

/** Exit codes: 0 success, 1 the command failed, 2 it was called wrongly. */
export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/**
 * An error meant for the person at the terminal: Vietnamese first, English in brackets.
 * Anything else thrown by a command is reported as an unexpected error with its stack under DEBUG.
 */
export class CliError extends Error {
  constructor(
    readonly vi: string,
    readonly en: string,
    readonly exitCode: number = EXIT_FAILURE,
  ) {
    super(`${vi} (${en})`);
  }
}

export class UsageError extends CliError {
  constructor(vi: string, en: string) {
    super(vi, en, EXIT_USAGE);
  }
}

export function stringOption(args: ParsedArgs, name: string): string | undefined {
  const v = args.values[name];
  return typeof v === 'string' ? v : undefined;
}

export function requiredOption(args: ParsedArgs, name: string): string {
  const v = stringOption(args, name);
  if (v === undefined || v.trim() === '') {
    throw new UsageError(`Thiếu tùy chọn --${name}`, `missing option --${name}`);
  }
  return v.trim();
}
