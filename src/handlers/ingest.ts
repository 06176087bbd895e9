/**
 * Ingest, invoked asynchronously by EventBridge (S3 "Object Created") or by an S3
 * event notification. Infrastructure failures are thrown so the async invoke
 * retries; bad data never throws (it ends in a rejected manifest).
 */
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { instrument, recordIngestMetrics } from '../adapters/aws/observability.js';
import { assertSafeKey, decodeS3EventKey } from '../adapters/object-keys.js';
import { EventValidationError, InvalidKeyError } from '../core/errors.js';
import { type IngestOutcome, ingestObject } from '../core/ingest/stage.js';
import { INPUT_PREFIX } from '../core/keys.js';
import type { ObjectStore } from '../core/ports.js';
import { createRuntime } from './runtime.js';

const runtime = createRuntime('ingest');

const EventBridgeS3Schema = z.object({
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1) }),
  }),
});

const S3NotificationSchema = z.object({
  Records: z.array(
    z.object({
      s3: z.object({
        bucket: z.object({ name: z.string().min(1) }),
        object: z.object({ key: z.string().min(1) }),
      }),
    }),
  ),
});

interface Target {
  readonly bucket: string;
  readonly key: string;
  /** EventBridge's key may or may not be form-encoded; see resolveKey. */
  readonly encoding: 'form' | 'maybe-form';
}

function targetsOf(event: unknown): Target[] {
  const bridged = EventBridgeS3Schema.safeParse(event);
  if (bridged.success) {
    const { bucket, object } = bridged.data.detail;
    return [{ bucket: bucket.name, key: object.key, encoding: 'maybe-form' }];
  }
  const notification = S3NotificationSchema.safeParse(event);
  if (notification.success) {
    return notification.data.Records.map(({ s3 }) => ({
      bucket: s3.bucket.name,
      key: s3.object.key,
      encoding: 'form',
    }));
  }
  throw new EventValidationError('ingest expects an S3 "Object Created" event or an S3 event notification');
}

/**
 * The object's real key. Notification keys are form-encoded ('+' for a space).
 * Reports disagree on EventBridge's, so its key is decoded and, when nothing is
 * there but something is at the raw key, the raw key wins: one extra HEAD, only
 * for keys with '+' or '%'.
 */
async function resolveKey(store: ObjectStore, target: Target): Promise<string> {
  const decoded = decodeS3EventKey(target.key);
  if (target.encoding === 'form' || decoded === target.key) return decoded;
  if (await store.head(decoded)) return decoded;
  return (await store.head(target.key)) ? target.key : decoded;
}

export interface IngestHandlerResult {
  readonly results: ReadonlyArray<{
    readonly key: string;
    /** `refused`: the key can name something outside the store (traversal, control characters). */
    readonly outcome: IngestOutcome | 'ignored' | 'refused';
    readonly status?: string;
    readonly id?: string;
  }>;
}

export const handler = instrument(
  runtime.observability,
  async (event: unknown, context: Context): Promise<IngestHandlerResult> => {
    const { logger, metrics } = runtime.observability;
    const store = runtime.store();
    const results: IngestHandlerResult['results'][number][] = [];
    for (const target of targetsOf(event)) {
      let key = target.key;
      if (target.bucket === runtime.env.SLUICE_BUCKET) {
        try {
          key = await resolveKey(store, target);
          assertSafeKey(key);
        } catch (error) {
          if (!(error instanceof InvalidKeyError)) throw error;
          // Every retry would refuse the same key: report it once instead of failing the invoke.
          logger.warn('object key refused', { key: target.key, reason: error.message });
          results.push({ key: target.key, outcome: 'refused' });
          continue;
        }
      }
      if (target.bucket !== runtime.env.SLUICE_BUCKET || !key.startsWith(INPUT_PREFIX)) {
        logger.info('object outside the inputs of this bucket; ignored', { bucket: target.bucket, key });
        results.push({ key, outcome: 'ignored' });
        continue;
      }
      const result = await ingestObject(
        { store, state: runtime.state(), bus: runtime.bus(), clock: runtime.clock, logger },
        { key, requestId: context.awsRequestId },
        runtime.ingestOptions(context),
      );
      // A duplicate delivery was counted the first time.
      if (result.outcome === 'processed' && result.manifest) recordIngestMetrics(metrics, result.manifest);
      results.push({
        key,
        outcome: result.outcome,
        ...(result.manifest ? { status: result.manifest.status, id: result.manifest.id } : {}),
      });
    }
    return { results };
  },
);
