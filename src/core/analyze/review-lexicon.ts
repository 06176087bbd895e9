/**
 * The lexicon behind review sentiment, apart from the analytics: with its
 * tokenizer and emoji patterns it is about 80 KiB, which a handler should load
 * only when it first analyzes sales (`loadReviewLexicon`).
 */
import winkSentiment from 'wink-sentiment';
import type { ReviewLexicon } from './review-sentiment.js';

export const afinnLexicon: ReviewLexicon = (text) => winkSentiment(text).normalizedScore;
