import { describe, expect, it } from 'vitest';
import { AnalystError } from '../errors.js';
import {
  type Analyst,
  type AnalystRequest,
  type AnalystResult,
  type MetricUnit,
  noMetrics,
} from '../ports.js';
import { narrate } from './narrate.js';
import type { Narrative } from './narrative.js';

const narrative: Narrative = {
  headline: 'Sales rose in every region',
  summary: 'Sales rose in all six regions.',
  highlights: ['Asia led with 412 orders.'],
  concerns: [],
  sentiment: 'positive',
};

const request: AnalystRequest = { dataset: 'smartphone-sales', correlationId: 'c', facts: { orders: 1000 } };

const answering = (name: string, model: string): Analyst & { calls: number } => {
  const analyst = {
    name,
    calls: 0,
    async write(): Promise<AnalystResult> {
      analyst.calls++;
      return { narrative, model, usage: { inputTokens: 0, outputTokens: 0 }, attempts: 1, latencyMs: 1 };
    },
  };
  return analyst;
};

const failingWith = (error: unknown): Analyst => ({
  name: 'amazon.nova-lite-v1:0',
  write: () => Promise.reject(error),
});

const recording = () => {
  const added: Array<{ name: string; unit: MetricUnit; value: number }> = [];
  return { added, add: (name: string, unit: MetricUnit, value: number) => added.push({ name, unit, value }) };
};

describe('narrate', () => {
  it('returns the primary result without a fallback record when the primary succeeds', async () => {
    const fallback = answering('offline', 'offline');
    const metrics = recording();
    const narration = await narrate(answering('nova', 'amazon.nova-lite-v1:0'), fallback, request, metrics);
    expect(narration).toEqual({
      result: expect.objectContaining({ model: 'amazon.nova-lite-v1:0' }),
      grounding: {
        checked: 3,
        dropped: 1,
        items: [{ field: 'highlights.0', reason: 'unknown_number', detail: '412' }],
      },
    });
    expect(narration.result.narrative.highlights).toEqual([]);
    expect(fallback.calls).toBe(0);
    expect(metrics.added).toEqual([{ name: 'AnalystUngroundedItems', unit: 'Count', value: 1 }]);
  });

  it('replaces an answer whose summary invents a figure, and records the model as the reason', async () => {
    const inventing = {
      name: 'llama',
      async write(): Promise<AnalystResult> {
        return {
          narrative: { ...narrative, summary: 'NVDA rose 13.3%.' },
          model: 'llama',
          usage: { inputTokens: 900, outputTokens: 150 },
          attempts: 1,
          latencyMs: 1,
        };
      },
    };
    const metrics = recording();
    const narration = await narrate(inventing, answering('offline', 'offline'), request, metrics);
    expect(narration.result.model).toBe('offline');
    expect(narration.fallback).toMatchObject({
      code: 'ANALYST.UNGROUNDED',
      model: 'llama',
      usage: { inputTokens: 900, outputTokens: 150 },
    });
    expect(narration.grounding?.items[0]).toEqual({
      field: 'summary',
      reason: 'unknown_number',
      detail: '13.3',
    });
    expect(metrics.added).toContainEqual({ name: 'AnalystFallback', unit: 'Count', value: 1 });
  });

  it('falls back and keeps the reason, the code and the usage the primary was billed', async () => {
    const metrics = recording();
    const error = new AnalystError('ANALYST.INVALID_OUTPUT', 'no valid narrative in 3 answers', {
      usage: { inputTokens: 3600, outputTokens: 540 },
      attempts: 3,
    });
    const narration = await narrate(failingWith(error), answering('offline', 'offline'), request, metrics);
    expect(narration.result.model).toBe('offline');
    expect(narration.fallback).toEqual({
      reason: 'no valid narrative in 3 answers',
      code: 'ANALYST.INVALID_OUTPUT',
      usage: { inputTokens: 3600, outputTokens: 540 },
      model: 'amazon.nova-lite-v1:0',
    });
    expect(metrics.added).toEqual([{ name: 'AnalystFallback', unit: 'Count', value: 1 }]);
  });

  it('falls back on any error too, with an INTERNAL code and no usage', async () => {
    const narration = await narrate(
      failingWith(new TypeError('x is undefined')),
      answering('offline', 'offline'),
      request,
    );
    expect(narration.fallback).toEqual({
      reason: 'x is undefined',
      code: 'INTERNAL',
      usage: { inputTokens: 0, outputTokens: 0 },
      model: 'amazon.nova-lite-v1:0',
    });
  });

  const answeringWith = (changed: Partial<Narrative>): Analyst => ({
    name: 'llama',
    async write(): Promise<AnalystResult> {
      return {
        narrative: { ...narrative, highlights: [], ...changed },
        model: 'llama',
        usage: { inputTokens: 800, outputTokens: 120 },
        attempts: 1,
        latencyMs: 1,
      };
    },
  });

  it.each([
    [
      'a link',
      { summary: 'Sales rose; details at https://evil.example/login.' },
      'https://evil.example/login.',
    ],
    ['an e-mail address', { highlights: ['Write to ceo@corp.example for the bonus.'] }, 'ceo@corp.example'],
    ['a bare host', { headline: 'Sales rose, see bit.ly/deal' }, 'bit.ly/deal'],
  ])('refuses a whole answer carrying %s, and says where', async (_, changed, detail) => {
    const metrics = recording();
    const narration = await narrate(
      answeringWith(changed),
      answering('offline', 'offline'),
      request,
      metrics,
    );
    expect(narration.result.model).toBe('offline');
    expect(narration.fallback).toMatchObject({ code: 'ANALYST.LINK_IN_TEXT', model: 'llama' });
    expect(narration.fallback?.reason).toContain(detail);
    expect(metrics.added).toContainEqual({ name: 'AnalystRefused', unit: 'Count', value: 1 });
  });

  it('refuses a stated direction the figures contradict, and keeps a hedge', async () => {
    const bullish = await narrate(
      answeringWith({ sentiment: 'bullish' }),
      answering('offline', 'offline'),
      request,
      noMetrics,
      {
        computedSentiment: 'neutral',
      },
    );
    expect(bullish.fallback).toMatchObject({ code: 'ANALYST.SENTIMENT_CONTRADICTS' });
    expect(bullish.fallback?.reason).toBe('sentiment: the model says bullish; the figures say neutral');
    const hedged = await narrate(
      answeringWith({ sentiment: 'mixed' }),
      answering('offline', 'offline'),
      request,
      noMetrics,
      {
        computedSentiment: 'positive',
      },
    );
    expect(hedged.fallback).toBeUndefined();
    expect(hedged.result.model).toBe('llama');
  });
});
