import { createServer, type Server } from 'node:net';
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { recordingMetrics } from '../../../test/helpers/analyst-fixtures.js';
import { expectDelivered, instantSleep, reportMessage } from '../../../test/helpers/mail-fixtures.js';
import { type SmtpSink, type SmtpSinkOptions, startSmtpSink } from '../../../test/helpers/smtp-sink.js';
import { MailSendError } from './errors.js';
import { classifySmtpError, SmtpMailer, type SmtpMailerOptions } from './mailer.smtp.js';

const sinks: SmtpSink[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function sink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const started = await startSmtpSink(options);
  sinks.push(started);
  return started;
}

/** A TCP server that accepts and says nothing, or a port where nothing listens. */
async function rawServer(behaviour: 'silent' | 'closed'): Promise<number> {
  const server = createServer(() => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  if (behaviour === 'closed') await new Promise((resolve) => server.close(resolve));
  else servers.push(server);
  return port;
}

function mailer(port: number, options: Partial<SmtpMailerOptions> = {}) {
  const time = instantSleep();
  const metrics = recordingMetrics();
  const smtp = new SmtpMailer({
    host: '127.0.0.1',
    port,
    sleep: time.sleep,
    random: () => 0.5,
    metrics,
    connectionTimeoutMs: 2_000,
    ...options,
  });
  return { smtp, waits: time.waits, metrics };
}

async function sendError(smtp: SmtpMailer): Promise<MailSendError> {
  const error = await smtp.send(reportMessage()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MailSendError);
  return error as MailSendError;
}

describe('SmtpMailer', () => {
  it('delivers the message to the server with the envelope of its recipients', async () => {
    const server = await sink();
    const message = reportMessage();
    const { smtp, metrics } = mailer(server.port);

    const sent = await smtp.send(message);

    expect(server.messages).toHaveLength(1);
    const [received] = server.messages;
    expect(received?.from).toBe('sluice@example.test');
    expect(received?.to).toEqual(['ops@example.test', 'jane@example.test']);
    const parsed = await expectDelivered(received!.raw, message);
    expect(sent).toEqual({ messageId: parsed.messageId, mailer: 'smtp' });
    expect(metrics.total('MailRetries')).toBe(0);
  });

  it.each([
    ['421 at the greeting', { at: 'connect', code: 421 }],
    ['451 after DATA', { at: 'data', code: 451 }],
    ['452 to a recipient', { at: 'rcpt', code: 452 }],
  ] as const)(
    'survives a server that answers %s to the first attempt: one retry, one message',
    async (_t, fault) => {
      const server = await sink();
      server.failNext(1, fault);
      const { smtp, waits, metrics } = mailer(server.port);

      await smtp.send(reportMessage());

      expect(server.connections).toBe(2);
      expect(server.messages).toHaveLength(1);
      // Full jitter: random 0.5 of the first 1000 ms ceiling.
      expect(waits).toEqual([500]);
      expect(metrics.total('MailRetries')).toBe(1);
    },
  );

  it('fails at once with MAIL.REJECTED when the server answers 550 for the mailbox', async () => {
    const server = await sink();
    server.failNext(Infinity, { at: 'rcpt', code: 550, message: 'mailbox unavailable' });
    const { smtp, waits } = mailer(server.port);

    const error = await sendError(smtp);

    expect(error.code).toBe('MAIL.REJECTED');
    expect(error.retryable).toBe(false);
    expect(error.reason).toContain('550 mailbox unavailable');
    expect(error.attempts).toBe(1);
    expect(server.connections).toBe(1);
    expect(waits).toEqual([]);
  });

  it('fails at once with MAIL.REJECTED when the server refuses the content with 554', async () => {
    const server = await sink();
    server.failNext(Infinity, { at: 'data', code: 554, message: 'message content rejected' });
    const { smtp } = mailer(server.port);

    expect((await sendError(smtp)).code).toBe('MAIL.REJECTED');
    expect(server.connections).toBe(1);
  });

  it('gives up after maxAttempts with a retryable MAIL.SEND_FAILED', async () => {
    const server = await sink();
    server.failNext(Infinity, { at: 'data', code: 451, message: 'try again later' });
    const { smtp, waits, metrics } = mailer(server.port);

    const error = await sendError(smtp);

    expect(error.code).toBe('MAIL.SEND_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(4);
    expect(error.message).toContain('after 4 attempts');
    expect(server.connections).toBe(4);
    expect(server.messages).toHaveLength(0);
    expect(waits).toEqual([500, 1000, 2000]);
    expect(metrics.total('MailRetries')).toBe(3);
  });

  it('retries a refused connection', async () => {
    const { smtp, waits } = mailer(await rawServer('closed'), { maxAttempts: 2 });

    const error = await sendError(smtp);

    expect(error.code).toBe('MAIL.SEND_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.reason).toContain('ECONNREFUSED');
    expect(waits).toHaveLength(1);
  });

  it('retries a server that never greets, after the connection timeout', async () => {
    const { smtp } = mailer(await rawServer('silent'), { maxAttempts: 2, connectionTimeoutMs: 100 });

    const error = await sendError(smtp);

    expect(error.code).toBe('MAIL.SEND_FAILED');
    expect(error.attempts).toBe(2);
    expect(error.retryable).toBe(true);
  });

  it('authenticates with the configured user and password', async () => {
    const server = await sink({ auth: { user: 'sluice', pass: 's3cret' } });
    const { smtp } = mailer(server.port, { auth: { user: 'sluice', pass: 's3cret' } });

    await smtp.send(reportMessage());

    expect(server.messages[0]?.user).toBe('sluice');
  });

  it('does not retry wrong credentials', async () => {
    const server = await sink({ auth: { user: 'sluice', pass: 's3cret' } });
    const { smtp } = mailer(server.port, { auth: { user: 'sluice', pass: 'wrong' } });

    const error = await sendError(smtp);

    expect(error.code).toBe('MAIL.SEND_FAILED');
    expect(error.retryable).toBe(false);
    expect(server.connections).toBe(1);
  });

  it('refuses to send when requireTLS is set and the server offers no STARTTLS', async () => {
    const server = await sink({ auth: { user: 'sluice', pass: 's3cret' } });
    const { smtp } = mailer(server.port, { auth: { user: 'sluice', pass: 's3cret' }, requireTLS: true });

    expect((await sendError(smtp)).code).toBe('MAIL.SEND_FAILED');
    expect(server.messages).toHaveLength(0);
  });

  it('speaks implicit TLS, and accepts a self-signed certificate only when told to', async () => {
    const server = await sink({ secure: true });

    const strict = mailer(server.port, { secure: true });
    const error = await sendError(strict.smtp);
    expect(error.retryable).toBe(false);
    expect(server.messages).toHaveLength(0);

    const lax = mailer(server.port, { secure: true, tls: { rejectUnauthorized: false } });
    await lax.smtp.send(reportMessage());
    expect(server.messages).toHaveLength(1);
  });

  it('sends no Bcc for a subject that tries to inject one', async () => {
    const server = await sink();
    const { smtp } = mailer(server.port);

    await smtp.send(reportMessage({ subject: 'Report\r\nBcc: evil@x.test' }));

    const [received] = server.messages;
    expect(received?.to).toEqual(['ops@example.test', 'jane@example.test']);
    const parsed = await simpleParser(received!.raw);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.subject).toBe('Report Bcc: evil@x.test');
  });

  it('refuses an empty host, a port out of range and maxAttempts outside 1..20 when built', () => {
    expect(() => mailer(25, { host: ' ' })).toThrow('host must name the SMTP server');
    expect(() => mailer(70_000)).toThrow('between 1 and 65535 inclusive (given 70000)');
    expect(() => mailer(25, { maxAttempts: 0 })).toThrow('between 1 and 20 inclusive (given 0)');
  });
});

describe('classifySmtpError', () => {
  it.each([
    [{ code: 'EPROTOCOL', responseCode: 421 }, 'transient'],
    [{ code: 'EENVELOPE', responseCode: 503 }, 'transient'],
    [{ code: 'EENVELOPE', responseCode: 553 }, 'rejected'],
    [{ code: 'EENVELOPE', responseCode: 530 }, 'failed'],
    [{ code: 'EAUTH', responseCode: 535 }, 'failed'],
    [{ code: 'EAUTH', responseCode: 454 }, 'transient'],
    [{ code: 'ECONNECTION' }, 'transient'],
    [{ code: 'ESOCKET', originalCode: 'ECONNRESET' }, 'transient'],
    [{ code: 'ESOCKET', originalCode: 'CERT_HAS_EXPIRED' }, 'failed'],
    [{ code: 'EDNS', originalCode: 'ENOTFOUND' }, 'failed'],
  ])('reads %o as %s', (error, kind) => {
    expect(classifySmtpError(Object.assign(new Error('smtp'), error)).kind).toBe(kind);
  });
});
