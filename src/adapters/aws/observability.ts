/**
 * Powertools for AWS Lambda behind sluice's Logger and Metrics ports: JSON logs
 * with the Lambda context and cold start, CloudWatch metrics as EMF in the logs
 * (namespace `Sluice` unless the stack sets POWERTOOLS_METRICS_NAMESPACE), X-Ray
 * traces of every SDK client a handler builds.
 */
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import { Metrics as PowertoolsMetrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import type { Context } from 'aws-lambda';
import type { Manifest } from '../../core/ingest/manifest.js';
import type { Logger, Metrics } from '../../core/ports.js';

export const METRICS_NAMESPACE = 'Sluice';

/**
 * Dimension names a metric may carry. Each distinct set of dimension values is a
 * separate, billed CloudWatch metric, so only names whose values come from a small
 * fixed set pass; anything else (an id, a symbol) is dropped.
 */
export const METRIC_DIMENSIONS = ['stage', 'dataset', 'reason'] as const;
const ALLOWED = new Set<string>(METRIC_DIMENSIONS);

// The port's units are a subset of CloudWatch's, spelled the same.
type MetricUnit = Parameters<PowertoolsMetrics['addMetric']>[1];

export function powertoolsLogger(logger: PowertoolsLogger): Logger {
  return {
    debug: (message, fields) => logger.debug(message, fields ?? {}),
    info: (message, fields) => logger.info(message, fields ?? {}),
    warn: (message, fields) => logger.warn(message, fields ?? {}),
    error: (message, fields) => logger.error(message, fields ?? {}),
    // Persistent on the child, so the fields survive the per-invocation reset of temporary keys.
    child: (fields) => powertoolsLogger(logger.createChild({ persistentKeys: fields })),
  };
}

export function powertoolsMetrics(metrics: PowertoolsMetrics): Metrics {
  return {
    add(name, unit, value, dimensions) {
      const kept = Object.entries(dimensions ?? {}).filter(([key]) => ALLOWED.has(key));
      if (kept.length === 0) {
        metrics.addMetric(name, unit as MetricUnit, value);
        return;
      }
      // Buffered metrics share one dimension set; a metric with its own goes out on its own.
      const single = metrics.singleMetric();
      for (const [key, dimension] of kept) single.addDimension(key, dimension);
      single.addMetric(name, unit as MetricUnit, value);
    },
  };
}

export interface Observability {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly tracer: Tracer;
  readonly powertools: { readonly logger: PowertoolsLogger; readonly metrics: PowertoolsMetrics };
  /** Wraps an SDK v3 client so its calls appear as X-Ray subsegments (a no-op outside Lambda). */
  traced<T>(client: T): T;
}

export function createObservability(
  handlerName: string,
  env: NodeJS.ProcessEnv = process.env,
): Observability {
  const serviceName = 'sluice';
  const logger = new PowertoolsLogger({
    serviceName,
    persistentKeys: { stage: handlerName },
    // The correlation id is found per invocation by the handler and appended as `correlationId`.
  });
  const metrics = new PowertoolsMetrics({
    // The stack's `-c metricNamespace`, which its alarms and metric filters also use.
    namespace: env.POWERTOOLS_METRICS_NAMESPACE || METRICS_NAMESPACE,
    serviceName,
    defaultDimensions: { stage: handlerName },
  });
  const tracer = new Tracer({ serviceName });
  return {
    logger: powertoolsLogger(logger),
    metrics: powertoolsMetrics(metrics),
    tracer,
    powertools: { logger, metrics },
    traced: (client) => tracer.captureAWSv3Client(client),
  };
}

/**
 * Runs one invocation with the Lambda context in every log line, the cold start
 * counted once, and the buffered metrics flushed even when the handler throws.
 */
export function instrument<E, R>(
  observability: Observability,
  handler: (event: E, context: Context) => Promise<R>,
): (event: E, context: Context) => Promise<R> {
  const { logger, metrics } = observability.powertools;
  return async (event, context) => {
    logger.addContext(context);
    metrics.captureColdStartMetric(context.functionName);
    try {
      return await handler(event, context);
    } finally {
      // An invocation with nothing to report (an ignored key) is normal, not worth Powertools' warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
      logger.resetKeys();
    }
  };
}

/** Ingest's business metrics, from the manifest it wrote. */
export function recordIngestMetrics(metrics: Metrics, manifest: Manifest): void {
  const dataset = manifest.dataset ? { dataset: manifest.dataset } : undefined;
  if (manifest.status === 'rejected' && manifest.counts.total === 0) {
    metrics.add('FilesRejected', 'Count', 1, { reason: manifest.reason?.code ?? 'unknown' });
    return;
  }
  metrics.add('RowsValid', 'Count', manifest.counts.valid, dataset);
  metrics.add('RowsRejected', 'Count', manifest.counts.rejected, dataset);
  metrics.add('RejectPct', 'Percent', manifest.counts.rejectPct, dataset);
  for (const [reason, rows] of Object.entries(manifest.counts.reasons)) {
    metrics.add('RejectedRows', 'Count', rows, { ...dataset, reason });
  }
  if (manifest.status === 'rejected') {
    metrics.add('FilesRejected', 'Count', 1, { reason: manifest.reason?.code ?? 'unknown' });
  }
}
