/**
 * The `sluice` command: commander and the command table (command-table.ts). A
 * command's module loads when that command runs, so `--help` stays light.
 */
import { Command, CommanderError } from 'commander';
import { errorMessage } from '../core/errors.js';
import { VERSION } from '../local/version.js';
import { COMMANDS, type CommandEntry } from './command-table.js';
import type { CliIo } from './io.js';

export function buildProgram(io: CliIo, setExit: (code: number) => void): Command {
  const program = new Command('sluice')
    .version(VERSION)
    .description('Turn dropped data files into validated data, analytics, a narrative and a report.')
    .option('--data-dir <dir>', 'where inputs, outputs and state live (env SLUICE_DATA_DIR, default .sluice)')
    .option('--config <file>', 'options file (env SLUICE_CONFIG, default ./sluice.config.json when present)')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', () => {
      // Every loader reads SLUICE_CONFIG, so the flag needs no plumbing through each command.
      const file = program.opts().config;
      if (typeof file === 'string') process.env.SLUICE_CONFIG = file;
    });

  const add = (parent: Command, entry: CommandEntry): void => {
    const command = parent.command(entry.name);
    entry.define(command);
    if (entry.subcommands !== undefined) {
      for (const sub of entry.subcommands) add(command, sub);
      return;
    }
    command.action(async (...args: unknown[]) => {
      // Commander appends the Command itself after the options; no command takes it.
      const dataDir = program.opts().dataDir as string | undefined;
      const code = await entry.run({ io, dataDir }, args.slice(0, -1));
      if (code !== undefined) setExit(code);
    });
  };
  for (const entry of COMMANDS) add(program, entry);
  return program;
}

/** What the file system said, in words, for the errors a mistyped path gives. */
const FS_ERRORS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EISDIR: 'is a folder, where a file was expected',
  ENOTDIR: 'a part of the path is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/** The one line a failure prints: a file system error names its path, not the syscall. */
export function describeFailure(error: unknown): string {
  const { code, path } = (error ?? {}) as { code?: unknown; path?: unknown };
  const words = typeof code === 'string' ? FS_ERRORS[code] : undefined;
  if (words !== undefined && typeof path === 'string') return `${path}: ${words}`;
  // A read of a folder names no path.
  if (code === 'EISDIR') return 'a folder was given where a file was expected';
  return errorMessage(error);
}

export async function main(argv: readonly string[]): Promise<number> {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr };
  // `sluice export ... | head` closes the pipe early: the reader has what it wanted.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EPIPE') throw error;
      process.exit(process.exitCode ?? 0);
    });
  }
  let exit = 0;
  const program = buildProgram(io, (code) => {
    exit = code;
  });
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    // Commander has already printed its own usage error, help or version.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    const message = describeFailure(error);
    io.stderr.write(`sluice: ${message}\n`);
    // With --json a script reads stdout: the failure is there too, as {error: {code, message}}.
    if (argv.includes('--json')) {
      const code =
        typeof (error as { code?: unknown })?.code === 'string'
          ? (error as { code: string }).code
          : 'CLI.FAILED';
      io.stdout.write(`${JSON.stringify({ error: { code, message } }, null, 2)}\n`);
    }
    return 2;
  }
  return exit;
}
