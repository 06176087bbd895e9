/**
 * The local pipeline: the same stage functions the Lambda handlers call, wired
 * through the in-process bus instead of EventBridge, SQS and a DynamoDB stream.
 */
import { randomUUID } from 'node:crypto';
import { loadMailConfig, type MailConfig } from '../adapters/mail/mail-config.js';
import { type AnalyzeResult, analyzeIngested } from '../core/analyze/stage.js';
import { ConfigError } from '../core/errors.js';
import { type IngestCompleted, parseEvent } from '../core/events.js';
import type { Manifest } from '../core/ingest/manifest.js';
import {
  type FailureNoticeOptions,
  type SentFailureNotice,
  sendFailureNotice,
} from '../core/notify/failure-notice.js';
import { type NotifyDeps, type NotifyResult, notifyAnalysis } from '../core/notify/stage.js';
import { DEFAULT_NOTIFY_TIMING } from '../core/notify/timing.js';
import type { Analyst, Mailer } from '../core/ports.js';
import { ingestCompletedOf } from '../core/stage-events.js';
import { analystFrom } from './analyst.js';
import type { LocalConfig } from './config.js';
import { configEnv } from './config-file.js';
import type { LocalPorts } from './local-ports.js';
import { analyzeOptionsFrom, notifyOptionsFrom } from './options.js';

export interface LocalPipeline {
  /** Analyses finished by this process, by input id. */
  readonly analyses: Map<string, AnalyzeResult>;
  /** Notifications finished by this process, by analysis id. */
  readonly notifications: Map<string, NotifyResult>;
  /** Failure notices handled by this process, by input id (sent, already sent, or below the threshold). */
  readonly notices: Map<string, SentFailureNotice>;
  readonly mail: MailConfig;
  /**
   * Finishes an input ingested earlier (by `sluice ingest`, whose event no pipeline
   * heard): analyzes it unless already analyzed, then notifies unless already sent.
   */
  resume(manifest: Manifest): Promise<{ analysis: AnalyzeResult; notification?: NotifyResult }>;
}

/** What a pipeline hook hears about one stage call for one input. */
export interface StageEvent {
  readonly stage: 'analyze' | 'notify' | 'notice';
  readonly phase: 'start' | 'finish' | 'fail';
  /** The input's SHA-256 (= the analysis id). */
  readonly id: string;
  /** The stage's outcome, on finish. */
  readonly outcome?: AnalyzeResult['outcome'] | NotifyResult['outcome'] | SentFailureNotice['outcome'];
  /** What the stage threw, on fail; the bus retries it. */
  readonly error?: unknown;
}

/** Optional ways to watch and steer the local pipeline (`sluice dev` uses them all). */
export interface PipelineHooks {
  /** Replaces the analyst the configuration names. */
  readonly analyst?: Analyst;
  /** The request id of each stage call, which the claim owners carry. @default randomUUID */
  readonly requestId?: () => string;
  /** Told when analyze or notify starts, finishes or fails for an input. */
  readonly onStage?: (event: StageEvent) => void;
  /** Runs each stage call, e.g. through a concurrency limit. @default runs it at once */
  readonly schedule?: <T>(work: () => Promise<T>) => Promise<T>;
}

async function observed<T extends { outcome: StageEvent['outcome'] }>(
  hooks: PipelineHooks,
  stage: StageEvent['stage'],
  id: string,
  work: () => Promise<T>,
): Promise<T> {
  const run = async () => {
    hooks.onStage?.({ stage, phase: 'start', id });
    try {
      const result = await work();
      hooks.onStage?.({ stage, phase: 'finish', id, outcome: result.outcome });
      return result;
    } catch (error) {
      hooks.onStage?.({ stage, phase: 'fail', id, error });
      throw error;
    }
  };
  return hooks.schedule ? hooks.schedule(run) : run();
}

/**
 * Imported here, not at the top: the mailer (nodemailer, or the SES client) and
 * the rasterizer (a native module) cost a CLI start that sends no mail.
 */
async function localMailer(mail: MailConfig, ports: LocalPorts): Promise<Mailer> {
  if (mail.mailer === 'outbox') {
    const { OutboxMailer } = await import('../adapters/mail/mailer.outbox.js');
    return new OutboxMailer({ dir: mail.outboxDir, logger: ports.logger });
  }
  const { createMailer } = await import('../adapters/mail/create-mailer.js');
  return createMailer(mail, { logger: ports.logger });
}

