/**
 * The narrative an analyst (LLM or offline) writes about computed figures. The
 * model only writes prose; every number it may mention was computed in code and
 * handed to it, and it cites the facts and findings it rests on by id. Its
 * answer must match this schema, and pass the grounding check, or it is never stored.
 *
 * Version 2 adds the executive summary, insights, recommendations, per-symbol
 * outlooks, sales segment picks and review themes. Version 1 fields (`summary`,
 * `highlights`, `concerns`) are still accepted, so analyses stored before v2 load.
 */
import { z } from 'zod';

const sentence = (max: number) => z.string().trim().min(1).max(max);
const ids = (max: number, what: string) => z.array(z.string().trim().min(1).max(80)).max(max).describe(what);

export const CONFIDENCE = ['low', 'medium', 'high'] as const;
export const PRIORITY = ['high', 'medium', 'low'] as const;
export type Priority = (typeof PRIORITY)[number];

export const InsightSchema = z
  .object({
    text: sentence(300).describe('One observation, quoting figures exactly as given in the data.'),
    confidence: z
      .enum(CONFIDENCE)
      .describe(
        'high when the figures state it directly, medium when it reads several together, low for a guess.',
      ),
    facts: ids(
      10,
      'Ids of the facts it rests on: dotted paths into the data, e.g. "sentiment.meanChangePct".',
    ),
  })
  .strict();

export const RecommendationSchema = z
  .object({
    action: sentence(200).describe('What a person should do, starting with a verb.'),
    priority: z.enum(PRIORITY),
    rationale: sentence(400).describe('Why, quoting the figures of the findings it cites.'),
    findings: ids(50, 'Ids of the findings it acts on (F followed by 8 hex digits), from data.findings.'),
  })
  .strict();

export const SymbolOutlookSchema = z
  .object({
    symbol: sentence(40),
    outlook: z.enum(['bullish', 'bearish', 'neutral']),
    text: sentence(300).describe('Two sentences on the symbol from its figures and findings.'),
  })
  .strict();

export const SegmentPickSchema = z
  .object({
    segment: z.enum(['Budget', 'Mid-range', 'Flagship']),
    region: sentence(40),
    model: sentence(80).describe('The model data.segmentPicks names for the segment and region.'),
    text: sentence(300),
  })
  .strict();

export const ReviewThemeSchema = z
  .object({
    theme: sentence(60).describe('What reviewers talk about, e.g. battery life.'),
    sentiment: z.enum(['positive', 'negative', 'mixed', 'neutral']),
    text: sentence(300),
  })
  .strict();

const SENTIMENT = z
  .enum(['bullish', 'bearish', 'neutral', 'positive', 'negative', 'mixed'])
  .describe(
    'Overall tone the figures support: bullish/bearish/neutral for markets, else positive/negative/mixed/neutral.',
  );

const v2Fields = {
  headline: sentence(160).describe('One line, like an email subject, stating the main finding.'),
  executiveSummary: sentence(1500).describe(
    'Two to five plain sentences a manager reads first: what the figures show and what matters most.',
  ),
  insights: z
    .array(InsightSchema)
    .max(8)
    .describe('The notable observations, most important first, each citing the facts it rests on.'),
  recommendations: z
    .array(RecommendationSchema)
    .max(8)
    .describe('What to do about the findings, high priority first; empty when no finding is above info.'),
  symbols: z
    .array(SymbolOutlookSchema)
    .max(50)
    .describe('Market data only: one entry for every symbol in data.outlookSymbols.'),
  segments: z
    .array(SegmentPickSchema)
    .max(18)
    .describe('Sales data only: the best model per price segment and region, from data.segmentPicks.'),
  reviewThemes: z
    .array(ReviewThemeSchema)
    .max(8)
    .describe('Sales data only: the themes of data.reviews.sample, with their tone.'),
  sentiment: SENTIMENT,
};

export const NarrativeSchema = z
  .object({
    ...v2Fields,
    executiveSummary: v2Fields.executiveSummary.optional(),
    insights: v2Fields.insights.optional(),
    recommendations: v2Fields.recommendations.optional(),
    symbols: v2Fields.symbols.optional(),
    segments: v2Fields.segments.optional(),
    reviewThemes: v2Fields.reviewThemes.optional(),
    /** Version 1: the executive summary. */
    summary: sentence(1500).optional(),
    /** Version 1: notable facts without ids. */
    highlights: z.array(sentence(300)).max(8).optional(),
    /** Version 1: what deserved a closer look. */
    concerns: z.array(sentence(300)).max(8).optional(),
  })
  .strict()
  .refine((n) => n.executiveSummary !== undefined || n.summary !== undefined, {
    message: 'executiveSummary is required',
    path: ['executiveSummary'],
  });

export type Narrative = z.infer<typeof NarrativeSchema>;
export type Insight = z.infer<typeof InsightSchema>;
export type Recommendation = z.infer<typeof RecommendationSchema>;
export type SymbolOutlook = z.infer<typeof SymbolOutlookSchema>;

/** What the model is asked for: version 2, the dataset-specific lists optional. */
const NarrativeAnswerSchema = z
  .object({
    ...v2Fields,
    symbols: v2Fields.symbols.optional(),
    segments: v2Fields.segments.optional(),
    reviewThemes: v2Fields.reviewThemes.optional(),
  })
  .strict();

/** The executive summary of any version. */
export const executiveSummaryOf = (n: Narrative): string => n.executiveSummary ?? n.summary ?? '';

const PRIORITY_RANK: Readonly<Record<Priority, number>> = { high: 0, medium: 1, low: 2 };

/** Recommendations high priority first, keeping the model's order within a priority. */
export const byPriority = (list: readonly Recommendation[]): Recommendation[] =>
  list
    .map((r, i) => [r, i] as const)
    .sort((a, b) => PRIORITY_RANK[a[0].priority] - PRIORITY_RANK[b[0].priority] || a[1] - b[1])
    .map(([r]) => r);

/** JSON Schema of the answer, for tool-use `inputSchema` and `response_format`. */
export function narrativeJsonSchema(): Record<string, unknown> {
  // Some tool-schema validators refuse the `$schema` key, and it tells the model nothing.
  const { $schema: _omitted, ...schema } = z.toJSONSchema(NarrativeAnswerSchema, {
    target: 'draft-7',
  }) as Record<string, unknown>;
  return schema;
}
