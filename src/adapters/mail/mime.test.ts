import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { expectDelivered, PNG_1X1, reportMessage } from '../../../test/helpers/mail-fixtures.js';
import { errorCode } from '../../core/errors.js';
import { buildMime } from './mime.js';

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error,
  );

describe('buildMime', () => {
  it('builds multipart/alternative with the text and a related HTML part holding the inline images', async () => {
    const message = reportMessage();
    const { raw } = await buildMime(message);
    await expectDelivered(raw, message);
  });

  it('uses the given Message-ID and date, and returns the envelope as bare addresses', async () => {
    const mime = await buildMime(reportMessage(), {
      messageId: 'report.abc123@sluice',
      date: new Date('2026-01-05T10:00:00Z'),
    });
    const parsed = await simpleParser(mime.raw);
    expect(mime.messageId).toBe('<report.abc123@sluice>');
    expect(parsed.messageId).toBe('<report.abc123@sluice>');
    expect(parsed.date?.toISOString()).toBe('2026-01-05T10:00:00.000Z');
    expect(mime.envelope).toEqual({
      from: 'sluice@example.test',
      to: ['ops@example.test', 'jane@example.test'],
    });
  });

  it('accepts a Message-ID given with its angle brackets and refuses one that is not local@domain', async () => {
    expect((await buildMime(reportMessage(), { messageId: '<x.1@sluice>' })).messageId).toBe('<x.1@sluice>');
    const error = await refusal(buildMime(reportMessage(), { messageId: 'no domain\r\nBcc: evil@x.test' }));
    expect(errorCode(error)).toBe('MAIL.INVALID_MESSAGE');
  });

  it('writes CRLF line endings only, as SMTP and SES expect', async () => {
    const { raw } = await buildMime(reportMessage({ html: '<p>one</p>\n<p>two</p>', text: 'one\ntwo' }));
    const text = raw.toString('latin1');
    expect(text).toContain('\r\n');
    expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  });

  it('marks the message as automatically submitted so vacation responders do not answer it', async () => {
    const parsed = await simpleParser((await buildMime(reportMessage())).raw);
    expect(parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });

  it('keeps an attachment without a cid as a regular attachment', async () => {
    const message = reportMessage({
      attachments: [{ filename: 'data.csv', contentType: 'text/csv', content: Buffer.from('a,b\n1,2\n') }],
    });
    const parsed = await simpleParser((await buildMime(message)).raw);
    expect(parsed.attachments).toHaveLength(1);
    expect(parsed.attachments[0]?.contentDisposition).toBe('attachment');
    expect(parsed.attachments[0]?.content.toString()).toBe('a,b\n1,2\n');
  });
});

describe('buildMime against header injection', () => {
  it('folds a line break in the subject so "\\r\\nBcc: evil@x" never becomes a Bcc header', async () => {
    const mime = await buildMime(reportMessage({ subject: 'Quarterly\r\nBcc: evil@x.test' }));
    const parsed = await simpleParser(mime.raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.bcc).toBeUndefined();
    expect(parsed.subject).toBe('Quarterly Bcc: evil@x.test');
    expect(mime.raw.toString('latin1')).not.toMatch(/^Bcc:/im);
    expect(mime.envelope.to).not.toContain('evil@x.test');
  });

  it('folds a line break in a custom header value', async () => {
    const mime = await buildMime(
      reportMessage({ headers: { 'X-Sluice-Correlation-Id': 'abc\r\nBcc: evil@x.test' } }),
    );
    const parsed = await simpleParser(mime.raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.get('x-sluice-correlation-id')).toBe('abc Bcc: evil@x.test');
  });

  it.each([
    ['a recipient carrying a line break', { to: ['ops@example.test\r\nBcc: evil@x.test'] }],
    ['a recipient that is two addresses', { to: ['ops@example.test, evil@x.test'] }],
    ['a recipient that is a group', { to: ['team: ops@example.test, evil@x.test;'] }],
    ['a sender carrying a line break', { from: 'sluice@example.test\nBcc: evil@x.test' }],
    ['no recipient at all', { to: [] }],
    ['a custom header named Bcc', { headers: { Bcc: 'evil@x.test' } }],
    ['a custom header name with a colon', { headers: { 'X-A: b\r\nBcc': 'evil@x.test' } }],
    [
      'an attachment whose content type carries a line break',
      {
        attachments: [{ filename: 'x.png', contentType: 'image/png\r\nBcc: evil@x.test', content: PNG_1X1 }],
      },
    ],
    [
      'an inline image whose cid carries a line break',
      {
        attachments: [
          { filename: 'x.png', contentType: 'image/png', content: PNG_1X1, cid: 'a\r\nBcc: e@x' },
        ],
      },
    ],
  ])('refuses %s with MAIL.INVALID_MESSAGE', async (_title, overrides) => {
    const error = await refusal(buildMime(reportMessage(overrides)));
    expect(errorCode(error)).toBe('MAIL.INVALID_MESSAGE');
  });
});
