import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { recordingMetrics } from '../../../test/helpers/analyst-fixtures.js';
import { lambdaContext } from '../../../test/helpers/aws-events.js';
import type { Manifest } from '../../core/ingest/manifest.js';
import {
  createObservability,
  instrument,
  METRICS_NAMESPACE,
  powertoolsLogger,
  powertoolsMetrics,
  recordIngestMetrics,
} from './observability.js';

let lines: string[];
beforeEach(() => {
  lines = [];
  // Powertools writes JSON logs and EMF documents one per line, warnings and errors to stderr.
  const capture = (chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  };
  vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  vi.spyOn(process.stderr, 'write').mockImplementation(capture);
});
afterEach(() => vi.restoreAllMocks());

const parsed = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

interface Emf {
  _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
  };
  [key: string]: unknown;
}

describe('powertoolsLogger', () => {
  it('writes JSON lines with the fields, and a child keeps its own', () => {
    const logger = powertoolsLogger(new Logger({ serviceName: 'sluice' }));
    const child = logger.child({ correlationId: 'abc:req-1' });
    child.info('ingest finished', { rows: 3 });
    logger.warn('plain');
    const [first, second] = parsed();
    expect(first).toMatchObject({
      level: 'INFO',
      message: 'ingest finished',
      correlationId: 'abc:req-1',
      rows: 3,
    });
    expect(second).toMatchObject({ level: 'WARN', message: 'plain' });
    expect(second).not.toHaveProperty('correlationId');
  });
});

describe('powertoolsMetrics', () => {
  it('emits EMF under the Sluice namespace with only low-cardinality dimensions', () => {
    const powertools = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: 'sluice' });
    const metrics = powertoolsMetrics(powertools);
    metrics.add('RowsValid', 'Count', 20);
    metrics.add('RejectedRows', 'Count', 2, { dataset: 'ohlcv-csv', reason: 'bad_date', id: 'a'.repeat(64) });
    powertools.publishStoredMetrics();
    const docs = parsed() as unknown as Emf[];
    const single = docs.find((d) => d.RejectedRows !== undefined);
    const buffered = docs.find((d) => d.RowsValid !== undefined);
    expect(single?._aws.CloudWatchMetrics[0]).toMatchObject({
      Namespace: 'Sluice',
      Dimensions: [['service', 'dataset', 'reason']],
    });
    expect(single).not.toHaveProperty('id');
    expect(buffered?.RowsValid).toBe(20);
  });
});

describe('createObservability', () => {
  it("emits under the stack's metric namespace when POWERTOOLS_METRICS_NAMESPACE names one", () => {
    const { metrics, powertools } = createObservability('ingest', {
      POWERTOOLS_METRICS_NAMESPACE: 'MarketAnalytics',
    });
    metrics.add('RowsValid', 'Count', 1);
    powertools.metrics.publishStoredMetrics();
    const doc = (parsed() as unknown as Emf[]).find((d) => d.RowsValid !== undefined);
    expect(doc?._aws.CloudWatchMetrics[0]?.Namespace).toBe('MarketAnalytics');
  });
});

describe('recordIngestMetrics', () => {
  const manifest = (over: Partial<Manifest['counts']>, status: Manifest['status'] = 'ingested') =>
    ({
      status,
      dataset: 'ohlcv-csv',
      ...(status === 'rejected' ? { reason: { code: 'no_valid_rows', message: 'none' } } : {}),
      counts: { total: 10, valid: 8, rejected: 2, rejectPct: 20, reasons: { bad_date: 2 }, ...over },
    }) as Manifest;

  it('records valid and rejected rows, the reject percentage and each reason', () => {
    const metrics = recordingMetrics();
    recordIngestMetrics(metrics, manifest({}));
    expect(metrics.recorded).toEqual([
      { name: 'RowsValid', unit: 'Count', value: 8 },
      { name: 'RowsRejected', unit: 'Count', value: 2 },
      { name: 'RejectPct', unit: 'Percent', value: 20 },
      { name: 'RejectedRows', unit: 'Count', value: 2 },
    ]);
  });

  it('counts a file with nothing valid as a rejected file', () => {
    const metrics = recordingMetrics();
    recordIngestMetrics(metrics, manifest({ valid: 0, rejected: 10, rejectPct: 100 }, 'rejected'));
    expect(metrics.total('FilesRejected')).toBe(1);
  });
});

describe('instrument', () => {
  it('adds the Lambda context to the logs and flushes metrics when the handler throws', async () => {
    const observability = createObservability('ingest');
    const handler = instrument(observability, async () => {
      observability.metrics.add('RowsValid', 'Count', 1);
      observability.logger.info('working');
      throw new Error('boom');
    });
    await expect(handler({}, lambdaContext('req-9'))).rejects.toThrow('boom');
    const docs = parsed();
    expect(docs.find((d) => d.message === 'working')).toMatchObject({
      function_request_id: 'req-9',
      stage: 'ingest',
    });
    expect(docs.find((d) => d.RowsValid === 1)).toMatchObject({ stage: 'ingest', service: 'sluice' });
  });
});
