/**
 * The symbol a one-symbol market file is named after: `AAPL.csv` (Yahoo Finance),
 * `daily_IBM.csv` (Alpha Vantage's download name), `aapl_us_d.csv` / `aapl.us.csv`
 * (stooq), `EURUSD.csv`. The CLI may have added a content hash when another file of
 * that name was already staged (`AAPL.5f3c1a2b3c4d.csv`); it is not part of the name.
 */
const TICKER = /^[A-Za-z0-9^][A-Za-z0-9.^=\-/]{0,19}$/;
const HASH_SUFFIX = /\.(?:[0-9a-f]{12}|[0-9a-f]{64})$/;
const ALPHA_VANTAGE = /^(?:daily|weekly|monthly|intraday_\d+min)(?:_adjusted)?_(.+)$/i;
const STOOQ = /^([a-z0-9^-]+)[._](us|uk|de|jp|hk|hu|pl|f|v)(?:_[dwmqy])?$/i;

export function symbolFromKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const base = key.slice(key.lastIndexOf('/') + 1).replace(/\.gz$/i, '');
  const dot = base.lastIndexOf('.');
  let stem = (dot > 0 ? base.slice(0, dot) : base).replace(HASH_SUFFIX, '');
  stem = ALPHA_VANTAGE.exec(stem)?.[1] ?? STOOQ.exec(stem)?.[1] ?? stem;
  return TICKER.test(stem) ? stem.toUpperCase() : undefined;
}
