/** Figures as a report prints them: en-US, deterministic, a dash for a figure that does not exist. */
import { clip } from '../analyze/facts.js';
import { formatCount, formatMoney, formatPct, formatPrice } from '../analyze/market/format.js';
import { REPORT_LIMITS } from './limits.js';

export const MISSING = '—';

const finite = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);

export const price = (value: number | null | undefined): string =>
  finite(value) ? formatPrice(value) : MISSING;

export const count = (value: number | null | undefined): string =>
  finite(value) ? formatCount(value) : MISSING;

export const money = (value: number | null | undefined): string =>
  finite(value) ? formatMoney(value) : MISSING;

export const pct = (value: number | null | undefined, signed = false): string =>
  finite(value) ? formatPct(value, signed) : MISSING;

const decimals = [0, 1, 2].map(
  (digits) =>
    new Intl.NumberFormat('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }),
);

/** A measurement with a fixed number of decimals (0 to 2) and thousands separators. */
export const decimal = (value: number | null | undefined, digits: 0 | 1 | 2 = 1): string =>
  finite(value) ? (decimals[digits] as Intl.NumberFormat).format(value) : MISSING;

/** A name from the data, short enough for a table cell. */
export const shortName = (text: string, max: number = REPORT_LIMITS.nameLength): string => clip(text, max);

/** `2024-10-09 to 2024-12-31`, or the one datetime, or a dash. */
export const period = (start: string | null, end: string | null): string =>
  start === null || end === null ? MISSING : start === end ? start : `${start} to ${end}`;

/** An ISO UTC timestamp to the minute (`2025-09-18 08:06 UTC`); anything else as it is. */
export const moment = (iso: string): string => {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(?::\d{2}(?:\.\d+)?)?Z$/.exec(iso);
  return match ? `${match[1]} ${match[2]} UTC` : iso;
};

export const plural = (n: number, one: string, many = `${one}s`): string =>
  `${formatCount(n)} ${n === 1 ? one : many}`;
