import { describe, expect, it } from 'vitest';
import {
  costOf,
  DEFAULT_PRICES,
  ESTIMATED_RUN_TOKENS,
  PriceTableJsonSchema,
  PriceTableSchema,
  projectMonth,
} from './cost.js';

describe('costOf', () => {
  it('prices Nova Lite at $0.00006 per 1K input and $0.00024 per 1K output tokens', () => {
    expect(costOf('amazon.nova-lite-v1:0', { inputTokens: 1000, outputTokens: 1000 })).toBe(0.0003);
    expect(costOf('amazon.nova-lite-v1:0', { inputTokens: 1200, outputTokens: 180 })).toBe(0.0001152);
  });

  it('prices the us cross-region inference profile like the model', () => {
    const usage = { inputTokens: 5000, outputTokens: 700 };
    expect(costOf('us.amazon.nova-lite-v1:0', usage)).toBe(costOf('amazon.nova-lite-v1:0', usage));
  });

  it('costs nothing offline', () => {
    expect(costOf('offline', { inputTokens: 0, outputTokens: 0 })).toBe(0);
  });

  it('returns null for a model without a price instead of guessing', () => {
    expect(costOf('llama3.1:8b', { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(costOf('constructor', { inputTokens: 10, outputTokens: 10 })).toBeNull();
    expect(costOf('__proto__', { inputTokens: 10, outputTokens: 10 })).toBeNull();
  });

  it('uses a user-supplied table merged over the defaults', () => {
    const user = PriceTableSchema.parse({ 'llama3.1:8b': { inputPer1k: 0, outputPer1k: 0 } });
    const table = { ...DEFAULT_PRICES, ...user };
    expect(costOf('llama3.1:8b', { inputTokens: 10, outputTokens: 10 }, table)).toBe(0);
    expect(costOf('amazon.nova-lite-v1:0', { inputTokens: 1000, outputTokens: 0 }, table)).toBe(0.00006);
  });
});

describe('PriceTableSchema', () => {
  it('rejects negative, non-finite and misspelled prices', () => {
    expect(PriceTableSchema.safeParse({ m: { inputPer1k: -1, outputPer1k: 0 } }).success).toBe(false);
    expect(PriceTableSchema.safeParse({ m: { inputPer1k: 0, outputPer1k: Infinity } }).success).toBe(false);
    expect(PriceTableSchema.safeParse({ m: { inputPer1K: 0, outputPer1k: 0 } }).success).toBe(false);
    expect(PriceTableSchema.safeParse({ '': { inputPer1k: 0, outputPer1k: 0 } }).success).toBe(false);
  });
});

describe('PriceTableJsonSchema', () => {
  it('reads a JSON price table from text and merges it over the defaults', () => {
    const table = PriceTableJsonSchema.parse('{"llama3.1:8b": {"inputPer1k": 0, "outputPer1k": 0}}');
    expect(table['llama3.1:8b']).toEqual({ inputPer1k: 0, outputPer1k: 0 });
    expect(table['amazon.nova-lite-v1:0']).toEqual(DEFAULT_PRICES['amazon.nova-lite-v1:0']);
  });

  it.each([
    ['text that is not JSON', '{nope', /not JSON/],
    ['JSON that is not a price table', '{"m": 1}', /not a price table/],
  ])('refuses %s', (_name, text, message) => {
    const result = PriceTableJsonSchema.safeParse(text);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(message);
  });
});

describe('projectMonth', () => {
  it('scales the mean recorded tokens of a run to 30 days for the configured model and the price table', () => {
    const p = projectMonth({
      filesPerDay: 100,
      configuredModel: 'amazon.nova-lite-v1:0',
      recorded: { runs: 4, inputTokens: 8000, outputTokens: 2000 },
    });
    expect(p.perRun).toEqual({ inputTokens: 2000, outputTokens: 500 });
    expect(p.basis).toBe('recorded');
    expect(p.models.map((m) => m.name)).toEqual(['Nova Micro', 'Nova Lite', 'Nova Pro', 'Claude 3.5 Haiku']);
    // Nova Lite: 2000 × 0.00006 / 1000 + 500 × 0.00024 / 1000 = $0.00024 a file; × 100 × 30.
    expect(p.models.find((m) => m.configured)).toMatchObject({ perRunUsd: 0.00024, monthUsd: 0.72 });
  });

  it('estimates the tokens when every run was offline, and names an unpriced configured model with null', () => {
    const p = projectMonth({
      filesPerDay: 10,
      configuredModel: 'llama3.1:8b',
      recorded: { runs: 0, inputTokens: 0, outputTokens: 0 },
    });
    expect(p).toMatchObject({ basis: 'estimate', perRun: ESTIMATED_RUN_TOKENS });
    expect(p.models[0]).toMatchObject({ model: 'llama3.1:8b', configured: true, monthUsd: null });
  });
});
