/**
 * Shared by the mail adapters' tests (never imported by production code): a
 * report-like message with inline images, and the assertions every mailer's
 * output must pass once parsed back with mailparser.
 */
import { type AddressObject, type ParsedMail, simpleParser } from 'mailparser';
import { expect } from 'vitest';
import type { MailMessage } from '../../src/core/ports.js';

/** A valid 1×1 RGBA PNG (70 bytes). */
export const PNG_1X1 = Buffer.from(
  '89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489' +
    '0000000d4944415478da63d0cadffa1f000463024e2457976a0000000049454e44ae426082',
  'hex',
);

export const CORRELATION_ID = 'a1b2c3d4e5f6:req-42';

export function reportMessage(overrides: Partial<MailMessage> = {}): MailMessage {
  return {
    from: 'sluice <sluice@example.test>',
    to: ['ops@example.test', 'Jane Doe <jane@example.test>'],
    subject: '[sluice] twelvedata-ohlcv: AAPL up 3.2 % — été calme',
    html: [
      '<!doctype html><html><body>',
      '<h1>AAPL up 3.2 %</h1>',
      '<img src="cid:chart-close@sluice" alt="close">',
      '<img src="cid:chart-volume@sluice" alt="volume">',
      '</body></html>',
    ].join('\n'),
    text: 'AAPL up 3.2 %\nClose and volume charts are in the HTML version.',
    attachments: [
      { filename: 'close.png', contentType: 'image/png', content: PNG_1X1, cid: 'chart-close@sluice' },
      { filename: 'volume.png', contentType: 'image/png', content: PNG_1X1, cid: 'chart-volume@sluice' },
    ],
    headers: { 'X-Sluice-Correlation-Id': CORRELATION_ID },
    ...overrides,
  };
}

const addresses = (field: AddressObject | AddressObject[] | undefined): string[] =>
  [field ?? []].flat().flatMap((group) => group.value.map((mailbox) => mailbox.address ?? ''));

/** Parses raw MIME and checks it carries `message` whole: structure, headers, bodies and inline images. */
export async function expectDelivered(raw: Buffer, message: MailMessage): Promise<ParsedMail> {
  const parsed = await simpleParser(raw, { keepCidLinks: true });
  const contentType = parsed.headers.get('content-type') as { value: string } | undefined;
  expect(contentType?.value).toBe('multipart/alternative');
  expect(parsed.subject).toBe(message.subject);
  expect(addresses(parsed.from)).toEqual(['sluice@example.test']);
  expect(addresses(parsed.to)).toEqual(['ops@example.test', 'jane@example.test']);
  expect(parsed.headers.get('x-sluice-correlation-id')).toBe(CORRELATION_ID);
  expect(parsed.messageId).toMatch(/^<[^<>\s]+@[^<>\s]+>$/);
  expect(parsed.text?.trim()).toBe(message.text);
  expect(parsed.html).toContain('<h1>AAPL up 3.2 %</h1>');

  const referenced = [...(parsed.html || '').matchAll(/cid:([^"]+)"/g)].map((match) => match[1]);
  expect(referenced).toEqual(['chart-close@sluice', 'chart-volume@sluice']);
  expect(parsed.attachments.map((attachment) => attachment.cid)).toEqual(referenced);
  for (const attachment of parsed.attachments) {
    expect(attachment.contentType).toBe('image/png');
    expect(attachment.contentDisposition).toBe('inline');
    expect(attachment.related).toBe(true);
    expect(attachment.content.equals(PNG_1X1)).toBe(true);
  }
  return parsed;
}

/** `sleep` that returns at once and remembers what it was asked to wait. */
export function instantSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return {
    waits,
    sleep: async (ms) => {
      waits.push(ms);
    },
  };
}
