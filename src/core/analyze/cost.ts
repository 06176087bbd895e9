/**
 * What a narrative cost, from the tokens the model reported. Prices differ by
 * region and change over time, so the defaults are only a starting point and a
 * user-supplied table (validated by PriceTableSchema) is merged over them.
 */
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import type { TokenUsage } from '../ports.js';

const ModelPriceSchema = z
  .object({
    /** Dollars per 1,000 input tokens. */
    inputPer1k: z.number().finite().nonnegative(),
    /** Dollars per 1,000 output tokens. */
    outputPer1k: z.number().finite().nonnegative(),
  })
  .strict();

/** `{ [modelId]: price }`, as read from configuration. */
export const PriceTableSchema = z.record(z.string().min(1), ModelPriceSchema);

export type ModelPrice = z.infer<typeof ModelPriceSchema>;
export type PriceTable = Readonly<Record<string, ModelPrice>>;

// On-demand, us-east-1. The `us.` cross-region profile bills at the source
// region's price; `eu.`/`apac.` profiles cost more and are left to the user's table.
const NOVA_LITE: ModelPrice = { inputPer1k: 0.00006, outputPer1k: 0.00024 };
const NOVA_MICRO: ModelPrice = { inputPer1k: 0.000035, outputPer1k: 0.00014 };
const NOVA_PRO: ModelPrice = { inputPer1k: 0.0008, outputPer1k: 0.0032 };
const CLAUDE_HAIKU: ModelPrice = { inputPer1k: 0.0008, outputPer1k: 0.004 };

/** The models `sluice cost` projects a month for, besides the configured one, with their names. */
export const PROJECTED_MODELS: ReadonlyArray<{ readonly id: string; readonly name: string }> = [
  { id: 'amazon.nova-micro-v1:0', name: 'Nova Micro' },
  { id: 'amazon.nova-lite-v1:0', name: 'Nova Lite' },
  { id: 'amazon.nova-pro-v1:0', name: 'Nova Pro' },
  { id: 'anthropic.claude-3-5-haiku-20241022-v1:0', name: 'Claude 3.5 Haiku' },
];

export const DEFAULT_PRICES: PriceTable = {
  'amazon.nova-lite-v1:0': NOVA_LITE,
  'us.amazon.nova-lite-v1:0': NOVA_LITE,
  'amazon.nova-micro-v1:0': NOVA_MICRO,
  'us.amazon.nova-micro-v1:0': NOVA_MICRO,
  'amazon.nova-pro-v1:0': NOVA_PRO,
  'us.amazon.nova-pro-v1:0': NOVA_PRO,
  'anthropic.claude-3-5-haiku-20241022-v1:0': CLAUDE_HAIKU,
  'us.anthropic.claude-3-5-haiku-20241022-v1:0': CLAUDE_HAIKU,
  offline: { inputPer1k: 0, outputPer1k: 0 },
};

/** Tokens of one narrative when no model run was recorded: a v2 prompt of a mid-sized file and its answer. */
export const ESTIMATED_RUN_TOKENS: TokenUsage = { inputTokens: 3500, outputTokens: 1200 };

export interface MonthProjection {
  readonly filesPerDay: number;
  /** Tokens of one run the projection assumes, and where they come from. */
  readonly perRun: TokenUsage;
  readonly basis: 'recorded' | 'estimate';
  readonly models: ReadonlyArray<{
    readonly model: string;
    readonly name: string;
    readonly configured: boolean;
    /** Dollars for 30 days; null without a price. */
    readonly monthUsd: number | null;
    readonly perRunUsd: number | null;
  }>;
}

/**
 * A 30-day month at `filesPerDay` files for the configured model and each
 * projected one, from the mean tokens of the recorded model runs (or an
 * estimate when every run was offline).
 */
export function projectMonth(input: {
  readonly filesPerDay: number;
  readonly configuredModel: string;
  /** Tokens of the recorded runs that used a model. */
  readonly recorded: { readonly runs: number; readonly inputTokens: number; readonly outputTokens: number };
  readonly prices?: PriceTable;
}): MonthProjection {
  const { recorded, filesPerDay } = input;
  const perRun: TokenUsage =
    recorded.runs > 0
      ? {
          inputTokens: Math.round(recorded.inputTokens / recorded.runs),
          outputTokens: Math.round(recorded.outputTokens / recorded.runs),
        }
      : ESTIMATED_RUN_TOKENS;
  const models = [
    ...(PROJECTED_MODELS.some((m) => m.id === input.configuredModel)
      ? []
      : [{ id: input.configuredModel, name: input.configuredModel }]),
    ...PROJECTED_MODELS,
  ];
  return {
    filesPerDay,
    perRun,
    basis: recorded.runs > 0 ? 'recorded' : 'estimate',
    models: models.map((m) => {
      const perRunUsd = costOf(m.id, perRun, input.prices);
      return {
        model: m.id,
        name: m.name,
        configured: m.id === input.configuredModel,
        perRunUsd,
        monthUsd: perRunUsd === null ? null : Math.round(perRunUsd * filesPerDay * 30 * 1e6) / 1e6,
      };
    }),
  };
}

/** A price table written as JSON text (an environment variable), merged over the defaults. */
export const PriceTableJsonSchema = z.string().transform((text, ctx): PriceTable => {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `not JSON: ${errorMessage(error)}` });
    return z.NEVER;
  }
  const parsed = PriceTableSchema.safeParse(value);
  if (!parsed.success) {
    ctx.addIssue({ code: 'custom', message: `not a price table: ${z.prettifyError(parsed.error)}` });
    return z.NEVER;
  }
  return { ...DEFAULT_PRICES, ...parsed.data };
});

/** Dollars, or null when the table has no price for the model (a local model, another region). */
export function costOf(model: string, usage: TokenUsage, table: PriceTable = DEFAULT_PRICES): number | null {
  const price = Object.hasOwn(table, model) ? table[model] : undefined;
  if (price === undefined) return null;
  const dollars = (usage.inputTokens * price.inputPer1k + usage.outputTokens * price.outputPer1k) / 1000;
  // Drops float noise (0.00006000000000000001) far below any real price.
  return Math.round(dollars * 1e12) / 1e12;
}
