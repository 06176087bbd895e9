/**
 * Every `sluice` command: its arguments and options, and how to run it. `--help`
 * and `--version` load this table and commander alone, so an entry imports its
 * command's module (and the adapters that module needs) only inside `run`; the
 * static imports here stay light (no zod, no SDK, no native module). A new command
 * is one entry.
 */
import { type Command, Option } from 'commander';
import { DATASET_IDS } from '../core/datasets/contract.js';
import { INTERVALS } from '../core/fetch/intervals.js';
import { parseFilesPerDay, parsePort } from './arguments.js';
import type { CostCommandOptions } from './commands/cost.js';
import type { DevCommandOptions } from './commands/dev.js';
import type { FetchCommandOptions } from './commands/fetch.js';
import type { IngestCommandOptions } from './commands/ingest.js';
import type { ReplayCommandOptions } from './commands/replay.js';
import type { CliIo } from './io.js';

/** What a command's `run` gets besides its arguments. */
export interface CommandContext {
  readonly io: CliIo;
  /** `--data-dir`, when given. */
  readonly dataDir: string | undefined;
}

/** A command's exit code; undefined leaves it at 0. */
type Exit = Promise<number | undefined>;

export interface CommandEntry {
  readonly name: string;
  /** Describes the command's arguments and options on the commander command. */
  readonly define: (command: Command) => void;
  /** Commander's action arguments: the positional ones, then the options. */
  readonly run: (context: CommandContext, args: readonly unknown[]) => Exit;
  /** A command group (`sluice contract infer`): its own run is never called. */
  readonly subcommands?: readonly CommandEntry[];
}

/** Types `run`'s arguments at the entry; commander passes them untyped. */
function entry<A extends unknown[]>(spec: {
  name: string;
  define: (command: Command) => void;
  run: (context: CommandContext, ...args: A) => Exit;
}): CommandEntry {
  return { name: spec.name, define: spec.define, run: (context, args) => spec.run(context, ...(args as A)) };
}

const session = () => import('./local-session.js');
const config = () => import('../local/config.js');
const contract = () => import('./commands/contract.js');

