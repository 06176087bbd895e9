/**
 * The one place a MailMessage becomes MIME bytes. Every mailer (outbox, SMTP,
 * SES) sends what this builds, so a report looks the same whichever way it went.
 *
 * Layout (nodemailer's): multipart/alternative of text/plain and a
 * multipart/related holding the HTML and its inline `cid:` images, so clients
 * that show the text never list the charts as attachments. Attachments without
 * a cid go in an outer multipart/mixed.
 */
import MailComposer from 'nodemailer/lib/mail-composer';
import type { MailMessage } from '../../core/ports.js';
import { parseMailbox } from './address.js';
import { InvalidMailError } from './errors.js';

export interface MimeOptions {
  /** Message-ID, with or without angle brackets; a retry that passes the same one lets clients drop the duplicate. @default random, at the sender's domain */
  readonly messageId?: string;
  /** @default now */
  readonly date?: Date;
}

export interface BuiltMime {
  readonly raw: Buffer;
  /** The Message-ID header, angle brackets included. */
  readonly messageId: string;
  /** Bare addresses for the SMTP envelope. */
  readonly envelope: { readonly from: string; readonly to: readonly string[] };
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: a line break in a header value would start a new header
const HEADER_BREAKERS = /[\u0000-\u0008\u000a-\u001f\u007f]+/g;
// RFC 5322 field name: printable ASCII but the colon.
const FIELD_NAME = /^[!-9;-~]+$/;
// Headers the message's own fields set; a custom one would contradict them or add recipients.
const RESERVED_HEADERS = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'content-disposition',
  'content-id',
  'return-path',
  'received',
]);
const MESSAGE_ID = /^<?([!-;=?-~]+@[!-;=?-~]+)>?$/;
const CONTENT_ID = /^[!-;=?-~]+$/;
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/i;

/** Text for a header: line breaks folded to a space, so nothing after them can become a header. */
const oneLine = (value: string): string => value.replace(HEADER_BREAKERS, ' ');

function mailbox(field: string, text: string) {
  const parsed = parseMailbox(text);
  if (parsed === undefined) {
    throw new InvalidMailError(
      `${field} must be one mailbox such as a@example.com (given ${JSON.stringify(text)})`,
    );
  }
  return parsed;
}

function customHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const checked: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!FIELD_NAME.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new InvalidMailError(`refused custom header name ${JSON.stringify(name)}`);
    }
    checked[name] = oneLine(value);
  }
  return checked;
}

function messageIdOf(given: string | undefined): string | undefined {
  if (given === undefined) return undefined;
  const id = MESSAGE_ID.exec(given)?.[1];
  if (id === undefined) {
    throw new InvalidMailError(`messageId must look like local@domain (given ${JSON.stringify(given)})`);
  }
  return `<${id}>`;
}

function attachmentsOf(message: MailMessage) {
  return message.attachments.map((attachment) => {
    const { filename, contentType, content, cid } = attachment;
    if (!MIME_TYPE.test(contentType)) {
      throw new InvalidMailError(`attachment ${JSON.stringify(filename)} has an invalid content type`);
    }
    if (cid !== undefined && !CONTENT_ID.test(cid)) {
      throw new InvalidMailError(`attachment ${JSON.stringify(filename)} has an invalid cid`);
    }
    return {
      filename: oneLine(filename),
      contentType,
      content: Buffer.from(content.buffer, content.byteOffset, content.byteLength),
      ...(cid === undefined ? {} : { cid, contentDisposition: 'inline' }),
    };
  });
}

/** Builds the message's MIME; throws InvalidMailError for input that could forge headers or recipients. */
export async function buildMime(message: MailMessage, options: MimeOptions = {}): Promise<BuiltMime> {
  const from = mailbox('from', message.from);
  if (message.to.length === 0) throw new InvalidMailError('a message needs at least one recipient');
  const to = message.to.map((recipient) => mailbox('to', recipient));
  const composer = new MailComposer({
    from,
    to,
    subject: oneLine(message.subject),
    messageId: messageIdOf(options.messageId),
    date: options.date ?? new Date(),
    text: message.text,
    html: message.html,
    // RFC 3834: a report is machine-sent, so vacation responders stay quiet.
    headers: { 'Auto-Submitted': 'auto-generated', ...customHeaders(message.headers ?? {}) },
    attachments: attachmentsOf(message),
    // CRLF everywhere: the bytes on disk, over SMTP and through SES are the same.
    newline: 'win',
    // Content is always given as bytes; never let a string be read as a path or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  const root = composer.compile();
  return {
    raw: await root.build(),
    messageId: root.messageId(),
    envelope: { from: from.address, to: to.map((recipient) => recipient.address) },
  };
}
