/**
 * Hostile CSV and hostile bytes through the whole ingest stage (issue 9, item 5):
 * a 50 MB field, 10 million columns, a gzip bomb, byte-order marks and mixed
 * encodings, numbers and dates a spreadsheet writes but a contract refuses, and
 * formula cells neutralized when rows go back out as CSV.
 */
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/main.js';
import { exportRunCsv } from '../../src/core/export/run-csv.js';
import {
  gzipBomb,
  hugeFieldCsv,
  measureMemory,
  OHLCV_HEADER,
  reportFigure,
  SALES_HEADER,
  VALID_VITALS_ROW,
  VITALS_HEADER,
  wideHeaderCsv,
  wideRowCsv,
} from './fixtures.js';
import { type Harness, rejectCodes, startHarness } from './harness.js';

const MB_BOUND = 200;
const MiB = 1024 * 1024;

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(() => harness.cleanup());

const collect = async (lines: AsyncIterable<string>): Promise<string> => {
  let text = '';
  for await (const line of lines) text += line;
  return text;
};

describe('inputs built to exhaust memory', () => {
  it.each([
    [
      'a 50 MB field on one line',
      () => hugeFieldCsv(50 * MiB),
      undefined,
      'malformed_csv',
      /line 3 is longer than the limit of 1048576 characters/,
    ],
    [
      'a header of 10 million columns',
      () => wideHeaderCsv(10_000_000),
      undefined,
      'unknown_dataset',
      /no dataset recognizes CSV with header "a,a,a/,
    ],
    [
      'a header of 10 million columns under a forced dataset',
      () => wideHeaderCsv(10_000_000),
      'health-vitals',
      'dataset_mismatch',
      /expects header event_time,user_id/,
    ],
    [
      'a data row of 10 million fields',
      () => wideRowCsv(10_000_000),
      undefined,
      'malformed_csv',
      /line 3 is longer than the limit/,
    ],
  ])('%s is refused as %s with memory bounded', async (what, body, dataset, code, message) => {
    const { result, ...figure } = await measureMemory(() => harness.ingest(body(), { dataset }));
    expect(result.manifest).toMatchObject({ status: 'rejected', reason: { code }, outputs: {} });
    expect(result.manifest.reason?.message).toMatch(message);
    expect(figure.rssGrowthMb).toBeLessThan(MB_BOUND);
    reportFigure(what, { reason: code, inputMB: Math.round(result.manifest.input.bytes / MiB), ...figure });
  });

  it('stops a gzip bomb (1 MB inflating to 1 GiB) at the size limit as decompressed_too_large', async () => {
    const { result, ...figure } = await measureMemory(() => harness.ingest(gzipBomb(1024)));
    expect(result.manifest).toMatchObject({
      status: 'rejected',
      reason: { code: 'decompressed_too_large' },
      input: { gzip: true },
      outputs: {},
    });
    expect(result.manifest.input.bytes).toBeLessThan(2 * MiB);
    expect(figure.rssGrowthMb).toBeLessThan(MB_BOUND);
    reportFigure('gzip bomb 1 GiB', {
      reason: 'decompressed_too_large',
      compressedKB: Math.round(result.manifest.input.bytes / 1024),
      inflatedBeforeStopMB: Math.round(result.manifest.input.decodedBytes / MiB),
      ...figure,
    });
  });
});

describe('files with nothing in them', () => {
  it.each([
    ['zero bytes', ''],
    ['only white space', ' \n\r\n\t \n'],
    ['a header and no rows', `${VITALS_HEADER}\n`],
    ['a BOM and nothing else', '\uFEFF'],
  ])('%s is refused as empty_file', async (_what, body) => {
    const { manifest } = await harness.ingest(body);
    expect(manifest).toMatchObject({ status: 'rejected', reason: { code: 'empty_file' }, outputs: {} });
  });
});

