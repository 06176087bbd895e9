/**
 * Manifests archived before a re-run rewrites them (`--force`, `replay`): the
 * outputs of an input derive from its bytes, so a re-run rewrites the same keys,
 * and the archive under `audit/` keeps what they said before.
 */
import { createHash } from 'node:crypto';
import { keys } from '../keys.js';
import type { ObjectStore } from '../ports.js';

/** A UTC time that sorts as text and holds no colon (not allowed in Windows file names). */
export const auditStamp = (epochMs: number): string => new Date(epochMs).toISOString().replace(/[-:]/g, '');

/**
 * Copies the manifest of `sha256` under `audit/`; undefined when there is none yet.
 * The first archive of a millisecond takes the bare stamp; later ones in the same
 * millisecond are keyed by their own content, so any number of them fit and an
 * identical manifest archived twice is one piece of evidence, not two.
 */
export async function archiveManifest(
  store: ObjectStore,
  sha256: string,
  epochMs: number,
): Promise<string | undefined> {
  if (!(await store.head(keys.manifest(sha256)))) return undefined;
  const body = await store.getBytes(keys.manifest(sha256));
  const stamp = auditStamp(epochMs);
  // Create-only: an archived manifest is evidence and is never overwritten.
  const first = keys.auditManifest(sha256, stamp);
  if ((await store.put(first, body, { contentType: 'application/json', ifNoneMatch: true })).created)
    return first;
  const digest = createHash('sha256').update(body).digest('hex').slice(0, 16);
  const byContent = keys.auditManifest(sha256, `${stamp}-${digest}`);
  await store.put(byContent, body, { contentType: 'application/json', ifNoneMatch: true });
  return byContent;
}
