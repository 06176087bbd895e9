import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ResvgRasterizer } from '../adapters/local/chart-rasterizer.resvg.js';
import { SqliteStateStore } from '../adapters/local/state-store.sqlite.js';
import type { AcceptedUpload } from '../core/api/accept-upload.js';
import { errorCode, errorMessage, ObjectNotFoundError, UnreadableFileError } from '../core/errors.js';
import type { SluiceEvent } from '../core/events.js';
import { hashOf } from '../core/ingest/hash.js';
import type { Manifest } from '../core/ingest/manifest.js';
import { refusedKeyId } from '../core/ingest/refused-key.js';
import { ingestObject } from '../core/ingest/stage.js';
import { claimKeys } from '../core/keys.js';
import type { Analyst, ObjectStore } from '../core/ports.js';
import { analysisCompletedOf, ingestCompletedOf } from '../core/stage-events.js';
import { type LocalConfig, loadLocalConfig } from '../local/config.js';
import { type LocalPorts, openLocalPorts } from '../local/local-ports.js';
import { ingestOptionsFrom } from '../local/options.js';
import { type StageEvent, wireLocalPipeline } from '../local/pipeline.js';
import type { RunSummary } from './api-contract.js';
import { type InputWatcher, watchInputs } from './input-watcher.js';
import { acquireDataDirLock, type DataDirLock } from './lock.js';
import { isTerminal, RunBook, type RunChange } from './run-book.js';
import { RunDetails } from './run-details.js';
import { createDevApp, type ListeningServer, listen } from './server.js';
import { newSessionId, releaseDevClaims, sessionRequestId } from './session-claims.js';
import { QueueClosedError, WorkQueue } from './work-queue.js';

export const DEV_DEFAULTS = {
  host: '127.0.0.1',
  stabilityThresholdMs: 1000,
  pollIntervalMs: 100,
  concurrency: 2,
  graceMs: 10_000,
  /** The API Gateway handler's default (SLUICE_API_MAX_BYTES). */
  maxUploadBytes: 6 * 1024 * 1024,
  busyRetryMs: 5000,
} as const;

export interface DevOptions {
  readonly dataDir: string;
  /** 0 picks a free port. @default config.SLUICE_DEV_PORT (4400) */
  readonly port?: number;
  /** Loopback only. @default '127.0.0.1' */
  readonly host?: string;
  /** @default loadLocalConfig() */
  readonly config?: LocalConfig;
  /** How long a file must stop growing before it is ingested. @default 1000 */
  readonly stabilityThresholdMs?: number;
  /** How often a growing file is checked. @default 100 */
  readonly pollIntervalMs?: number;
  /** Ingests, and analyze or notify calls, running at once (each). @default 2 */
  readonly concurrency?: number;
  /** How long `close()` lets running work finish before it gives the claims back. @default 10000 */
  readonly graceMs?: number;
  /** Largest POST /ingest body. @default 6 MiB */
  readonly maxUploadBytes?: number;
  /** Wait before trying again a file another process is ingesting. @default 5000 */
  readonly busyRetryMs?: number;
  /** Replaces the analyst the configuration names (tests: a slow one). */
  readonly analyst?: Analyst;
  /** Where the dashboard's static files are. @default src/web */
  readonly webRoot?: string;
  /** Receives the lines a person watching should see (the CLI prints them). @default none */
  readonly print?: (line: string) => void;
}

export interface DevCloseReport {
  /** True when all work finished within the grace period. */
  readonly finished: boolean;
  /** Claims handed back because their work was still running at the end of the grace period. */
  readonly releasedClaims: readonly string[];
}

export interface Dev {
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  readonly session: string;
  readonly ports: LocalPorts;
  readonly book: RunBook;
  /** Resolves when the watcher has nothing pending, the ingest queue and the bus are drained. */
  idle(): Promise<void>;
  /** Stops watching and serving, lets work finish (up to `graceMs`), releases what is left. Idempotent. */
  close(): Promise<DevCloseReport>;
}

interface Hashed {
  readonly sha256: string;
  readonly size: number;
}

