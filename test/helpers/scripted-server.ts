/**
 * An HTTP server on a random loopback port that answers from a queue the test
 * scripts, and records every request. HTTP/1.1 for fetch, cleartext HTTP/2 for
 * the Bedrock Runtime SDK client (its default handler speaks only HTTP/2). The
 * protocol-specific helpers (bedrock-server.ts, openai-server.ts) build the replies.
 */
import { createServer as createHttp1Server, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2Session,
  constants as http2,
} from 'node:http2';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** Raw path as sent, percent-encoding kept. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The body parsed as JSON, or the raw text when it is not JSON. */
  readonly body: unknown;
}

export type ScriptedReply =
  | {
      readonly kind: 'reply';
      readonly status: number;
      readonly body: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Never answers: the client's timeout has to fire. */
  | { readonly kind: 'hang' }
  /** Drops the connection without a response. */
  | { readonly kind: 'reset' };

export const jsonReply = (
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): ScriptedReply => ({
  kind: 'reply',
  status,
  body: JSON.stringify(body),
  headers: { 'content-type': 'application/json', ...headers },
});

export interface ScriptedServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly requests: readonly RecordedRequest[];
  enqueue(...replies: ScriptedReply[]): void;
  /** Drops the replies not yet used and says how many there were. */
  reset(): number;
  close(): Promise<void>;
}

const parseBody = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

/** Ends a request without any response: the connection (HTTP/1.1) or the stream (HTTP/2) is reset. */
const dropRequest = (req: IncomingMessage | Http2ServerRequest): void => {
  if ('stream' in req) req.stream.close(http2.NGHTTP2_INTERNAL_ERROR);
  else req.socket.destroy();
};

export async function startScriptedServer(protocol: 'http1' | 'h2c'): Promise<ScriptedServer> {
  const queue: ScriptedReply[] = [];
  const requests: RecordedRequest[] = [];
  const sessions = new Set<Http2Session>();
  const handle = (
    req: IncomingMessage | Http2ServerRequest,
    res: {
      writeHead(status: number, headers: Record<string, string | number>): unknown;
      end(body: string): unknown;
    },
  ) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: parseBody(Buffer.concat(chunks).toString('utf8')),
      });
      // An unscripted call is a test bug: answer a plain, non-retryable 400 that names it.
      const reply = queue.shift() ?? jsonReply(400, { message: 'test server: no scripted reply left' });
      if (reply.kind === 'hang') return;
      if (reply.kind === 'reset') return dropRequest(req);
      res.writeHead(reply.status, { ...reply.headers, 'content-length': Buffer.byteLength(reply.body) });
      res.end(reply.body);
    });
  };
  const server = protocol === 'h2c' ? createHttp2Server(handle) : createHttp1Server(handle);
  if (protocol === 'h2c') {
    server.on('session', (session: Http2Session) => {
      sessions.add(session);
      session.on('close', () => sessions.delete(session));
    });
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    enqueue: (...replies) => {
      queue.push(...replies);
    },
    reset: () => queue.splice(0).length,
    close: () =>
      new Promise<void>((resolve, reject) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        for (const session of sessions) session.destroy();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
