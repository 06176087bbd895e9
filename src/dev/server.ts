/**
 * The dev server: the dashboard's static files, its JSON API
 * (`./api-contract.ts`), server-sent run events and `POST /ingest` with the
 * API Gateway handler's validation and answers. Hono on Node's http server,
 * bound to loopback only: nothing here asks who is calling.
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
import { errorMessage, SluiceError } from '../core/errors.js';
import type { Logger, ObjectStore, StateStore } from '../core/ports.js';
import type { RunSummary } from './api-contract.js';
import type { RunBook } from './run-book.js';
import type { RunDetails } from './run-details.js';
import { rememberUploadName, UPLOAD_NAME_HEADER, uploadNameFrom } from './upload-names.js';

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
export const REPORT_CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox";

export const SSE_KEEPALIVE_MS = 15_000;

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
    backend.logger.error('dev server request failed', { path: c.req.path, error: errorMessage(error) });
    return c.json(INTERNAL_ERROR_BODY, 500);
  });
  app.notFound((c) => c.json(errorBody('DEV.NOT_FOUND', `nothing at ${c.req.method} ${c.req.path}`), 404));

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

  app.get('/api/events', (c) =>
    streamSSE(c, async (stream) => {
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
    }),
  );

  app.post(
    '/ingest',
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
        { maxBytes: backend.maxUploadBytes },
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