async function hashObject(store: ObjectStore, key: string): Promise<Hashed | undefined> {
  try {
    return await hashOf(store, key);
  } catch (error) {
    // Deleted or renamed between the event and now: its new name has its own event.
    if (error instanceof ObjectNotFoundError) return undefined;
    // A symlink and the like: ingest refuses it under the id of its key, with a manifest.
    if (error instanceof UnreadableFileError) return { sha256: refusedKeyId(key), size: -1 };
    throw error;
  }
}

/** The store as ingest sees it: the hash dev already computed comes with `head`, so the bytes are not hashed twice. */
function withKnownHash(store: ObjectStore, key: string, hashed: Hashed): ObjectStore {
  return {
    async head(k) {
      const info = await store.head(k);
      // A size change means new bytes since hashing: let ingest hash them itself.
      return info && k === key && info.size === hashed.size ? { ...info, sha256: hashed.sha256 } : info;
    },
    getStream: (k) => store.getStream(k),
    getBytes: (k) => store.getBytes(k),
    put: (k, body, options) => store.put(k, body, options),
    openWriter: (k, options) => store.openWriter(k, options),
    list: (prefix) => store.list(prefix),
  };
}

const fileOf = (key: string): string => key.slice(key.lastIndexOf('/') + 1);

/** The line printed when a run of this session ends. */
export function finishedLine(run: RunSummary, ms: number | null): string {
  const why = run.reason ? ` (${run.reason.code}: ${run.reason.message})` : '';
  const took = ms === null ? '' : `, ${ms} ms`;
  return `sluice dev: ${run.file} (${run.dataset ?? 'no dataset'}) ${run.status}: ${run.valid} valid, ${run.rejected} rejected${took}${why}`;
}

function stageChange(event: StageEvent): RunChange | undefined {
  // A notice is about the run, not a step of it: its outcome never moves the run's status.
  if (event.stage === 'notice') return undefined;
  if (event.phase === 'fail') {
    return {
      status: 'failed',
      reason: { code: errorCode(event.error), message: `${event.stage}: ${errorMessage(event.error)}` },
    };
  }
  if (event.stage === 'analyze') {
    if (event.phase === 'start') return { status: 'analyzing' };
    return event.outcome === 'analyzed' || event.outcome === 'duplicate' ? { status: 'analyzed' } : undefined;
  }
  if (event.phase === 'finish' && (event.outcome === 'sent' || event.outcome === 'duplicate')) {
    return { status: 'reported' };
  }
  return undefined;
}

