import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseFormattedNumber, parseLooseDatetime } from './formats.js';

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

const day = fc.date({
  min: new Date('1974-01-01T00:00:00Z'),
  max: new Date('2200-12-31T23:59:59Z'),
  noInvalidDate: true,
});

describe('parseLooseDatetime', () => {
  it('reads pandas instants, ISO with Z, and offsets as UTC wall-clock time', () => {
    expect(parseLooseDatetime('2025-09-18 08:06:23.359844+00:00')).toEqual({
      iso: '2025-09-18T08:06:23',
      seconds: 1758182783,
    });
    expect(parseLooseDatetime('2025-09-18T10:06:23+02:00')).toMatchObject({ iso: '2025-09-18T08:06:23' });
    expect(parseLooseDatetime('2025-09-18T08:06:23.5Z')).toMatchObject({ iso: '2025-09-18T08:06:23' });
  });

  it('reads epoch seconds and milliseconds', () => {
    expect(parseLooseDatetime('1234567890')).toMatchObject({ iso: '2009-02-13T23:31:30' });
    expect(parseLooseDatetime('1234567890123')).toMatchObject({ iso: '2009-02-13T23:31:30' });
  });

  it('reads a spreadsheet date only when one reading is a date', () => {
    expect(parseLooseDatetime('5/20/2024')).toEqual(parseLooseDatetime('20/5/2024'));
    expect(parseLooseDatetime('5/20/2024')).toMatchObject({ iso: '2024-05-20' });
    expect(parseLooseDatetime('20.05.2024')).toMatchObject({ iso: '2024-05-20' });
    expect(parseLooseDatetime('01/02/2024')).toBe('ambiguous');
    expect(parseLooseDatetime('03/03/2024')).toMatchObject({ iso: '2024-03-03' });
    expect(parseLooseDatetime('2/30/2024')).toBe('invalid');
    expect(parseLooseDatetime('2024/01/05')).toBe('invalid');
    expect(parseLooseDatetime('2025-01-01 10:00')).toBe('invalid');
  });

  it('gives back the instant of any epoch, ISO or pandas rendering of it', () => {
    fc.assert(
      fc.property(day, fc.integer({ min: -12, max: 14 }), (date, hours) => {
        const ms = Math.floor(date.getTime() / 1000) * 1000;
        const expected = new Date(ms).toISOString().slice(0, 19);
        const shifted = new Date(ms + hours * 3_600_000).toISOString().slice(0, 19).replace('T', ' ');
        const offset = `${hours < 0 ? '-' : '+'}${pad(Math.abs(hours))}:00`;
        for (const text of [String(ms / 1000), String(ms), `${expected}Z`, `${shifted}.123456${offset}`]) {
          expect(parseLooseDatetime(text)).toEqual({ iso: expected, seconds: ms / 1000 });
        }
      }),
    );
  });

  it('reads M/D/Y and D.M.Y of any date, refusing exactly the readings that could be two dates', () => {
    fc.assert(
      fc.property(day, (date) => {
        const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
        const iso = `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
        expect(parseLooseDatetime(`${pad(d)}.${pad(m)}.${y}`)).toMatchObject({ iso });
        const us = parseLooseDatetime(`${m}/${d}/${y}`);
        if (m !== d && d <= 12) expect(us).toBe('ambiguous');
        else expect(us).toMatchObject({ iso });
      }),
    );
  });
});

describe('parseFormattedNumber', () => {
  it('reads money and thousands groups, and nothing that could be a decimal comma', () => {
    expect(parseFormattedNumber('$1,199.00')).toBe(1199);
    expect(parseFormattedNumber('63,152,400')).toBe(63152400);
    expect(parseFormattedNumber('$899')).toBe(899);
    expect(parseFormattedNumber('1,2')).toBeNaN();
    expect(parseFormattedNumber('1,23')).toBeNaN();
    expect(parseFormattedNumber('12,34,567')).toBeNaN();
    expect(parseFormattedNumber('cheap')).toBeNaN();
    expect(parseFormattedNumber('1234')).toBeNaN();
  });

  it('reads back any amount written with en-US grouping and a dollar sign', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10 ** 12 }), fc.integer({ min: 0, max: 99 }), (units, cents) => {
        const amount = units + cents / 100;
        const text = amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
        expect(parseFormattedNumber(`$${text}`)).toBe(Number(`${units}.${pad(cents)}`));
        if (units >= 1000) expect(parseFormattedNumber(text)).toBe(Number(`${units}.${pad(cents)}`));
      }),
    );
  });
});