describe('byte-order marks and mixed encodings', () => {
  const vitals = `${VITALS_HEADER}\n${VALID_VITALS_ROW}\n`;

  it('reads a UTF-8 file with a BOM as if it had none', async () => {
    const ingested = await harness.ingest(`\uFEFF${vitals}`);
    expect(ingested.manifest).toMatchObject({ status: 'ingested', dataset: 'health-vitals' });
    expect(ingested.processed).toHaveLength(1);
  });

  it('trims a stray BOM at the start of a field like other white space', async () => {
    const ingested = await harness.ingest(
      `${VITALS_HEADER}\n${VALID_VITALS_ROW.replace('u1', '\uFEFFu1')}\n`,
    );
    expect(ingested.processed[0]?.user_id).toBe('u1');
  });

  it.each([
    ['UTF-16 LE with its BOM', Buffer.from(`\uFEFF${vitals}`, 'utf16le'), 'invalid_utf8'],
    ['UTF-16 BE with its BOM', Buffer.from(`\uFEFF${vitals}`, 'utf16le').swap16(), 'invalid_utf8'],
    ['UTF-16 LE without a BOM', Buffer.from(vitals, 'utf16le'), 'unsupported_format'],
    [
      'UTF-8 text (a UTF-8 é) with one Latin-1 byte 200 KB in',
      Buffer.concat([
        Buffer.from(
          `${VITALS_HEADER}\n2024-01-01T00:00:00Z,josé,70,98,100,36.6,120,80\n${`${VALID_VITALS_ROW}\n`.repeat(4_500)}`,
        ),
        Buffer.from('2024-01-01T00:00:00Z,caf\xe9,70,98,100,36.6,120,80\n', 'latin1'),
      ]),
      'invalid_utf8',
    ],
    [
      'an encoded surrogate (CESU-8)',
      Buffer.concat([Buffer.from(vitals), Buffer.from([0xed, 0xa0, 0x80, 0x0a])]),
      'invalid_utf8',
    ],
    [
      'an overlong slash after UTF-8 text',
      Buffer.concat([
        Buffer.from(`${vitals}2024-01-01T00:00:00Z,josé,70,98,100,36.6,120,80\n`),
        Buffer.from([0xc0, 0xaf, 0x0a]),
      ]),
      'invalid_utf8',
    ],
  ])('refuses %s as %s, leaving no partial output', async (_what, body, code) => {
    const { manifest } = await harness.ingest(body);
    expect(manifest).toMatchObject({ status: 'rejected', reason: { code }, outputs: {} });
  });

  it('reads a Windows spreadsheet export (Windows-1252: café as the one byte 0xE9, € as 0x80) as such', async () => {
    const body = Buffer.from(`${vitals}2024-01-01T00:01:00Z,caf\xe9 \x80,70,98,100,36.6,120,80\n`, 'latin1');
    const ingested = await harness.ingest(body);
    expect(ingested.manifest.status).toBe('ingested');
    expect(ingested.processed.map((row) => row.user_id)).toContain('café €');
  });
});

describe('numbers and dates a spreadsheet writes but a contract refuses', () => {
  it('rejects NaN, Infinity, 1e309 and thousands or decimal commas in vitals as not_a_number', async () => {
    const rows = [
      '2024-01-01T00:01:00Z,u1,NaN,98,100,36.6,120,80',
      '2024-01-01T00:02:00Z,u1,70,Infinity,100,36.6,120,80',
      '2024-01-01T00:03:00Z,u1,70,98,1e309,36.6,120,80',
      '2024-01-01T00:04:00Z,u1,70,98,"1,200",36.6,120,80',
      '2024-01-01T00:05:00Z,u1,70,98,100,"36,6",120,80',
      '2024-01-01T00:06:00Z,u1,70,98,100,36.6,-Infinity,80',
    ];
    const ingested = await harness.ingest([VITALS_HEADER, VALID_VITALS_ROW, ...rows].join('\n'));
    expect(rejectCodes(ingested)).toEqual(rows.map(() => ['not_a_number']));
  });

  it('reads thousands separators in sales prices (a spreadsheet export), and rejects them in market prices as not_a_number', async () => {
    const sales = await harness.ingest(
      `${SALES_HEADER}\n1,2024-01-02,X,Apple,2020,"1,234",Europe,ok,8,128,red\n2,2024-01-02,X,Apple,2020,999,Europe,ok,8,128,red\n`,
    );
    const market = await harness.ingest(
      `${OHLCV_HEADER}\nA,2024-01-02,"1,234.5",2000,1000,1500,100\nA,2024-01-03,1,1,1,1,1\n`,
    );
    expect(rejectCodes(sales)).toEqual([]);
    expect(sales.processed.map((row) => (row as { price: number }).price)).toEqual([1234, 999]);
    // Market numbers stay strict: "1,234" could be a decimal comma.
    expect(rejectCodes(market)).toEqual([['not_a_number']]);
  });

  it('rejects dates that do not exist: 2024-02-30 and 2023-02-29', async () => {
    const market = await harness.ingest(
      `${OHLCV_HEADER}\nA,2024-02-30,1,1,1,1,1\nA,2023-02-29,1,1,1,1,1\nA,2024-02-29,1,1,1,1,1\n`,
    );
    const sales = await harness.ingest(
      `${SALES_HEADER}\n1,2024-02-30,X,Apple,2020,999,Europe,ok,8,128,red\n2,2024-02-29,X,Apple,2020,999,Europe,ok,8,128,red\n`,
    );
    const vitals = await harness.ingest(
      `${VITALS_HEADER}\n2024-02-30T00:00:00Z,u1,70,98,100,36.6,120,80\n${VALID_VITALS_ROW}\n`,
    );
    expect(rejectCodes(market)).toEqual([['invalid_date'], ['invalid_date']]);
    expect(rejectCodes(sales)).toEqual([['invalid_date']]);
    expect(rejectCodes(vitals)).toEqual([['invalid_timestamp']]);
  });
});

