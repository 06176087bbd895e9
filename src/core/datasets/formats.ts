/**
 * Dates, instants and numbers as files people have write them: pandas
 * (`2025-09-18 08:06:23.359844+00:00`), ISO instants with `Z`, epoch seconds or
 * milliseconds, spreadsheet dates (`5/20/2024`, `20.05.2024`), and money
 * (`$1,199.00`). Contracts opt in per field; the strict readers in fields.ts stay
 * the fast path and these run only on what they refused.
 */
import { isRealDate } from './fields.js';

export interface WallClock {
  /** `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS`; instants with a zone are given in UTC. */
  readonly iso: string;
  /** Seconds since 1970-01-01 of the wall-clock value. */
  readonly seconds: number;
}

/** Why a text is not a date: it is not one, or it could be two (`01/02/2024`). */
export type DateRefusal = 'invalid' | 'ambiguous';

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

function fromUtcMs(ms: number, dateOnly: boolean): WallClock | undefined {
  if (!Number.isFinite(ms)) return undefined;
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  if (year < 1 || year > 9999) return undefined;
  const day = `${pad(year, 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
  const seconds = Math.floor(ms / 1000);
  if (dateOnly) return { iso: day, seconds };
  return {
    iso: `${day}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`,
    seconds,
  };
}

// pandas and ISO instants: a `T` or a space, optional fraction, a zone (`Z`, `+00:00`, `+0000`).
const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?\s?(Z|[+-]\d{2}:?\d{2})$/i;
// Epoch seconds have 9 or 10 digits from 1973 to 2286; milliseconds 12 or 13.
const EPOCH = /^\d{9,10}$|^\d{12,13}$/;
const SLASH = /^(\d{1,2})\/(\d{1,2})\/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;
const DOTTED = /^(\d{1,2})\.(\d{1,2})\.(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

function civil(
  year: number,
  month: number,
  day: number,
  hh: string | undefined,
  mm: string | undefined,
  ss: string | undefined,
): WallClock | undefined {
  if (!isRealDate(year, month, day)) return undefined;
  const [h, m, s] = [Number(hh ?? 0), Number(mm ?? 0), Number(ss ?? 0)];
  if (h > 23 || m > 59 || s > 59) return undefined;
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 19xx.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(h, m, s, 0);
  return fromUtcMs(date.getTime(), hh === undefined);
}

/**
 * A market bar's time from any of the shapes above; a refusal otherwise.
 * `5/20/2024` is month first (the US spreadsheet default) and `20/05/2024` day
 * first, because only one reading is a date; `01/02/2024` could be either and is
 * refused as ambiguous. `20.05.2024` is always day first (no locale writes M.D.Y).
 */
export function parseLooseDatetime(text: string): WallClock | DateRefusal {
  const t = text.trim();
  const instant = INSTANT.exec(t);
  if (instant) {
    const [, y, mo, d, h, mi, s] = instant;
    if (
      !isRealDate(Number(y), Number(mo), Number(d)) ||
      Number(h) > 23 ||
      Number(mi) > 59 ||
      Number(s ?? 0) > 59
    )
      return 'invalid';
    const zone = (instant[8] as string).toUpperCase();
    const offset = zone === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
    const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s ?? '00'}${instant[7] ?? ''}${offset}`);
    return fromUtcMs(ms, false) ?? 'invalid';
  }
  if (EPOCH.test(t)) {
    const n = Number(t);
    return fromUtcMs(t.length <= 10 ? n * 1000 : n, false) ?? 'invalid';
  }
  const slash = SLASH.exec(t);
  if (slash) {
    const [a, b, year] = [Number(slash[1]), Number(slash[2]), Number(slash[3])];
    if (a <= 12 && b <= 12 && a !== b) return 'ambiguous';
    const [month, day] = a > 12 ? [b, a] : [a, b];
    return civil(year, month, day, slash[4], slash[5], slash[6]) ?? 'invalid';
  }
  const dotted = DOTTED.exec(t);
  if (dotted) {
    return (
      civil(Number(dotted[3]), Number(dotted[2]), Number(dotted[1]), dotted[4], dotted[5], dotted[6]) ??
      'invalid'
    );
  }
  return 'invalid';
}

// `$1,199.00`, `1,199`, `€ 12.5`, `63,152,400`: grouping in threes, a point for decimals.
const MONEY = /^([$€£¥]\s?)?([+-])?(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?$/;

/**
 * A number written with a currency sign and/or comma thousands separators;
 * NaN for anything else. `1,2` and `1,23` are not thousands groups and stay NaN,
 * so a decimal comma is never misread as a thousand.
 */
export function parseFormattedNumber(text: string): number {
  const m = MONEY.exec(text.trim());
  if (!m || (m[1] === undefined && !m[3]?.includes(','))) return Number.NaN;
  const value = Number(`${m[2] ?? ''}${(m[3] as string).replaceAll(',', '')}${m[4] ?? ''}`);
  return Number.isFinite(value) ? value : Number.NaN;
}
