/**
 * An input whose object key cannot be used (it does not decode, or it could name
 * something outside the store) is refused like any unreadable file: a rejected
 * manifest, an IngestRejected event and the claim that makes both happen once.
 *
 * Its bytes are never read, so the id is the SHA-256 of the key text instead of the
 * content (`input.sha256` says the same). A retry of the same event finds the claim
 * completed and returns the stored manifest without a second event.
 */
import { createHash } from 'node:crypto';
import { PublishFailedError } from '../errors.js';
import { makeEvent } from '../events.js';
import { claimKeys, keys } from '../keys.js';
import { type Manifest, ManifestSchema } from './manifest.js';
import type { IngestDeps, IngestOptions, IngestResult } from './stage.js';
import { Tally } from './tally.js';

export const INVALID_KEY_REASON = 'invalid_key';

export interface RefusedKeyInput {
  /** The key exactly as the event carried it. */
  readonly key: string;
  readonly requestId: string;
  /** Why the key cannot be used, for the manifest and the event. */
  readonly why: string;
}

export const refusedKeyId = (key: string): string =>
  createHash('sha256').update(`key:${key}`, 'utf8').digest('hex');

export async function refuseKey(
  deps: IngestDeps,
  input: RefusedKeyInput,
  options: Pick<IngestOptions, 'claimTtlMs' | 'retainMs' | 'producer'>,
): Promise<IngestResult> {
  const { store, state, bus, clock } = deps;
  const id = refusedKeyId(input.key);
  const startedAt = clock.now();
  const correlationId = `${id}:${input.requestId}`;
  const logger = deps.logger.child({ correlationId, key: input.key });
  const claimKey = claimKeys.ingest(id);
  const owner = `ingest:${input.requestId}`;
  const claim = await state.claim(claimKey, { owner, now: startedAt, ttlMs: options.claimTtlMs });
  if (!claim.acquired) {
    if (claim.existing.status === 'in_progress') return { outcome: 'in_progress' };
    const stored = ManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await store.getBytes(keys.manifest(id)))),
    );
    return { outcome: 'duplicate', manifest: stored };
  }
  const finishedAt = new Date(clock.now()).toISOString();
  const manifest: Manifest = {
    version: 1,
    id,
    correlationId,
    requestId: input.requestId,
    status: 'rejected',
    reason: { code: INVALID_KEY_REASON, message: input.why },
    dataset: null,
    datasetSource: null,
    input: { key: input.key, bytes: 0, decodedBytes: 0, gzip: false, sha256: id },
    counts: new Tally(0).counts(null),
    outputs: {},
    timings: {
      startedAt: new Date(startedAt).toISOString(),
      finishedAt,
      hashMs: 0,
      parseMs: 0,
      totalMs: clock.now() - startedAt,
    },
    producer: options.producer,
  };
  try {
    await store.put(keys.manifest(id), `${JSON.stringify(manifest, null, 2)}\n`, {
      contentType: 'application/json',
    });
    const event = makeEvent('IngestRejected', {
      version: 1,
      correlationId,
      id,
      inputKey: input.key,
      manifestKey: keys.manifest(id),
      reason: { code: INVALID_KEY_REASON, message: input.why },
      completedAt: finishedAt,
    });
    const published = await bus.publish([event]);
    if (published.failed.length > 0) {
      throw new PublishFailedError(`could not publish IngestRejected: ${published.failed[0]?.error}`);
    }
    await state.complete(
      claimKey,
      owner,
      { manifestKey: keys.manifest(id), status: 'rejected' },
      { now: clock.now(), retainMs: options.retainMs },
    );
  } catch (error) {
    await state.release(claimKey, owner).catch(() => undefined);
    throw error;
  }
  logger.warn('object key refused', { reason: INVALID_KEY_REASON, message: input.why });
  return { outcome: 'processed', manifest };
}
