/**
 * Declared date formats (`DD.MM.YYYY`, `M/D/YYYY HH:mm`) compiled to one regular
 * expression each, and wall-clock times placed in a declared zone: UTC, a fixed
 * offset, or an IANA name (whose offset Intl gives for that instant).
 */

export interface DateParts {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  readonly ms: number;
}

const TOKENS: ReadonlyArray<readonly [string, string, keyof DateParts]> = [
  ['YYYY', '(\\d{4})', 'year'],
  ['MM', '(\\d{2})', 'month'],
  ['M', '(\\d{1,2})', 'month'],
  ['DD', '(\\d{2})', 'day'],
  ['D', '(\\d{1,2})', 'day'],
  ['HH', '(\\d{2})', 'hour'],
  ['H', '(\\d{1,2})', 'hour'],
  ['mm', '(\\d{2})', 'minute'],
  ['ss', '(\\d{2})', 'second'],
  ['SSS', '(\\d{3})', 'ms'],
];

/** Text matched literally inside a regular expression (with or without the `u` flag). */
export const escapeRegex = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/** A parser for one declared format; undefined when the text does not have its shape. */
export function compileDateFormat(format: string): (text: string) => DateParts | undefined {
  let source = '';
  const order: (keyof DateParts)[] = [];
  for (let i = 0; i < format.length; ) {
    const token = TOKENS.find(([t]) => format.startsWith(t, i));
    if (token) {
      source += token[1];
      order.push(token[2]);
      i += token[0].length;
    } else {
      source += escapeRegex(format[i] as string);
      i++;
    }
  }
  const shape = new RegExp(`^${source}$`);
  return (text) => {
    const m = shape.exec(text);
    if (!m) return undefined;
    const parts: Record<keyof DateParts, number> = {
      year: 0,
      month: 0,
      day: 0,
      hour: 0,
      minute: 0,
      second: 0,
      ms: 0,
    };
    order.forEach((key, i) => {
      parts[key] = Number(m[i + 1]);
    });
    return parts;
  };
}

export type Zone =
  | { readonly kind: 'offset'; readonly minutes: number }
  | { readonly kind: 'iana'; readonly format: Intl.DateTimeFormat };

export function zoneOf(zone: string): Zone {
  if (zone === 'UTC') return { kind: 'offset', minutes: 0 };
  const offset = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (offset) {
    const minutes = Number(offset[2]) * 60 + Number(offset[3]);
    return { kind: 'offset', minutes: offset[1] === '-' ? -minutes : minutes };
  }
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  });
  return { kind: 'iana', format };
}

function wallMs(parts: DateParts): number {
  const date = new Date(0);
  date.setUTCFullYear(parts.year, parts.month - 1, parts.day);
  date.setUTCHours(parts.hour, parts.minute, parts.second, parts.ms);
  return date.getTime();
}

/** The zone's offset from UTC at an instant, in ms, as Intl reports the local wall clock there. */
function ianaOffset(format: Intl.DateTimeFormat, instant: number): number {
  const local: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(instant))) {
    if (part.type !== 'literal') local[part.type] = Number(part.value);
  }
  const asUtc = wallMs({
    year: local.year as number,
    month: local.month as number,
    day: local.day as number,
    hour: local.hour as number,
    minute: local.minute as number,
    second: local.second as number,
    ms: 0,
  });
  return asUtc - (instant - (((instant % 1000) + 1000) % 1000));
}

/** The UTC instant of a wall-clock time in a zone; in a DST overlap, the earlier one. */
export function toUtcMs(parts: DateParts, zone: Zone): number {
  const wall = wallMs(parts);
  if (zone.kind === 'offset') return wall - zone.minutes * 60_000;
  // Two passes settle the offset except inside a spring-forward gap, where the later offset applies.
  const first = wall - ianaOffset(zone.format, wall);
  return wall - ianaOffset(zone.format, first);
}
