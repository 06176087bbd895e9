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

export const DEFAULT_PRICES: PriceTable = {
  'amazon.nova-lite-v1:0': NOVA_LITE,
  'us.amazon.nova-lite-v1:0': NOVA_LITE,
  offline: { inputPer1k: 0, outputPer1k: 0 },
};

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
