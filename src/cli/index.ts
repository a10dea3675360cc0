/**
 * CLI entry: `npm run cli -- <group> <command> [options]` (and `npm run migrate`).
 * Add a group by writing src/cli/<group>.ts exporting a CliGroup and listing it in GROUPS below.
 */
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config';
import { openDatabase, type DbHandle } from '../db';
import { migrateToLatest } from '../db/migrate';
import {
  CliError,
  EXIT_FAILURE,
  EXIT_OK,
  EXIT_USAGE,
  UsageError,
  type CliCommand,
  type CliContext,
  type CliGroup,
  type CliIO,
} from './command';
import { demoGroup } from './demo';
import { membersGroup, rolesGroup } from './members';
import { migrateGroup } from './migrate';
import { remindersGroup } from './reminders';
import { unitsGroup } from './units';

export const GROUPS: CliGroup[] = [migrateGroup, unitsGroup, demoGroup, remindersGroup, membersGroup, rolesGroup];

const PROGRAM = 'npm run cli --';

export function helpText(groups: CliGroup[] = GROUPS, only?: CliGroup): string {
  const lines: string[] = [];
  if (!only) {
    lines.push('Công cụ quản trị chatbot Tổ công nghệ số cộng đồng (admin CLI)', '');
    lines.push(`Cách dùng (usage): ${PROGRAM} <nhóm> <lệnh> [tùy chọn]   |   ${PROGRAM} <nhóm> --help`, '');
  }
  for (const g of only ? [only] : groups) {
    lines.push(`${g.name} — ${g.summary}`);
    for (const c of g.commands) {
      const call = g.defaultCommand === c.name && g.commands.length === 1 ? g.name : `${g.name} ${c.name}`;
      lines.push(`  ${[call, c.usage].filter(Boolean).join(' ')}`);
      lines.push(`      ${c.summary}`);
      if (only && c.help) lines.push(...c.help.split('\n').map((l) => `      ${l}`));
    }
    lines.push('');
  }
  if (!only) lines.push('Mã thoát (exit codes): 0 thành công (ok), 1 lỗi (failed), 2 sai cách gọi (usage error)');
  return lines.join('\n').trimEnd();
}

function commandHelp(g: CliGroup, c: CliCommand): string {
  return [
    `${PROGRAM} ${g.name} ${c.name}${c.usage ? ' ' + c.usage : ''}`,
    `  ${c.summary}`,
    ...(c.help ? c.help.split('\n').map((l) => `  ${l}`) : []),
  ].join('\n');
}

export interface MainOptions {
  io?: CliIO;
  groups?: CliGroup[];
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

/** Runs one CLI invocation and returns its exit code (never calls process.exit). */
export async function main(argv: string[], opts: MainOptions = {}): Promise<number> {
  const io: CliIO = opts.io ?? {
    out: (l) => process.stdout.write(l + '\n'),
    err: (l) => process.stderr.write(l + '\n'),
  };
  const groups = opts.groups ?? GROUPS;
  const [groupName, ...rest] = argv;
  if (!groupName || groupName === '--help' || groupName === '-h' || groupName === 'help') {
    io.out(helpText(groups));
    return groupName ? EXIT_OK : EXIT_USAGE;
  }
  const group = groups.find((g) => g.name === groupName);
  if (!group) {
    io.err(`Lỗi: không có nhóm lệnh "${groupName}" (unknown command group)`);
    io.err(`Các nhóm (groups): ${groups.map((g) => g.name).join(', ')}. Xem ${PROGRAM} --help`);
    return EXIT_USAGE;
  }
  let commandName = rest[0];
  let commandArgs = rest.slice(1);
  if (commandName === '--help' || commandName === '-h') {
    io.out(helpText(groups, group));
    return EXIT_OK;
  }
  if ((commandName === undefined || commandName.startsWith('-')) && group.defaultCommand) {
    commandName = group.defaultCommand;
    commandArgs = rest;
  }
  const command = group.commands.find((c) => c.name === commandName);
  if (!command) {
    io.err(
      commandName
        ? `Lỗi: nhóm "${group.name}" không có lệnh "${commandName}" (unknown command)`
        : `Lỗi: thiếu lệnh cho nhóm "${group.name}" (missing command)`,
    );
    io.err(helpText(groups, group));
    return EXIT_USAGE;
  }
  if (commandArgs.includes('--help') || commandArgs.includes('-h')) {
    io.out(commandHelp(group, command));
    return EXIT_OK;
  }

  let handle: DbHandle | undefined;
  let config: Config | undefined;
  let migrated = false;
  const ctx: CliContext = {
    ...io,
    config: () => (config ??= loadConfig(opts.env ?? process.env, opts.env === undefined)),
    openDb: async ({ migrate = true } = {}) => {
      handle ??= openDatabase(ctx.config().DATABASE_URL);
      if (migrate && !migrated) {
        migrated = true;
        const applied = await migrateToLatest(handle.db);
        if (applied.length) io.err(`Đã cập nhật cấu trúc cơ sở dữ liệu trước (applied ${applied.length} migrations first).`);
      }
      return handle;
    },
    now: opts.now ?? (() => new Date()),
  };
  try {
    let parsed;
    try {
      parsed = parseArgs({ args: commandArgs, options: command.options ?? {}, allowPositionals: true, strict: true });
    } catch (e) {
      throw new UsageError(`Tùy chọn không hợp lệ: ${(e as Error).message}`, 'invalid options');
    }
    const n = parsed.positionals.length;
    const [min, max] = Array.isArray(command.positionals)
      ? command.positionals
      : [command.positionals ?? 0, command.positionals ?? 0];
    if (n < min || n > max) {
      throw new UsageError(
        n < min ? 'Thiếu tham số' : `Thừa tham số: ${parsed.positionals.slice(max).join(' ')}`,
        n < min ? 'missing argument' : 'unexpected argument',
      );
    }
    const code = await command.run(ctx, {
      positionals: parsed.positionals,
      values: parsed.values as Record<string, string | boolean | undefined>,
    });
    return code ?? EXIT_OK;
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`Lỗi: ${e.vi} (${e.en})`);
      if (e.exitCode === EXIT_USAGE) io.err(`Cách dùng (usage): ${commandHelp(group, command)}`);
      return e.exitCode;
    }
    const err = e as Error;
    io.err(`Lỗi không mong đợi (unexpected error): ${err?.message ?? String(e)}`);
    if (process.env.DEBUG) io.err(err?.stack ?? '');
    return EXIT_FAILURE;
  } finally {
    if (handle) await handle.close();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`Lỗi không mong đợi (unexpected error): ${String(e)}\n`);
      process.exitCode = EXIT_FAILURE;
    },
  );
}
