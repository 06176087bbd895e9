/**
 * `replay <sha256>`: run an input through ingest again, as if it had just arrived,
 * after archiving the manifest the run will overwrite. Ingest's outputs derive from
 * the input's bytes, so the re-run rewrites the same keys; the archive keeps what
 * they said before.
 */

import { sha256Of } from '../ingest/hash.js';
import type { Manifest } from '../ingest/manifest.js';
import {
  DEFAULT_INGEST_OPTIONS,
  type IngestDeps,
  type IngestOptions,
  type IngestResult,
  ingestObject,
} from '../ingest/stage.js';
import { ReplayError } from './errors.js';
import { inputManifest } from './lineage.js';

export { auditStamp } from '../ingest/archive.js';

export interface RerunInput {
  readonly sha256: string;
  readonly requestId: string;
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export interface RerunResult extends IngestResult {
  /** The manifest as it was before the re-run. */
  readonly previous: Manifest;
  /** Where it was archived. */
  readonly archivedKey: string;
}

export async function rerunInput(
  deps: IngestDeps,
  input: RerunInput,
  options: IngestOptions = DEFAULT_INGEST_OPTIONS,
): Promise<RerunResult> {
  const { store } = deps;
  const previous = await inputManifest(store, input.sha256);
  const key = previous.input.key;
  const head = await store.head(key);
  if (!head) {
    throw new ReplayError(
      'REPLAY.INPUT_MISSING',
      `the input of ${input.sha256} is gone from ${key}; put the file back there to replay it`,
    );
  }
  // Another file at the same key would be ingested under its own id, leaving this one unreplayed.
  const sha256 = head.sha256 ?? (await sha256Of(store, key));
  if (sha256 !== input.sha256) {
    throw new ReplayError(
      'REPLAY.INPUT_CHANGED',
      `${key} now holds other bytes (SHA-256 ${sha256}) than input ${input.sha256}; ingest it as a new input`,
    );
  }
  const result = await ingestObject(
    deps,
    {
      key,
      requestId: input.requestId,
      // A dataset chosen by flag must be chosen again; a detected one is detected again,
      // since a fixed contract may now recognize what it refused.
      dataset: previous.datasetSource === 'forced' ? (previous.dataset ?? undefined) : undefined,
      force: true,
      onProgress: input.onProgress,
    },
    options,
  );
  if (result.outcome === 'in_progress') {
    throw new ReplayError(
      'REPLAY.IN_PROGRESS',
      `another run is ingesting ${input.sha256}; try again when it ends`,
    );
  }
  // A forced ingest that took the claim archives the manifest it replaces before anything else.
  if (result.archivedKey === undefined) {
    throw new ReplayError(
      'REPLAY.CONFLICT',
      `the manifest of ${input.sha256} was not archived before the re-run`,
    );
  }
  return { ...result, previous, archivedKey: result.archivedKey };
}
