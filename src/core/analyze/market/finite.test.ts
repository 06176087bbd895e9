import { describe, expect, it } from 'vitest';
import { assertNoNaN, findNonFinite, finiteOrNull } from './finite.js';

describe('findNonFinite', () => {
  it('names the path of a NaN nested in objects and arrays', () => {
    expect(findNonFinite({ a: [1, { b: Number.NaN }] })).toBe('$.a[1].b');
  });

  it('finds infinities inside typed arrays', () => {
    expect(findNonFinite({ x: Float64Array.from([1, Number.POSITIVE_INFINITY]) })).toBe('$.x[1]');
  });

  it('accepts nulls, strings, booleans and finite numbers', () => {
    expect(findNonFinite({ a: null, b: 'NaN', c: true, d: [0, -1.5, 1e300] })).toBeNull();
  });
});

describe('assertNoNaN', () => {
  it('throws with the path of the offending number', () => {
    expect(() => assertNoNaN([{ v: Number.NEGATIVE_INFINITY }])).toThrow('non-finite number at $[0].v');
  });

  it('passes clean values', () => {
    expect(() => assertNoNaN({ ok: [1, 2, { three: 3 }] })).not.toThrow();
  });
});

describe('finiteOrNull', () => {
  it('turns NaN, infinities and undefined into null', () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY, undefined, 2].map(finiteOrNull)).toEqual([
      null,
      null,
      null,
      2,
    ]);
  });
});
