/**
 * Review sentiment without a model: a lexicon scores each review, normalized to
 * -5..5 (wink-sentiment's AFINN-165, negation- and emoji-aware: review-lexicon.ts).
 * A review reads positive from +0.5, negative from -0.5; the same text is scored once.
 */

export const REVIEW_SENTIMENT_RULE =
  'each review is scored with the AFINN-165 lexicon (wink-sentiment, negation-aware), normalized to -5..5; ' +
  'positive from +0.5, negative from -0.5, neutral between; a group is mixed when at least 25 % of its reviews ' +
  'are positive and 25 % negative, else it takes the sign of its mean score past ±0.5';

export const TONE_EDGE = 0.5;
export const MIXED_SHARE = 0.25;

export type ReviewTone = 'positive' | 'negative' | 'neutral' | 'mixed';

/** A review's score, -5..5. */
export type ReviewLexicon = (text: string) => number;

export class ReviewScorer {
  readonly #cache = new Map<string, number>();

  constructor(private readonly lexicon: ReviewLexicon) {}

  score(text: string): number {
    let score = this.#cache.get(text);
    if (score === undefined) {
      score = this.lexicon(text);
      if (!Number.isFinite(score)) score = 0;
      this.#cache.set(text, score);
    }
    return score;
  }
}

export class ToneTally {
  reviews = 0;
  positive = 0;
  negative = 0;
  sum = 0;

  add(score: number): void {
    this.reviews++;
    this.sum += score;
    if (score >= TONE_EDGE) this.positive++;
    else if (score <= -TONE_EDGE) this.negative++;
  }

  get mean(): number | null {
    return this.reviews === 0 ? null : this.sum / this.reviews;
  }

  get tone(): ReviewTone {
    if (this.reviews === 0) return 'neutral';
    if (this.positive >= MIXED_SHARE * this.reviews && this.negative >= MIXED_SHARE * this.reviews)
      return 'mixed';
    const mean = this.sum / this.reviews;
    return mean >= TONE_EDGE ? 'positive' : mean <= -TONE_EDGE ? 'negative' : 'neutral';
  }
}
