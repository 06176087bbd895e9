/**
 * The grounding check, run on a model's narrative after it passed the schema:
 * every id it cites must be one it was given, every number in its text must be
 * one of the figures it was handed (formatting and rounding tolerated), and
 * every symbol it writes an outlook for must be in the data. An item that fails
 * is dropped and counted, never stored as if true; a headline or executive
 * summary that fails, or too many dropped items, rejects the whole answer.
 */
import { round } from './facts.js';
import { byPriority, type Narrative } from './narrative.js';

export interface GroundingContext {
  /** Absolute values of every number in the facts, and of the numbers inside its strings. */
  readonly numbers: ReadonlyArray<{ readonly value: number; readonly decimals: number }>;
  readonly dates: ReadonlySet<string>;
  readonly times: ReadonlySet<string>;
  /** Dotted paths into the facts: what an insight may cite. */
  readonly factIds: ReadonlySet<string>;
  /** Finding ids anywhere in the facts: what a recommendation may cite. */
  readonly findingIds: ReadonlySet<string>;
  /** Every string value of the facts (symbols, models, regions). */
  readonly strings: ReadonlySet<string>;
}

export type DropReason =
  | 'unknown_number'
  | 'unknown_date'
  | 'unknown_fact'
  | 'unknown_finding'
  | 'unknown_subject'
  | 'no_citation';

export interface GroundingDrop {
  /** `insights.2`, `recommendations.0`, `headline`... */
  readonly field: string;
  readonly reason: DropReason;
  /** The offending number, id or name. */
  readonly detail: string;
}

export interface GroundingResult {
  /** The narrative without the dropped items, recommendations by priority. */
  readonly narrative: Narrative;
  /** Fields and list items checked. */
  readonly checked: number;
  readonly dropped: readonly GroundingDrop[];
  /** The headline or executive summary failed: nothing of the answer can be kept. */
  readonly fatal: boolean;
}

/** Numbers a sentence may use without a fact: counting words written as digits and whole percent. */
const FREE_NUMBERS = new Set([0, 1, 2, 100]);

const FINDING_ID = /^F[0-9a-f]{8}$/;
const DATE = /\b(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z?)?/g;
const NUMBER = /\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?/g;

interface Token {
  readonly value: number;
  readonly decimals: number;
  readonly text: string;
}

/** The numbers a text states, dates and times excepted; tokens with letters (S24, P-012, 2σ, RSI14) are names, not figures. */
function numbersIn(text: string): Token[] {
  const tokens: Token[] = [];
  for (const word of text.replace(DATE, ' ').split(/\s+/)) {
    if (/[\p{L}_]/u.test(word)) continue;
    for (const match of word.match(NUMBER) ?? []) {
      const plain = match.replaceAll(',', '');
      const dot = plain.indexOf('.');
      tokens.push({ value: Number(plain), decimals: dot < 0 ? 0 : plain.length - dot - 1, text: match });
    }
  }
  return tokens;
}

function datesIn(text: string): Array<{ date: string; time?: string }> {
  return [...text.matchAll(DATE)].map((m) =>
    m[2] ? { date: m[1] as string, time: m[2] } : { date: m[1] as string },
  );
}

const decimalsOf = (value: number): number => {
  const text = String(Math.abs(value));
  if (text.includes('e')) return 12;
  const dot = text.indexOf('.');
  return dot < 0 ? 0 : text.length - dot - 1;
};

// The facts' own rounding, so a figure and its check never round apart.
const roundTo = (value: number, decimals: number): number => round(value, Math.min(decimals, 12));

/** Everything the facts hand over, indexed for the check. */
export function groundingContext(facts: unknown): GroundingContext {
  const numbers: Array<{ value: number; decimals: number }> = [];
  const dates = new Set<string>();
  const times = new Set<string>();
  const factIds = new Set<string>();
  const findingIds = new Set<string>();
  const strings = new Set<string>();
  const addNumber = (value: number, decimals: number) => numbers.push({ value: Math.abs(value), decimals });
  const walk = (value: unknown, path: string) => {
    if (path !== '') factIds.add(path);
    if (typeof value === 'number') {
      if (Number.isFinite(value)) addNumber(value, decimalsOf(value));
    } else if (typeof value === 'string') {
      strings.add(value);
      if (FINDING_ID.test(value)) findingIds.add(value);
      for (const d of datesIn(value)) {
        dates.add(d.date);
        addNumber(Number(d.date.slice(0, 4)), 0);
        if (d.time) times.add(d.time);
      }
      for (const t of numbersIn(value)) addNumber(t.value, t.decimals);
      // A name with digits (iPhone 15, Galaxy S24) may be quoted in part.
      for (const m of value.match(/\d+(?:\.\d+)?/g) ?? []) addNumber(Number(m), decimalsOf(Number(m)));
    } else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) walk(item, path === '' ? String(i) : `${path}.${i}`);
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) walk(item, path === '' ? key : `${path}.${key}`);
    }
  };
  walk(facts, '');
  return { numbers, dates, times, factIds, findingIds, strings };
}

