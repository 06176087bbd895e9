/**
 * What the dashboard calls a run: one input, from the moment dev picks it up
 * to its emailed report. A run's summary is rebuilt from what the pipeline
 * stored (the manifest, the analysis summary item, the notify claim), so runs
 * of earlier sessions and of the CLI show too; what only this process knows
 * (ingest started, analyze running, a failure) is kept in memory on top.
 */
import { type StoredAnalysis, StoredAnalysisSchema } from '../core/analyze/stored-analysis.js';
import { type Manifest, ManifestSchema } from '../core/ingest/manifest.js';
import { claimKeys, INPUT_PREFIX, itemKeys, keys } from '../core/keys.js';
import { failureNoticeClaimKey } from '../core/notify/failure-notice.js';
import type { Notification } from '../core/notify/stage.js';
import type { Clock, ObjectStore, StateStore } from '../core/ports.js';
import type { RunSummary } from './api-contract.js';
import { uploadName } from './upload-names.js';

export type RunStatus = RunSummary['status'];

/** Later stages rank higher: notify may finish before analyze's hook has run, and must not be undone by it. */
const RANK: Readonly<Record<RunStatus, number>> = {
  ingesting: 0,
  ingested: 1,
  analyzing: 2,
  analyzed: 3,
  reported: 4,
  rejected: 4,
  failed: -1,
};

const TERMINAL: ReadonlySet<RunStatus> = new Set(['reported', 'rejected', 'failed']);

export const isTerminal = (status: RunStatus): boolean => TERMINAL.has(status);

/** Any stage may fail, and a failed run may start over (the bus retries it); otherwise a run only moves forward. */
const advances = (from: RunStatus, to: RunStatus): boolean =>
  to === 'failed' || from === 'failed' || RANK[to] > RANK[from];

/** The store is further along than this session heard (a hook still on its way); a failure it saw stands. */
const storedIsAhead = (live: RunStatus, stored: RunStatus): boolean =>
  live !== 'failed' && RANK[stored] > RANK[live];

interface LiveRun {
  readonly id: string;
  readonly inputKey: string;
  status: RunStatus;
  reason: RunSummary['reason'];
  /** When this session picked the input up. */
  readonly startedAtMs: number;
  finishedAtMs: number | null;
}

export interface RunChange {
  readonly status: RunStatus;
  /** For a run this session has not seen yet. */
  readonly inputKey?: string;
  readonly reason?: RunSummary['reason'];
}

type AnalysisSummary = Omit<StoredAnalysis, 'analysis'>;

const fileOf = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

/** Where `POST /ingest` stores bodies (see `keys.apiInput`); those runs may have an upload name. */
const API_PREFIX = `${INPUT_PREFIX}api/`;

