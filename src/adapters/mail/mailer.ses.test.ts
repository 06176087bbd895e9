import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { recordingMetrics } from '../../../test/helpers/analyst-fixtures.js';
import { expectDelivered, instantSleep, reportMessage } from '../../../test/helpers/mail-fixtures.js';
import {
  SEND_EMAIL_PATH,
  type SesServer,
  sesClientFor,
  sesFailure,
  startSesServer,
} from '../../../test/helpers/ses-server.js';
import { MailSendError } from './errors.js';
import { classifySesError, createSesClient, SesMailer, type SesMailerOptions } from './mailer.ses.js';

let server: SesServer;
let requestsBefore: number;
let sentBefore: number;

beforeAll(async () => {
  server = await startSesServer();
});
afterAll(() => server.close());
// One server for the file: each test looks only at what it caused, and uses every failure it scripted.
beforeEach(() => {
  requestsBefore = server.requests.length;
  sentBefore = server.sent.length;
});
afterEach(() => {
  expect(server.reset()).toBe(0);
});

const requestsOfThisTest = () => server.requests.slice(requestsBefore);
const sentInThisTest = () => server.sent.slice(sentBefore);

function mailer(options: Partial<SesMailerOptions> = {}) {
  const time = instantSleep();
  const metrics = recordingMetrics();
  const ses = new SesMailer({
    client: sesClientFor(server),
    sleep: time.sleep,
    random: () => 0.5,
    metrics,
    ...options,
  });
  return { ses, waits: time.waits, metrics };
}

async function sendError(ses: SesMailer): Promise<MailSendError> {
  const error = await ses.send(reportMessage()).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(MailSendError);
  return error as MailSendError;
}

describe('SesMailer', () => {
  it('sends the raw MIME through SendEmail and returns the SES message id', async () => {
    const message = reportMessage();
    const { ses, metrics } = mailer();

    const sent = await ses.send(message);

    const [request] = requestsOfThisTest();
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(SEND_EMAIL_PATH);
    expect(request?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=test\/\d{8}\/eu-west-1\/ses\//,
    );
    expect(request?.body).toMatchObject({
      FromEmailAddress: 'sluice@example.test',
      Destination: { ToAddresses: ['ops@example.test', 'jane@example.test'] },
    });
    expect(request?.body).not.toHaveProperty('ConfigurationSetName');
    const [accepted] = sentInThisTest();
    await expectDelivered(accepted!.raw, message);
    expect(sent).toEqual({ messageId: accepted?.messageId, mailer: 'ses' });
    expect(metrics.total('SesRetries')).toBe(0);
    expect(metrics.total('SesThrottled')).toBe(0);
  });

  it('names the configuration set when one is configured', async () => {
    const { ses } = mailer({ configurationSetName: 'sluice-reports' });
    await ses.send(reportMessage());
    expect(sentInThisTest()[0]?.configurationSetName).toBe('sluice-reports');
  });

  it('retries a throttled call after a full-jitter wait and sends the message once', async () => {
    server.failNext(sesFailure.throttled());
    const { ses, waits, metrics } = mailer();

    await ses.send(reportMessage());

    expect(requestsOfThisTest()).toHaveLength(2);
    expect(sentInThisTest()).toHaveLength(1);
    expect(waits).toEqual([500]);
    expect(metrics.total('SesRetries')).toBe(1);
    expect(metrics.total('SesThrottled')).toBe(1);
  });

  it('retries the sending-rate limit, a 500 and a dropped connection', async () => {
    server.failNext(sesFailure.rateExceeded(), sesFailure.internal(), sesFailure.reset());
    const { ses, metrics } = mailer({ maxAttempts: 4 });

    await ses.send(reportMessage());

    expect(sentInThisTest()).toHaveLength(1);
    expect(metrics.total('SesRetries')).toBe(3);
    expect(metrics.total('SesThrottled')).toBe(1);
  });

  it('retries a call that outlives its timeout', async () => {
    server.failNext(sesFailure.hang());
    const { ses } = mailer({ timeoutMs: 200 });

    await ses.send(reportMessage());

    expect(sentInThisTest()).toHaveLength(1);
  });

  it('fails at once with MAIL.REJECTED and the reason on MessageRejected', async () => {
    server.failNext(sesFailure.rejected('Email address is not verified: ops@example.test'));
    const { ses, waits } = mailer();

    const error = await sendError(ses);

    expect(error.code).toBe('MAIL.REJECTED');
    expect(error.retryable).toBe(false);
    expect(error.reason).toBe('MessageRejected: Email address is not verified: ops@example.test');
    expect(requestsOfThisTest()).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('fails at once with MAIL.REJECTED when sending is paused for the account', async () => {
    server.failNext(sesFailure.sendingPaused());
    const error = await sendError(mailer().ses);
    expect(error.code).toBe('MAIL.REJECTED');
    expect(error.reason).toContain('SendingPausedException');
  });

  it('does not retry the daily quota, which no short wait restores', async () => {
    server.failNext(sesFailure.dailyQuota());
    const error = await sendError(mailer().ses);
    expect(error.code).toBe('MAIL.SEND_FAILED');
    expect(error.retryable).toBe(false);
    expect(requestsOfThisTest()).toHaveLength(1);
  });

  it('gives up after maxAttempts throttled calls with a retryable MAIL.SEND_FAILED', async () => {
    server.failNext(sesFailure.throttled(), sesFailure.throttled(), sesFailure.throttled());
    const { ses, waits, metrics } = mailer({ maxAttempts: 3 });

    const error = await sendError(ses);

    expect(error.code).toBe('MAIL.SEND_FAILED');
    expect(error.retryable).toBe(true);
    expect(error.attempts).toBe(3);
    expect(waits).toEqual([500, 1000]);
    expect(metrics.total('SesRetries')).toBe(2);
    expect(metrics.total('SesThrottled')).toBe(3);
    expect(sentInThisTest()).toHaveLength(0);
  });

  it('sends no Bcc for a subject that tries to inject one', async () => {
    const { ses } = mailer();
    await ses.send(reportMessage({ subject: 'Report\r\nBcc: evil@x.test' }));
    const [accepted] = sentInThisTest();
    expect(accepted?.to).toEqual(['ops@example.test', 'jane@example.test']);
    expect(accepted?.raw.toString('latin1')).not.toMatch(/^Bcc:/im);
  });
});

describe('createSesClient', () => {
  it('turns the SDK retries off, so the adapter counts every attempt', async () => {
    const client = createSesClient({ region: 'eu-west-1', endpoint: server.url });
    expect(await client.config.maxAttempts()).toBe(1);
    expect(await client.config.region()).toBe('eu-west-1');
  });
});

describe('classifySesError', () => {
  const sdkError = (name: string, message: string, status?: number) =>
    Object.assign(new Error(message), {
      name,
      ...(status === undefined ? {} : { $metadata: { httpStatusCode: status } }),
    });

  it.each([
    [sdkError('MailFromDomainNotVerifiedException', 'not verified', 400), 'rejected'],
    [sdkError('AccountSuspendedException', 'suspended', 400), 'rejected'],
    [sdkError('LimitExceededException', 'Maximum sending rate exceeded.', 400), 'transient'],
    [sdkError('LimitExceededException', 'Too many instances of the resource.', 400), 'failed'],
    [sdkError('BadRequestException', 'bad', 400), 'failed'],
    [sdkError('Unknown', 'bad gateway', 502), 'transient'],
    [sdkError('AbortError', 'aborted'), 'transient'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'transient'],
  ])('reads %s as %s', (error, kind) => {
    expect(classifySesError(error).kind).toBe(kind);
  });
});
