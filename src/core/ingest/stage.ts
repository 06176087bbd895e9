import { holdClaim } from '../claim-lease.js';
import type { DatasetContract, JudgedRecord, ReadItem, SourceRecord } from '../datasets/contract.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits } from '../datasets/contract.js';
import { fieldOf } from '../datasets/fields.js';
import { loadPlainWriters } from '../datasets/plain-writers.js';
import type { ContractSet } from '../datasets/registry.js';
import { ClaimLostError, errorMessage, PublishFailedError, UnreadableFileError } from '../errors.js';
import { makeEvent } from '../events.js';
import { claimKeys, keys } from '../keys.js';
import type { Clock, EventBus, Logger, ObjectStore, StateStore } from '../ports.js';
import type { RowIssue } from '../reasons.js';
import { ingestCompletedOf } from '../stage-events.js';
import { archiveManifest } from './archive.js';
import { decodeText, peekText } from './decode.js';
import { type DatasetSource, detectDataset, SNIFF_CHARS } from './detect.js';
import { sha256Of } from './hash.js';
import { JsonlSink } from './jsonl-sink.js';
import { type Manifest, ManifestSchema } from './manifest.js';
import { refusedKeyId } from './refused-key.js';
import { Tally } from './tally.js';

export interface IngestDeps {
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly bus: EventBus;
  readonly clock: Clock;
  readonly logger: Logger;
  /** The contracts files are read with: a project's and the built-ins. @default BUILTINS */
  readonly contracts?: ContractSet;
}

export interface IngestOptions {
  /** Largest input accepted, compressed or not. @default 536_870_912 (512 MiB) */
  readonly maxBytes: number;
  /**
   * How long a claim protects work in progress before another worker may take it
   * over; the stage renews it every third of this while it works. @default 120_000
   */
  readonly claimTtlMs: number;
  /** How long a completed claim is kept (EventBridge retries for 24 h). @default 604_800_000 (7 days) */
  readonly retainMs: number;
  /** Most groups listed one by one in the manifest. @default 1000 */
  readonly maxGroups: number;
  readonly limits: ParseLimits;
  /** Written into every manifest. */
  readonly producer: string;
}

export const DEFAULT_INGEST_OPTIONS: IngestOptions = {
  maxBytes: 512 * 1024 * 1024,
  claimTtlMs: 2 * 60 * 1000,
  retainMs: 7 * 24 * 3600 * 1000,
  maxGroups: 1000,
  limits: DEFAULT_PARSE_LIMITS,
  producer: 'sluice',
};

export interface IngestInput {
  readonly key: string;
  /** Lambda request id, CLI run id: the second half of the correlation id. */
  readonly requestId: string;
  readonly dataset?: string;
  /** The symbol of a market file without a symbol column; @default taken from the file name (`AAPL.csv`) */
  readonly symbol?: string;
  /**
   * The SHA-256 of the object's bytes, when the caller computed it while staging
   * them (and the object cannot change after: a create-only key); saves a read.
   */
  readonly sha256?: string;
  /** Reprocess even when these bytes were ingested before; the old manifest is archived first. */
  readonly force?: boolean;
  readonly onProgress?: (bytesRead: number, totalBytes: number) => void;
}

export type IngestOutcome =
  /** Processed now (status ingested or rejected). */
  | 'processed'
  /** These bytes were processed before; the stored manifest is returned. */
  | 'duplicate'
  /** Another worker holds an unexpired claim on these bytes. */
  | 'in_progress';

export interface IngestResult {
  readonly outcome: IngestOutcome;
  readonly manifest?: Manifest;
  /** Where a forced run archived the manifest it replaced. */
  readonly archivedKey?: string;
}

