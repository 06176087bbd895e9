/**
 * A loopback stand-in for Amazon EventBridge PutEvents (AWS JSON 1.1: `POST /`
 * with `X-Amz-Target: AWSEvents.PutEvents`) for the real SDK client to talk to.
 * It does not check signatures, records every call's entries, and answers from a
 * script: per-entry failures in a 200 (as EventBridge does), or a whole-call error.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export const PUT_EVENTS_TARGET = 'AWSEvents.PutEvents';

export interface RecordedEntry {
  readonly Source: string;
  readonly DetailType: string;
  readonly Detail: string;
  readonly EventBusName?: string;
  readonly TraceHeader?: string;
}

export type PutEventsReply =
  /** A 200 in which the entries at these indexes fail with these codes; the others succeed. */
  | { readonly kind: 'entries'; readonly errors: Readonly<Record<number, string>> }
  /** A whole-call error: the status, and `__type` in the JSON body. */
  | { readonly kind: 'error'; readonly status: number; readonly type: string; readonly message: string }
  /** Never answers (the call is recorded): the caller hangs as on a stalled network. */
  | { readonly kind: 'hang' };

export const putEventsReply = {
  failEntries: (errors: Readonly<Record<number, string>>): PutEventsReply => ({ kind: 'entries', errors }),
  throttled: (): PutEventsReply => ({
    kind: 'error',
    status: 400,
    type: 'ThrottlingException',
    message: 'Rate exceeded',
  }),
  internal: (): PutEventsReply => ({
    kind: 'error',
    status: 500,
    type: 'InternalException',
    message: 'oops',
  }),
  hang: (): PutEventsReply => ({ kind: 'hang' }),
  accessDenied: (): PutEventsReply => ({
    kind: 'error',
    status: 400,
    type: 'AccessDeniedException',
    message: 'not allowed',
  }),
};

export interface EventBridgeServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** The entries of each PutEvents call, in call order. */
  readonly calls: ReadonlyArray<readonly RecordedEntry[]>;
  /** Entries the server accepted, in order. */
  readonly accepted: readonly RecordedEntry[];
  /** The next calls get these replies, in order; later ones succeed. */
  failNext(...replies: PutEventsReply[]): void;
  close(): Promise<void>;
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/x-amz-json-1.1',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': 'test-request',
  });
  res.end(text);
}

export async function startEventBridgeServer(): Promise<EventBridgeServer> {
  const calls: RecordedEntry[][] = [];
  const accepted: RecordedEntry[] = [];
  const queue: PutEventsReply[] = [];
  let nextId = 1;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST' || req.headers['x-amz-target'] !== PUT_EVENTS_TARGET) {
        return answer(res, 400, {
          __type: 'UnknownOperationException',
          message: 'test server: PutEvents only',
        });
      }
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { Entries?: RecordedEntry[] };
      const entries = body.Entries ?? [];
      calls.push(entries);
      const reply = queue.shift();
      if (reply?.kind === 'hang') return;
      if (reply?.kind === 'error')
        return answer(res, reply.status, { __type: reply.type, message: reply.message });
      const errors = reply?.errors ?? {};
      const results = entries.map((entry, i) => {
        const code = errors[i];
        if (code !== undefined) return { ErrorCode: code, ErrorMessage: `scripted ${code}` };
        accepted.push(entry);
        return { EventId: `event-${nextId++}` };
      });
      answer(res, 200, {
        FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length,
        Entries: results,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    accepted,
    failNext: (...replies) => {
      queue.push(...replies);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
