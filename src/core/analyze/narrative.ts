/**
 * The narrative an analyst (LLM or offline) writes about computed figures. The
 * model only writes prose; every number it may mention was computed in code and
 * handed to it. Its answer must match this schema or it is never stored.
 */
import { z } from 'zod';

const sentence = (max: number) => z.string().trim().min(1).max(max);

export const NarrativeSchema = z
  .object({
    headline: sentence(160).describe('One line, like an email subject, stating the main finding.'),
    summary: sentence(1500).describe('Two to five plain sentences on what the figures show.'),
    highlights: z
      .array(sentence(300))
      .min(1)
      .max(8)
      .describe('The notable facts, most important first, each quoting figures from the data.'),
    concerns: z
      .array(sentence(300))
      .max(8)
      .describe('What deserves a closer look: anomalies, data quality, risk. Empty when nothing does.'),
    sentiment: z
      .enum(['bullish', 'bearish', 'neutral', 'positive', 'negative', 'mixed'])
      .describe(
        'Overall tone the figures support: bullish/bearish/neutral for markets, else positive/negative/mixed/neutral.',
      ),
  })
  .strict();

export type Narrative = z.infer<typeof NarrativeSchema>;

/** JSON Schema of the narrative, for tool-use `inputSchema` and `response_format`. */
export function narrativeJsonSchema(): Record<string, unknown> {
  // Some tool-schema validators refuse the `$schema` key, and it tells the model nothing.
  const { $schema: _omitted, ...schema } = z.toJSONSchema(NarrativeSchema, { target: 'draft-7' }) as Record<
    string,
    unknown
  >;
  return schema;
}
