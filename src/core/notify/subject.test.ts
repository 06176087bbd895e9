import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SUBJECT_TEMPLATE,
  MAX_SUBJECT_LENGTH,
  renderSubject,
  SubjectTemplateSchema,
} from './subject.js';

const values = {
  dataset: 'twelvedata-ohlcv',
  headline: 'Markets rose',
  sentiment: 'bullish',
  date: '2026-01-05',
} as const;

describe('renderSubject', () => {
  it('fills the default template with the dataset and the headline', () => {
    expect(renderSubject(DEFAULT_SUBJECT_TEMPLATE, values)).toBe('[sluice] twelvedata-ohlcv: Markets rose');
  });

  it('fills every placeholder, each as often as it appears', () => {
    expect(renderSubject('{date} {sentiment} {dataset} — {headline} ({sentiment})', values)).toBe(
      '2026-01-05 bullish twelvedata-ohlcv — Markets rose (bullish)',
    );
  });

  it('keeps a subject on one line whatever the headline holds, so it cannot add a header', () => {
    const subject = renderSubject(DEFAULT_SUBJECT_TEMPLATE, {
      ...values,
      headline: 'Up\r\nBcc: victim@example.com\u2028\tand more',
    });
    expect(subject).toBe('[sluice] twelvedata-ohlcv: Up Bcc: victim@example.com and more');
  });

  it('cuts a long subject with an ellipsis', () => {
    const subject = renderSubject(DEFAULT_SUBJECT_TEMPLATE, { ...values, headline: 'word '.repeat(100) });
    expect(subject).toHaveLength(MAX_SUBJECT_LENGTH);
    expect(subject.endsWith('…')).toBe(true);
  });
});

describe('SubjectTemplateSchema', () => {
  it('defaults to the default template', () => {
    expect(SubjectTemplateSchema.parse(undefined)).toBe(DEFAULT_SUBJECT_TEMPLATE);
  });

  it('accepts the known placeholders and plain text', () => {
    expect(SubjectTemplateSchema.parse('Report {date}: {dataset} is {sentiment} — {headline}')).toBeTruthy();
  });

  it('rejects an unknown placeholder, a line break and an empty template', () => {
    expect(SubjectTemplateSchema.safeParse('{dataset} {symbol}').success).toBe(false);
    expect(SubjectTemplateSchema.safeParse('a\nb').success).toBe(false);
    expect(SubjectTemplateSchema.safeParse('   ').success).toBe(false);
  });

  it('refuses a template that would make the model’s headline the whole subject', () => {
    for (const t of ['{headline}', ' {headline} ', '{headline} — {sentiment}', '[{headline}]']) {
      expect(SubjectTemplateSchema.safeParse(t).success, t).toBe(false);
    }
    for (const t of ['{dataset}: {headline}', 'Report {headline}', '{date} {headline}']) {
      expect(SubjectTemplateSchema.safeParse(t).success, t).toBe(true);
    }
  });
});