const isoOrNull = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export class RunBook {
  readonly #store: ObjectStore;
  readonly #state: StateStore;
  readonly #clock: Clock;
  readonly #live = new Map<string, LiveRun>();
  readonly #manifests = new Map<string, { readonly stamp: string; readonly manifest: Manifest }>();
  /** Summaries of finished runs, which nothing but a forced rerun changes. */
  readonly #settled = new Map<string, { readonly stamp: string; readonly run: RunSummary }>();
  readonly #listeners = new Set<(run: RunSummary) => void>();

  constructor(deps: { store: ObjectStore; state: StateStore; clock: Clock }) {
    this.#store = deps.store;
    this.#state = deps.state;
    this.#clock = deps.clock;
  }

  /** Calls `listener` with a run's new summary whenever its status changes; returns the unsubscribe. */
  onChange(listener: (run: RunSummary) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Ids of runs this session is working on. */
  inProgress(): string[] {
    return [...this.#live.values()].filter((r) => !isTerminal(r.status)).map((r) => r.id);
  }

  /** Whether this session has a record of the run (it started or touched it). */
  has(id: string): boolean {
    return this.#live.has(id);
  }

  /** Records a status change and tells the listeners; returns the new summary. */
  async update(id: string, change: RunChange): Promise<RunSummary | undefined> {
    const now = this.#clock.now();
    let live = this.#live.get(id);
    if (!live) {
      const inputKey = change.inputKey ?? (await this.manifest(id))?.input.key;
      if (inputKey === undefined) return undefined;
      live = { id, inputKey, status: change.status, reason: null, startedAtMs: now, finishedAtMs: null };
      this.#live.set(id, live);
    } else if (!advances(live.status, change.status)) {
      return this.summary(id);
    }
    live.status = change.status;
    live.reason = change.reason ?? (change.status === 'failed' ? live.reason : null);
    live.finishedAtMs = isTerminal(change.status) ? now : null;
    this.#settled.delete(id);
    const run = await this.summary(id);
    if (run) for (const listener of this.#listeners) listener(run);
    return run;
  }

  /** Milliseconds since this session picked the run up. */
  elapsedMs(id: string): number | null {
    const live = this.#live.get(id);
    return live ? this.#clock.now() - live.startedAtMs : null;
  }

  /** Remembers a manifest ingest just wrote, sparing a read. */
  rememberManifest(manifest: Manifest): void {
    this.#manifests.set(manifest.id, { stamp: 'session', manifest });
    this.#settled.delete(manifest.id);
  }

  async manifest(id: string): Promise<Manifest | undefined> {
    const cached = this.#manifests.get(id);
    if (cached) return cached.manifest;
    const info = await this.#store.head(keys.manifest(id));
    return info ? this.#readManifest(id, stampOf(info)) : undefined;
  }

  async summary(id: string): Promise<RunSummary | undefined> {
    const manifest = await this.manifest(id);
    return this.#summarize(id, manifest);
  }

  /** Every run with a manifest, and those still ingesting, newest first. */
  async list(): Promise<RunSummary[]> {
    const runs = new Map<string, RunSummary>();
    for await (const info of this.#store.list('manifests/')) {
      const id = info.key.slice('manifests/'.length, -'.json'.length);
      if (!/^[0-9a-f]{64}$/.test(id)) continue;
      const stamp = stampOf(info);
      const settled = this.#settled.get(id);
      if (settled && settled.stamp === stamp && !this.#live.has(id)) {
        runs.set(id, settled.run);
        continue;
      }
      const cached = this.#manifests.get(id);
      const manifest =
        cached && (cached.stamp === stamp || cached.stamp === 'session')
          ? cached.manifest
          : await this.#readManifest(id, stamp);
      const run = manifest && (await this.#summarize(id, manifest));
      if (!run) continue;
      runs.set(id, run);
      if (isTerminal(run.status) && !this.#live.has(id)) this.#settled.set(id, { stamp, run });
    }
    for (const id of this.#live.keys()) {
      if (runs.has(id)) continue;
      const run = await this.summary(id);
      if (run) runs.set(id, run);
    }
    return [...runs.values()].sort((a, b) =>
      a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id < b.id ? -1 : 1,
    );
  }

  /** The analysis summary item (no per-symbol parts): cheap enough for every row of the list. */
  async analysisSummary(id: string): Promise<AnalysisSummary | undefined> {
    const item = await this.#state.get(itemKeys.analysisPk(id), itemKeys.analysisSk);
    const parsed = item && StoredAnalysisSchema.safeParse(item.data);
    return parsed?.success ? parsed.data : undefined;
  }

  /** The notification, once the report was sent. */
  async notification(id: string): Promise<Notification | undefined> {
    const claim = await this.#state.getClaim(claimKeys.notify(id));
    return claim?.status === 'completed' ? (claim.result as Notification) : undefined;
  }

  /** The failure notice sent for the input, if one was. */
  async failureNotice(id: string): Promise<RunSummary['failureNotice']> {
    const claim = await this.#state.getClaim(failureNoticeClaimKey(id));
    if (claim?.status !== 'completed') return null;
    const result = (claim.result ?? {}) as { subject?: unknown; sentAt?: unknown };
    return {
      subject: typeof result.subject === 'string' ? result.subject : '(failure notice)',
      sentAt: new Date(typeof result.sentAt === 'number' ? result.sentAt : claim.updatedAt).toISOString(),
    };
  }

  /** Tells the listeners about a change that is not a status (a failure notice went out). */
  async refresh(id: string): Promise<void> {
    this.#settled.delete(id);
    const run = await this.summary(id);
    if (run) for (const listener of this.#listeners) listener(run);
  }

  async #readManifest(id: string, stamp: string): Promise<Manifest | undefined> {
    try {
      const bytes = await this.#store.getBytes(keys.manifest(id));
      const manifest = ManifestSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
      this.#manifests.set(id, { stamp, manifest });
      return manifest;
    } catch {
      // Unreadable or foreign: the list skips it rather than failing every row.
      return undefined;
    }
  }

  async #summarize(id: string, manifest: Manifest | undefined): Promise<RunSummary | undefined> {
    const live = this.#live.get(id);
    if (!manifest && !live) return undefined;
    const ingested = manifest?.status === 'ingested';
    const analysis = ingested ? await this.analysisSummary(id) : undefined;
    const notification = analysis ? await this.notification(id) : undefined;
    const derived: RunStatus = !manifest
      ? 'ingesting'
      : manifest.status === 'rejected'
        ? 'rejected'
        : notification
          ? 'reported'
          : analysis
            ? 'analyzed'
            : 'ingested';
    const status = live && !storedIsAhead(live.status, derived) ? live.status : derived;
    const startedAtMs = live?.startedAtMs ?? Date.parse(manifest?.timings.startedAt ?? '');
    let finishedAtMs: number | null = null;
    if (isTerminal(status)) {
      finishedAtMs =
        live?.finishedAtMs ??
        (status === 'reported' && notification
          ? Date.parse(notification.sentAt)
          : status === 'rejected' && manifest
            ? Date.parse(manifest.timings.finishedAt)
            : null);
    }
    const inputKey = live?.inputKey ?? (manifest as Manifest).input.key;
    const counts = manifest?.counts;
    const uploaded = inputKey.startsWith(API_PREFIX) || inputKey.includes('/api-');
    return {
      id,
      file: (uploaded ? await uploadName(this.#state, id) : undefined) ?? fileOf(inputKey),
      inputKey,
      dataset: manifest?.dataset ?? null,
      status,
      reason: status === 'failed' ? (live?.reason ?? null) : (manifest?.reason ?? null),
      total: counts?.total ?? 0,
      valid: counts?.valid ?? 0,
      rejected: counts?.rejected ?? 0,
      rejectPct: counts?.rejectPct ?? 0,
      startedAt: new Date(startedAtMs).toISOString(),
      finishedAt: isoOrNull(finishedAtMs),
      durationMs: finishedAtMs === null ? null : Math.max(0, finishedAtMs - startedAtMs),
      costUsd: analysis?.totals.costUsd ?? null,
      model: analysis?.analyst.model ?? null,
      headline: analysis?.narrative.headline ?? null,
      emailSent: notification !== undefined,
      // Only a refused file or one with rejected rows can have one: the others skip the read.
      failureNotice:
        manifest && (manifest.status === 'rejected' || manifest.counts.rejected > 0)
          ? await this.failureNotice(id)
          : null,
    };
  }
}

const stampOf = (info: { size: number; lastModified?: Date }): string =>
  `${info.size}:${info.lastModified?.getTime() ?? 0}`;