function groupOf(contract: DatasetContract, record: SourceRecord): string | undefined {
  const value = contract.groupField === undefined ? undefined : fieldOf(record, contract.groupField);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The SHA-256 of an object's bytes, in one streaming pass. */

export async function ingestObject(
  deps: IngestDeps,
  input: IngestInput,
  options: IngestOptions = DEFAULT_INGEST_OPTIONS,
): Promise<IngestResult> {
  const { store, state, clock } = deps;
  const startedAt = clock.now();
  const { sha256, size, refusal, receivedAt } = await identify(store, input);
  const hashMs = clock.now() - startedAt;
  const correlationId = `${sha256}:${input.requestId}`;
  const logger = deps.logger.child({ correlationId, key: input.key });

  const claimKey = claimKeys.ingest(sha256);
  const owner = `ingest:${input.requestId}`;
  const claim = await state.claim(claimKey, {
    owner,
    now: clock.now(),
    ttlMs: options.claimTtlMs,
    force: input.force === true,
  });
  if (!claim.acquired) {
    const existing = claim.existing;
    // The store hands over expired claims itself, so one still in progress is live.
    if (existing.status === 'in_progress') {
      logger.info('ingest already in progress elsewhere', { owner: existing.owner });
      return { outcome: 'in_progress' };
    }
    const manifest = ManifestSchema.parse(
      JSON.parse(new TextDecoder().decode(await store.getBytes(keys.manifest(sha256)))),
    );
    logger.info('input already ingested; returning stored manifest', { status: manifest.status });
    return { outcome: 'duplicate', manifest };
  }

  const lease = holdClaim({ state, clock, logger, key: claimKey, owner, ttlMs: options.claimTtlMs });
  try {
    const archivedKey = input.force ? await archiveManifest(store, sha256, clock.now()) : undefined;
    if (archivedKey) logger.info('manifest archived before a forced re-run', { archivedKey });
    const manifest = await runIngest(deps, input, options, {
      sha256,
      size,
      correlationId,
      startedAt,
      hashMs,
      refusal,
      receivedAt,
    });
    // Another worker owns these bytes now (ours stalled past the lease): its manifest is the one.
    if (lease.lost) throw new ClaimLostError(claimKey);
    await store.put(keys.manifest(sha256), `${JSON.stringify(manifest, null, 2)}\n`, {
      contentType: 'application/json',
    });
    await announce(deps.bus, manifest);
    await state.complete(
      claimKey,
      owner,
      { manifestKey: keys.manifest(sha256), status: manifest.status },
      { now: clock.now(), retainMs: options.retainMs },
    );
    logger.info('ingest finished', {
      status: manifest.status,
      dataset: manifest.dataset,
      counts: {
        total: manifest.counts.total,
        valid: manifest.counts.valid,
        rejected: manifest.counts.rejected,
      },
      reason: manifest.reason?.code,
    });
    return { outcome: 'processed', manifest, ...(archivedKey ? { archivedKey } : {}) };
  } catch (error) {
    // Anything that reaches here is infrastructure, not data: give the claim back
    // so the platform's retry does the work again at once.
    logger.error('ingest failed; claim released for retry', { error: errorMessage(error) });
    await state.release(claimKey, owner).catch(() => undefined);
    throw error;
  } finally {
    lease.stop();
  }
}

interface Identity {
  readonly sha256: string;
  readonly size: number;
  /** Why the object cannot be read at all (a symlink...): it is refused with a manifest like any bad file. */
  readonly refusal?: UnreadableFileError;
  /** When the store received the object (its last-modified time), for records without a time of their own. */
  readonly receivedAt?: number;
}

/**
 * The input's id: the SHA-256 of its bytes. An object the store refuses to read
 * has no bytes to hash; its id is the hash of its key (as for an unusable key), so the refusal still gets
 * a manifest and an event, and the same refused key maps to the same manifest.
 */
async function identify(store: ObjectStore, input: IngestInput): Promise<Identity> {
  try {
    const head = await store.head(input.key);
    const sha256 = input.sha256 ?? head?.sha256 ?? (await sha256Of(store, input.key));
    const receivedAt = head?.lastModified?.getTime();
    return { sha256, size: head?.size ?? 0, ...(receivedAt === undefined ? {} : { receivedAt }) };
  } catch (error) {
    if (!(error instanceof UnreadableFileError)) throw error;
    return { sha256: refusedKeyId(input.key), size: 0, refusal: error };
  }
}

interface RunFacts {
  readonly refusal?: UnreadableFileError;
  readonly sha256: string;
  readonly size: number;
  readonly correlationId: string;
  readonly startedAt: number;
  readonly hashMs: number;
  readonly receivedAt?: number;
}

async function runIngest(
  deps: IngestDeps,
  input: IngestInput,
  options: IngestOptions,
  facts: RunFacts,
): Promise<Manifest> {
  const { store, clock } = deps;
  const parseStart = clock.now();
  const tally = new Tally(options.maxGroups);
  let contract: DatasetContract | undefined;
  let datasetSource: DatasetSource | undefined;
  let processed: JsonlSink | undefined;
  let rejects: JsonlSink | undefined;
  let stats = { rawBytes: 0, decodedBytes: 0, gzip: false };
  let peeked: Awaited<ReturnType<typeof peekText>> | undefined;

  const finish = (
    status: Manifest['status'],
    reason: Manifest['reason'],
    outputs: Manifest['outputs'],
  ): Manifest => {
    const now = clock.now();
    return {
      version: 1,
      id: facts.sha256,
      correlationId: facts.correlationId,
      requestId: input.requestId,
      status,
      ...(reason ? { reason } : {}),
      dataset: contract?.id ?? null,
      datasetSource: datasetSource ?? null,
      input: {
        key: input.key,
        bytes: Math.max(stats.rawBytes, facts.size),
        decodedBytes: stats.decodedBytes,
        gzip: stats.gzip,
        sha256: facts.sha256,
      },
      counts: tally.counts(contract?.groupField ?? null),
      outputs,
      timings: {
        startedAt: new Date(facts.startedAt).toISOString(),
        finishedAt: new Date(now).toISOString(),
        hashMs: facts.hashMs,
        parseMs: now - parseStart,
        totalMs: now - facts.startedAt,
      },
      producer: options.producer,
    };
  };

  try {
    if (facts.refusal) throw facts.refusal;
    if (facts.size > options.maxBytes) {
      throw new UnreadableFileError(
        'too_large',
        `the file has ${facts.size} bytes, over the ${options.maxBytes}-byte limit`,
      );
    }
    const decoded = await decodeText(await store.getStream(input.key), {
      maxBytes: options.maxBytes,
      onBytes: input.onProgress ? (n) => input.onProgress?.(n, facts.size) : undefined,
    });
    stats = decoded.stats;
    peeked = await peekText(decoded.text, SNIFF_CHARS);
    if (peeked.prefix.trim() === '') await refuseBlank(peeked.text);
    const detection = detectDataset(peeked.prefix, input.key, input.dataset, deps.contracts);
    contract = detection.contract;
    datasetSource = detection.source;
    const processedKey = keys.processed(contract.id, facts.sha256);
    const rejectsKey = keys.rejects(contract.id, facts.sha256);
    processed = new JsonlSink(await store.openWriter(processedKey, { contentType: 'application/x-ndjson' }));
    rejects = new JsonlSink(await store.openWriter(rejectsKey, { contentType: 'application/x-ndjson' }));

    const context = {
      key: input.key,
      ...(input.symbol !== undefined ? { symbol: input.symbol } : {}),
      ...(facts.receivedAt !== undefined ? { receivedAt: new Date(facts.receivedAt).toISOString() } : {}),
    };
    const validator = contract.createValidator(context);
    const serialize = contract.serialize ?? ((row: unknown) => JSON.stringify(row));
    const judge = (item: SourceRecord): JudgedRecord => {
      const result = validator.validate(item);
      const group = item.group ?? groupOf(contract as DatasetContract, item);
      if (result.ok) {
        const line = item.extra
          ? evolved(result.row, item.extra)
          : serialize(result.row, item, result.values);
        return { kind: 'judged', valid: true, line, group };
      }
      const line = rejectLine(item.index, item.line, group, item.raw, result.issues);
      return { kind: 'judged', valid: false, line, group, issues: result.issues };
    };
    if (contract.readTaking !== undefined) await loadPlainWriters();
    const plainRows = validator.plainRows?.bind(validator);
    const batches: AsyncIterable<ReadItem[]> =
      contract.readTaking !== undefined && plainRows !== undefined
        ? contract.readTaking(peeked.text, options.limits, context, { plainRows, judge })
        : contract.read(peeked.text, options.limits, context);
    for await (const batch of batches) {
      for (const item of batch) {
        let pending: Promise<void> | undefined;
        if (item.kind === 'taken') {
          // Rows the validator's plain path checked and wrote on their bytes.
          for (const group of item.groups) tally.count(group, true);
          pending = processed.addBytes(item.bytes, item.groups.length);
        } else if (item.kind === 'rejected') {
          tally.count(item.group, false, item.issues);
          pending = rejects.add(rejectLine(item.index, item.line, item.group, item.raw, item.issues));
        } else {
          const judged = item.kind === 'judged' ? item : judge(item);
          tally.count(judged.group, judged.valid, judged.issues);
          pending = (judged.valid ? processed : rejects).add(judged.line);
        }
        if (pending) await pending;
      }
    }

    if (tally.total === 0) {
      throw new UnreadableFileError('empty_file', 'the file has no records after its header');
    }
    if (tally.valid > 0) {
      // Each close waits for its file to reach the disk: the two waits overlap.
      await Promise.all([processed.close(), rejects.close()]);
      return finish('ingested', undefined, { processed: processedKey, rejects: rejectsKey });
    }
    // Nothing valid: keep the rejects as evidence, but publish no empty processed file.
    await rejects.close();
    await processed.abort();
    const allSourceErrors = tally.reasons.source_error === tally.rejected;
    return finish(
      'rejected',
      allSourceErrors
        ? { code: 'all_blocks_failed', message: 'every block of the response reported status "error"' }
        : { code: 'no_valid_rows', message: `none of the ${tally.total} rows passed validation` },
      { rejects: rejectsKey },
    );
  } catch (error) {
    await Promise.all([processed?.abort(), rejects?.abort(), peeked?.close()]).catch(() => undefined);
    if (!(error instanceof UnreadableFileError)) throw error;
    // The refusal is the run's outcome, told by the manifest, the event and the CLI's one line: not a warning.
    deps.logger.info('input refused', { reason: error.reason, message: error.message, key: input.key });
    return finish('rejected', { code: error.reason, message: error.message }, {});
  }
}

/** A row with the columns the contract does not know appended (evolution policy `evolve`). */
function evolved(row: unknown, extra: Readonly<Record<string, string>>): string {
  // No prototype: an unknown column named `__proto__` stays an ordinary member.
  const out: Record<string, unknown> = Object.assign(Object.create(null), row);
  for (const [name, value] of Object.entries(extra)) if (!Object.hasOwn(out, name)) out[name] = value;
  return JSON.stringify(out);
}

/** Reads to the end of a blank-looking file: all blank is empty; content after a long blank run is refused. */
async function refuseBlank(text: AsyncIterable<string>): Promise<never> {
  for await (const chunk of text) {
    if (chunk.trim() !== '') {
      throw new UnreadableFileError(
        'unknown_dataset',
        `the file starts with over ${SNIFF_CHARS} characters of white space before any content`,
      );
    }
  }
  throw new UnreadableFileError('empty_file', 'the file holds only white space');
}

function rejectLine(
  index: number,
  line: number | undefined,
  group: string | undefined,
  raw: unknown,
  issues: readonly RowIssue[],
): string {
  return JSON.stringify({
    index,
    ...(line !== undefined ? { line } : {}),
    ...(group !== undefined ? { group } : {}),
    reasons: issues,
    raw,
  });
}

async function announce(bus: EventBus, manifest: Manifest): Promise<void> {
  // An ingested manifest always names its dataset and outputs, so only a rejected one falls through.
  const event =
    ingestCompletedOf(manifest) ??
    makeEvent('IngestRejected', {
      version: 1,
      correlationId: manifest.correlationId,
      id: manifest.id,
      inputKey: manifest.input.key,
      manifestKey: keys.manifest(manifest.id),
      reason: manifest.reason ?? { code: 'unknown', message: 'rejected' },
      completedAt: manifest.timings.finishedAt,
    });
  const result = await bus.publish([event]);
  if (result.failed.length > 0) {
    throw new PublishFailedError(`could not publish ${event.detailType}: ${result.failed[0]?.error}`);
  }
}
