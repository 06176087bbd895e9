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

export function analyzeOptionsFrom(config: LocalConfig): AnalyzeOptions {
  return { ...DEFAULT_ANALYZE_OPTIONS, prices: config.SLUICE_PRICES ?? DEFAULT_PRICES };
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

export function wireLocalPipeline(ports: LocalPorts, config: LocalConfig): LocalPipeline {
  const analyses = new Map<string, AnalyzeResult>();
  const notifications = new Map<string, NotifyResult>();
  const analyst = analystFrom(config, ports.logger);
  const mail = loadMailConfig(configEnv(), { dataDir: ports.dataDir });
  const notifyDeps = notifyDepsFrom(ports, mail);
  ports.bus.subscribe('IngestCompleted', async (event) => {
    const detail = parseEvent('IngestCompleted', event.detail);
    const result = await analyzeIngested(
      { ...ports, analyst },
      { event: detail, requestId: randomUUID() },
      analyzeOptionsFrom(config),
    );
    analyses.set(detail.id, result);
  });
  // On AWS the DynamoDB stream INSERT of the analysis item triggers notify; locally, this event does.
  ports.bus.subscribe('AnalysisCompleted', async (event) => {
    const detail = parseEvent('AnalysisCompleted', event.detail);
    notifications.set(
      detail.id,
      await notifyAnalysis(notifyDeps, { id: detail.id, requestId: randomUUID() }, notifyOptionsFrom(mail)),
    );
  });
  return { analyses, notifications, mail };
}
