/**
 * The local pipeline: the same stage functions the Lambda handlers call, wired
 * through the in-process bus instead of EventBridge and SQS.
 */
import { randomUUID } from 'node:crypto';
import { DEFAULT_PRICES } from '../core/analyze/cost.js';
import { type AnalyzeResult, analyzeIngested, DEFAULT_ANALYZE_OPTIONS } from '../core/analyze/stage.js';
import { parseEvent } from '../core/events.js';
import { analystFrom } from './analyst.js';
import type { LocalConfig } from './config.js';
import type { LocalPorts } from './local-ports.js';

export interface LocalPipeline {
  /** Analyses finished by this process, by input id. */
  readonly analyses: Map<string, AnalyzeResult>;
}

export function analyzeOptionsFrom(config: LocalConfig) {
  return { ...DEFAULT_ANALYZE_OPTIONS, prices: { ...DEFAULT_PRICES, ...config.SLUICE_PRICES } };
}

export function wireLocalPipeline(ports: LocalPorts, config: LocalConfig): LocalPipeline {
  const analyses = new Map<string, AnalyzeResult>();
  const analyst = analystFrom(config, ports.logger);
  ports.bus.subscribe('IngestCompleted', async (event) => {
    const detail = parseEvent('IngestCompleted', event.detail);
    const result = await analyzeIngested(
      { ...ports, analyst },
      { event: detail, requestId: randomUUID() },
      analyzeOptionsFrom(config),
    );
    analyses.set(detail.id, result);
  });
  return { analyses };
}
