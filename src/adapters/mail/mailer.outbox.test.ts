import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectDelivered, PNG_1X1, reportMessage } from '../../../test/helpers/mail-fixtures.js';
import { errorCode } from '../../core/errors.js';
import { OutboxMailer } from './mailer.outbox.js';

const NOW = Date.parse('2026-01-05T10:00:00Z');
const clock = { now: () => NOW };

let root: string;
let dir: string;

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'sluice-outbox-'));
  dir = path.join(root, 'data', 'outbox');
});
afterEach(() => rm(root, { recursive: true, force: true }));

describe('OutboxMailer', () => {
  it('writes the message as an .eml that parses back with its text, HTML and inline images', async () => {
    const message = reportMessage();
    const sent = await new OutboxMailer({ dir, clock }).send(message);

    expect(sent.mailer).toBe('outbox');
    expect(sent.files?.eml).toMatch(/\.eml$/);
    const parsed = await expectDelivered(await readFile(sent.files!.eml), message);
    expect(parsed.messageId).toBe(sent.messageId);
    expect(parsed.date?.getTime()).toBe(NOW);
  });

  it('names the files after the time and the Message-ID, next to each other', async () => {
    const sent = await new OutboxMailer({ dir, clock }).send({
      ...reportMessage(),
      messageId: 'r-42@sluice',
    });

    expect(sent.messageId).toBe('<r-42@sluice>');
    expect(sent.files).toEqual({
      eml: path.join(dir, '2026-01-05T10-00-00-000Z-r-42_sluice.eml'),
      html: path.join(dir, '2026-01-05T10-00-00-000Z-r-42_sluice.html'),
    });
  });

  it('writes an .html preview whose images are data: URIs, so a browser shows the charts', async () => {
    const sent = await new OutboxMailer({ dir, clock }).send(reportMessage());
    const html = await readFile(sent.files!.html, 'utf8');

    expect(html).not.toContain('cid:');
    const dataUri = `data:image/png;base64,${PNG_1X1.toString('base64')}`;
    expect(html.split(dataUri)).toHaveLength(3);
    expect(html).toContain('<h1>AAPL up 3.2 %</h1>');
  });

  it('leaves a cid: that no image answers as it is', async () => {
    const sent = await new OutboxMailer({ dir, clock }).send(
      reportMessage({ html: '<img src="cid:missing@sluice">', attachments: [] }),
    );
    expect(await readFile(sent.files!.html, 'utf8')).toBe('<img src="cid:missing@sluice">');
  });

  it('creates the folder and leaves only the two files in it, no temporary ones', async () => {
    const mailer = new OutboxMailer({ dir, clock });
    await mailer.send(reportMessage());
    await mailer.send(reportMessage());

    const names = await readdir(dir);
    expect(names).toHaveLength(4);
    expect(names.filter((name) => !/\.(eml|html)$/.test(name) || name.startsWith('.'))).toEqual([]);
  });

  it('writes nothing for a message it refuses', async () => {
    const error = await new OutboxMailer({ dir, clock })
      .send(reportMessage({ to: ['ops@example.test\r\nBcc: evil@x.test'] }))
      .catch((e: unknown) => e);

    expect(errorCode(error)).toBe('MAIL.INVALID_MESSAGE');
    await expect(readdir(dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