export const COMMANDS: readonly CommandEntry[] = [
  entry({
    name: 'config',
    define: (c) =>
      c
        .description(
          'show every option, its value and where it came from (environment, config file, default)',
        )
        .option('--json', 'print as JSON'),
    run: async ({ io }, opts: { json?: boolean }) => {
      const { configCommand } = await import('./commands/config.js');
      return configCommand(opts, io);
    },
  }),
  {
    name: 'contract',
    define: (c) =>
      c.description('draft, check and list dataset contracts (nothing is written to the data dir)'),
    run: async () => undefined,
    subcommands: [
      entry({
        name: 'infer',
        define: (c) =>
          c
            .description('draft a contract from a sample of a file and print it as YAML')
            .argument('<file>', 'a .csv or .json file')
            .option('--name <id>', 'the dataset id (default: from the file name)')
            .option('--json', 'print the draft as JSON'),
        run: async ({ io }, file: string, opts: { name?: string; json?: boolean }) => {
          const [{ loadLocalConfig }, { inferCommand }] = await Promise.all([config(), contract()]);
          return inferCommand(file, opts, loadLocalConfig(), io);
        },
      }),
      entry({
        name: 'check',
        define: (c) =>
          c
            .description('dry-run a file: which contract reads it, counts per reason, sample rejects')
            .argument('<file>', 'a .csv or .json file')
            .option('--dataset <id>', 'check against this dataset instead of detecting it')
            .option('--symbol <symbol>', 'the symbol of a one-symbol file without a symbol column')
            .option('--json', 'print the report as JSON'),
        run: async ({ io }, file: string, opts: { dataset?: string; symbol?: string; json?: boolean }) => {
          const [{ loadLocalConfig }, { checkCommand }] = await Promise.all([config(), contract()]);
          return checkCommand(file, opts, loadLocalConfig(), io);
        },
      }),
      entry({
        name: 'list',
        define: (c) =>
          c
            .description("every contract, built-in or the project's, with where it came from")
            .option('--json', 'print as JSON'),
        run: async ({ io }, opts: { json?: boolean }) => {
          const [{ loadLocalConfig }, { listCommand }] = await Promise.all([config(), contract()]);
          return listCommand(opts, loadLocalConfig(), io);
        },
      }),
    ],
  },
  entry({
    name: 'ingest',
    define: (c) =>
      c
        .description(
          'validate a file (or every file in a folder) into processed/ and rejects/, with a manifest',
        )
        .argument('<path>', 'a .json or .csv file, or a folder of them')
        .option(
          '--dataset <id>',
          `skip detection and read as this dataset (${DATASET_IDS.join(', ')} or a project contract's)`,
        )
        .option(
          '--symbol <symbol>',
          'the symbol of a one-symbol file without a symbol column (else its file name)',
        )
        .option('--force', 'reprocess even if these bytes were ingested before')
        .option('--json', 'print the manifest as JSON on stdout'),
    run: async ({ io, dataDir }, target: string, opts: IngestCommandOptions) => {
      const [{ withLocalPorts }, { ingestCommand }] = await Promise.all([
        session(),
        import('./commands/ingest.js'),
      ]);
      return withLocalPorts(dataDir, (ports, config) => ingestCommand(ports, config, target, opts, io));
    },
  }),
  entry({
    name: 'runs',
    define: (c) =>
      c
        .description('list the inputs of the data dir, newest first: id, dataset, status, counts, time')
        .option('--json', 'print the runs as JSON (the dashboard API objects)'),
    run: async ({ io, dataDir }, opts: { json?: boolean }) => {
      const [{ withLocalPorts }, { runsCommand }] = await Promise.all([
        session(),
        import('./commands/runs.js'),
      ]);
      return withLocalPorts(dataDir, (ports) => runsCommand(ports, opts, io));
    },
  }),
  entry({
    name: 'analyze',
    define: (c) =>
      c
        .description(
          'analyze an ingested input (by its SHA-256 or a unique prefix), or ingest a file and analyze it',
        )
        .argument('<target>', 'the input SHA-256 (or a unique prefix of it), or a file')
        .option('--force', 'analyze again even if this input was analyzed before')
        .option('--json', 'print the stored analysis as JSON'),
    run: async ({ io, dataDir }, target: string, opts: { force?: boolean; json?: boolean }) => {
      const [{ withLocalPorts }, { analyzeCommand }] = await Promise.all([
        session(),
        import('./commands/analyze.js'),
      ]);
      return withLocalPorts(dataDir, (ports, config) => analyzeCommand(ports, config, target, opts, io));
    },
  }),
  entry({
    name: 'cost',
    define: (c) =>
      c
        .description('tokens and dollars spent on narratives, from the recorded usage')
        .option('--since <date>', 'first day to count, YYYY-MM-DD (default: 30 days ago)')
        .option(
          '--files-per-day <n>',
          'project a month at this many files a day (default: the rate of the period)',
          parseFilesPerDay,
        )
        .option('--json', 'print the report as JSON'),
    run: async ({ io, dataDir }, opts: CostCommandOptions) => {
      const [{ withLocalPorts }, { costCommand }] = await Promise.all([
        session(),
        import('./commands/cost.js'),
      ]);
      return withLocalPorts(dataDir, (ports, config) => costCommand(ports, config, opts, io));
    },
  }),
  entry({
    name: 'run',
    define: (c) =>
      c
        .description('ingest, analyze and report on one file; prints where the report is')
        .argument('<file>', 'a .json or .csv file')
        .option('--dataset <id>', 'skip detection and read as this dataset')
        .option(
          '--symbol <symbol>',
          'the symbol of a one-symbol file without a symbol column (else its file name)',
        )
        .option('--force', 'reprocess even if these bytes were processed before')
        .option('--json', 'print the manifest, the analysis id and the report paths as JSON'),
    run: async (
      { io, dataDir },
      file: string,
      opts: { force?: boolean; json?: boolean; dataset?: string; symbol?: string },
    ) => {
      const [{ withLocalPorts }, { runPipeline }] = await Promise.all([
        session(),
        import('./commands/run.js'),
      ]);
      return withLocalPorts(dataDir, (ports, config) => runPipeline(ports, config, file, opts, io));
    },
  }),
  entry({
    name: 'notify',
    define: (c) =>
      c
        .description("send a stored analysis's report (again with --resend)")
        .argument('<id>', 'the analysis id (the input SHA-256, or a unique prefix of it)')
        .option('--resend', 'send even if the report was sent before')
        .option('--json', 'print the outcome as JSON'),
    run: async ({ io, dataDir }, id: string, opts: { resend?: boolean; json?: boolean }) => {
      const [{ withLocalPorts }, { notifyCommand }] = await Promise.all([
        session(),
        import('./commands/notify.js'),
      ]);
      return withLocalPorts(dataDir, (ports) => notifyCommand(ports, id, opts, io));
    },
  }),
  entry({
    name: 'replay',
    define: (c) =>
      c
        .description('run an ingested input again, or validate its rejected rows again after a contract fix')
        .argument('<sha256>', 'the input SHA-256 from its manifest (or a unique prefix of it)')
        .option('--rejects', 'only the rejected rows: newly valid ones are appended to a new processed file')
        .option('--notify', 'send the report of the replayed analysis (not sent otherwise)')
        .option('--json', 'print the outcome as JSON'),
    run: async ({ io, dataDir }, id: string, opts: ReplayCommandOptions) => {
      const [{ withLocalPorts }, { replayCommand }] = await Promise.all([
        session(),
        import('./commands/replay.js'),
      ]);
      return withLocalPorts(dataDir, (ports, config) => replayCommand(ports, config, id, opts, io));
    },
  }),
  entry({
    name: 'export',
    define: (c) =>
      c
        .description("write an input's processed rows (or its rejects) as CSV, formula cells neutralized")
        .argument('<sha256>', 'the input SHA-256 from its manifest (or a unique prefix of it)')
        .option('--rejects', 'export the rejected rows with their reasons instead')
        .option('--out <file>', 'write to this file instead of stdout'),
    run: async ({ io, dataDir }, id: string, opts: { rejects?: boolean; out?: string }) => {
      const [{ withLocalPorts }, { exportCommand }] = await Promise.all([
        session(),
        import('./commands/export.js'),
      ]);
      return withLocalPorts(dataDir, (ports) => exportCommand(ports, id, opts, io));
    },
  }),
  entry({
    name: 'fetch',
    define: (c) =>
      c
        .description('download Twelve Data time series (key in TWELVEDATA_API_KEY) into inputs/twelvedata/')
        .argument('<symbols>', 'comma-separated symbols, e.g. AAPL,MSFT,EUR/USD (at most 120)')
        .addOption(new Option('--interval <interval>', 'bar interval').choices(INTERVALS).default('1day'))
        .option('--outputsize <n>', 'bars per symbol, 1..5000 (default 30)')
        .option('--start <datetime>', 'first bar, YYYY-MM-DD or "YYYY-MM-DD HH:MM:SS"')
        .option('--end <datetime>', 'last bar, YYYY-MM-DD or "YYYY-MM-DD HH:MM:SS"')
        .option('--timezone <tz>', 'timezone of the bar times: Exchange (default), UTC, America/New_York...')
        .option('--batch-size <n>', 'symbols per request (default 8; never more than the credits per minute)')
        .option(
          '--credits-per-minute <n>',
          "the plan's API credits per minute (env TWELVEDATA_CREDITS_PER_MINUTE, default 8)",
        )
        .option(
          '--base-url <url>',
          'API base URL (env TWELVEDATA_BASE_URL, default https://api.twelvedata.com)',
        )
        .option('--bucket <name>', 'write to this S3 bucket instead of the data dir')
        .option('--ingest', 'ingest each written file right away (local data dir only)')
        .option('--json', 'print a summary as JSON'),
    run: async ({ io, dataDir }, symbols: string, opts: FetchCommandOptions) => {
      const { fetchCommand } = await import('./commands/fetch.js');
      return fetchCommand(symbols, opts, { io, dataDir });
    },
  }),
  entry({
    name: 'demo',
    define: (c) =>
      c.description('run the pipeline on a bundled, generated Twelve Data sample (what `npm start` does)'),
    run: async ({ io, dataDir }) => {
      const [{ withLocalPorts }, { runDemo }] = await Promise.all([session(), import('./commands/demo.js')]);
      return withLocalPorts(dataDir, (ports, config) => runDemo(ports, config, io));
    },
  }),
  entry({
    name: 'dev',
    define: (c) =>
      c
        .description(
          'watch <data-dir>/inputs/, run each dropped file through the pipeline, serve the dashboard',
        )
        .option(
          '--port <n>',
          'dashboard port, 0 for a free one (env SLUICE_DEV_PORT, default 4400)',
          parsePort,
        )
        .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
        .option('--no-open', 'do not open the dashboard in a browser'),
    run: async ({ io, dataDir }, opts: DevCommandOptions) => {
      const [{ loadLocalConfig }, { devCommand }] = await Promise.all([
        import('../local/config.js'),
        import('./commands/dev.js'),
      ]);
      const config = loadLocalConfig();
      return devCommand(config, dataDir ?? config.SLUICE_DATA_DIR, opts, io);
    },
  }),
];
