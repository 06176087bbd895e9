/**
 * What a model's narrative may never carry, whatever its grounding: a link or an
 * e-mail address (a report is mailed; a link in it is how an injected prompt
 * phishes the reader), and an overall tone that contradicts the one computed
 * from the figures (a "bullish" subject over a neutral market is the model's
 * opinion passed off as the data's). Either refuses the whole answer: it is a
 * sign the model followed someone else's instructions, so none of it is kept.
 */
import * as linkify from 'linkifyjs';
import type { Narrative } from './narrative.js';

export type Sentiment = Narrative['sentiment'];

export type GuardRefusal =
  | { readonly code: 'ANALYST.LINK_IN_TEXT'; readonly field: string; readonly detail: string }
  | { readonly code: 'ANALYST.SENTIMENT_CONTRADICTS'; readonly field: 'sentiment'; readonly detail: string };

/** Any scheme followed by `//`: linkify only knows hosts with real top-level domains. */
const SCHEME_URL = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s]+/i;
/** An address with any domain, `.example` and `.internal` included. */
const EMAIL = /[^\s@<>()[\]",;:]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+/i;

/** Every string of the narrative with where it sits (`insights.2.text`). */
export function narrativeTexts(narrative: Narrative): Array<{ field: string; text: string }> {
  const out: Array<{ field: string; text: string }> = [];
  const walk = (value: unknown, field: string) => {
    if (typeof value === 'string') out.push({ field, text: value });
    else if (Array.isArray(value)) for (const [i, item] of value.entries()) walk(item, `${field}.${i}`);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, field === '' ? key : `${field}.${key}`);
    }
  };
  walk(narrative, '');
  return out;
}

/**
 * The first link or address in `text`; `known` are the strings of the data, so
 * a ticker with an exchange suffix that reads like a host (`SAP.DE`) is not one.
 */
export function linkIn(text: string, known: ReadonlySet<string>): string | undefined {
  const scheme = text.match(SCHEME_URL)?.[0];
  if (scheme) return scheme;
  const email = text.match(EMAIL)?.[0];
  if (email) return email;
  const lowerKnown = new Set([...known].map((k) => k.toLowerCase()));
  return linkify.find(text).find((m) => !lowerKnown.has(m.value.toLowerCase()))?.value;
}

const DIRECTION: Readonly<Record<Sentiment, 'up' | 'down' | 'flat' | 'mixed'>> = {
  bullish: 'up',
  positive: 'up',
  bearish: 'down',
  negative: 'down',
  neutral: 'flat',
  mixed: 'mixed',
};

/**
 * A model may hedge (neutral, mixed) where the figures lean one way, but a
 * direction it states must be the computed one.
 */
export function contradicts(model: Sentiment, computed: Sentiment): boolean {
  const said = DIRECTION[model];
  if (said === 'flat' || said === 'mixed') return false;
  return said !== DIRECTION[computed];
}

export function guardNarrative(
  narrative: Narrative,
  context: { readonly computedSentiment?: Sentiment; readonly known: ReadonlySet<string> },
): GuardRefusal | undefined {
  for (const { field, text } of narrativeTexts(narrative)) {
    const link = linkIn(text, context.known);
    if (link !== undefined) return { code: 'ANALYST.LINK_IN_TEXT', field, detail: link };
  }
  const { computedSentiment } = context;
  if (computedSentiment !== undefined && contradicts(narrative.sentiment, computedSentiment)) {
    return {
      code: 'ANALYST.SENTIMENT_CONTRADICTS',
      field: 'sentiment',
      detail: `the model says ${narrative.sentiment}; the figures say ${computedSentiment}`,
    };
  }
  return undefined;
}
