/**
 * Manifests archived before a re-run rewrites them (`--force`, `replay`): the
 * outputs of an input derive from its bytes, so a re-run rewrites the same keys,
 * and the archive under `audit/` keeps what they said before.
 */
import { SluiceError } from '../errors.js';
import { keys } from '../keys.js';
import type { ObjectStore } from '../ports.js';

// Archives made in the same millisecond get -2, -3...; more than this is a loop, not a burst.
const MAX_ARCHIVE_SUFFIX = 100;

/** A UTC time that sorts as text and holds no colon (not allowed in Windows file names). */
export const auditStamp = (epochMs: number): string => new Date(epochMs).toISOString().replace(/[-:]/g, '');

/** Copies the manifest of `sha256` under `audit/`; undefined when there is none yet. */
export async function archiveManifest(
  store: ObjectStore,
  sha256: string,
  epochMs: number,
): Promise<string | undefined> {
  if (!(await store.head(keys.manifest(sha256)))) return undefined;
  const body = await store.getBytes(keys.manifest(sha256));
  const stamp = auditStamp(epochMs);
  for (let n = 1; n <= MAX_ARCHIVE_SUFFIX; n++) {
    const key = keys.auditManifest(sha256, n === 1 ? stamp : `${stamp}-${n}`);
    // Create-only: an archived manifest is evidence and is never overwritten.
    if ((await store.put(key, body, { contentType: 'application/json', ifNoneMatch: true })).created)
      return key;
  }
  throw new SluiceError(
    'INGEST.ARCHIVE_CONFLICT',
    `could not find a free audit key for ${sha256} at ${stamp}`,
  );
}
