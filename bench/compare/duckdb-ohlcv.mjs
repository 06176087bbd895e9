/**
 * Benchmark worker (`npm run bench -- --compare`): an ohlcv CSV through DuckDB
 * with the checks of sluice's ohlcv-csv contract (symbol present; datetime a real
 * YYYY-MM-DD or YYYY-MM-DD HH:MM:SS; prices and volume numeric, finite, >= 0;
 * low <= open, close <= high; the first clean (symbol, datetime) wins), valid rows
 * to processed.jsonl and the rest with their reasons to rejects.jsonl, in file order.
 */
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

const [file, outDir] = process.argv.slice(2);
const sql = (text) => `'${text.replaceAll("'", "''")}'`;
const started = performance.now();
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
await c.run(`
  CREATE TABLE checked AS
  SELECT line, raw.*,
    nullif(trim(symbol), '') AS sym,
    coalesce(try_strptime(datetime, '%Y-%m-%d %H:%M:%S'), try_strptime(datetime, '%Y-%m-%d')) AS ts,
    try_cast(open AS DOUBLE) AS o, try_cast(high AS DOUBLE) AS h, try_cast(low AS DOUBLE) AS l,
    try_cast(close AS DOUBLE) AS cl, try_cast(volume AS DOUBLE) AS v
  FROM (
    SELECT row_number() OVER () AS line, *
    FROM read_csv(${sql(file)}, header = true, all_varchar = true)
  ) AS raw`);
await c.run(`
  CREATE TABLE judged AS
  SELECT *, list_filter([
      CASE WHEN sym IS NULL THEN 'missing_symbol' END,
      CASE WHEN ts IS NULL THEN 'invalid_datetime' END,
      CASE WHEN NOT (isfinite(o) AND o >= 0) OR o IS NULL THEN 'invalid_open' END,
      CASE WHEN NOT (isfinite(h) AND h >= 0) OR h IS NULL THEN 'invalid_high' END,
      CASE WHEN NOT (isfinite(l) AND l >= 0) OR l IS NULL THEN 'invalid_low' END,
      CASE WHEN NOT (isfinite(cl) AND cl >= 0) OR cl IS NULL THEN 'invalid_close' END,
      CASE WHEN NOT (isfinite(v) AND v >= 0) OR v IS NULL THEN 'invalid_volume' END,
      CASE WHEN l > o OR l > cl OR o > h OR cl > h THEN 'ohlc_inconsistent' END
    ], x -> x IS NOT NULL) AS reasons
  FROM checked`);
await c.run(`
  CREATE TABLE final AS
  SELECT *, CASE
      WHEN len(reasons) > 0 THEN reasons
      WHEN row_number() OVER (PARTITION BY len(reasons) = 0, sym, ts ORDER BY line) > 1 THEN ['duplicate_row']
      ELSE [] END AS why
  FROM judged`);
await c.run(`COPY (
    SELECT sym AS symbol, strftime(ts, '%Y-%m-%d') AS datetime, o AS open, h AS high, l AS low, cl AS close, v AS volume
    FROM final WHERE len(why) = 0 ORDER BY line
  ) TO ${sql(path.join(outDir, 'processed.jsonl'))} (FORMAT json)`);
await c.run(`COPY (
    SELECT line, why AS reasons, symbol, datetime, open, high, low, close, volume
    FROM final WHERE len(why) > 0 ORDER BY line
  ) TO ${sql(path.join(outDir, 'rejects.jsonl'))} (FORMAT json)`);
const counts = (
  await c.runAndReadAll('SELECT count(*)::INTEGER, count_if(len(why) = 0)::INTEGER FROM final')
).getRows()[0];
const [records, valid] = counts;
process.stdout.write(
  `${JSON.stringify({ records, valid, rejected: records - valid, ms: performance.now() - started, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
