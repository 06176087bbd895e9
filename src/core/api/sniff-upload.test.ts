import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { twelveDataSample } from '../../samples/twelvedata.generator.js';
import { sniffUpload } from './sniff-upload.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('sniffUpload', () => {
  it('recognizes gzip by its magic bytes, a dataset CSV header and Twelve Data JSON', () => {
    expect(sniffUpload(gzipSync('a,b\n'))).toEqual({
      ok: true,
      media: { ext: 'gz', contentType: 'application/gzip' },
    });
    expect(sniffUpload(bytes('\uFEFFsymbol,datetime,open,high,low,close,volume\n'))).toEqual({
      ok: true,
      media: { ext: 'csv', contentType: 'text/csv' },
    });
    expect(sniffUpload(bytes(twelveDataSample()))).toEqual({
      ok: true,
      media: { ext: 'json', contentType: 'application/json' },
    });
  });

  it('says what it found when no dataset recognizes the body', () => {
    expect(sniffUpload(Uint8Array.from([0xff, 0xfe, 0x00, 0x41]))).toEqual({
      ok: false,
      sniffed: 'binary data that is not UTF-8 text or gzip',
    });
    expect(sniffUpload(bytes('name,age\nann,3\n'))).toEqual({
      ok: false,
      sniffed: expect.stringContaining('CSV with header "name,age"'),
    });
  });

  it('checks the body against the dataset the caller named', () => {
    const csv = bytes('symbol,datetime,open,high,low,close,volume\n');
    expect(sniffUpload(csv, 'ohlcv-csv').ok).toBe(true);
    expect(sniffUpload(csv, 'health-vitals')).toEqual({
      ok: false,
      sniffed: expect.stringContaining('dataset health-vitals expects header'),
    });
  });
});
