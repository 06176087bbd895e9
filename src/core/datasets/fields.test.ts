import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Issues,
  isRealDate,
  numberText,
  quoteJson,
  readMarketDatetime,
  readNumber,
  readTimestamp,
} from './fields.js';

const codes = (fn: (issues: Issues) => unknown): string[] => {
  const issues: Issues = [];
  fn(issues);
  return issues.map((i) => i.code);
};

describe('readNumber', () => {
  it.each([
    ['12.5', 12.5],
    [' 7 ', 7],
    ['-0.25', -0.25],
    ['1e3', 1000],
    ['.5', 0.5],
    [42, 42],
  ])('reads %j as %j', (input, expected) => {
    expect(readNumber(input, 'x', [])).toBe(expected);
  });

  it.each(['NaN', 'Infinity', '-Infinity', '1e309', '1,234.5', '0x10', '12abc', '1 000'])(
    'refuses %j as not_a_number',
    (input) => {
      expect(codes((i) => readNumber(input, 'x', i))).toEqual(['not_a_number']);
    },
  );

  it('refuses non-finite JSON numbers and reports blanks as missing', () => {
    expect(codes((i) => readNumber(Number.POSITIVE_INFINITY, 'x', i))).toEqual(['not_a_number']);
    expect(codes((i) => readNumber('', 'x', i))).toEqual(['missing_field']);
    expect(codes((i) => readNumber(null, 'x', i))).toEqual(['missing_field']);
  });

  it('accepts exactly the finite numbers and their decimal strings', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (n) => {
        expect(readNumber(String(n), 'x', [])).toBe(n === 0 ? 0 : n);
        expect(readNumber(n, 'x', [])).toBe(n);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws and either returns a finite number or reports one issue', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        const issues: Issues = [];
        const n = readNumber(value, 'x', issues);
        if (n === undefined) expect(issues).toHaveLength(1);
        else expect(Number.isFinite(n) && issues.length === 0).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('dates', () => {
  it('knows leap years and month lengths', () => {
    expect(isRealDate(2024, 2, 29)).toBe(true);
    expect(isRealDate(2023, 2, 29)).toBe(false);
    expect(isRealDate(1900, 2, 29)).toBe(false);
    expect(isRealDate(2000, 2, 29)).toBe(true);
    expect(isRealDate(2024, 4, 31)).toBe(false);
    expect(isRealDate(2024, 13, 1)).toBe(false);
  });

  it('refuses impossible calendar dates like 2024-02-30', () => {
    expect(codes((i) => readMarketDatetime('2024-02-30', 'datetime', i))).toEqual(['invalid_date']);
    expect(codes((i) => readMarketDatetime('2024-01-02 24:00:00', 'datetime', i))).toEqual(['invalid_date']);
  });

  it('tells a bad format from an impossible date', () => {
    expect(codes((i) => readMarketDatetime('02/01/2024', 'datetime', i))).toEqual(['invalid_datetime']);
    expect(codes((i) => readMarketDatetime('2024-01-02 9:30', 'datetime', i))).toEqual(['invalid_datetime']);
  });

  it('normalizes market datetimes to ISO and orders them by seconds', () => {
    expect(readMarketDatetime('2024-01-02 15:30:00', 'd', [])).toEqual({
      iso: '2024-01-02T15:30:00',
      seconds: Date.UTC(2024, 0, 2, 15, 30) / 1000,
    });
    expect(readMarketDatetime('2024-01-02', 'd', [])?.iso).toBe('2024-01-02');
  });

  it('round-trips every real date through its ISO form', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1900-01-01'), max: new Date('2199-12-31'), noInvalidDate: true }),
        (d) => {
          const iso = d.toISOString();
          const day = iso.slice(0, 10);
          const dt = `${day} ${iso.slice(11, 19)}`;
          expect(readMarketDatetime(dt, 'd', [])?.iso).toBe(`${day}T${iso.slice(11, 19)}`);
          expect(readTimestamp(iso, 't', [])).toBe(iso);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('requires a zone on timestamps and normalizes offsets to UTC', () => {
    expect(readTimestamp('2025-09-17T11:59:16.801681Z', 't', [])).toBe('2025-09-17T11:59:16.801Z');
    expect(readTimestamp('2025-09-17T13:59:16+02:00', 't', [])).toBe('2025-09-17T11:59:16.000Z');
    expect(codes((i) => readTimestamp('2025-09-17T11:59:16', 't', i))).toEqual(['invalid_timestamp']);
    expect(codes((i) => readTimestamp('2025-02-30T11:59:16Z', 't', i))).toEqual(['invalid_timestamp']);
  });
});

describe('market datetime ordering', () => {
  it('counts seconds like Date.UTC for modern years and keeps years before 100 apart from 19xx', () => {
    expect(readMarketDatetime('2024-03-01 12:00:01', 'd', [])?.seconds).toBe(
      Date.UTC(2024, 2, 1, 12, 0, 1) / 1000,
    );
    expect(readMarketDatetime('1969-12-31', 'd', [])?.seconds).toBe(-86_400);
    const early = readMarketDatetime('0050-01-01', 'd', [])?.seconds;
    const modern = readMarketDatetime('1950-01-01', 'd', [])?.seconds;
    expect(early).toBeLessThan(modern as number);
  });

  it('gives the fast and the checked path the same answer on every shape', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-01'), max: new Date('9999-12-31'), noInvalidDate: true }),
        fc.constantFrom(' ', 'T'),
        (d, sep) => {
          const iso = d.toISOString();
          const text = `${iso.slice(0, 10)}${sep}${iso.slice(11, 19)}`;
          const seconds = Math.floor(d.getTime() / 1000);
          expect(readMarketDatetime(text, 'd', [])).toEqual({
            iso: `${iso.slice(0, 10)}T${iso.slice(11, 19)}`,
            seconds,
          });
          expect(readMarketDatetime(` ${text} `, 'd', [])?.seconds).toBe(seconds);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('readNumber fast path', () => {
  it('reads short decimal strings to exactly the double Number() gives', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^-?\d{1,12}(\.\d{0,12})?$/), (text) => {
        expect(Object.is(readNumber(text, 'x', []), Number(text))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('matches Number() on five-decimal prices like Twelve Data sends', () => {
    for (let cents = 0; cents < 200_000; cents += 7) {
      const text = (cents / 100_000 + 123).toFixed(5);
      expect(readNumber(text, 'x', [])).toBe(Number(text));
    }
  });
});

describe('quoteJson', () => {
  it('prints exactly what JSON.stringify prints for any text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.string({ unit: fc.constantFrom('a', '"', '\\', '\n', '\u0001', '\ud800', '\udc00', '\u2028') }),
        ),
        (text) => {
          expect(quoteJson(text)).toBe(JSON.stringify(text));
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('numberText', () => {
  it('prints exactly what JSON.stringify prints for the number read from any decimal text', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.stringMatching(/^-?\d{0,9}(\.\d{0,9})?$/),
          fc.stringMatching(/^-?0\.0{5,7}[1-9]\d{0,3}$/),
          fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
          fc.string(),
        ),
        (text) => {
          const value = readNumber(text, 'x', []);
          if (value === undefined) return;
          expect(numberText(text, value)).toBe(JSON.stringify(value));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it.each([
    ['00123.4500', '123.45'],
    ['-0.000', '0'],
    ['.5', '0.5'],
    ['7.', '7'],
    ['0.0000001', '1e-7'],
    ['0.000001', '0.000001'],
    ['-0', '0'],
    ['-0.5', '-0.5'],
    ['0', '0'],
    ['120', '120'],
  ])('canonicalizes %j to %j', (text, expected) => {
    expect(numberText(text, readNumber(text, 'x', []) as number)).toBe(expected);
  });
});
