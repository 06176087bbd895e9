/** What the commands write to and hand each other; apart so no command imports another for a type. */
import type { IngestResult } from '../core/ingest/stage.js';

export interface CliIo {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One file of `sluice ingest`: where it came from, its key under inputs/, what ingest made of it. */
export interface IngestedFile {
  readonly file: string;
  readonly key: string;
  readonly result: IngestResult;
}
