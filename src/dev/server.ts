/**
 * The dev server: the dashboard's static files, its JSON API
 * (`./api-contract.ts`), server-sent run events and `POST /ingest` with the
 * API Gateway handler's validation and answers. Hono on Node's http server,
 * bound to loopback only, answering only to loopback Host names on its own port
 * (DNS rebinding) and refusing state changes from foreign origins (CSRF).
 */

import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { type ServerType, serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { type Context, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { streamSSE } from 'hono/streaming';
import { z } from 'zod';
import {
  type AcceptedUpload,
  ApiError,
  acceptedBody,
  acceptUpload,
  INTERNAL_ERROR_BODY,
} from '../core/api/accept-upload.js';
import type { ContractSet } from '../core/datasets/registry.js';
import { errorMessage, SluiceError } from '../core/errors.js';
import type { Logger, ObjectStore, StateStore } from '../core/ports.js';
import type { RunSummary } from './api-contract.js';
import type { RunBook } from './run-book.js';
import type { RunDetails } from './run-details.js';
import { rememberUploadName, UPLOAD_NAME_HEADER, uploadNameFrom } from './upload-names.js';
import { uploadSlots } from './upload-slots.js';

/** The folder of the dashboard's static files. */
export const WEB_ROOT = fileURLToPath(new URL('../web/', import.meta.url));

/** lightweight-charts' standalone builds, so the page needs no CDN. */
function vendorFiles(): Record<string, string> {
  const dist = path.join(
    path.dirname(createRequire(import.meta.url).resolve('lightweight-charts/package.json')),
    'dist',
  );
  return {
    '/vendor/lightweight-charts.js': path.join(dist, 'lightweight-charts.standalone.production.js'),
    '/vendor/lightweight-charts.mjs': path.join(dist, 'lightweight-charts.standalone.production.mjs'),
  };
}

/** The report is the email's HTML: data URLs for images, inline styles, and nothing that runs. */
export const REPORT_CSP =
  "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'";

/**
 * Every other response: scripts and styles from this server only, no framing. The
 * dashboard frames its own reports, so those alone allow `'self'` as a frame ancestor.
 */
export const DASHBOARD_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'";

export const SSE_KEEPALIVE_MS = 15_000;

/** Open event streams at once; each holds a socket and a subscription. */
export const MAX_EVENT_STREAMS = 64;
/** POST /ingest bodies read at once; each holds up to maxUploadBytes in memory. */
export const MAX_CONCURRENT_UPLOADS = 4;
/** POST /ingest requests waiting for a reading slot before the server answers 503. */
export const MAX_QUEUED_UPLOADS = 64;

const LOCAL_HOSTNAMES = new Set(['localhost', '127.0.0.1', '[::1]']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `localhost:4400` → hostname and port; undefined when the header is not a plain host[:port]. */
function parseHost(header: string | undefined): { hostname: string; port?: number } | undefined {
  const match =
    header === undefined ? null : /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$/.exec(header);
  if (!match?.[1]) return undefined;
  return { hostname: match[1].toLowerCase(), ...(match[2] ? { port: Number(match[2]) } : {}) };
}

/** The port this request arrived on, when the Node adapter tells (app.request() in tests does not). */
function localPortOf(c: Context): number | undefined {
  const env = c.env as { incoming?: { socket?: { localPort?: number } } } | undefined;
  return env?.incoming?.socket?.localPort;
}

/** How long `close()` waits for open responses to end before cutting their connections. */
const CLOSE_GRACE_MS = 1000;

export interface DevBackend {
  readonly book: RunBook;
  readonly details: RunDetails;
  readonly store: ObjectStore;
  readonly state: StateStore;
  readonly logger: Logger;
  /** Largest POST /ingest body, in bytes. */
  readonly maxUploadBytes: number;
  /** The datasets an upload may name. @default BUILTINS */
  readonly contracts?: ContractSet;
  /** @default WEB_ROOT */
  readonly webRoot?: string;
  /** Told about each stored upload, so ingest need not wait for the watcher. */
  accepted(upload: AcceptedUpload): void;
}

const IdSchema = z.string().regex(/^[0-9a-f]{64}$/);
const GroupSchema = z.string().min(1).max(256);

class NotFoundError extends SluiceError {
  constructor(what: string) {
    super('DEV.NOT_FOUND', `${what} not found`);
  }
}

const errorBody = (code: string, message: string) => ({ error: { code, message } });

function runId(c: Context): string {
  const parsed = IdSchema.safeParse(c.req.param('id'));
  if (!parsed.success) throw new NotFoundError('run');
  return parsed.data;
}

const found = <T>(value: T | undefined, what: string): T => {
  if (value === undefined) throw new NotFoundError(what);
  return value;
};

export interface DevApp {
  readonly app: Hono;
  /** Ends every open event stream. */
  closeStreams(): void;
}

export function createDevApp(backend: DevBackend): DevApp {
  const { book, details } = backend;
  const app = new Hono();
  const streams = new Set<() => void>();

  app.onError((error, c) => {
    if (error instanceof ApiError) return c.json({ error: error.toJSON() }, error.status as 400);
    if (error instanceof NotFoundError) return c.json({ error: error.toJSON() }, 404);
    // A client that hung up mid-body is not a server fault; nobody reads the answer either.
    if (c.req.raw.signal.aborted) {
      backend.logger.info('client went away before its request was read', { path: c.req.path });
      return c.body(null, 499 as 400);
    }
    backend.logger.error('dev server request failed', { path: c.req.path, error: errorMessage(error) });
    return c.json(INTERNAL_ERROR_BODY, 500);
  });
  app.notFound((c) => c.json(errorBody('DEV.NOT_FOUND', `nothing at ${c.req.method} ${c.req.path}`), 404));

  // DNS rebinding: a page on attacker.example that resolves to 127.0.0.1 sends its own Host.
  // Only loopback names on this server's port are this server; anything else is misdirected.
  app.use('*', async (c, next) => {
    const host = parseHost(c.req.header('host'));
    const port = localPortOf(c);
    if (!host || !LOCAL_HOSTNAMES.has(host.hostname) || (port !== undefined && host.port !== port)) {
      return c.json(
        errorBody(
          'DEV.MISDIRECTED',
          'sluice dev answers only to localhost, 127.0.0.1 or [::1] on its own port',
        ),
        421,
      );
    }
    // A state change from a browser must come from the dashboard itself (CSRF).
    const origin = c.req.header('origin');
    const site = c.req.header('sec-fetch-site');
    const foreignOrigin = origin !== undefined && origin !== `http://${c.req.header('host')}`;
    const foreignSite = site !== undefined && site !== 'same-origin' && site !== 'none';
    if (!SAFE_METHODS.has(c.req.method) && (foreignOrigin || foreignSite)) {
      return c.json(
        errorBody('DEV.FOREIGN_ORIGIN', `requests from ${origin ?? site} may not change anything here`),
        403,
      );
    }
    await next();
    c.header('x-frame-options', c.res.headers.get('x-frame-options') ?? 'DENY');
    if (!c.res.headers.has('content-security-policy')) c.header('content-security-policy', DASHBOARD_CSP);
    c.header('x-content-type-options', 'nosniff');
    c.header('referrer-policy', 'no-referrer');
  });

  app.get('/api/runs', async (c) => c.json({ runs: await book.list() }));

  app.get('/api/runs/:id', async (c) => c.json(found(await details.detail(runId(c)), 'run')));

  app.get('/api/runs/:id/rejects.jsonl', async (c) => {
    const id = runId(c);
    const key = found(await details.rejectsKey(id), 'rejects of this run');
    const body = Readable.toWeb(Readable.from(await backend.store.getStream(key))) as ReadableStream;
    return c.body(body, 200, {
      'content-type': 'application/x-ndjson; charset=utf-8',
      'content-disposition': `attachment; filename="${id}.rejects.jsonl"`,
      'cache-control': 'no-store',
    });
  });

  app.get('/api/runs/:id/report.html', async (c) => {
    const html = found(await details.reportHtml(runId(c)), 'report of this run');
    return c.html(html, 200, {
      'content-security-policy': REPORT_CSP,
      'x-frame-options': 'SAMEORIGIN',
      'x-content-type-options': 'nosniff',
      'cache-control': 'no-store',
    });
  });

  app.get('/api/runs/:id/view', async (c) => {
    const id = runId(c);
    const group = GroupSchema.safeParse(c.req.query('group'));
    if (!group.success) {
      return c.json(
        errorBody('DEV.INVALID_REQUEST', 'give the group to show: ?group=<symbol, brand or user>'),
        400,
      );
    }
    return c.json(
      found(await details.view(id, group.data), `group ${JSON.stringify(group.data)} of this run`),
    );
  });

  app.get('/api/events', (c) => {
    if (streams.size >= MAX_EVENT_STREAMS) {
      return c.json(
        errorBody('DEV.BUSY', `${MAX_EVENT_STREAMS} event streams are open; close a dashboard tab and retry`),
        503,
        { 'retry-after': '5' },
      );
    }
    return streamSSE(c, async (stream) => {
      let end = () => {};
      const ended = new Promise<void>((resolve) => {
        end = resolve;
      });
      streams.add(end);
      stream.onAbort(end);
      const send = (run: RunSummary) => {
        stream.writeSSE({ event: 'run', data: JSON.stringify(run) }).catch(end);
      };
      const unsubscribe = book.onChange(send);
      const keepAlive = setInterval(() => {
        stream.write(': keep-alive\n\n').catch(end);
      }, SSE_KEEPALIVE_MS);
      try {
        await stream.write(': connected\n\n');
        // Runs under way now, so a page opened mid-run need not wait for their next step.
        for (const id of book.inProgress()) {
          const run = await book.summary(id);
          if (run) send(run);
        }
        await ended;
      } finally {
        clearInterval(keepAlive);
        unsubscribe();
        streams.delete(end);
      }
    });
  });

  const slots = uploadSlots({ reading: MAX_CONCURRENT_UPLOADS, waiting: MAX_QUEUED_UPLOADS });
  app.post(
    '/ingest',
    async (c, next) => {
      const release = await slots.acquire();
      if (release === undefined) {
        return c.json(
          errorBody(
            'DEV.BUSY',
            `${MAX_CONCURRENT_UPLOADS} uploads are being read and ${MAX_QUEUED_UPLOADS} are waiting; retry in a moment`,
          ),
          503,
          { 'retry-after': '2' },
        );
      }
      try {
        await next();
      } finally {
        release();
      }
    },
    bodyLimit({
      maxSize: backend.maxUploadBytes,
      onError: (c) =>
        c.json(
          errorBody('API.PAYLOAD_TOO_LARGE', `the body is over the ${backend.maxUploadBytes}-byte limit`),
          413,
        ),
    }),
    async (c) => {
      const upload = await acceptUpload(
        backend.store,
        {
          headers: c.req.header(),
          query: c.req.query(),
          body: new Uint8Array(await c.req.arrayBuffer()),
        },
        { maxBytes: backend.maxUploadBytes, ...(backend.contracts ? { contracts: backend.contracts } : {}) },
      );
      const name = uploadNameFrom(c.req.header(UPLOAD_NAME_HEADER));
      if (name !== undefined) await rememberUploadName(backend.state, upload.id, name);
      backend.accepted(upload);
      return c.json(acceptedBody(upload), 202, {
        location: `${new URL(c.req.url).origin}/api/runs/${upload.id}`,
      });
    },
  );

  for (const [route, file] of Object.entries(vendorFiles())) {
    app.get(route, serveStatic({ path: file, onFound: noStore }));
  }
  app.get('/*', serveStatic({ root: backend.webRoot ?? WEB_ROOT, onFound: noStore }));

  return {
    app,
    closeStreams() {
      for (const end of [...streams]) end();
    },
  };
}

function noStore(_path: string, c: Context): void {
  c.header('Cache-Control', 'no-store');
}

export interface ListeningServer {
  readonly url: string;
  readonly port: number;
  /** Stops accepting, closes idle and open connections. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

/** Serves `app` on a loopback address; port 0 picks a free port. */
export async function listen(app: Hono, options: { host: string; port: number }): Promise<ListeningServer> {
  if (!LOOPBACK.has(options.host)) {
    throw new SluiceError(
      'DEV.NOT_LOOPBACK',
      `sluice dev serves POST /ingest without authentication, so it binds to loopback only (127.0.0.1, ::1 or localhost; given ${options.host})`,
    );
  }
  let server: ServerType | undefined;
  const port = await new Promise<number>((resolve, reject) => {
    server = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, (info: AddressInfo) =>
      resolve(info.port),
    );
    server.once('error', reject);
  });
  const http = server as ServerType;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Open responses (event streams just told to end) get a moment to finish, their
        // keep-alive sockets are closed as soon as they turn idle, and then whatever is left goes.
        const closeIdle = () => {
          if ('closeIdleConnections' in http) http.closeIdleConnections();
        };
        const sweep = setInterval(closeIdle, 25);
        const force = setTimeout(() => {
          if ('closeAllConnections' in http) http.closeAllConnections();
        }, CLOSE_GRACE_MS);
        http.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        closeIdle();
      }),
  };
}
