/**
 * CSV output (RFC 4180) that is safe to open in a spreadsheet. A cell that starts
 * like a formula (`=`, `+`, `-`, `@`, tab, CR) gets a leading `'` as OWASP advises,
 * so `=HYPERLINK(...)` from an input file shows as text instead of running; plain
 * numbers such as `-3.5` are left as they are.
 */

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const NEEDS_QUOTES = /[",\r\n]/;

/** `text` as a spreadsheet will show it as text, never evaluate it. */
export function neutralizeFormula(text: string): string {
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One field: text neutralized and quoted when needed; objects as JSON; null and undefined empty. */
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  const text = neutralizeFormula(typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));
  return NEEDS_QUOTES.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One record, CRLF-terminated as RFC 4180 says. */
export function csvRecord(values: readonly unknown[]): string {
  return `${values.map(csvField).join(',')}\r\n`;
}
