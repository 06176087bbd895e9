/**
 * What a local pipeline left behind, in a form two runs can be compared by:
 * the output objects, every state item, the events published and the emails in
 * the outbox. Run-specific values (instants, request ids, timings) are masked,
 * so a run after a crash and a crash-free run compare equal when they produced
 * the same outputs.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createClient } from '@libsql/client';
import { simpleParser } from 'mailparser';
import type { ObjectStore } from '../../../src/core/ports.js';
import { filesEndingWith } from '../../helpers/files.js';

export interface PipelineSnapshot {
  /** Object key → masked content, for processed/, rejects/ and manifests/. */
  readonly objects: Readonly<Record<string, string>>;
  /** `pk | sk | data`, masked and sorted. */
  readonly items: readonly string[];
  /** `detailType detail`, masked, in publish order. */
  readonly events: readonly string[];
  readonly emails: ReadonlyArray<{ readonly messageId: string; readonly subject: string }>;
}

const OUTPUT_PREFIXES = ['processed/', 'rejects/', 'manifests/'];

/** ISO instants with milliseconds (createdAt, completedAt, sentAt), never bar datetimes. */
const INSTANT = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g;
/** `<sha256>:<request id>` correlation ids: the request id differs between runs. */
const CORRELATION = /\b([0-9a-f]{64}):[^"\s]+/g;

export const mask = (text: string): string =>
  text.replace(INSTANT, '<instant>').replace(CORRELATION, '$1:<request>');

function maskManifest(text: string): string {
  const { timings: _timings, requestId: _requestId, ...rest } = JSON.parse(text) as Record<string, unknown>;
  return mask(JSON.stringify(rest));
}

async function outputObjects(store: ObjectStore): Promise<Record<string, string>> {
  const objects: Record<string, string> = {};
  for (const prefix of OUTPUT_PREFIXES) {
    for await (const info of store.list(prefix)) {
      const text = new TextDecoder().decode(await store.getBytes(info.key));
      objects[info.key] = prefix === 'manifests/' ? maskManifest(text) : text;
    }
  }
  return objects;
}

/**
 * Every item in the SQLite file, read with SQL rather than through the port: the
 * port can only query partitions it is told about, and a duplicate may sit in one
 * nobody asked for.
 */
async function stateItems(dbFile: string): Promise<string[]> {
  const db = createClient({ url: `file:${dbFile}` });
  try {
    const { rows } = await db.execute('SELECT pk, sk, data FROM items ORDER BY pk, sk');
    return rows.map((row) => mask(`${row.pk} | ${row.sk} | ${row.data}`)).sort();
  } finally {
    db.close();
  }
}

export async function outboxEmails(
  dir: string,
): Promise<Array<{ readonly messageId: string; readonly subject: string }>> {
  const files = (await filesEndingWith(dir, '.eml')).sort();
  return Promise.all(
    files.map(async (file) => {
      const mail = await simpleParser(await readFile(path.join(dir, file)));
      return { messageId: mail.messageId ?? '', subject: mail.subject ?? '' };
    }),
  );
}

export async function snapshotPipeline(ports: {
  readonly root: string;
  readonly store: ObjectStore;
  readonly bus: { readonly published: ReadonlyArray<{ detailType: string; detail: unknown }> };
}): Promise<PipelineSnapshot> {
  return {
    objects: await outputObjects(ports.store),
    items: await stateItems(path.join(ports.root, 'state.db')),
    events: ports.bus.published.map((e) => mask(`${e.detailType} ${JSON.stringify(e.detail)}`)),
    emails: await outboxEmails(path.join(ports.root, 'outbox')),
  };
}
