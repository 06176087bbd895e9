/** `sluice ingest <file or folder>`: copy into the data dir's inputs/ and run the ingest stage. */
import { randomUUID } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import { BUILTINS } from '../../core/datasets/registry.js';
import type { Manifest } from '../../core/ingest/manifest.js';
import { type IngestResult, ingestObject } from '../../core/ingest/stage.js';
import { INPUT_PREFIX } from '../../core/keys.js';
import type { LocalConfig } from '../../local/config.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { ingestOptionsFrom } from '../../local/options.js';
import type { CliIo, IngestedFile } from '../io.js';
import { manifestTable } from '../render.js';

export interface IngestCommandOptions {
  readonly dataset?: string;
  /** The symbol of a one-symbol file without a symbol column, before its file name's. */
  readonly symbol?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

/** Files to ingest: the file itself, or a folder's files (recursively, sorted, dot files skipped). */
export async function listInputs(target: string): Promise<string[]> {
  const info = await stat(target);
  if (!info.isDirectory()) return [target];
  const entries = await readdir(target, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && !e.name.startsWith('.'))
    .map((e) => path.join(e.parentPath, e.name))
    .sort();
}

/** `prices.csv.gz` → [`prices`, `.csv.gz`]: the suffix that says the format stays last. */
function splitName(name: string): [string, string] {
  const ext = /(\.[A-Za-z0-9]{1,8}(\.gz)?)$/.exec(name)?.[1] ?? '';
  return ext === '' || ext === name ? [name, ''] : [name.slice(0, -ext.length), ext];
}

/**
 * Keys a file may take under inputs/: its own name while that is free or holds the
 * same bytes, else the name with a short hash (another `prices.csv` was there), else
 * the full hash. An input a manifest refers to is never overwritten.
 */
export function inputKeysFor(file: string): (sha256: string) => string[] {
  const [stem, ext] = splitName(path.basename(file));
  return (sha256) => [
    `${INPUT_PREFIX}${stem}${ext}`,
    `${INPUT_PREFIX}${stem}.${sha256.slice(0, 12)}${ext}`,
    `${INPUT_PREFIX}${stem}.${sha256}${ext}`,
  ];
}

export interface StagedInput {
  readonly key: string;
  /** Known when the file was copied in (hashed in the same pass); a file already in inputs/ is hashed by ingest. */
  readonly sha256?: string;
}

/** The object key of a local file, copying it into inputs/ (atomically, create-only) unless it lives there. */
export async function stageInput(ports: LocalPorts, file: string): Promise<StagedInput> {
  const absolute = path.resolve(file);
  const inputs = path.join(ports.dataDir, INPUT_PREFIX);
  if (absolute.startsWith(inputs)) {
    return { key: path.relative(ports.dataDir, absolute).split(path.sep).join('/') };
  }
  const imported = await ports.store.importFile(absolute, inputKeysFor(absolute));
  return { key: imported.key, sha256: imported.sha256 };
}

const WAIT_POLL_MS = 500;

/**
 * Ingests one staged input; while another run holds its claim, waits for that run
 * and returns its manifest (the claim is taken over at once if that run died).
 */
async function ingestOwned(
  ports: LocalPorts,
  config: LocalConfig,
  input: Parameters<typeof ingestObject>[1],
  file: string,
  io: CliIo,
): Promise<IngestResult> {
  let result = await ingestObject(ports, input, ingestOptionsFrom(config));
  if (result.outcome === 'in_progress') {
    io.stderr.write(`sluice: ${file}: another run is ingesting these bytes; waiting for it to finish\n`);
  }
  while (result.outcome === 'in_progress') {
    await new Promise((resolve) => setTimeout(resolve, WAIT_POLL_MS));
    // Not forced again: the other run's fresh result is what a forced run wanted too.
    result = await ingestObject(ports, { ...input, force: false }, ingestOptionsFrom(config));
  }
  return result;
}

export async function ingestFiles(
  ports: LocalPorts,
  config: LocalConfig,
  files: readonly string[],
  options: IngestCommandOptions,
  io: CliIo,
): Promise<IngestedFile[]> {
  const done: IngestedFile[] = [];
  // Temp files of runs killed mid-copy (kill -9) would otherwise stay forever.
  await ports.store.sweepTemp();
  for (const file of files) {
    const { key, sha256 } = await stageInput(ports, file);
    const size = (await stat(file)).size;
    const bar =
      io.stderr.isTTY && !options.json && size >= PROGRESS_MIN_BYTES
        ? new cliProgress.SingleBar(
            {
              stream: io.stderr,
              format: `${path.basename(file)} [{bar}] {percentage}% | {value}/{total} MB`,
            },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
    bar?.start(Math.ceil(size / 1e6), 0);
    try {
      const result = await ingestOwned(
        ports,
        config,
        {
          key,
          ...(sha256 ? { sha256 } : {}),
          requestId: randomUUID(),
          dataset: options.dataset,
          ...(options.symbol !== undefined ? { symbol: options.symbol } : {}),
          force: options.force,
          onProgress: bar ? (n) => bar.update(Math.floor(n / 1e6)) : undefined,
        },
        file,
        io,
      );
      done.push({ file, key, result });
    } finally {
      bar?.stop();
    }
  }
  return done;
}

const refusal = (m: Manifest): string | undefined =>
  m.status === 'rejected' ? `${m.reason?.code ?? 'rejected'}: ${m.reason?.message ?? ''}` : undefined;

/** Prints the outcome; returns the process exit code (0 ingested, 1 a file refused). */
export function reportIngest(
  ports: LocalPorts,
  results: readonly IngestedFile[],
  json: boolean,
  io: CliIo,
  folder = false,
): number {
  let exit = 0;
  for (const { file, result } of results) {
    const why = result.manifest && refusal(result.manifest);
    if (why) {
      io.stderr.write(`sluice: ${file}: refused (${why})\n`);
      exit = Math.max(exit, 1);
    }
  }
  const manifests = results.flatMap((r) => (r.result.manifest ? [r.result.manifest] : []));
  if (json) {
    io.stdout.write(
      // A folder is an array every time, even of one file, so scripts need not guess.
      `${JSON.stringify(folder || results.length !== 1 ? manifests : (manifests[0] ?? null), null, 2)}\n`,
    );
  } else {
    io.stdout.write(`${manifestTable(results, ports.dataDir)}\n`);
  }
  return exit;
}

/** Says so when `--dataset` names no contract, before any file is staged; true when it did. */
export function unknownDataset(
  ports: LocalPorts,
  dataset: string | undefined,
  io: CliIo,
  json = false,
): boolean {
  const contracts = ports.contracts ?? BUILTINS;
  if (dataset === undefined || contracts.has(dataset)) return false;
  const message = `unknown dataset ${JSON.stringify(dataset)}; known: ${contracts.all.map((c) => c.id).join(', ')}`;
  io.stderr.write(`sluice: ${message}\n`);
  if (json)
    io.stdout.write(`${JSON.stringify({ error: { code: 'CLI.UNKNOWN_DATASET', message } }, null, 2)}\n`);
  return true;
}

/** `sluice ingest <file or folder>`; returns the exit code. */
export async function ingestCommand(
  ports: LocalPorts,
  config: LocalConfig,
  target: string,
  options: IngestCommandOptions,
  io: CliIo,
): Promise<number> {
  if (unknownDataset(ports, options.dataset, io, options.json === true)) return 2;
  const folder = (await stat(target)).isDirectory();
  const files = await listInputs(target);
  const results = await ingestFiles(ports, config, files, options, io);
  return reportIngest(ports, results, options.json === true, io, folder);
}
