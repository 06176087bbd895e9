/**
 * A loopback stand-in for Amazon SES v2 SendEmail (REST-JSON,
 * `POST /v2/email/outbound-emails`) for the real SDK client to talk to. It does
 * not check signatures, accepts every well-formed call unless failures were
 * scripted, and keeps the raw MIME of each accepted message decoded.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESv2Client } from '@aws-sdk/client-sesv2';

export const SEND_EMAIL_PATH = '/v2/email/outbound-emails';

export interface SesRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The JSON body, or the text when it is not JSON. */
  readonly body: unknown;
}

export interface SesSent {
  readonly messageId: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly configurationSetName?: string;
  /** Content.Raw.Data, base64-decoded. */
  readonly raw: Buffer;
}

export type SesReply =
  /** SES's error shape: the status, the type in `x-amzn-errortype`, `{ message }` as the body. */
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message: string }
  /** Drops the connection without a response. */
  | { readonly kind: 'reset' }
  /** Never answers: the client's timeout has to fire. */
  | { readonly kind: 'hang' };

const error = (status: number, type: string, message: string): SesReply => ({
  kind: 'error',
  status,
  type,
  message,
});

/** The failures SES answers SendEmail with, worded as SES words them. */
export const sesFailure = {
  throttled: () => error(429, 'TooManyRequestsException', 'Too many requests.'),
  rateExceeded: () => error(400, 'LimitExceededException', 'Maximum sending rate exceeded.'),
  dailyQuota: () => error(400, 'LimitExceededException', 'Daily message quota exceeded.'),
  rejected: (message = 'Email address is not verified.') => error(400, 'MessageRejected', message),
  sendingPaused: () => error(400, 'SendingPausedException', 'Sending is paused for this account.'),
  internal: () => error(500, 'InternalServiceErrorException', 'Internal error.'),
  reset: (): SesReply => ({ kind: 'reset' }),
  hang: (): SesReply => ({ kind: 'hang' }),
};

export interface SesServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: readonly SesRequest[];
  readonly sent: readonly SesSent[];
  /** The next well-formed calls get these replies, in order; later ones succeed. */
  failNext(...replies: SesReply[]): void;
  /** Drops the scripted replies not used yet and says how many there were. */
  reset(): number;
  close(): Promise<void>;
}

interface SendEmailBody {
  FromEmailAddress?: unknown;
  Destination?: { ToAddresses?: unknown };
  Content?: { Raw?: { Data?: unknown } };
  ConfigurationSetName?: unknown;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string');

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The accepted message in a SendEmail body, or why the body is not one SES would take. */
function readSendEmail(body: unknown): Omit<SesSent, 'messageId'> | string {
  const { FromEmailAddress, Destination, Content, ConfigurationSetName } = (body ?? {}) as SendEmailBody;
  const data = Content?.Raw?.Data;
  if (typeof FromEmailAddress !== 'string') return 'FromEmailAddress is required';
  if (!isStringArray(Destination?.ToAddresses)) return 'Destination.ToAddresses is required';
  if (typeof data !== 'string' || !BASE64.test(data)) return 'Content.Raw.Data must be base64';
  return {
    from: FromEmailAddress,
    to: Destination.ToAddresses,
    raw: Buffer.from(data, 'base64'),
    ...(typeof ConfigurationSetName === 'string' ? { configurationSetName: ConfigurationSetName } : {}),
  };
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'test-request',
    ...headers,
  });
  res.end(text);
}

const answerError = (res: ServerResponse, status: number, type: string, message: string) =>
  answer(
    res,
    status,
    { message },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.ses/` },
  );

export async function startSesServer(): Promise<SesServer> {
  const requests: SesRequest[] = [];
  const sent: SesSent[] = [];
  const queue: SesReply[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = parse(Buffer.concat(chunks).toString('utf8'));
      const path = req.url ?? '';
      requests.push({ method: req.method ?? '', path, headers: req.headers, body });
      if (req.method !== 'POST' || path !== SEND_EMAIL_PATH) {
        return answerError(res, 404, 'NotFoundException', `test server: no route for ${req.method} ${path}`);
      }
      const message = readSendEmail(body);
      if (typeof message === 'string') return answerError(res, 400, 'BadRequestException', message);
      const reply = queue.shift();
      if (reply?.kind === 'hang') return;
      if (reply?.kind === 'reset') return req.socket.destroy();
      if (reply?.kind === 'error') return answerError(res, reply.status, reply.type, reply.message);
      const messageId = `0100019b-test-${String(sent.length + 1).padStart(4, '0')}`;
      sent.push({ messageId, ...message });
      answer(res, 200, { MessageId: messageId });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    sent,
    failNext: (...replies) => {
      queue.push(...replies);
    },
    reset: () => queue.splice(0).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((closeError) => (closeError ? reject(closeError) : resolve()));
      }),
  };
}

/** The real SDK client, pointed at the loopback server, with SDK retries off as in production. */
export const sesClientFor = (server: SesServer): SESv2Client =>
  new SESv2Client({
    region: 'eu-west-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
