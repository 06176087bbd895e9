import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FetchPacingSchema, FetchParamsSchema, SymbolListSchema } from './params.js';

const symbolChar = fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789./:-_'.split(''));
const symbol = fc.array(symbolChar, { minLength: 1, maxLength: 12 }).map((chars) => `${chars.join('')}X`);

describe('the symbol list', () => {
  it('accepts stocks, share classes, currency and crypto pairs and exchange suffixes', () => {
    expect(SymbolListSchema.parse('AAPL,BRK.B, EUR/USD ,BTC/USD,7203:TSE')).toEqual([
      'AAPL',
      'BRK.B',
      'EUR/USD',
      'BTC/USD',
      '7203:TSE',
    ]);
  });

  it('drops repeated symbols and keeps the first order', () => {
    expect(SymbolListSchema.parse('MSFT,AAPL,MSFT')).toEqual(['MSFT', 'AAPL']);
  });

  it.each([
    ['an empty list', ''],
    ['an empty symbol between commas', 'AAPL,,MSFT'],
    ['a trailing comma', 'AAPL,'],
    ['a space inside a symbol', 'AA PL'],
    ['a tab', 'AAPL\tMSFT'],
    ['a control character', 'AAPL\u0000'],
    ['punctuation alone', './:'],
    ['a symbol longer than 40 characters', 'A'.repeat(41)],
  ])('refuses %s', (_, text) => {
    expect(SymbolListSchema.safeParse(text).success).toBe(false);
  });

  it('refuses more than 120 symbols', () => {
    const many = Array.from({ length: 121 }, (_, i) => `S${i}`).join(',');
    expect(SymbolListSchema.safeParse(many).success).toBe(false);
  });

  it('reads back any list of valid symbols joined with commas', () => {
    fc.assert(
      fc.property(fc.uniqueArray(symbol, { minLength: 1, maxLength: 120 }), (symbols) => {
        expect(SymbolListSchema.parse(symbols.join(','))).toEqual(symbols);
      }),
    );
  });

  it('never accepts a symbol with whitespace or a control character', () => {
    const bad = fc.constantFrom(' ', '\t', '\n', '\r', '\u0007', '\u007f', '\u0085', '\u200b');
    fc.assert(
      fc.property(symbol, bad, fc.nat(), (good, char, at) => {
        // Inside the symbol: leading and trailing whitespace is trimmed like the space after a comma.
        const position = 1 + (at % (good.length - 1));
        const text = good.slice(0, position) + char + good.slice(position);
        expect(SymbolListSchema.safeParse(text).success).toBe(false);
      }),
    );
  });
});

describe('the fetch parameters', () => {
  it('defaults to 30 daily bars', () => {
    expect(FetchParamsSchema.parse({ symbols: 'AAPL' })).toEqual({
      symbols: ['AAPL'],
      interval: '1day',
      outputsize: 30,
    });
  });

  it('accepts dates and date-times in either order of precision when start is not after end', () => {
    const parsed = FetchParamsSchema.parse({
      symbols: 'AAPL',
      interval: '1h',
      outputsize: '5000',
      start: '2024-01-02',
      end: '2024-01-02 15:30:00',
    });
    expect(parsed).toMatchObject({ interval: '1h', outputsize: 5000 });
    expect(
      FetchParamsSchema.safeParse({ symbols: 'A', start: '2024-01-02', end: '2024-01-02' }).success,
    ).toBe(true);
  });

  it.each([
    ['an interval the API does not offer', { interval: '2day' }],
    ['an outputsize of 0', { outputsize: '0' }],
    ['an outputsize over 5000', { outputsize: '5001' }],
    ['a fractional outputsize', { outputsize: '2.5' }],
    ['a date that does not exist', { start: '2024-02-30' }],
    ['a date in another format', { end: '01/02/2024' }],
    ['an hour of 24', { start: '2024-01-02 24:00:00' }],
    ['a start after the end', { start: '2024-02-01', end: '2024-01-31 23:59:59' }],
    ['a timezone with spaces', { timezone: 'New York' }],
  ])('refuses %s', (_, extra) => {
    expect(FetchParamsSchema.safeParse({ symbols: 'AAPL', ...extra }).success).toBe(false);
  });

  it('names the start option when start is after end', () => {
    const result = FetchParamsSchema.safeParse({ symbols: 'AAPL', start: '2024-02-01', end: '2024-01-01' });
    expect(result.error?.issues[0]).toMatchObject({
      path: ['start'],
      message: 'start must not be after end',
    });
  });
});

describe('the pacing', () => {
  it('defaults to 8 symbols a request and 8 credits a minute, the Basic plan', () => {
    expect(FetchPacingSchema.parse({})).toEqual({ batchSize: 8, creditsPerMinute: 8 });
  });

  it('refuses a batch of more than 120 symbols and a plan without credits', () => {
    expect(FetchPacingSchema.safeParse({ batchSize: '121' }).success).toBe(false);
    expect(FetchPacingSchema.safeParse({ creditsPerMinute: '0' }).success).toBe(false);
  });
});
