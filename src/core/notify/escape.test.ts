import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeHtml } from './escape.js';

/** An HTML entity decoder written apart from escapeHtml: named, decimal and hex references. */
function decodeEntities(html: string): string {
  const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
  return html.replace(/&(?:#(\d+)|#x([0-9a-f]+)|([a-z]+));/gi, (whole, dec, hex, name) => {
    if (dec) return String.fromCodePoint(Number(dec));
    if (hex) return String.fromCodePoint(Number.parseInt(hex, 16));
    return named[name] ?? whole;
  });
}

const markupHeavy = fc.string({
  unit: fc.constantFrom('&', '<', '>', '"', "'", ';', '#', 'a', 'l', 't', '3', '9'),
});

describe('escapeHtml', () => {
  it('writes the five characters that can open a tag or close an attribute as entities', () => {
    expect(escapeHtml(`<script>alert("x")</script> & 'y'`)).toBe(
      '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;',
    );
    expect(escapeHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
  });

  it('escapes an ampersand that already looks like an entity, so the text shows as written', () => {
    expect(escapeHtml('&lt;b&gt;')).toBe('&amp;lt;b&amp;gt;');
  });

  it('leaves every other character alone', () => {
    expect(escapeHtml('javascript:alert(1) · 5 % → ✓ 東京')).toBe('javascript:alert(1) · 5 % → ✓ 東京');
  });

  it('never outputs < > " or \' and round-trips through an entity decoder, for any string', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), markupHeavy), (text) => {
        const escaped = escapeHtml(text);
        return !/[<>"']/.test(escaped) && decodeEntities(escaped) === text;
      }),
      { numRuns: 1000 },
    );
  });
});
