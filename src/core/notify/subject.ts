/** The email subject, from a template the operator configures. */
import { z } from 'zod';
import { clip } from '../analyze/facts.js';

export const SUBJECT_PLACEHOLDERS = ['dataset', 'headline', 'sentiment', 'date'] as const;
export type SubjectPlaceholder = (typeof SUBJECT_PLACEHOLDERS)[number];
export type SubjectValues = Readonly<Record<SubjectPlaceholder, string>>;

export const DEFAULT_SUBJECT_TEMPLATE = '[sluice] {dataset}: {headline}';

/** RFC 5322 recommends lines under 78 characters; a longer subject is folded, this keeps it readable. */
export const MAX_SUBJECT_LENGTH = 200;

const PLACEHOLDER = /\{([a-z]+)\}/g;

export const SubjectTemplateSchema = z
  .string()
  .trim()
  .min(1)
  .max(MAX_SUBJECT_LENGTH)
  // A line break in a header would let the template start another header.
  .refine((t) => !/[\r\n]/.test(t), { message: 'a subject template is one line' })
  .refine((t) => [...t.matchAll(PLACEHOLDER)].every((m) => SUBJECT_PLACEHOLDERS.includes(m[1] as never)), {
    message: `placeholders are ${SUBJECT_PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}`,
  })
  // The headline is the model's: a subject of nothing else would let a model's words pass as the sender's.
  .refine((t) => t.replace(/\{(?:headline|sentiment)\}/g, '').replace(/[\s\p{P}\p{S}]/gu, '') !== '', {
    message: 'a subject template needs words of its own or {dataset} or {date} besides {headline}',
  })
  .default(DEFAULT_SUBJECT_TEMPLATE);

/** One line of at most `MAX_SUBJECT_LENGTH` characters: control characters from data become spaces. */
export function renderSubject(template: string, values: SubjectValues): string {
  const filled = template.replace(PLACEHOLDER, (whole, name: string) =>
    SUBJECT_PLACEHOLDERS.includes(name as SubjectPlaceholder) ? values[name as SubjectPlaceholder] : whole,
  );
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is removed
  const line = filled.replace(/[\u0000-\u001f\u007f\u2028\u2029\s]+/g, ' ').trim();
  return clip(line, MAX_SUBJECT_LENGTH);
}
