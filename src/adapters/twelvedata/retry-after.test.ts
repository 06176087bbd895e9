import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from './retry-after.js';

const NOW = Date.parse('2026-01-05T10:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds as milliseconds', () => {
    expect(parseRetryAfter('7', NOW)).toBe(7000);
    expect(parseRetryAfter(' 0 ', NOW)).toBe(0);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads an HTTP-date as the time left until then', () => {
    expect(parseRetryAfter('Mon, 05 Jan 2026 10:00:42 GMT', NOW)).toBe(42_000);
  });

  it('reads an HTTP-date in the past as no wait at all', () => {
    expect(parseRetryAfter('Mon, 05 Jan 2026 09:59:00 GMT', NOW)).toBe(0);
  });

  it.each([null, undefined, '', 'soon', '-5', '2026-01-05T10:01:00Z', '1e3'])('ignores %j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined();
  });

  it('turns any whole number of seconds into that many thousand milliseconds', () => {
    fc.assert(
      fc.property(fc.nat({ max: 86_400 }), (s) => {
        expect(parseRetryAfter(String(s), NOW)).toBe(s * 1000);
      }),
    );
  });

  it('reads back any future second written as an HTTP-date', () => {
    fc.assert(
      fc.property(fc.nat({ max: 86_400 }), (s) => {
        expect(parseRetryAfter(new Date(NOW + s * 1000).toUTCString(), NOW)).toBe(s * 1000);
      }),
    );
  });
});
