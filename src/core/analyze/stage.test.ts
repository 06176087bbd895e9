import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTestPorts, type TestPorts } from '../../../test/helpers/local-ports.js';
import { twelveDataSample } from '../../samples/twelvedata.generator.js';
import { AnalystError } from '../errors.js';
import { AnalysisCompletedSchema, type IngestCompleted, IngestCompletedSchema } from '../events.js';
import { ingestObject } from '../ingest/stage.js';
import { itemKeys } from '../keys.js';
import type { Analyst, AnalystRequest, StateStore } from '../ports.js';
import { type Narrative, NarrativeSchema } from './narrative.js';
import { analyzeIngested } from './stage.js';
import { loadAnalysis } from './stored-analysis.js';

const narrative = {
  headline: 'Markets rose',
  summary: 'Most symbols gained over the window.',
  highlights: ['AAA led the gainers.'],
  concerns: [],
  // A hedge: any computed tone allows it (a stated direction must match the figures).
  sentiment: 'mixed' as Narrative['sentiment'],
};

function fakeAnalyst(
  behaviour: 'ok' | 'fail',
  answer: Narrative = narrative,
): Analyst & { requests: AnalystRequest[] } {
  const requests: AnalystRequest[] = [];
  return {
    name: 'amazon.nova-lite-v1:0',
    requests,
    async write(request) {
      requests.push(request);
      if (behaviour === 'fail') {
        throw new AnalystError('ANALYST.RETRIES_EXCEEDED', 'throttled five times', {
          usage: { inputTokens: 1000, outputTokens: 0 },
          attempts: 5,
        });
      }
      return {
        narrative: answer,
        model: 'amazon.nova-lite-v1:0',
        usage: { inputTokens: 2000, outputTokens: 500 },
        attempts: 1,
        latencyMs: 5,
      };
    },
  };
}

