/** `sluice export <sha256> [--rejects] [--out file.csv]`: an input's processed rows or rejects as CSV. */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { errorMessage, ObjectNotFoundError } from '../../core/errors.js';
import { type ExportKind, exportRunCsv, NoExportOutputError } from '../../core/export/run-csv.js';
import type { LocalPorts } from '../../local/local-ports.js';
import { idArgument, SHA256 } from '../input-ids.js';
import type { CliIo } from '../io.js';

async function writeAll(lines: AsyncIterable<string>, out: NodeJS.WritableStream): Promise<void> {
  for await (const line of lines) if (!out.write(line)) await once(out, 'drain');
}

/** Writes to `<file>.partial` and renames at the end, so a failed export leaves no half file behind. */
async function writeFileAtomically(lines: AsyncIterable<string>, file: string): Promise<void> {
  const partial = `${file}.partial`;
  const out = createWriteStream(partial);
  try {
    await writeAll(lines, out);
    out.end();
    await once(out, 'finish');
    await rename(partial, file);
  } catch (error) {
    out.destroy();
    await rm(partial, { force: true });
    throw error;
  }
}

export async function exportCommand(
  ports: LocalPorts,
  target: string,
  options: { rejects?: boolean; out?: string },
  io: CliIo,
): Promise<number> {
  const given = await idArgument(ports.store, ports.dataDir, target, io);
  if ('exit' in given) return given.exit;
  const { id } = given;
  if (!SHA256.test(id)) {
    io.stderr.write(`sluice: ${JSON.stringify(id)} is not an input SHA-256 (64 hex digits)\n`);
    return 2;
  }
  const kind: ExportKind = options.rejects ? 'rejects' : 'processed';
  const lines = exportRunCsv(ports.store, id, kind);
  try {
    if (options.out === undefined) await writeAll(lines, io.stdout);
    else await writeFileAtomically(lines, options.out);
  } catch (error) {
    if (error instanceof ObjectNotFoundError) {
      io.stderr.write(`sluice: no input ${id} has been ingested in ${ports.dataDir}\n`);
      return 1;
    }
    if (error instanceof NoExportOutputError) {
      io.stderr.write(`sluice: ${errorMessage(error)}\n`);
      return 1;
    }
    throw error;
  }
  return 0;
}