export async function startDev(options: DevOptions): Promise<Dev> {
  const config = options.config ?? loadLocalConfig();
  const dataDir = path.resolve(options.dataDir);
  const print = options.print ?? (() => {});
  const concurrency = options.concurrency ?? DEV_DEFAULTS.concurrency;
  const pollIntervalMs = options.pollIntervalMs ?? DEV_DEFAULTS.pollIntervalMs;
  await mkdir(dataDir, { recursive: true });
  const session = newSessionId();
  const lock: DataDirLock = await acquireDataDirLock(dataDir, session);
  const ports = openLocalPorts(config, dataDir);
  try {
    return await wire();
  } catch (error) {
    await ports.close().catch(() => undefined);
    await lock.release();
    throw error;
  }

  async function wire(): Promise<Dev> {
    const requestId = () => sessionRequestId(session);
    const book = new RunBook(ports);
    const ingestQueue = new WorkQueue(concurrency);
    const stageQueue = new WorkQueue(concurrency);
    /** Ingests under way in this process, by input id: a second copy waits for the first. */
    const ingesting = new Map<string, Promise<void>>();
    /** Inputs whose analysis this session started or asked for: at most once per session each. */
    const downstream = new Set<string>();
    const pending = new Set<Promise<unknown>>();
    const retryTimers = new Set<NodeJS.Timeout>();
    let activity = 0;
    let closing: Promise<DevCloseReport> | undefined;

    const track = <T>(work: Promise<T>): Promise<T> => {
      activity++;
      pending.add(work);
      void work.finally(() => pending.delete(work)).catch(() => undefined);
      return work;
    };

    const update = (id: string, change: RunChange) =>
      track(book.update(id, change)).catch((error: unknown) =>
        ports.logger.error('dev could not record a run change', { id, error: errorMessage(error) }),
      );

    book.onChange((run) => {
      if (isTerminal(run.status)) print(finishedLine(run, book.elapsedMs(run.id)));
    });

    const pipeline = wireLocalPipeline(ports, config, {
      ...(options.analyst ? { analyst: options.analyst } : {}),
      requestId,
      schedule: (work) => stageQueue.run(work),
      onStage(event) {
        const change = stageChange(event);
        if (change) void update(event.id, change);
        if (event.stage === 'notice' && event.phase === 'finish' && event.outcome === 'sent') {
          void book.refresh(event.id);
        }
      },
    });

    const publish = async (event: SluiceEvent | undefined) => {
      if (!event) return;
      activity++;
      const result = await ports.bus.publish([event]);
      if (result.failed.length > 0) {
        ports.logger.error('dev could not announce an event again', { failed: result.failed });
      }
    };

    /** Announces again what the bus lost for an ingested input: its analysis, or its report. */
    async function resumeDownstream(manifest: Manifest): Promise<void> {
      if (manifest.status !== 'ingested' || downstream.has(manifest.id)) return;
      downstream.add(manifest.id);
      const analysis = await book.analysisSummary(manifest.id);
      if (!analysis) {
        await publish(ingestCompletedOf(manifest));
      } else if (!(await book.notification(manifest.id))) {
        await publish(analysisCompletedOf(analysis));
      }
    }

    async function ingestKey(key: string, attempt: number): Promise<void> {
      const hashed = await hashObject(ports.store, key);
      if (!hashed) return;
      const id = hashed.sha256;
      const earlier = ingesting.get(id);
      const work = (async () => {
        await earlier?.catch(() => undefined);
        await ingestHashed(key, hashed, attempt);
      })();
      ingesting.set(id, work);
      try {
        await work;
      } finally {
        if (ingesting.get(id) === work) ingesting.delete(id);
      }
    }

    async function ingestHashed(key: string, hashed: Hashed, attempt: number): Promise<void> {
      const id = hashed.sha256;
      const claim = await ports.state.getClaim(claimKeys.ingest(id));
      if (claim?.status !== 'completed' && !book.has(id))
        await update(id, { status: 'ingesting', inputKey: key });
      try {
        const result = await ingestObject(
          { ...ports, store: withKnownHash(ports.store, key, hashed) },
          { key, requestId: requestId() },
          ingestOptionsFrom(config),
        );
        const manifest = result.manifest;
        if (result.outcome === 'processed' && manifest) {
          book.rememberManifest(manifest);
          if (manifest.status === 'ingested') downstream.add(id);
          await update(id, { status: manifest.status });
        } else if (result.outcome === 'duplicate' && manifest) {
          if (manifest.input.key !== key) {
            print(
              `sluice dev: ${fileOf(key)} has the same bytes as ${fileOf(manifest.input.key)}; one run for both`,
            );
          }
          await resumeDownstream(manifest);
        } else if (result.outcome === 'in_progress') {
          if (attempt === 0)
            print(`sluice dev: ${fileOf(key)}: another process is ingesting these bytes; will retry`);
          retryLater(key, attempt + 1);
        }
      } catch (error) {
        await update(id, {
          status: 'failed',
          inputKey: key,
          reason: { code: errorCode(error), message: `ingest: ${errorMessage(error)}` },
        });
      }
    }

    function retryLater(key: string, attempt: number): void {
      if (closing) return;
      const timer = setTimeout(() => {
        retryTimers.delete(timer);
        enqueue(key, attempt);
      }, options.busyRetryMs ?? DEV_DEFAULTS.busyRetryMs);
      retryTimers.add(timer);
    }

    function enqueue(key: string, attempt = 0): void {
      if (closing) return;
      void track(
        ingestQueue
          .run(() => ingestKey(key, attempt))
          .catch((error: unknown) => {
            if (error instanceof QueueClosedError) return;
            print(`sluice dev: ${key}: not ingested (${errorMessage(error)})`);
          }),
      );
    }

    const details = new RunDetails({
      store: ports.store,
      state: ports.state,
      book,
      rasterizer: new ResvgRasterizer(),
      subjectTemplate: pipeline.mail.subjectTemplate,
      ...(ports.contracts ? { contracts: ports.contracts } : {}),
    });
    const devApp = createDevApp({
      book,
      details,
      store: ports.store,
      state: ports.state,
      logger: ports.logger,
      maxUploadBytes: options.maxUploadBytes ?? DEV_DEFAULTS.maxUploadBytes,
      ...(ports.contracts ? { contracts: ports.contracts } : {}),
      ...(options.webRoot ? { webRoot: options.webRoot } : {}),
      accepted(upload: AcceptedUpload) {
        // Ingest at once rather than after the watcher's stability wait; the watcher's own event is then a duplicate.
        enqueue(upload.key);
      },
    });
    const server: ListeningServer = await listen(devApp.app, {
      host: options.host ?? DEV_DEFAULTS.host,
      port: options.port ?? config.SLUICE_DEV_PORT,
    });
    print(`sluice dev: dashboard on ${server.url}`);
    if (lock.tookOver) {
      print(`sluice dev: took over the lock of pid ${lock.tookOver.pid}, which is no longer running`);
    }

    let watcher: InputWatcher;
    try {
      const stale = await releaseDevClaims(ports.state, (s) => s !== session);
      if (stale.length > 0) {
        print(`sluice dev: gave back ${stale.length} claim(s) an earlier dev session left unfinished`);
      }
      watcher = await watchInputs({
        dataDir,
        stabilityThresholdMs: options.stabilityThresholdMs ?? DEV_DEFAULTS.stabilityThresholdMs,
        pollIntervalMs,
        onFile: (key) => enqueue(key),
        onError: (error) => ports.logger.error('input watcher failed', { error: errorMessage(error) }),
      });
    } catch (error) {
      await server.close();
      throw error;
    }

    // After the initial scan: every stored manifest whose analysis or report is missing is resumed.
    const reconciled = track(
      (async () => {
        await watcher.ready;
        await ingestQueue.onIdle();
        for await (const info of ports.store.list('manifests/')) {
          if (closing) return;
          const id = info.key.slice('manifests/'.length, -'.json'.length);
          const manifest = await book.manifest(id);
          if (manifest) await resumeDownstream(manifest);
        }
      })().catch((error: unknown) =>
        ports.logger.error('dev could not resume earlier runs', { error: errorMessage(error) }),
      ),
    );

    async function settle(): Promise<void> {
      await ingestQueue.onIdle();
      await ports.bus.drain();
      await Promise.allSettled([...pending]);
    }

    async function idle(): Promise<void> {
      await watcher.ready;
      await reconciled;
      const quietMs = Math.max(50, pollIntervalMs * 2);
      for (;;) {
        const before = activity;
        await settle();
        // Events for files written just now may still be on their way from the OS.
        await sleep(quietMs);
        const busy =
          watcher.pendingWrites() > 0 || ingestQueue.active + ingestQueue.waiting > 0 || pending.size > 0;
        if (!busy && activity === before) return;
      }
    }

    async function shutdown(): Promise<DevCloseReport> {
      ingestQueue.close();
      for (const timer of retryTimers) clearTimeout(timer);
      retryTimers.clear();
      await watcher.close();
      devApp.closeStreams();
      await server.close();
      const graceMs = options.graceMs ?? DEV_DEFAULTS.graceMs;
      const grace = new AbortController();
      const finished = await Promise.race([
        settle().then(() => true),
        sleep(graceMs, false, { signal: grace.signal }).catch(() => true),
      ]);
      // A pending grace timer would keep the process alive for its full length.
      grace.abort();
      let releasedClaims: string[] = [];
      if (finished) {
        await ports.close();
      } else {
        releasedClaims = await releaseDevClaims(ports.state, (s) => s === session);
        // Not ports.close(): it would wait for the bus, which waits for the work that did not finish.
        if (ports.state instanceof SqliteStateStore) await ports.state.close();
      }
      await lock.release();
      return { finished, releasedClaims };
    }

    return {
      url: server.url,
      port: server.port,
      dataDir,
      session,
      ports,
      book,
      idle,
      close() {
        closing ??= shutdown();
        return closing;
      },
    };
  }
}