describe('analyze stage', () => {
  let ports: TestPorts;
  let event: IngestCompleted;

  beforeEach(async () => {
    ports = await makeTestPorts();
    await ports.store.put('inputs/sample.json', twelveDataSample());
    await ingestObject(ports, { key: 'inputs/sample.json', requestId: 'ingest-1' });
    event = IngestCompletedSchema.parse(ports.bus.published[0]?.detail);
  });
  afterEach(async () => {
    await ports.cleanup();
  });

  it('stores an analysis with metrics, the offline narrative and zero cost when no model is configured', async () => {
    const { outcome, analysis } = await analyzeIngested(ports, { event, requestId: 'a-1' });
    expect(outcome).toBe('analyzed');
    expect(analysis?.analysis.kind).toBe('market');
    expect(NarrativeSchema.parse(analysis?.narrative)).toBeTruthy();
    expect(analysis?.analyst).toMatchObject({ model: 'offline', costUsd: 0 });
    expect(analysis?.ingest.valid).toBe(event.counts.valid);
    const loaded = await loadAnalysis(ports.state, event.id);
    expect(loaded).toEqual(analysis);
  });

  it('records the model, its token usage and the cost from the price table', async () => {
    const analyst = fakeAnalyst('ok');
    const { analysis } = await analyzeIngested({ ...ports, analyst }, { event, requestId: 'a-1' });
    expect(analysis?.narrative).toEqual(narrative);
    expect(analysis?.totals).toEqual({ inputTokens: 2000, outputTokens: 500, costUsd: 0.00024 });
    expect(JSON.stringify(analyst.requests[0]?.facts)).toContain('"sentiment"');
  });

  it('stores the offline narrative instead of a model that states the opposite of the computed tone', async () => {
    const offline = await analyzeIngested(ports, { event, requestId: 'a-0' });
    const computed = offline.analysis?.narrative.sentiment;
    const opposite = computed === 'bearish' ? 'bullish' : 'bearish';
    const { analysis } = await analyzeIngested(
      { ...ports, analyst: fakeAnalyst('ok', { ...narrative, sentiment: opposite }) },
      { event, requestId: 'a-1', force: true },
    );
    expect(analysis?.analyst.model).toBe('offline');
    expect(analysis?.analyst.fallback).toMatchObject({ code: 'ANALYST.SENTIMENT_CONTRADICTS' });
    expect(analysis?.narrative.sentiment).toBe(computed);
  });

  it('writes the stored analysis as JSON under analyses/<dataset>/, again on a duplicate delivery', async () => {
    const { analysis } = await analyzeIngested(ports, { event, requestId: 'a-1' });
    const key = `analyses/${event.dataset}/${event.id}.json`;
    const read = async () => JSON.parse(new TextDecoder().decode(await ports.store.getBytes(key)));
    expect(await read()).toEqual(JSON.parse(JSON.stringify(analysis)));
    await ports.store.put(key, '{}');
    expect((await analyzeIngested(ports, { event, requestId: 'a-2' })).outcome).toBe('duplicate');
    expect((await read()).id).toBe(event.id);
  });

  it('falls back to the offline narrative and still counts what the failed model cost', async () => {
    const { analysis } = await analyzeIngested(
      { ...ports, analyst: fakeAnalyst('fail') },
      { event, requestId: 'a-1' },
    );
    expect(analysis?.analyst.model).toBe('offline');
    expect(analysis?.analyst.fallback).toMatchObject({
      code: 'ANALYST.RETRIES_EXCEEDED',
      model: 'amazon.nova-lite-v1:0',
    });
    expect(analysis?.totals.inputTokens).toBe(1000);
    expect(analysis?.totals.costUsd).toBeCloseTo(0.00006, 10);
  });

  it('writes one history row per symbol and bar, queryable by date range', async () => {
    await analyzeIngested(ports, { event, requestId: 'a-1' });
    const symbol = (await loadAnalysis(ports.state, event.id))?.analysis;
    if (symbol?.kind !== 'market') throw new Error('expected a market analysis');
    const first = symbol.market.symbols[0];
    const all = await ports.state.query(itemKeys.historyPk(first?.symbol as string));
    expect(all).toHaveLength(first?.bars as number);
    const some = await ports.state.query(itemKeys.historyPk(first?.symbol as string), {
      skFrom: all[5]?.sk,
      skTo: all[9]?.sk,
    });
    expect(some).toHaveLength(5);
  });

  it('publishes one valid AnalysisCompleted and stores nothing twice when run again', async () => {
    await analyzeIngested(ports, { event, requestId: 'a-1' });
    const before = await ports.state.query(itemKeys.analysisPk(event.id));
    const again = await analyzeIngested(ports, { event, requestId: 'a-2' });
    expect(again.outcome).toBe('duplicate');
    expect(await ports.state.query(itemKeys.analysisPk(event.id))).toEqual(before);
    const completed = ports.bus.published.filter((e) => e.detailType === 'AnalysisCompleted');
    expect(completed).toHaveLength(1);
    expect(AnalysisCompletedSchema.parse(completed[0]?.detail).correlationId).toBe(event.correlationId);
  });

  it('runs the analysis the plan asks for, whatever the dataset, and loads its columns back in order', async () => {
    const columns = [
      { name: 'symbol', type: 'string' },
      { name: 'datetime', type: 'date' },
      { name: 'close', type: 'number' },
      { name: 'volume', type: 'integer' },
    ] as const;
    const plans = (dataset: string) =>
      dataset === event.dataset ? { kind: 'profile' as const, columns, timeColumn: 'datetime' } : undefined;
    const { analysis } = await analyzeIngested({ ...ports, plans }, { event, requestId: 'a-1' });
    if (analysis?.analysis.kind !== 'profile') throw new Error('expected a profile analysis');
    expect(analysis.analysis.profile.rows).toBe(event.counts.valid);
    expect(analysis.narrative.headline).toMatch(/ rows and 4 columns profiled; /);
    const loaded = await loadAnalysis(ports.state, event.id);
    expect(loaded).toEqual(analysis);
    expect(loaded?.analysis.kind === 'profile' && loaded.analysis.profile.columns.map((c) => c.name)).toEqual(
      columns.map((c) => c.name),
    );
  });

  it('releases its claim when storage fails, so the queue can retry', async () => {
    const state = ports.state;
    const broken: StateStore = {
      claim: (k, r) => state.claim(k, r),
      complete: (k, o, r, opts) => state.complete(k, o, r, opts),
      renew: (k, o, opts) => state.renew(k, o, opts),
      release: (k, o) => state.release(k, o),
      getClaim: (k) => state.getClaim(k),
      put: (i) => state.put(i),
      get: (pk, sk) => state.get(pk, sk),
      query: (pk, o) => state.query(pk, o),
      putMany: async () => {
        throw new Error('throttled');
      },
    };
    await expect(analyzeIngested({ ...ports, state: broken }, { event, requestId: 'a-1' })).rejects.toThrow(
      'throttled',
    );
    expect(await state.getClaim(`analyze#${event.id}`)).toBeUndefined();
  });
});
