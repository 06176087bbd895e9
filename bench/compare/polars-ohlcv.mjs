/**
 * By hand, not in `npm run bench` (its native package declares node >= 22; see
 * docs/architecture.md, "Benchmarks and other engines"): an ohlcv CSV through
 * polars with the checks of duckdb-ohlcv.mjs, valid rows to processed.jsonl and
 * the rest with their reasons to rejects.jsonl, in file order. One lazy query, so
 * polars plans the whole pass and runs it on every core.
 */
import path from 'node:path';
import pl from 'nodejs-polars';

const [file, outDir] = process.argv.slice(2);
const started = performance.now();
const number = (name) => pl.col(name).cast(pl.Float64, false);
const instant = (format) => pl.col('datetime').str.strptime(pl.Datetime('ms'), format, false);
const unusable = (name) => pl.col(name).isNull().or(pl.col(name).isFinite().not()).or(pl.col(name).lt(0));
// Each check is a named column of its code or null; polars refuses two unnamed literals in one list.
const check = (failed, code) => pl.when(failed).then(pl.lit(code)).otherwise(pl.lit(null)).alias(code);
const ok = pl.col('ok');

const judged = pl
  .scanCSV(file, { inferSchemaLength: 0 })
  .withRowIndex('line')
  .withColumns(
    pl.col('symbol').str.strip().alias('sym'),
    instant('%Y-%m-%d %H:%M:%S').fillNull(instant('%Y-%m-%d')).alias('ts'),
    number('open').alias('o'),
    number('high').alias('h'),
    number('low').alias('l'),
    number('close').alias('cl'),
    number('volume').alias('v'),
  )
  .withColumns(
    pl
      .concatList([
        check(
          pl
            .col('sym')
            .isNull()
            .or(pl.col('sym').eq(pl.lit(''))),
          'missing_symbol',
        ),
        check(pl.col('ts').isNull(), 'invalid_datetime'),
        check(unusable('o'), 'invalid_open'),
        check(unusable('h'), 'invalid_high'),
        check(unusable('l'), 'invalid_low'),
        check(unusable('cl'), 'invalid_close'),
        check(unusable('v'), 'invalid_volume'),
        check(
          pl
            .col('l')
            .gt(pl.col('o'))
            .or(pl.col('l').gt(pl.col('cl')))
            .or(pl.col('o').gt(pl.col('h')))
            .or(pl.col('cl').gt(pl.col('h'))),
          'ohlc_inconsistent',
        ),
      ])
      .lst.eval(pl.element().dropNulls())
      .alias('reasons'),
  )
  .withColumns(pl.col('reasons').lst.lengths().eq(pl.lit(0)).alias('ok'))
  .withColumns(
    pl
      .when(
        ok.and(
          pl
            .struct([pl.col('sym'), pl.col('ts')])
            .isFirstDistinct()
            .over(ok)
            .not(),
        ),
      )
      .then(pl.lit('duplicate_row'))
      .otherwise(pl.lit(null))
      .alias('duplicate'),
  )
  .collectSync();

const valid = judged.filter(ok.and(pl.col('duplicate').isNull()));
valid
  .select(
    pl.col('sym').alias('symbol'),
    pl.col('ts').dt.strftime('%Y-%m-%d').alias('datetime'),
    pl.col('o').alias('open'),
    pl.col('h').alias('high'),
    pl.col('l').alias('low'),
    pl.col('cl').alias('close'),
    pl.col('v').alias('volume'),
  )
  .writeJSON(path.join(outDir, 'processed.jsonl'), { format: 'lines' });
const rejected = judged.filter(ok.not().or(pl.col('duplicate').isNotNull()));
rejected
  .select(
    'line',
    pl
      .when(ok)
      .then(pl.concatList([pl.col('duplicate')]))
      .otherwise(pl.col('reasons'))
      .alias('reasons'),
    'symbol',
    'datetime',
    'open',
    'high',
    'low',
    'close',
    'volume',
  )
  .writeJSON(path.join(outDir, 'rejects.jsonl'), { format: 'lines' });
process.stdout.write(
  `${JSON.stringify({ records: judged.height, valid: valid.height, rejected: rejected.height, ms: performance.now() - started, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
);