export async function notifyDepsFrom(ports: LocalPorts, mail: MailConfig): Promise<NotifyDeps> {
  const [mailer, { ResvgRasterizer }] = await Promise.all([
    localMailer(mail, ports),
    import('../adapters/local/chart-rasterizer.resvg.js'),
  ]);
  return { ...ports, mailer, rasterizer: new ResvgRasterizer() };
}

export function failureNoticeOptionsFrom(config: LocalConfig, mail: MailConfig): FailureNoticeOptions {
  return {
    from: mail.from,
    to: mail.to,
    rejectPctThreshold: config.SLUICE_REJECT_PCT_THRESHOLD,
    claimTtlMs: DEFAULT_NOTIFY_TIMING.claimTtlMs,
    retainMs: DEFAULT_NOTIFY_TIMING.retainMs,
  };
}

/** `work()` once, on first call; a failure is not cached, so the next call tries again. */
function onFirstUse<T>(work: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= work().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}

export function wireLocalPipeline(
  ports: LocalPorts,
  config: LocalConfig,
  hooks: PipelineHooks = {},
): LocalPipeline {
  const analyses = new Map<string, AnalyzeResult>();
  const notifications = new Map<string, NotifyResult>();
  const notices = new Map<string, SentFailureNotice>();
  const analyst = onFirstUse(async () => hooks.analyst ?? analystFrom(config, ports.logger));
  const requestId = hooks.requestId ?? randomUUID;
  const mail = loadMailConfig(configEnv(), { dataDir: ports.dataDir });
  const notifyDeps = onFirstUse(() => notifyDepsFrom(ports, mail));
  const analyze = async (detail: IngestCompleted): Promise<AnalyzeResult> => {
    const result = await observed(hooks, 'analyze', detail.id, async () =>
      analyzeIngested(
        { ...ports, analyst: await analyst() },
        { event: detail, requestId: requestId() },
        analyzeOptionsFrom(config),
      ),
    );
    analyses.set(detail.id, result);
    return result;
  };
  const notify = async (id: string): Promise<NotifyResult> => {
    const result = await observed(hooks, 'notify', id, async () =>
      notifyAnalysis(await notifyDeps(), { id, requestId: requestId() }, notifyOptionsFrom(mail)),
    );
    notifications.set(id, result);
    return result;
  };
  const notice = async (id: string, manifestKey: string): Promise<SentFailureNotice> => {
    const result = await observed(hooks, 'notice', id, async () =>
      sendFailureNotice(
        { ...ports, mailer: (await notifyDeps()).mailer },
        { manifestKey, requestId: requestId() },
        failureNoticeOptionsFrom(config, mail),
      ),
    );
    notices.set(id, result);
    return result;
  };
  ports.bus.subscribe('IngestCompleted', async (event) => {
    await analyze(parseEvent('IngestCompleted', event.detail));
  });
  // As on AWS, a second consumer of the same events: refused files, and files over the reject threshold.
  ports.bus.subscribe('IngestCompleted', async (event) => {
    const detail = parseEvent('IngestCompleted', event.detail);
    await notice(detail.id, detail.manifestKey);
  });
  ports.bus.subscribe('IngestRejected', async (event) => {
    const detail = parseEvent('IngestRejected', event.detail);
    await notice(detail.id, detail.manifestKey);
  });
  // On AWS the DynamoDB stream INSERT of the analysis item triggers notify; locally, this event does.
  ports.bus.subscribe('AnalysisCompleted', async (event) => {
    await notify(parseEvent('AnalysisCompleted', event.detail).id);
  });
  const resume: LocalPipeline['resume'] = async (manifest) => {
    const completed = ingestCompletedOf(manifest);
    if (!completed)
      throw new ConfigError(`input ${manifest.id} was not ingested (${manifest.status}); nothing to analyze`);
    const analysis = await analyze(completed.detail);
    // A fresh analysis announced itself and the bus notifies; a stored one needs the call here.
    await ports.bus.drain();
    const notification =
      notifications.get(manifest.id) ?? (analysis.analysis ? await notify(manifest.id) : undefined);
    return { analysis, ...(notification ? { notification } : {}) };
  };
  return { analyses, notifications, notices, mail, resume };
}
