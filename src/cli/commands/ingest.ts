/** `sluice ingest <file or folder>`: copy into the data dir's inputs/ and run the ingest stage. */
import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import cliProgress from 'cli-progress';
import type { Manifest } from '../../core/ingest/manifest.js';
import { type IngestResult, ingestObject } from '../../core/ingest/stage.js';
import { INPUT_PREFIX } from '../../core/keys.js';
import type { LocalConfig } from '../config.js';
import type { LocalPorts } from '../local-ports.js';
import { ingestOptionsFrom } from '../options.js';
import { manifestTable } from '../render.js';

export interface IngestCommandOptions {
  readonly dataset?: string;
  readonly force?: boolean;
  readonly json?: boolean;
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

const PROGRESS_MIN_BYTES = 8 * 1024 * 1024;

export interface IngestedFile {
  readonly file: string;
  readonly key: string;
  readonly result: IngestResult;
}

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

/** The object key of a local file, copying it into inputs/ unless it already lives there. */
export async function stageInput(ports: LocalPorts, file: string): Promise<string> {
  const absolute = path.resolve(file);
  const inputs = path.join(ports.dataDir, INPUT_PREFIX);
  if (absolute.startsWith(inputs)) return path.relative(ports.dataDir, absolute).split(path.sep).join('/');
  const key = `${INPUT_PREFIX}${path.basename(absolute)}`;
  await mkdir(path.join(ports.dataDir, path.dirname(key)), { recursive: true });
  await copyFile(absolute, path.join(ports.dataDir, key));
  return key;
}

export async function ingestFiles(
  ports: LocalPorts,
  config: LocalConfig,
  files: readonly string[],
  options: IngestCommandOptions,
  io: CliIo,
): Promise<IngestedFile[]> {
  const done: IngestedFile[] = [];
  for (const file of files) {
    const key = await stageInput(ports, file);
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
      const result = await ingestObject(
        ports,
        {
          key,
          requestId: randomUUID(),
          dataset: options.dataset,
          force: options.force,
          onProgress: bar ? (n) => bar.update(Math.floor(n / 1e6)) : undefined,
        },
        ingestOptionsFrom(config),
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

/** Prints the outcome; returns the process exit code (0 ingested, 1 a file refused, 75 busy). */
export function reportIngest(
  ports: LocalPorts,
  results: readonly IngestedFile[],
  json: boolean,
  io: CliIo,
): number {
  let exit = 0;
  for (const { file, result } of results) {
    if (result.outcome === 'in_progress') {
      io.stderr.write(`sluice: ${file}: another run is ingesting these bytes; try again later\n`);
      exit = Math.max(exit, 75);
      continue;
    }
    const why = result.manifest && refusal(result.manifest);
    if (why) {
      io.stderr.write(`sluice: ${file}: refused (${why})\n`);
      exit = Math.max(exit, 1);
    }
  }
  const manifests = results.flatMap((r) => (r.result.manifest ? [r.result.manifest] : []));
  if (json) {
    io.stdout.write(
      `${JSON.stringify(results.length === 1 ? (manifests[0] ?? null) : manifests, null, 2)}\n`,
    );
  } else {
    io.stdout.write(`${manifestTable(results, ports.dataDir)}\n`);
  }
  return exit;
}