/** Is the text's number one of the figures, as written or rounded either way? */
function isKnownNumber(token: Token, ctx: GroundingContext): boolean {
  if (FREE_NUMBERS.has(token.value)) return true;
  // The text may round a figure (4.237 as 4.2) or be more precise than the rounded fact (revenue 12,345.67
  // for 12346), but only by a hair: 73.42 is not the fact 73.
  return ctx.numbers.some(
    (n) =>
      roundTo(n.value, token.decimals) === token.value ||
      (roundTo(token.value, n.decimals) === n.value &&
        Math.abs(token.value - n.value) <= 0.005 * Math.max(n.value, 1)),
  );
}

/** The first thing in `text` that is not in the facts, or null. */
export function ungroundedIn(
  text: string,
  ctx: GroundingContext,
): { reason: DropReason; detail: string } | null {
  for (const d of datesIn(text)) {
    if (!ctx.dates.has(d.date) || (d.time !== undefined && !ctx.times.has(d.time))) {
      return { reason: 'unknown_date', detail: d.time ? `${d.date} ${d.time}` : d.date };
    }
  }
  for (const token of numbersIn(text)) {
    if (!isKnownNumber(token, ctx)) return { reason: 'unknown_number', detail: token.text };
  }
  return null;
}

const normalizeFactId = (id: string): string => id.replace(/\[(\d+)\]/g, '.$1').replace(/^facts\./, '');

export interface GroundingOptions {
  /** Share of checked items that may be dropped before the whole answer is rejected. @default 0.5 */
  readonly maxDroppedShare?: number;
}

export function groundNarrative(narrative: Narrative, ctx: GroundingContext): GroundingResult {
  const dropped: GroundingDrop[] = [];
  let checked = 0;
  let fatal = false;
  const check = (field: string, texts: readonly string[]): boolean => {
    for (const text of texts) {
      const problem = ungroundedIn(text, ctx);
      if (problem) {
        dropped.push({ field, ...problem });
        return false;
      }
    }
    return true;
  };
  for (const field of ['headline', 'executiveSummary', 'summary'] as const) {
    const text = narrative[field];
    if (text === undefined) continue;
    checked++;
    if (!check(field, [text])) fatal = true;
  }
  const keep = <T>(
    name: string,
    list: readonly T[] | undefined,
    test: (item: T, field: string) => boolean,
  ) => {
    if (list === undefined) return undefined;
    return list.filter((item, i) => {
      checked++;
      return test(item, `${name}.${i}`);
    });
  };
  const cites = (
    field: string,
    ids: readonly string[],
    known: ReadonlySet<string>,
    reason: DropReason,
    normalize = (x: string) => x,
  ) => {
    if (ids.length === 0) {
      dropped.push({ field, reason: 'no_citation', detail: '' });
      return false;
    }
    const unknown = ids.find((id) => !known.has(normalize(id)));
    if (unknown !== undefined) {
      dropped.push({ field, reason, detail: unknown });
      return false;
    }
    return true;
  };
  const known = (field: string, name: string) => {
    if (ctx.strings.has(name)) return true;
    dropped.push({ field, reason: 'unknown_subject', detail: name });
    return false;
  };
  const insights = keep(
    'insights',
    narrative.insights,
    (x, f) => cites(f, x.facts, ctx.factIds, 'unknown_fact', normalizeFactId) && check(f, [x.text]),
  );
  const recommendations = keep(
    'recommendations',
    narrative.recommendations,
    (x, f) => cites(f, x.findings, ctx.findingIds, 'unknown_finding') && check(f, [x.action, x.rationale]),
  );
  const symbols = keep('symbols', narrative.symbols, (x, f) => known(f, x.symbol) && check(f, [x.text]));
  const segments = keep(
    'segments',
    narrative.segments,
    (x, f) => known(f, x.model) && known(f, x.region) && check(f, [x.text]),
  );
  const reviewThemes = keep('reviewThemes', narrative.reviewThemes, (x, f) => check(f, [x.theme, x.text]));
  const highlights = keep('highlights', narrative.highlights, (x, f) => check(f, [x]));
  const concerns = keep('concerns', narrative.concerns, (x, f) => check(f, [x]));
  const grounded: Narrative = {
    ...narrative,
    ...(insights ? { insights } : {}),
    ...(recommendations ? { recommendations: byPriority(recommendations) } : {}),
    ...(symbols ? { symbols } : {}),
    ...(segments ? { segments } : {}),
    ...(reviewThemes ? { reviewThemes } : {}),
    ...(highlights ? { highlights } : {}),
    ...(concerns ? { concerns } : {}),
  };
  return { narrative: grounded, checked, dropped, fatal };
}

/** Should the answer be replaced by the offline narrative? */
export function tooUngrounded(result: GroundingResult, options: GroundingOptions = {}): boolean {
  const share = options.maxDroppedShare ?? 0.5;
  return result.fatal || (result.checked > 0 && result.dropped.length / result.checked > share);
}
