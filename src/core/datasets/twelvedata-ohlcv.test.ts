import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BAD_KINDS,
  generateTwelveData,
  twelveDataCounts,
  twelveDataSample,
  twelveDataText,
} from '../../samples/twelvedata.generator.js';
import { UnreadableFileError } from '../errors.js';
import type { RowIssue, RowReason, RowReasonCode } from '../reasons.js';
import { DEFAULT_PARSE_LIMITS, type ParseLimits, type SourceItem } from './contract.js';
import { MAX_RECORDS_BEFORE_META, twelvedataOhlcv } from './twelvedata-ohlcv.js';

async function* stream(chunks: Iterable<string> | AsyncIterable<string>): AsyncIterable<string> {
  yield* chunks;
}

async function batches(
  chunks: string | Iterable<string> | AsyncIterable<string>,
  limits: ParseLimits = DEFAULT_PARSE_LIMITS,
): Promise<SourceItem[][]> {
  const out: SourceItem[][] = [];
  for await (const batch of twelvedataOhlcv.read(
    stream(typeof chunks === 'string' ? [chunks] : chunks),
    limits,
  )) {
    out.push(batch);
  }
  return out;
}

const items = async (chunks: string | Iterable<string> | AsyncIterable<string>, limits?: ParseLimits) =>
  (await batches(chunks, limits)).flat();

async function failure(
  chunks: string | Iterable<string>,
  limits?: ParseLimits,
): Promise<UnreadableFileError> {
  try {
    await items(chunks, limits);
  } catch (error) {
    if (error instanceof UnreadableFileError) return error;
    throw error;
  }
  throw new Error('expected an UnreadableFileError');
}

/** Validates the records and counts every outcome by reason, as the stage would. */
function outcome(all: readonly SourceItem[]) {
  const validator = twelvedataOhlcv.createValidator();
  const reasons: Partial<Record<RowReasonCode, number>> = {};
  let valid = 0;
  let rejected = 0;
  for (const item of all) {
    let issues: readonly RowIssue[];
    if (item.kind === 'rejected') {
      issues = item.issues;
    } else {
      const result = validator.validate(item);
      if (result.ok) {
        valid++;
        continue;
      }
      issues = result.issues;
    }
    rejected++;
    for (const code of new Set(issues.map((i) => i.code))) reasons[code] = (reasons[code] ?? 0) + 1;
  }
  return { valid, rejected, reasons };
}

const bar = (datetime: string, extra: Record<string, unknown> = {}) => ({
  datetime,
  open: '10.00000',
  high: '11.00000',
  low: '9.50000',
  close: '10.50000',
  volume: '1200',
  ...extra,
});

/** What a record of a bar() with nothing extra carries besides raw: its members as cells. */
const cellsOf = (raw: ReturnType<typeof bar>) => ({
  cells: [raw.datetime, raw.open, raw.high, raw.low, raw.close, raw.volume],
  columns: new Map(['datetime', 'open', 'high', 'low', 'close', 'volume'].map((name, at) => [name, at])),
});

const meta = (symbol: string) => ({
  symbol,
  interval: '1day',
  currency: 'USD',
  exchange_timezone: 'America/New_York',
  exchange: 'NASDAQ',
  mic_code: 'XNGS',
  type: 'Common Stock',
});

const series = (symbol: string, values: unknown[]) => ({ meta: meta(symbol), values, status: 'ok' });
const notFound = (symbol: string) => ({
  code: 400,
  message: `**symbol** not found: ${symbol}. Please specify it correctly according to API Documentation.`,
  status: 'error',
});

const MANY = JSON.stringify({
  AAPL: series('AAPL', [bar('2024-01-03'), bar('2024-01-02')]),
  NOPE: notFound('NOPE'),
  MSFT: series('MSFT', [bar('2024-01-03', { close: 'abc' })]),
});

