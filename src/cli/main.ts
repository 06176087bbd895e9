/** The `sluice` command: wires local ports to the stages. */
import { Command, CommanderError, Option } from 'commander';
import { DATASET_IDS } from '../core/datasets/contract.js';
import { errorMessage } from '../core/errors.js';
import { INTERVALS } from '../core/fetch/params.js';
import { analyzeCommand } from './commands/analyze.js';
import { effectiveConfig, printConfig } from './commands/config.js';
import { configuredModel, costReport, parseFilesPerDay, printCost, withProjection } from './commands/cost.js';
import { runDemo } from './commands/demo.js';
import { devCommand, parsePort } from './commands/dev.js';
import { exportCommand } from './commands/export.js';
import { type FetchCommandOptions, fetchCommand } from './commands/fetch.js';
import { type CliIo, ingestFiles, listInputs, reportIngest } from './commands/ingest.js';
import { notifyCommand } from './commands/notify.js';
import { type ReplayCommandOptions, replayCommand } from './commands/replay.js';
import { runPipeline } from './commands/run.js';
import { loadLocalConfig } from './config.js';
import { openLocalPorts } from './local-ports.js';
import { analyzeOptionsFrom } from './pipeline.js';
import { VERSION } from './version.js';

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

  program
    .command('config')
    .description('show every option, its value and where it came from (environment, config file, default)')
    .option('--json', 'print as JSON')
    .action((opts: { json?: boolean }) => {
      printConfig(effectiveConfig(), opts.json === true, io);
    });

  program
    .command('ingest')
    .description('validate a file (or every file in a folder) into processed/ and rejects/, with a manifest')
    .argument('<path>', 'a .json or .csv file, or a folder of them')
    .addOption(new Option('--dataset <id>', 'skip detection and read as this dataset').choices(DATASET_IDS))
    .option('--force', 'reprocess even if these bytes were ingested before')
    .option('--json', 'print the manifest as JSON on stdout')
    .action(async (target: string, opts: { dataset?: string; force?: boolean; json?: boolean }) => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        const files = await listInputs(target);
        const results = await ingestFiles(ports, config, files, opts, io);
        setExit(reportIngest(ports, results, opts.json === true, io));
      } finally {
        await ports.close();
      }
    });

  program
    .command('analyze')
    .description('analyze an ingested input (by its SHA-256), or ingest a file and analyze it')
    .argument('<target>', 'the input SHA-256 from its manifest, or a file')
    .option('--force', 'analyze again even if this input was analyzed before')
    .option('--json', 'print the stored analysis as JSON')
    .action(async (target: string, opts: { force?: boolean; json?: boolean }) => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        setExit(await analyzeCommand(ports, config, target, opts, io));
      } finally {
        await ports.close();
      }
    });

  program
    .command('cost')
    .description('tokens and dollars spent on narratives, from the recorded usage')
    .option('--since <date>', 'first day to count, YYYY-MM-DD (default: 30 days ago)')
    .option(
      '--files-per-day <n>',
      'project a month at this many files a day (default: the rate of the period)',
      parseFilesPerDay,
    )
    .option('--json', 'print the report as JSON')
    .action(async (opts: { since?: string; json?: boolean; filesPerDay?: number }) => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        const now = ports.clock.now();
        const since = opts.since ?? new Date(now - 30 * 86_400_000).toISOString().slice(0, 10);
        const report = withProjection(await costReport(ports.state, since, now), {
          ...(opts.filesPerDay === undefined ? {} : { filesPerDay: opts.filesPerDay }),
          configuredModel: configuredModel(config),
          prices: analyzeOptionsFrom(config).prices,
        });
        printCost(report, opts.json === true, io);
      } finally {
        await ports.close();
      }
    });

  program
    .command('run')
    .description('ingest, analyze and report on one file; prints where the report is')
    .argument('<file>', 'a .json or .csv file')
    .option('--force', 'reprocess even if these bytes were processed before')
    .option('--json', 'print the manifest, the analysis id and the report paths as JSON')
    .action(async (file: string, opts: { force?: boolean; json?: boolean }) => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        setExit(await runPipeline(ports, config, file, opts, io));
      } finally {
        await ports.close();
      }
    });

  program
    .command('notify')
    .description("send a stored analysis's report (again with --resend)")
    .argument('<id>', 'the analysis id (the input SHA-256)')
    .option('--resend', 'send even if the report was sent before')
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, opts: { resend?: boolean; json?: boolean }) => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        setExit(await notifyCommand(ports, id, opts, io));
      } finally {
        await ports.close();
      }
    });

  program
    .command('replay')
    .description('run an ingested input again, or validate its rejected rows again after a contract fix')
    .argument('<sha256>', 'the input SHA-256 from its manifest')
    .option('--rejects', 'only the rejected rows: newly valid ones are appended to a new processed file')
    .option('--notify', 'send the report of the replayed analysis (not sent otherwise)')
    .option('--json', 'print the outcome as JSON')
    .action(async (id: string, opts: ReplayCommandOptions) => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        setExit(await replayCommand(ports, config, id, opts, io));
      } finally {
        await ports.close();
      }
    });

  program
    .command('export')
    .description("write an input's processed rows (or its rejects) as CSV, formula cells neutralized")
    .argument('<sha256>', 'the input SHA-256 from its manifest')
    .option('--rejects', 'export the rejected rows with their reasons instead')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(async (id: string, opts: { rejects?: boolean; out?: string }) => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        setExit(await exportCommand(ports, id, opts, io));
      } finally {
        await ports.close();
      }
    });

  program
    .command('fetch')
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
    .option('--base-url <url>', 'API base URL (env TWELVEDATA_BASE_URL, default https://api.twelvedata.com)')
    .option('--bucket <name>', 'write to this S3 bucket instead of the data dir')
    .option('--ingest', 'ingest each written file right away (local data dir only)')
    .option('--json', 'print a summary as JSON')
    .action(async (symbols: string, opts: FetchCommandOptions) => {
      setExit(await fetchCommand(symbols, opts, { io, dataDir: program.opts().dataDir }));
    });

  program
    .command('demo')
    .description('run the pipeline on a bundled, generated Twelve Data sample (what `npm start` does)')
    .action(async () => {
      const config = loadLocalConfig();
      const ports = openLocalPorts(config, program.opts().dataDir);
      try {
        setExit(await runDemo(ports, config, io));
      } finally {
        await ports.close();
      }
    });

  program
    .command('dev')
    .description('watch <data-dir>/inputs/, run each dropped file through the pipeline, serve the dashboard')
    .option('--port <n>', 'dashboard port, 0 for a free one (env SLUICE_DEV_PORT, default 4400)', parsePort)
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .option('--no-open', 'do not open the dashboard in a browser')
    .action(async (opts: { port?: number; host: string; open: boolean }) => {
      const config = loadLocalConfig();
      setExit(await devCommand(config, program.opts().dataDir ?? config.SLUICE_DATA_DIR, opts, io));
    });

  return program;
}

export async function main(argv: readonly string[]): Promise<number> {
  const io: CliIo = { stdout: process.stdout, stderr: process.stderr };
  let exit = 0;
  const program = buildProgram(io, (code) => {
    exit = code;
  });
  try {
    await program.parseAsync(argv as string[]);
  } catch (error) {
    // Commander has already printed its own usage error, help or version.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    io.stderr.write(`sluice: ${errorMessage(error)}\n`);
    return 2;
  }
  return exit;
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly) {
  process.exitCode = await main(process.argv);
}
