/**
 * Hostile JSON through the whole ingest stage (issue 9, item 5): broken syntax,
 * deep nesting, numbers JSON cannot hold, prototype keys and repeated keys. Each
 * ends in a manifest with a clear reason, and nothing escapes the stage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  barJson,
  deepArrays,
  deepObjects,
  hugeFieldJson,
  measureMemory,
  reportFigure,
  seriesJson,
} from './fixtures.js';
import { type Harness, rejectCodes, startHarness } from './harness.js';

const MB_BOUND = 200;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.cleanup());

describe('a JSON file that cannot be read is refused whole with its reason', () => {
  it.each([
    ['a trailing comma', `{"meta":{"symbol":"A"},"values":[${barJson('2024-01-02')},]}`, 'malformed_json'],
    [
      'a bare NaN',
      '{"meta":{"symbol":"A"},"values":[{"datetime":"2024-01-02","open":NaN}]}',
      'malformed_json',
    ],
    ['single quotes', "{'meta':{'symbol':'A'}}", 'malformed_json'],
    [
      'an unescaped control character after the first 4 KiB',
      `{"meta":{"symbol":"A"},"values":[${' '.repeat(5000)}"\u0001"]}`,
      'malformed_json',
    ],
    ['a second root value', `${seriesJson('A', [barJson('2024-01-02')])} {}`, 'malformed_json'],
    [
      'a cut in the middle of a bar',
      `{"meta":{"symbol":"A"},"values":[{"datetime":"2024-01-02","op`,
      'truncated_json',
    ],
    ['a cut inside a string', '{"meta":{"symbol":"A', 'truncated_json'],
    ['a lone opening brace', '{', 'truncated_json'],
  ])('%s: %s', async (_what, body, code) => {
    const { manifest } = await harness.ingest(body);
    expect(manifest).toMatchObject({ status: 'rejected', reason: { code }, outputs: {} });
    expect(manifest.reason?.message).toMatch(/line \d+, column \d+/);
  });
});

it('reads a control character in the first 4 KiB as a binary file: unsupported_format', async () => {
  const { manifest } = await harness.ingest('{"meta":{"symbol":"A\u0001"},"values":[]}');
  expect(manifest).toMatchObject({ status: 'rejected', reason: { code: 'unsupported_format' } });
});

describe('JSON nested 100,000 levels deep', () => {
  const LEVELS = 100_000;

  it.each([
    ['objects at the top level', () => deepObjects(LEVELS), 'nesting_too_deep'],
    // A top-level array is no Twelve Data response: refused before its nesting is read.
    ['arrays at the top level', () => deepArrays(LEVELS), 'unknown_dataset'],
    [
      'arrays as one element of values',
      () => seriesJson('A', [deepArrays(LEVELS), barJson('2024-01-02')]),
      'nesting_too_deep',
    ],
    [
      'objects inside meta',
      () => `{"meta":${deepObjects(LEVELS)},"values":[${barJson('2024-01-02')}]}`,
      'nesting_too_deep',
    ],
  ])('refuses %s without a stack overflow', async (what, body, code) => {
    const { result, ...figure } = await measureMemory(() => harness.ingest(body()));
    expect(result.manifest).toMatchObject({ status: 'rejected', reason: { code } });
    expect(figure.rssGrowthMb).toBeLessThan(MB_BOUND);
    reportFigure(`deep JSON, ${what}`, { levels: LEVELS, reason: code, ...figure });
  });
});

describe('numbers JSON or a spreadsheet can spell but a price cannot be', () => {
  it('rejects NaN, Infinity, 1e309 and thousands separators as not_a_number, row by row', async () => {
    const values = [
      '{"datetime":"2024-01-06","open":"NaN","high":"11","low":"9","close":"10","volume":"1"}',
      '{"datetime":"2024-01-05","open":"10","high":"Infinity","low":"9","close":"10","volume":"1"}',
      '{"datetime":"2024-01-04","open":10,"high":1e309,"low":9,"close":10,"volume":1}',
      '{"datetime":"2024-01-03","open":"1,234.5","high":"11","low":"9","close":"10","volume":"1"}',
      '{"datetime":"2024-01-02","open":"-Infinity","high":"0x1A","low":"9","close":"10","volume":"1e400"}',
      barJson('2024-01-01'),
    ];
    const ingested = await harness.ingest(seriesJson('A', values));
    expect(rejectCodes(ingested)).toEqual([
      ['not_a_number'],
      ['not_a_number'],
      ['not_a_number'],
      ['not_a_number'],
      ['not_a_number', 'not_a_number', 'not_a_number'],
    ]);
    expect(ingested.manifest.counts).toMatchObject({ total: 6, valid: 1, reasons: { not_a_number: 5 } });
  });

  it('rejects a date that does not exist (2024-02-30) as invalid_date', async () => {
    const ingested = await harness.ingest(seriesJson('A', [barJson('2024-02-30'), barJson('2024-02-29')]));
    expect(rejectCodes(ingested)).toEqual([['invalid_date']]);
    expect(ingested.processed.map((row) => row.datetime)).toEqual(['2024-02-29']);
  });
});

describe('member names that attack the parser or the prototype chain', () => {
  it('rejects bars with __proto__, constructor or prototype members as reserved_key and pollutes nothing', async () => {
    const ingested = await harness.ingest(
      seriesJson('A', [
        barJson('2024-01-04', ',"__proto__":{"polluted":"yes"}'),
        barJson('2024-01-03', ',"constructor":{"prototype":{"polluted":"yes"}}'),
        barJson('2024-01-02', ',"prototype":{"polluted":"yes"}'),
        barJson('2024-01-01'),
      ]),
    );
    expect(rejectCodes(ingested)).toEqual([['reserved_key'], ['reserved_key'], ['reserved_key']]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    for (const row of ingested.processed) {
      expect(Object.keys(row)).not.toContain('__proto__');
      expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    }
  });

  it('reads a symbol named __proto__ or constructor as data, and its meta cannot smuggle a symbol in', async () => {
    const body =
      `{"__proto__":{"meta":{"symbol":"__proto__"},"values":[${barJson('2024-01-02')}]},` +
      `"constructor":{"values":[${barJson('2024-01-02')}]},` +
      `"X":{"meta":{"__proto__":{"symbol":"EVIL"}},"values":[${barJson('2024-01-02')}]}}`;
    const ingested = await harness.ingest(body);
    expect(ingested.processed.map((row) => row.symbol)).toEqual(['__proto__', 'constructor', 'X']);
    expect(Object.keys(ingested.manifest.counts.groups)).toEqual(['__proto__', 'constructor', 'X']);
    expect(({} as Record<string, unknown>).symbol).toBeUndefined();
  });

  it('rejects a bar that names a member twice as duplicate_key, whichever path the scanner takes', async () => {
    const repeated = [
      // Same order as Twelve Data, one name repeated at the end: the fast path.
      barJson('2024-01-05', ',"open":"99"'),
      // Written with an escape: only the general path sees it, after decoding.
      barJson('2024-01-04', ',"\\u006fpen":"99"'),
      // A nested value forces the general path.
      '{"datetime":"2024-01-03","open":{"a":1},"open":"10","high":"11","low":"9","close":"10.5","volume":"100"}',
    ];
    const ingested = await harness.ingest(seriesJson('A', [...repeated, barJson('2024-01-02')]));
    expect(rejectCodes(ingested)).toEqual([['duplicate_key'], ['duplicate_key'], ['duplicate_key']]);
    // JSON.parse would keep only the last value; the reject keeps what the file said.
    expect(ingested.rejects.map((r) => r.raw)).toEqual(repeated);
    expect(ingested.processed).toHaveLength(1);
  });

  it('checks bars of 60,000 members for repeats in linear time', async () => {
    const distinct = Array.from({ length: 60_000 }, (_, i) => `"k${i}":1`).join(',');
    const same = Array.from({ length: 60_000 }, () => '"k":1').join(',');
    const { result, ms } = await measureMemory(() =>
      harness.ingest(
        seriesJson('A', [
          `{${distinct},"datetime":"2024-01-04"}`,
          `{${same},"datetime":"2024-01-03"}`,
          barJson('2024-01-02'),
        ]),
      ),
    );
    // open, high, low and close are missing; volume is optional (forex and crypto send none).
    expect(rejectCodes(result)).toEqual([Array(4).fill('missing_field'), ['duplicate_key']]);
    expect(ms).toBeLessThan(5_000);
    reportFigure('JSON bars of 60,000 members (distinct, then all one name)', { ms });
  });
});

describe('one 50 MB string inside a Twelve Data bar', () => {
  it('rejects that bar as row_too_large, keeps the others, and holds memory flat', async () => {
    const { result, ...figure } = await measureMemory(() => harness.ingest(hugeFieldJson(50 * 1024 * 1024)));
    expect(result.manifest.status).toBe('ingested');
    expect(rejectCodes(result)).toEqual([['row_too_large']]);
    expect(result.processed).toHaveLength(2);
    expect(figure.rssGrowthMb).toBeLessThan(MB_BOUND);
    reportFigure('50 MB string field in a JSON bar', { reason: 'row_too_large', ...figure });
  });
});