describe('twelvedata-ohlcv', () => {
  it('reads a single-symbol response with the symbol as group, the interval as context and running indexes', async () => {
    const all = await items(JSON.stringify(series('AAPL', [bar('2024-01-03'), bar('2024-01-02')])));
    expect(all).toEqual([
      {
        kind: 'record',
        index: 1,
        raw: bar('2024-01-03'),
        ...cellsOf(bar('2024-01-03')),
        group: 'AAPL',
        context: { interval: '1day' },
      },
      {
        kind: 'record',
        index: 2,
        raw: bar('2024-01-02'),
        ...cellsOf(bar('2024-01-02')),
        group: 'AAPL',
        context: { interval: '1day' },
      },
    ]);
    const row = twelvedataOhlcv.createValidator().validate(all[0] as never);
    expect(row).toEqual({
      ok: true,
      row: {
        symbol: 'AAPL',
        datetime: '2024-01-03',
        open: 10,
        high: 11,
        low: 9.5,
        close: 10.5,
        volume: 1200,
        interval: '1day',
      },
    });
  });

  it('reads a many-symbol response and rejects its error block with the code and message while the others go on', async () => {
    const all = await items(MANY);
    expect(all.map((i) => [i.kind, i.index, i.group])).toEqual([
      ['record', 1, 'AAPL'],
      ['record', 2, 'AAPL'],
      ['rejected', 3, 'NOPE'],
      ['record', 4, 'MSFT'],
    ]);
    expect(all[2]).toEqual({
      kind: 'rejected',
      index: 3,
      raw: notFound('NOPE'),
      group: 'NOPE',
      issues: [
        {
          code: 'source_error',
          message:
            'Twelve Data error 400: **symbol** not found: NOPE. Please specify it correctly according to API Documentation.',
        },
      ],
    });
    expect(outcome(all)).toEqual({ valid: 2, rejected: 2, reasons: { source_error: 1, not_a_number: 1 } });
  });

  it('reads a batch response with request ids as the groups of error blocks', async () => {
    const text = JSON.stringify({
      code: 200,
      status: 'ok',
      data: {
        req_1: series('AAPL', [bar('2024-01-03')]),
        req_2: notFound('NOPE'),
        req_3: series('MSFT', [bar('2024-01-03')]),
      },
    });
    const all = await items(text);
    expect(all.map((i) => [i.kind, i.group])).toEqual([
      ['record', 'AAPL'],
      ['rejected', 'req_2'],
      ['record', 'MSFT'],
    ]);
  });

  it('reads the /batch endpoint whose items wrap each result in response', async () => {
    const text = JSON.stringify({
      code: 200,
      status: 'success',
      data: {
        req_1: { response: series('AAPL', [bar('2024-01-03'), bar('2024-01-02')]), status: 'success' },
        req_2: { response: notFound('NOPE'), status: 'error' },
      },
    });
    const all = await items(text);
    expect(all.map((i) => [i.kind, i.group])).toEqual([
      ['record', 'AAPL'],
      ['record', 'AAPL'],
      ['rejected', 'req_2'],
    ]);
  });

  it('rejects a top-level error response as one source_error', async () => {
    const all = await items(JSON.stringify({ code: 401, message: 'Invalid API key', status: 'error' }));
    expect(all).toEqual([
      {
        kind: 'rejected',
        index: 1,
        raw: { code: 401, message: 'Invalid API key', status: 'error' },
        group: undefined,
        issues: [{ code: 'source_error', message: 'Twelve Data error 401: Invalid API key' }],
      },
    ]);
  });

  it('only yields rejects when every block failed', async () => {
    const all = await items(JSON.stringify({ A: notFound('A'), B: notFound('B') }));
    expect(all.map((i) => [i.kind, i.group])).toEqual([
      ['rejected', 'A'],
      ['rejected', 'B'],
    ]);
  });

  it('rejects the values of an error block as source_error when its status comes first', async () => {
    const text = JSON.stringify({
      X: { status: 'error', code: 500, message: 'boom', values: [bar('2024-01-03')] },
    });
    const all = await items(text);
    expect(all.map((i) => [i.kind, i.kind === 'rejected' ? i.issues[0]?.message : ''])).toEqual([
      ['rejected', 'Twelve Data error 500: boom'],
      ['rejected', 'Twelve Data error 500: boom'],
    ]);
    expect(all[1]?.raw).toEqual({ status: 'error', code: 500, message: 'boom' });
  });

  it('passes the values of an error block on as records when its status comes after them', async () => {
    const text = JSON.stringify({ X: { meta: meta('X'), values: [bar('2024-01-03')], status: 'error' } });
    const all = await items(text);
    expect(all.map((i) => i.kind)).toEqual(['record', 'rejected']);
  });

  it('holds values that come before meta and gives them the symbol and interval once meta arrives', async () => {
    const text = JSON.stringify({
      values: [bar('2024-01-03'), bar('2024-01-02')],
      status: 'ok',
      meta: meta('IBM'),
    });
    const all = await items(text);
    expect(all.map((i) => [i.index, i.group, i.kind === 'record' ? i.context : undefined])).toEqual([
      [1, 'IBM', { interval: '1day' }],
      [2, 'IBM', { interval: '1day' }],
    ]);
  });

  it('names a /time_series/cross block by its two legs, as its meta has no symbol', async () => {
    const cross = {
      meta: {
        base_instrument: 'JPY/USD',
        base_currency: '',
        base_exchange: 'PHYSICAL CURRENCY',
        interval: '1day',
        quote_instrument: 'BTC/USD',
        quote_currency: '',
        quote_exchange: 'Coinbase Pro',
      },
      values: [bar('2024-01-03', { volume: undefined })],
    };
    const all = await items(JSON.stringify(cross));
    expect(all.map((i) => i.group)).toEqual(['JPY/BTC']);
  });

  it('falls back to the block key as the group when a many-symbol block has no meta', async () => {
    const all = await items(JSON.stringify({ KO: { values: [bar('2024-01-03')], status: 'ok' } }));
    expect(all).toEqual([
      {
        kind: 'record',
        index: 1,
        raw: bar('2024-01-03'),
        ...cellsOf(bar('2024-01-03')),
        group: 'KO',
        context: undefined,
      },
    ]);
  });

  it('fails the file when more values than the bound come before meta', async () => {
    const values = `[${Array.from({ length: MAX_RECORDS_BEFORE_META + 1 }, () => '{}').join(',')}]`;
    const error = await failure(`{"values":${values},"meta":{"symbol":"A"}}`);
    expect(error.reason).toBe('values_before_meta');
    expect(error.message).toContain(`more than ${MAX_RECORDS_BEFORE_META} values come before "meta"`);
  });

  it('rejects a values element that is not an object as malformed_row', async () => {
    const all = await items(JSON.stringify(series('A', [bar('2024-01-03'), 42, null, ['x'], 'bar'])));
    expect(all.map((i) => (i.kind === 'rejected' ? i.issues[0]?.code : i.kind))).toEqual([
      'record',
      'malformed_row',
      'malformed_row',
      'malformed_row',
      'malformed_row',
    ]);
    expect(all.map((i) => i.raw)).toEqual([bar('2024-01-03'), 42, null, ['x'], 'bar']);
  });

  it('rejects values that is not an array as malformed_row', async () => {
    const all = await items(JSON.stringify({ meta: meta('A'), values: { datetime: '2024-01-03' } }));
    expect(all).toMatchObject([{ kind: 'rejected', group: 'A', issues: [{ code: 'malformed_row' }] }]);
  });

  it('rejects an element over the size limit as row_too_large with its start as raw, and goes on', async () => {
    const big = bar('2024-01-04', { note: 'x'.repeat(5_000) });
    const text = JSON.stringify(series('A', [bar('2024-01-05'), big, bar('2024-01-03')]));
    const limits = { maxDepth: 64, maxRecordChars: 1_000 };
    for (const chunks of [[text], text.match(/.{1,100}/g) as string[]]) {
      const all = await items(chunks, limits);
      expect(all.map((i) => i.kind)).toEqual(['record', 'rejected', 'record']);
      expect(all[1]).toMatchObject({ raw: JSON.stringify(big).slice(0, 200), group: 'A' });
      expect(all[1]?.kind === 'rejected' && all[1].issues[0]?.code).toBe('row_too_large');
    }
  });

  it('gives the same items at every split point of a document in two chunks', async () => {
    const text = JSON.stringify({
      AAPL: series('AAPL', [bar('2024-01-03', { note: 'say \\"hi\\" {[}]' }), 7]),
      NOPE: notFound('NOPE'),
      MSFT: { values: [bar('2024-01-02')], meta: meta('MSFT'), status: 'ok' },
    });
    const expected = await items(text);
    expect(expected).toHaveLength(4);
    for (let i = 0; i <= text.length; i++) {
      expect(await items([text.slice(0, i), text.slice(i)])).toEqual(expected);
    }
  });

  it('reads escaped quotes and braces inside values, one character per chunk', async () => {
    const tricky = bar('2024-01-03', { note: 'a "quoted" } ] { [ \\ \u00e9 \ud83d\ude00 \n', 'k"}': '\\"' });
    const text = JSON.stringify(series('A', [tricky, bar('2024-01-02')]));
    const all = await items(text.split(''));
    expect(all.map((i) => i.raw)).toEqual([tricky, bar('2024-01-02')]);
  });

  it('rejects a bar with __proto__ or constructor members as reserved_key, touching no prototype', async () => {
    const text =
      '{"meta":{"symbol":"A","__proto__":{"interval":"evil"}},"values":[' +
      '{"datetime":"2024-01-03","open":"1","high":"2","low":"1","close":"1","volume":"5","__proto__":{"x":1},"constructor":"c"},' +
      '{"datetime":"2024-01-02","open":"1","high":"2","low":"1","close":"1","volume":"5"}]}';
    const [rejected, record] = await items(text);
    const raw = rejected?.raw as Record<string, unknown>;
    expect(Object.getPrototypeOf(raw)).toBe(Object.prototype);
    expect(Object.hasOwn(raw, '__proto__')).toBe(true);
    expect(raw.constructor).toBe('c');
    expect(record?.kind === 'record' && record.context).toBeUndefined();
    expect(outcome([rejected, record] as SourceItem[])).toEqual({
      valid: 1,
      rejected: 1,
      reasons: { reserved_key: 1 },
    });
  });

  it('rejects a bar that names a member twice as duplicate_key, with its source text as raw', async () => {
    const dup =
      '{"datetime":"2024-01-03","open":"x","high":"2","low":"1","close":"1","volume":"5","open":"1"}';
    const [item] = await items(`{"meta":{"symbol":"A"},"values":[${dup}]}`);
    expect(item).toMatchObject({ kind: 'rejected', raw: dup, issues: [{ code: 'duplicate_key' }] });
  });

  it('leaves NaN, Infinity and 1e309 to the validator, which rejects them as not_a_number', async () => {
    const text =
      '{"meta":{"symbol":"A"},"values":[' +
      '{"datetime":"2024-01-05","open":"NaN","high":"2","low":"1","close":"1","volume":"5"},' +
      '{"datetime":"2024-01-04","open":"1","high":"Infinity","low":"1","close":"1","volume":"5"},' +
      '{"datetime":"2024-01-03","open":1,"high":1e309,"low":1,"close":1,"volume":5}]}';
    expect(outcome(await items(text))).toEqual({ valid: 0, rejected: 3, reasons: { not_a_number: 3 } });
  });

  it('refuses bare NaN and Infinity tokens as malformed JSON', async () => {
    expect((await failure('{"meta":{"symbol":"A"},"values":[{"open":NaN}]}')).reason).toBe('malformed_json');
    expect((await failure('{"values":[{"open":-Infinity}]}')).reason).toBe('malformed_json');
  });

  it.each([
    ['an array at the root', '[{"datetime":"2024-01-03"}]', 'not an object'],
    ['a scalar at the root', '"hello"', 'not an object'],
    [
      'an object without a block',
      '{"name":"x","rows":[1,2],"nested":{"a":1}}',
      'no Twelve Data time_series block',
    ],
    ['an ok status alone', '{"status":"ok"}', 'no Twelve Data time_series block'],
  ])('refuses %s as unknown_dataset', async (_, text, words) => {
    const error = await failure(text);
    expect(error.reason).toBe('unknown_dataset');
    expect(error.message).toContain(words);
  });

  it.each([
    ['malformed', '{"meta":{"symbol":"A"},"values":[{"open":"1",}]}', 'malformed_json'],
    ['truncated', '{"meta":{"symbol":"A"},"values":[{"open":"1"}', 'truncated_json'],
    ['followed by garbage', '{"meta":{"symbol":"A"},"values":[]} x', 'malformed_json'],
    ['100,000 levels deep', `{"values":[${'['.repeat(100_000)}`, 'nesting_too_deep'],
  ])('fails a file whose JSON is %s', async (_, text, reason) => {
    expect((await failure(text.match(/.{1,1000}/g) as string[])).reason).toBe(reason);
  });

  it('yields batches of items, not one item at a time', async () => {
    const options = { symbols: 4, valuesPerSymbol: 5_000, badRatio: 0, seed: 3 };
    const all = await batches(generateTwelveData(options));
    expect(all.flat()).toHaveLength(20_000);
    expect(all.length).toBeLessThan(60);
  });

  it.each(['multi', 'single', 'batch'] as const)(
    'finds exactly the bad rows the generator made, by reason, in the %s shape',
    async (shape) => {
      const options = {
        symbols: shape === 'single' ? 1 : 5,
        valuesPerSymbol: 2_000,
        badRatio: 0.1,
        seed: 11,
        shape,
        errorBlocks: shape === 'single' ? 0 : 2,
      };
      const counts = twelveDataCounts(options);
      const all = await items(generateTwelveData(options));
      expect(all).toHaveLength(counts.items);
      const { valid, reasons } = outcome(all);
      expect(valid).toBe(counts.valid);
      const expected: Partial<Record<RowReason, number>> = {};
      for (const kind of BAD_KINDS) if (counts.bad[kind] > 0) expected[kind] = counts.bad[kind];
      if (counts.errorBlocks > 0) expected.source_error = counts.errorBlocks;
      expect(reasons).toEqual(expected);
      for (const kind of BAD_KINDS) expect(counts.bad[kind]).toBeGreaterThan(0);
    },
  );

  it('reads intraday bars with their time of day', async () => {
    const options = { symbols: 2, valuesPerSymbol: 500, badRatio: 0.05, seed: 5, interval: '1min' as const };
    const all = await items(twelveDataText(options));
    expect(outcome(all).valid).toBe(twelveDataCounts(options).valid);
    expect(all[0]?.raw).toMatchObject({ datetime: '2024-12-31 15:59:00' });
  });

  it('generates the same text for the same seed, with weekday dates newest first', async () => {
    const options = { symbols: 2, valuesPerSymbol: 30, badRatio: 0, seed: 9 };
    expect(twelveDataText(options)).toBe(twelveDataText(options));
    expect(twelveDataText(options)).not.toBe(twelveDataText({ ...options, seed: 10 }));
    const dates = (await items(twelveDataText(options))).map((i) => (i.raw as { datetime: string }).datetime);
    expect(dates.slice(0, 3)).toEqual(['2024-12-31', '2024-12-30', '2024-12-27']);
    for (const date of dates) expect([0, 6]).not.toContain(new Date(date).getUTCDay());
  });

  it('reads the demo sample: 3 symbols of 60 bars and one error block', async () => {
    const all = await items(twelveDataSample());
    expect(all).toHaveLength(181);
    const { valid, reasons } = outcome(all);
    expect(reasons.source_error).toBe(1);
    expect(valid).toBeGreaterThan(160);
  });

  it('either yields items or throws UnreadableFileError for any JSON, split into any chunks', async () => {
    const blockish = fc.record(
      { meta: fc.jsonValue(), values: fc.jsonValue(), status: fc.jsonValue() },
      { requiredKeys: [] },
    );
    const doc = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.oneof(blockish, fc.jsonValue())),
      blockish,
    );
    await fc.assert(
      fc.asyncProperty(
        doc,
        fc.array(fc.nat(), { maxLength: 4 }),
        fc.boolean(),
        async (value, cuts, damage) => {
          const json = JSON.stringify(value) ?? 'null';
          const text = damage ? json.slice(0, (cuts[0] ?? 0) % (json.length + 1)) : json;
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((p, k) => text.slice(p, [...points, text.length][k]));
          try {
            for (const item of await items(chunks)) expect(['record', 'rejected']).toContain(item.kind);
          } catch (error) {
            expect(error).toBeInstanceOf(UnreadableFileError);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('counts the same items and outcomes as there are elements and error blocks, for any records', async () => {
    const cell = fc.oneof(
      fc.constantFrom('10.5', '0', '-1', 'NaN', '1e309', '', ' 12 ', '2024-02-30', '2024-01-03'),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const record = fc.oneof(
      fc.record(
        {
          datetime: fc.constantFrom('2024-01-03', '2024-01-04 10:00:00', '2024-02-30', '03/01/2024', ''),
          open: cell,
          high: cell,
          low: cell,
          close: cell,
          volume: cell,
        },
        { requiredKeys: [] },
      ),
      fc.jsonValue({ maxDepth: 2 }),
    );
    const block = fc.record({
      symbol: fc.constantFrom('AAPL', 'MSFT', 'KO'),
      values: fc.array(record, { maxLength: 8 }),
      failed: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(
        fc.array(block, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 4 }),
        async (blocks, cuts) => {
          const doc = Object.fromEntries(
            blocks.map((b, n) => [
              `${b.symbol}${n}`,
              b.failed ? notFound(b.symbol) : series(b.symbol, b.values),
            ]),
          );
          const elements = blocks.reduce((sum, b) => sum + (b.failed ? 1 : b.values.length), 0);
          const text = JSON.stringify(doc);
          const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((p, k) => text.slice(p, [...points, text.length][k]));
          if (blocks.length === 0) {
            expect((await failure(chunks)).reason).toBe('unknown_dataset');
            return;
          }
          const all = await items(chunks);
          expect(all).toHaveLength(elements);
          expect(all.map((i) => i.index)).toEqual(all.map((_, k) => k + 1));
          const { valid, rejected } = outcome(all);
          expect(valid + rejected).toBe(elements);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('validates and serializes a bar read with cells as it would the same bar read from its members', async () => {
    const cell = fc.oneof(
      fc.constantFrom('10.5', '0', '-1', '007.50', 'NaN', '1e309', '', ' 12 ', '2024-02-30', '2024-01-03'),
      fc.stringMatching(/^-?\d{1,6}(\.\d{0,6})?$/),
      fc.jsonValue({ maxDepth: 1 }),
    );
    const member = fc.constantFrom('datetime', 'open', 'high', 'low', 'close', 'volume', 'symbol');
    const record = fc.oneof(
      fc.record({
        datetime: fc.constantFrom('2024-01-03', '2024-01-04 10:00:00', '2024-02-30', '2024-01-03'),
        open: cell,
        high: cell,
        low: cell,
        close: cell,
        volume: cell,
      }),
      fc.dictionary(member, cell),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { maxLength: 12 }),
        fc.option(fc.constant('AAPL'), { nil: undefined }),
        fc.nat(),
        async (values, symbol, cut) => {
          const doc = symbol === undefined ? { values } : { meta: meta(symbol), values };
          const text = JSON.stringify(doc);
          const at = cut % (text.length + 1);
          const records = (await items([text.slice(0, at), text.slice(at)])).filter(
            (item) => item.kind === 'record',
          );
          const withCells = twelvedataOhlcv.createValidator();
          const withoutCells = twelvedataOhlcv.createValidator();
          for (const item of records) {
            const plain = { ...item, cells: undefined, columns: undefined };
            const a = withCells.validate(item);
            expect(a).toEqual(withoutCells.validate(plain));
            if (a.ok) {
              expect(twelvedataOhlcv.serialize?.(a.row, item)).toBe(
                twelvedataOhlcv.serialize?.(a.row, plain),
              );
            }
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('recognizes a JSON object by its first character', () => {
    expect(twelvedataOhlcv.sniff(' \n\t{"meta":')).toBe(true);
    expect(twelvedataOhlcv.sniff('[{"a":1}]')).toBe(false);
    expect(twelvedataOhlcv.sniff('symbol,datetime,open')).toBe(false);
    expect(twelvedataOhlcv.sniff('')).toBe(false);
  });

  it('groups rows by symbol and states a rule for every reason it gives', () => {
    expect(twelvedataOhlcv.groupField).toBe('symbol');
    const rules = twelvedataOhlcv.rules.join('\n');
    for (const code of [
      'missing_field',
      'not_a_number',
      'duplicate_row',
      'source_error',
      'malformed_row',
      'row_too_large',
    ]) {
      expect(rules).toContain(code);
    }
  });
});
