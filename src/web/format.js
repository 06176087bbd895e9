/** How numbers, times, money and durations read on the dashboard. */

const integer = new Intl.NumberFormat('en-US');
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const timeFormat = new Intl.DateTimeFormat('en-GB', {
  year: 'numeric',
  month: 'short',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

export const DASH = '—';

/** @param {unknown} n */
export function count(n) {
  return typeof n === 'number' && Number.isFinite(n) ? integer.format(n) : DASH;
}

/** @param {unknown} n */
export function number(n) {
  return typeof n === 'number' && Number.isFinite(n) ? decimal.format(n) : DASH;
}

/** @param {unknown} pct a percentage already scaled to 0..100 */
export function percent(pct) {
  return typeof pct === 'number' && Number.isFinite(pct) ? `${decimal.format(pct)}%` : DASH;
}

/** @param {unknown} iso */
export function time(iso) {
  if (typeof iso !== 'string') return DASH;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeFormat.format(date);
}

/** @param {unknown} ms */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return DASH;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${decimal.format(ms / 1000)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** LLM calls cost fractions of a cent, so small amounts keep their significant digits. */
export function cost(usd) {
  if (typeof usd !== 'number' || !Number.isFinite(usd)) return DASH;
  if (usd === 0) return '$0';
  return usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(2)}`;
}

/** @param {unknown} bytes */
export function bytes(bytes) {
  if (typeof bytes !== 'number' || !Number.isFinite(bytes)) return DASH;
  const units = ['B', 'KB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${unit === 0 ? value : decimal.format(value)} ${units[unit]}`;
}

/** The first characters of a sha256 id, enough to tell runs apart at a glance. */
export function shortId(id) {
  return typeof id === 'string' ? id.slice(0, 12) : DASH;
}