describe('formula cells written back out as CSV', () => {
  const HYPERLINK = '=HYPERLINK("http://evil","x")';
  const salesWithFormulas = [
    SALES_HEADER,
    `1,2024-01-02,"${HYPERLINK.replace(/"/g, '""')}",Apple,2020,999,Europe,"${HYPERLINK.replace(/"/g, '""')}",8,128,red`,
    '2,2024-01-02,+cmd|/C calc,Apple,2020,999,Europe,@SUM(A1:A9),8,128,-red',
    '@SUM(1+1),2024-02-30,X,Apple,2020,999,Europe,ok,8,128,red',
  ].join('\n');

  it('neutralizes =HYPERLINK(...) and other formula starts in exported processed rows and rejects', async () => {
    const { manifest } = await harness.ingest(salesWithFormulas);
    const processed = parse(await collect(exportRunCsv(harness.ports.store, manifest.id, 'processed')), {
      columns: true,
    }) as Array<Record<string, string>>;
    expect(processed.map((r) => [r.model, r.customer_review, r.color])).toEqual([
      [`'${HYPERLINK}`, `'${HYPERLINK}`, 'red'],
      ["'+cmd|/C calc", "'@SUM(A1:A9)", "'-red"],
    ]);
    expect(processed[0]?.price).toBe('999');
    const rejects = parse(await collect(exportRunCsv(harness.ports.store, manifest.id, 'rejects')), {
      columns: true,
    }) as Array<Record<string, string>>;
    expect(rejects).toEqual([
      expect.objectContaining({
        index: '3',
        reasons: 'invalid_date',
        raw: expect.stringMatching(/^'@SUM\(1\+1\),/),
      }),
    ]);
  });

  it('writes the same CSV through `sluice export --out`', async () => {
    const { writeFile, readFile, mkdtemp, rm } = await import('node:fs/promises');
    const path = await import('node:path');
    const os = await import('node:os');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-export-'));
    try {
      const input = path.join(dir, 'sales.csv');
      await writeFile(input, salesWithFormulas);
      const out = new PassThrough();
      let stdout = '';
      out.on('data', (chunk) => {
        stdout += chunk;
      });
      const io = { stdout: out, stderr: new PassThrough() };
      let exit = -1;
      const run = (args: string[]) =>
        buildProgram(io, (code) => {
          exit = code;
        }).parseAsync(['node', 'sluice', '--data-dir', path.join(dir, 'data'), ...args]);
      await run(['ingest', input, '--json']);
      const id = (JSON.parse(stdout) as { id: string }).id;
      const csvFile = path.join(dir, 'rows.csv');
      await run(['export', id, '--out', csvFile]);
      expect(exit).toBe(0);
      const text = await readFile(csvFile, 'utf8');
      expect(text.split('\r\n')[0]).toBe(
        'order_id,date,model,brand,release_year,price,region,customer_review,ram,storage,color',
      );
      expect(text).toContain(`"'=HYPERLINK(""http://evil"",""x"")"`);
      await run(['export', 'f'.repeat(64)]);
      expect(exit).toBe(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
