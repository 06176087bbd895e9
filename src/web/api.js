/**
 * The dev server's API as the dashboard uses it; the shapes are those of
 * src/dev/api-contract.ts.
 */

export class ApiError extends Error {
  /** @param {string} code @param {string} message @param {number} status */
  constructor(code, message, status) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

/** @param {Response} response */
async function bodyOf(response) {
  const text = await response.text();
  try {
    return text === '' ? null : JSON.parse(text);
  } catch {
    return null;
  }
}

/** @param {Response} response @param {unknown} body */
function failure(response, body) {
  const error = body && typeof body === 'object' && 'error' in body ? body.error : null;
  return new ApiError(
    typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`,
    typeof error?.message === 'string' ? error.message : response.statusText || 'request failed',
    response.status,
  );
}

/** @param {string} url @param {AbortSignal} [signal] */
async function getJson(url, signal) {
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal });
  const body = await bodyOf(response);
  if (!response.ok) throw failure(response, body);
  return body;
}

const enc = encodeURIComponent;

/** @param {AbortSignal} [signal] */
export const listRuns = (signal) => getJson('/api/runs', signal);

/** @param {string} id @param {AbortSignal} [signal] */
export const getRun = (id, signal) => getJson(`/api/runs/${enc(id)}`, signal);

/** @param {string} id @param {string} group @param {AbortSignal} [signal] */
export const getGroupView = (id, group, signal) =>
  getJson(`/api/runs/${enc(id)}/view?group=${enc(group)}`, signal);

/** @param {string} id */
export const reportUrl = (id) => `/api/runs/${enc(id)}/report.html`;

const CONTENT_TYPES = [
  ['.json', 'application/json'],
  ['.csv', 'text/csv'],
  ['.gz', 'application/gzip'],
];

/**
 * What to tell the server a file holds, by its extension. Other files go with
 * whatever the browser guessed, and the server's 415 says what it accepts.
 * @param {File} file
 */
export function contentTypeOf(file) {
  const name = file.name.toLowerCase();
  const known = CONTENT_TYPES.find(([ext]) => name.endsWith(ext));
  return known ? known[1] : file.type || 'application/octet-stream';
}

/**
 * Posts the file's bytes as the body, as `POST /ingest` expects.
 * @param {File} file
 * @returns {Promise<{id: string, key: string, manifest: string}>}
 */
export async function uploadFile(file) {
  const response = await fetch('/ingest', {
    method: 'POST',
    headers: {
      'content-type': contentTypeOf(file),
      accept: 'application/json',
      // Header values are Latin-1; the server decodes the name and shows it in the runs list.
      'x-sluice-filename': encodeURIComponent(file.name),
    },
    body: file,
  });
  const body = await bodyOf(response);
  if (!response.ok) throw failure(response, body);
  return body;
}

/**
 * Follows `run` events. The browser's EventSource retries a dropped stream by
 * itself but gives up for good on an HTTP error, so a closed source is reopened
 * here with backoff. `onOpen` fires on every (re)connection: events missed
 * while disconnected are only recovered by reloading the list.
 * @param {{onRun: (run: any) => void, onOpen: () => void, onState: (state: 'connecting'|'live'|'reconnecting') => void}} handlers
 * @returns {() => void} stops following
 */
export function followRuns({ onRun, onOpen, onState }) {
  /** @type {EventSource | undefined} */
  let source;
  let timer;
  let delayMs = 1000;
  let stopped = false;

  const open = () => {
    onState('connecting');
    source = new EventSource('/api/events');
    source.addEventListener('open', () => {
      delayMs = 1000;
      onState('live');
      onOpen();
    });
    source.addEventListener('run', (event) => {
      let run;
      try {
        run = JSON.parse(event.data);
      } catch {
        console.warn('sluice: ignored a run event that is not JSON');
        return;
      }
      onRun(run);
    });
    source.addEventListener('error', () => {
      if (stopped) return;
      onState('reconnecting');
      if (source?.readyState === EventSource.CLOSED) {
        source.close();
        timer = setTimeout(open, delayMs);
        delayMs = Math.min(delayMs * 2, 30_000);
      }
    });
  };

  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    source?.close();
  };
}
