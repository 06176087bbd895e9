import { describe, expect, it } from 'vitest';
import { inlineCidImages } from './preview.js';

describe('inlineCidImages', () => {
  const png = Uint8Array.of(0x89, 0x50, 0x4e, 0x47);

  it('replaces each cid reference with a data URL of its image', () => {
    const html = '<img src="cid:chart-1@sluice" alt="a"><img src="cid:chart-2@sluice" alt="b">';
    const out = inlineCidImages(html, [
      { cid: 'chart-1@sluice', content: png },
      { cid: 'chart-2@sluice', content: png, contentType: 'image/gif' },
    ]);
    expect(out).toBe(
      '<img src="data:image/png;base64,iVBORw==" alt="a"><img src="data:image/gif;base64,iVBORw==" alt="b">',
    );
  });

  it('leaves references to unknown cids as they are', () => {
    const html = '<img src="cid:chart-9@sluice"><img src="cid:other@example.com">';
    expect(inlineCidImages(html, [{ cid: 'chart-1@sluice', content: png }])).toBe(html);
  });
});
