/** Status and sentiment badges: the class comes from a fixed list, never from data. */
import { el } from './dom.js';

const STATUS_TONES = {
  ingesting: 'busy',
  ingested: 'busy',
  analyzing: 'busy',
  analyzed: 'good',
  reported: 'good',
  rejected: 'bad',
  failed: 'bad',
};

const SENTIMENT_TONES = {
  bullish: 'good',
  positive: 'good',
  bearish: 'bad',
  negative: 'bad',
  neutral: 'plain',
  mixed: 'plain',
};

/** @param {string} status @param {{code: string, message: string} | null} [reason] */
export function statusBadge(status, reason) {
  const tone = STATUS_TONES[status] ?? 'plain';
  return el(
    'span',
    {
      class: `badge badge-${tone}`,
      'data-testid': 'status-badge',
      title: reason ? `${reason.code}: ${reason.message}` : null,
    },
    status,
  );
}

/** @param {string} sentiment */
export function sentimentBadge(sentiment) {
  return el('span', { class: `badge badge-${SENTIMENT_TONES[sentiment] ?? 'plain'}` }, sentiment);
}

const LEVEL_TONES = {
  critical: 'bad',
  high: 'bad',
  medium: 'warn',
  low: 'plain',
  info: 'muted',
};

/** A finding's severity, a recommendation's priority or an insight's confidence. @param {string} level */
export function levelBadge(level, testid = 'level-badge') {
  return el('span', { class: `badge badge-${LEVEL_TONES[level] ?? 'plain'}`, 'data-testid': testid }, level);
}
