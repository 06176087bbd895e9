import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contradicts, linkIn, type Sentiment } from './narrative-guard.js';

const none = new Set<string>();

describe('links in model text', () => {
  it.each([
    ['https://evil.example/x', 'https://evil.example/x'],
    ['see hxxps://evil.example', 'hxxps://evil.example'],
    ['ftp://files.internal/a', 'ftp://files.internal/a'],
    ['www.example.org has more', 'www.example.org'],
    ['go to evil.com now', 'evil.com'],
    ['mail ops@evil.internal', 'ops@evil.internal'],
  ])('finds %s', (text, found) => {
    expect(linkIn(text, none)).toBe(found);
  });

  it.each([
    'BRK.B rose 5.2% to 412.50 on 2024-03-04',
    'EUR/USD fell 0.3% while BTC/USD rose',
    'Galaxy S24 Ultra sold 1,234 units in Asia (12.5%).',
    'node.js and file.csv are not links',
    'Heart rate 120 bpm at 10:30:00; SpO2 92%.',
  ])('finds nothing in %s', (text) => {
    expect(linkIn(text, none)).toBeUndefined();
  });

  it('lets a name from the data through even when it reads like a host', () => {
    expect(linkIn('SAP.DE closed higher', none)).toBe('SAP.DE');
    expect(linkIn('SAP.DE closed higher', new Set(['SAP.DE']))).toBeUndefined();
  });

  it('finds any https link wherever it sits in a sentence', () => {
    fc.assert(
      fc.property(
        fc.webUrl({ validSchemes: ['https', 'http'] }),
        fc.string(),
        fc.string(),
        (url, before, after) => {
          expect(linkIn(`${before} ${url} ${after}`, none)).toBeDefined();
        },
      ),
    );
  });

  it('finds any e-mail address wherever it sits in a sentence', () => {
    fc.assert(
      fc.property(fc.emailAddress(), fc.string(), (address, before) => {
        expect(linkIn(`${before} ${address} today`, none)).toBeDefined();
      }),
    );
  });
});

describe('sentiment contradiction', () => {
  const all: Sentiment[] = ['bullish', 'bearish', 'neutral', 'positive', 'negative', 'mixed'];

  it('never calls a hedge a contradiction', () => {
    for (const computed of all) {
      expect(contradicts('neutral', computed)).toBe(false);
      expect(contradicts('mixed', computed)).toBe(false);
    }
  });

  it('accepts the computed direction in either vocabulary and refuses any other', () => {
    expect(contradicts('bullish', 'bullish')).toBe(false);
    expect(contradicts('positive', 'bullish')).toBe(false);
    expect(contradicts('bullish', 'neutral')).toBe(true);
    expect(contradicts('bullish', 'bearish')).toBe(true);
    expect(contradicts('negative', 'mixed')).toBe(true);
    expect(contradicts('positive', 'negative')).toBe(true);
  });
});
