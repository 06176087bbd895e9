/**
 * The local pipeline: the same stage functions the Lambda handlers call, wired
 * through the in-process bus instead of EventBridge, SQS and a DynamoDB stream.
 */
import { randomUUID } from 'node:crypto';
import { ResvgRasterizer } from '../adapters/local/chart-rasterizer.resvg.js';
import { createMailer, loadMailConfig, type MailConfig } from '../adapters/mail/index.js';
import { DEFAULT_PRICES } from '../core/analyze/cost.js';
import {
  type AnalyzeOptions,
  type AnalyzeResult,
  analyzeIngested,
  DEFAULT_ANALYZE_OPTIONS,
} from '../core/analyze/stage.js';
import { parseEvent } from '../core/events.js';
import {
  DEFAULT_NOTIFY_TIMING,
  type NotifyDeps,
  type NotifyOptions,
  type NotifyResult,
  notifyAnalysis,
} from '../core/notify/stage.js';
import type { Analyst } from '../core/ports.js';
import { analystFrom } from './analyst.js';
import type { LocalConfig } from './config.js';
import { configEnv } from './config-file.js';
import type { LocalPorts } from './local-ports.js';

export interface LocalPipeline {
  /** Analyses finished by this process, by input id. */
  readonly analyses: Map<string, AnalyzeResult>;
  /** Notifications finished by this process, by analysis id. */
  readonly notifications: Map<string, NotifyResult>;
  readonly mail: MailConfig;
}

/** What a pipeline hook hears about one stage call for one input. */
export interface StageEvent {
  readonly stage: 'analyze' | 'notify';
  readonly phase: 'start' | 'finish' | 'fail';
  /** The input's SHA-256 (= the analysis id). */
  readonly id: string;
  /** The stage's outcome, on finish. */
  readonly outcome?: AnalyzeResult['outcome'] | NotifyResult['outcome'];
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

export function analyzeOptionsFrom(config: LocalConfig): AnalyzeOptions {
  return {
    ...DEFAULT_ANALYZE_OPTIONS,
    prices: config.SLUICE_PRICES ?? DEFAULT_PRICES,
    outlookSymbols: config.SLUICE_OUTLOOK_SYMBOLS,
  };
}

export function notifyOptionsFrom(mail: MailConfig): NotifyOptions {
  return {
    ...DEFAULT_NOTIFY_TIMING,
    mail: { from: mail.from, to: mail.to, subjectTemplate: mail.subjectTemplate },
  };
}

export function notifyDepsFrom(ports: LocalPorts, mail: MailConfig): NotifyDeps {
  return {
    ...ports,
    mailer: createMailer(mail, { logger: ports.logger }),
    rasterizer: new ResvgRasterizer(),
  };
}

export function wireLocalPipeline(
  ports: LocalPorts,
  config: LocalConfig,
  hooks: PipelineHooks = {},
): LocalPipeline {
  const analyses = new Map<string, AnalyzeResult>();
  const notifications = new Map<string, NotifyResult>();
  const analyst = hooks.analyst ?? analystFrom(config, ports.logger);
  const requestId = hooks.requestId ?? randomUUID;
  const mail = loadMailConfig(configEnv(), { dataDir: ports.dataDir });
  const notifyDeps = notifyDepsFrom(ports, mail);
  ports.bus.subscribe('IngestCompleted', async (event) => {
    const detail = parseEvent('IngestCompleted', event.detail);
    const result = await observed(hooks, 'analyze', detail.id, () =>
      analyzeIngested(
        { ...ports, analyst },
        { event: detail, requestId: requestId() },
        analyzeOptionsFrom(config),
      ),
    );
    analyses.set(detail.id, result);
  });
  // On AWS the DynamoDB stream INSERT of the analysis item triggers notify; locally, this event does.
  ports.bus.subscribe('AnalysisCompleted', async (event) => {
    const detail = parseEvent('AnalysisCompleted', event.detail);
    notifications.set(
      detail.id,
      await observed(hooks, 'notify', detail.id, () =>
        notifyAnalysis(notifyDeps, { id: detail.id, requestId: requestId() }, notifyOptionsFrom(mail)),
      ),
    );
  });
  return { analyses, notifications, mail };
}
