/**
 * What a Twelve Data `time_series` fetch asks for, validated before any request:
 * a typo should cost nothing, not an API credit.
 */
import { z } from 'zod';

import { INTERVALS } from './intervals.js';

export { INTERVALS, type Interval } from './intervals.js';

/** One request's symbols are joined with commas in the URL, and the API takes at most this many. */
export const MAX_SYMBOLS = 120;
export const MAX_OUTPUTSIZE = 5000;

// Permissive on purpose (BRK.B, EUR/USD, BTC/USD, 7203:TSE, ^GSPC): the API is the judge of
// what exists; here only what cannot be a symbol is refused.
const SYMBOL = /^[^\s,\p{C}]{1,40}$/u;
const HAS_ALNUM = /[\p{L}\p{N}]/u;

export const SymbolSchema = z
  .string()
  .regex(SYMBOL, 'a symbol is 1 to 40 characters without spaces, commas or control characters')
  .regex(HAS_ALNUM, 'a symbol has at least one letter or digit');

/** `AAPL,MSFT, EUR/USD` → ['AAPL', 'MSFT', 'EUR/USD']: trimmed, duplicates dropped, order kept. */
export const SymbolListSchema = z
  .string()
  .transform((text, ctx) => {
    const parts = text.split(',').map((s) => s.trim());
    const empty = parts.indexOf('');
    if (empty >= 0) {
      ctx.addIssue({
        code: 'custom',
        message: `symbol ${empty + 1} of ${parts.length} is empty (symbols are separated by single commas)`,
      });
      return z.NEVER;
    }
    return [...new Set(parts)];
  })
  .pipe(z.array(SymbolSchema).min(1).max(MAX_SYMBOLS, `at most ${MAX_SYMBOLS} symbols per fetch`));

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;

const isRealDateTime = (text: string): boolean => {
  const m = DATETIME.exec(text);
  if (!m) return false;
  const [y, mo, d, h = 0, mi = 0, s = 0] = m.slice(1).map((v) => (v === undefined ? undefined : Number(v)));
  const date = new Date(Date.UTC(y as number, (mo as number) - 1, d as number, h, mi, s));
  return (
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === (mo as number) - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === s
  );
};

export const DateTimeSchema = z
  .string()
  .refine(isRealDateTime, 'expected a real date as YYYY-MM-DD or YYYY-MM-DD HH:MM:SS');

// A date alone is midnight, so `2024-01-01` and `2024-01-01 00:00:00` compare equal.
const comparable = (value: string): string => (value.length === 10 ? `${value} 00:00:00` : value);

export const FetchParamsSchema = z
  .object({
    symbols: SymbolListSchema,
    /** @default '1day' */
    interval: z.enum(INTERVALS).default('1day'),
    /** Bars per symbol, 1..5000. @default 30 */
    outputsize: z.coerce
      .number()
      .int()
      .min(1, `outputsize must be between 1 and ${MAX_OUTPUTSIZE}`)
      .max(MAX_OUTPUTSIZE, `outputsize must be between 1 and ${MAX_OUTPUTSIZE}`)
      .default(30),
    start: DateTimeSchema.optional(),
    end: DateTimeSchema.optional(),
    /** Passed on as the API's `timezone` (e.g. `Exchange`, `UTC`, `America/New_York`). */
    timezone: z
      .string()
      .regex(/^[A-Za-z0-9_+\-/]{1,64}$/, 'a timezone name such as UTC, Exchange or America/New_York')
      .optional(),
  })
  .refine((p) => p.start === undefined || p.end === undefined || comparable(p.start) <= comparable(p.end), {
    message: 'start must not be after end',
    path: ['start'],
  });

export type FetchParams = z.infer<typeof FetchParamsSchema>;

/** How requests are cut and paced. */
export const FetchPacingSchema = z.object({
  /** Symbols per request, 1..120; never more than the credits of a minute. @default 8 */
  batchSize: z.coerce.number().int().min(1).max(MAX_SYMBOLS).default(8),
  /** The plan's API credits per minute (Basic: 8); each symbol costs one. @default 8 */
  creditsPerMinute: z.coerce.number().int().min(1).max(100_000).default(8),
});

export type FetchPacing = z.infer<typeof FetchPacingSchema>;
