import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNSAFE_KEYS } from '../../test/ports/object-store.contract.js';
import { InvalidKeyError } from '../core/errors.js';
import { assertSafeKey, assertSafePrefix, decodeS3EventKey } from './object-keys.js';

describe('decodeS3EventKey', () => {
  it.each([
    ['a plain key unchanged', 'inputs/prices.json', 'inputs/prices.json'],
    ["'+' as a space", 'inputs/my+prices+2024.json', 'inputs/my prices 2024.json'],
    ["'%2B' as a literal plus", 'inputs/c%2B%2B+notes.csv', 'inputs/c++ notes.csv'],
    [
      'percent-encoded UTF-8',
      'inputs/%C3%BCn%C3%AFc%C3%B8d%C3%A9/%E6%96%87%E4%BB%B6.csv',
      'inputs/ünïcødé/文件.csv',
    ],
    ['an encoded percent sign once only', 'inputs/100%2525.csv', 'inputs/100%25.csv'],
  ])('decodes %s', (_what, encoded, key) => {
    expect(decodeS3EventKey(encoded)).toBe(key);
  });

  it('inverts S3 form encoding for any key', () => {
    const formEncode = (key: string) => encodeURIComponent(key).replace(/%20/g, '+');
    fc.assert(
      fc.property(
        fc.string({ unit: 'grapheme', maxLength: 40 }),
        (key) => decodeS3EventKey(formEncode(key)) === key,
      ),
    );
  });

  it('refuses malformed percent-encoding with STORE.INVALID_KEY', () => {
    expect(() => decodeS3EventKey('inputs/bad%E0%A4%A.csv')).toThrow(InvalidKeyError);
  });
});

describe('assertSafePrefix', () => {
  it.each(['', 'a', 'a/', 'inputs/api/', 'a/s'])('accepts %j', (prefix) => {
    expect(() => assertSafePrefix(prefix)).not.toThrow();
  });

  it.each(['../', 'a/../../', '/', 'a//', '/etc/', '.tmp/', '%2e%2e/'])('refuses %j', (prefix) => {
    expect(() => assertSafePrefix(prefix)).toThrow(InvalidKeyError);
  });
});

describe('assertSafeKey', () => {
  it.each(UNSAFE_KEYS.map((key) => [JSON.stringify(key), key]))('refuses %s', (_label, key) => {
    expect(() => assertSafeKey(key)).toThrow(InvalidKeyError);
  });
});
