/** Number formatting shared by anomaly explanations and the offline narrative (en-US, deterministic). */

const grouped0 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const grouped2 = new Intl.NumberFormat('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const significant4 = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4 });

/** A price: two decimals from 1 up, four significant digits below (penny stocks, crypto). */
export function formatPrice(value: number): string {
  return Math.abs(value) >= 1 || value === 0 ? grouped2.format(value) : significant4.format(value);
}

/** A count or volume, rounded, with thousands separators. */
export function formatCount(value: number): string {
  return grouped0.format(value);
}

/** A percentage with one decimal; `signed` adds + to gains. */
export function formatPct(value: number, signed = false): string {
  const text = `${Math.abs(value).toFixed(1)}%`;
  if (value < 0 && text !== '0.0%') return `-${text}`;
  return signed && value > 0 && text !== '0.0%' ? `+${text}` : text;
}

/** A multiple such as 2.3×. */
export function formatMultiple(value: number): string {
  return `${value.toFixed(1)}×`;
}

const upTo2 = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** Money with thousands separators: whole amounts stay whole, cents only when there are some. */
export function formatMoney(value: number): string {
  return upTo2.format(value);
}
