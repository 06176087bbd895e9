import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseApiKeySecret } from './api-key.secretsmanager.js';

const keyChar = fc.constantFrom(...'abcdef0123456789ABCDEF-_'.split(''));
const apiKey = fc.string({ unit: keyChar, minLength: 8, maxLength: 64 });

describe('parseApiKeySecret', () => {
  it('accepts the bare key, with the newline an editor may leave', () => {
    fc.assert(
      fc.property(apiKey, (key) => {
        expect(parseApiKeySecret(key)).toBe(key);
        expect(parseApiKeySecret(`${key}\n`)).toBe(key);
      }),
    );
  });

  it("accepts the console's key/value JSON with an apiKey field, other fields ignored", () => {
    fc.assert(
      fc.property(apiKey, fc.dictionary(fc.string(), fc.string()), (key, extra) => {
        const { apiKey: _, ...others } = extra;
        expect(parseApiKeySecret(JSON.stringify({ ...others, apiKey: key }))).toBe(key);
      }),
    );
  });

  it('refuses JSON without a usable apiKey, broken JSON and values that cannot be a key, without echoing them', () => {
    const secret = 'abcdef0123456789';
    for (const value of [
      JSON.stringify({ key: secret }),
      JSON.stringify({ apiKey: `${secret} ${secret}` }),
      `{"apiKey": "${secret}"`,
      `${secret} ${secret}`,
      'short',
      '',
    ]) {
      expect(() => parseApiKeySecret(value), value).toThrow(
        expect.objectContaining({ code: 'CONFIG.INVALID', message: expect.not.stringContaining(secret) }),
      );
    }
  });
});
