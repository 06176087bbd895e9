/**
 * The local default Mailer: nothing leaves the machine. Each message becomes
 * `<dir>/<time>-<message-id>.eml` (the exact MIME the SMTP and SES mailers
 * would send; any mail client opens it) and a `.html` beside it that a browser
 * shows with its charts.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type InlineImage, inlineCidImages } from '../../core/notify/preview.js';
import {
  type Clock,
  type Logger,
  type MailAttachment,
  type Mailer,
  type MailMessage,
  type SentMail,
  silentLogger,
  systemClock,
} from '../../core/ports.js';
import { buildMime } from './mime.js';

export interface OutboxMailerOptions {
  /** Created when missing. */
  readonly dir: string;
  /** Stamps the Date header and the file names. @default systemClock */
  readonly clock?: Clock;
  /** @default silentLogger */
  readonly logger?: Logger;
}

/** The inline images of a message, for the preview to resolve its `cid:` references against. */
const inlineImages = (attachments: readonly MailAttachment[]): InlineImage[] =>
  attachments.flatMap(({ cid, content, contentType }) =>
    cid === undefined ? [] : [{ cid, content, contentType }],
  );

/** `2026-01-05T10-00-00-000Z`: sorts by time and is a valid file name everywhere (no colons). */
const stamp = (date: Date): string => date.toISOString().replace(/[:.]/g, '-');

/** The Message-ID without brackets, reduced to characters every file system takes. */
const fileSafe = (messageId: string): string =>
  messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9._-]+/g, '_')
    .slice(0, 120);

/** Readers see the whole file or none: written beside the target, then renamed over it. */
async function writeAtomically(file: string, data: string | Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.${randomUUID()}.tmp`);
  try {
    await writeFile(temp, data, { flag: 'wx' });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export class OutboxMailer implements Mailer {
  readonly name = 'outbox';
  readonly #dir: string;
  readonly #clock: Clock;
  readonly #logger: Logger;

  constructor(options: OutboxMailerOptions) {
    this.#dir = path.resolve(options.dir);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger ?? silentLogger;
  }

  async send(message: MailMessage): Promise<SentMail> {
    const date = new Date(this.#clock.now());
    const mime = await buildMime(message, { messageId: message.messageId, date });
    const base = path.join(this.#dir, `${stamp(date)}-${fileSafe(mime.messageId)}`);
    const files = { eml: `${base}.eml`, html: `${base}.html` };
    await mkdir(this.#dir, { recursive: true });
    // The preview first: once the .eml shows up, its preview is already there.
    await writeAtomically(files.html, inlineCidImages(message.html, inlineImages(message.attachments)));
    await writeAtomically(files.eml, mime.raw);
    this.#logger.info('mail written to the outbox', {
      mailer: this.name,
      messageId: mime.messageId,
      ...files,
    });
    return { messageId: mime.messageId, mailer: this.name, files };
  }
}
