/**
 * Reading what Twelve Data's `time_series` answered to one request: the whole
 * request failed (thrown as FetchError), or each requested symbol either came
 * back as a series or as an error block. Bars are not checked here: ingest
 * checks every bar and keeps the bad ones as rejects with a reason.
 */
import { z } from 'zod';
import { FetchError, type FetchErrorCode } from '../errors.js';

export const ErrorBlockSchema = z.looseObject({
  status: z.literal('error'),
  code: z.number(),
  message: z.string(),
});

export const SeriesBlockSchema = z.looseObject({
  meta: z.looseObject({ symbol: z.string(), interval: z.string() }),
  values: z.array(z.unknown()),
  status: z.literal('ok'),
});

export interface SymbolFailure {
  readonly symbol: string;
  /** The API's error code (400, 404...), or null when the symbol was missing from the answer. */
  readonly code: number | null;
  readonly message: string;
}

export interface TimeSeriesReply {
  /** The body exactly as received, for writing as an input. */
  readonly body: string;
  readonly fetched: readonly string[];
  readonly failed: readonly SymbolFailure[];
}

export interface HttpAnswer {
  readonly status: number;
  readonly body: string;
}

const KEY_HINT = 'check TWELVEDATA_API_KEY';

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const listed = (symbols: readonly string[]): string => symbols.join(', ');

/** A request-level failure by code (HTTP status or the body's `code`); undefined when only the symbols failed. */
function requestFailure(code: number, message: string, symbols: readonly string[]): FetchError | undefined {
  const fail = (kind: FetchErrorCode, text: string) => new FetchError(kind, text, { symbols });
  if (code === 401)
    return fail('FETCH.UNAUTHORIZED', `Twelve Data refused the API key (401: ${message}); ${KEY_HINT}`);
  if (code === 429) return fail('FETCH.RATE_LIMITED', `Twelve Data rate limit (429: ${message})`);
  if (code >= 500) return fail('FETCH.UNAVAILABLE', `Twelve Data is unavailable (${code}: ${message})`);
  return undefined;
}

const badResponse = (symbols: readonly string[], why: string): FetchError =>
  new FetchError(
    'FETCH.BAD_RESPONSE',
    `Twelve Data sent an unexpected answer for ${listed(symbols)}: ${why}`,
    {
      symbols,
    },
  );

const firstIssue = (error: z.ZodError): string => {
  const issue = error.issues[0];
  return issue === undefined ? 'invalid' : `${issue.path.join('.') || 'body'}: ${issue.message}`;
};

/** The block answered for `symbol` in a many-symbol answer: exact key first, then any case. */
function blockFor(body: Record<string, unknown>, symbol: string): unknown {
  if (Object.hasOwn(body, symbol)) return body[symbol];
  const upper = symbol.toUpperCase();
  const key = Object.keys(body).find((k) => k.toUpperCase() === upper);
  return key === undefined ? undefined : body[key];
}

/**
 * Throws FetchError for a failure of the whole request: UNAUTHORIZED (401),
 * RATE_LIMITED (429), UNAVAILABLE (5xx), API_ERROR (another error code over a
 * many-symbol request: a parameter the API refuses), BAD_RESPONSE (not JSON, or
 * not shaped like a time_series answer). The error block of a one-symbol request
 * (400, 403, 404: unknown symbol, no data for those dates...) fails that symbol
 * without throwing.
 */
export function readTimeSeriesReply(symbols: readonly string[], answer: HttpAnswer): TimeSeriesReply {
  const json = parseJson(answer.body);
  const errorBlock = json.ok ? ErrorBlockSchema.safeParse(json.value) : undefined;
  const ok = answer.status >= 200 && answer.status < 300;
  if (errorBlock?.success || !ok) {
    const code = errorBlock?.success ? errorBlock.data.code : answer.status;
    const message = errorBlock?.success ? errorBlock.data.message : `HTTP ${answer.status}`;
    // An HTTP 401, 429 or 5xx status decides even when the body (perhaps a proxy's page) says otherwise.
    const failure =
      (ok ? undefined : requestFailure(answer.status, message, symbols)) ??
      requestFailure(code, message, symbols);
    if (failure) throw failure;
    // Symbols fail inside their own blocks; an error over several is about the request itself.
    if (symbols.length > 1) {
      throw new FetchError(
        'FETCH.API_ERROR',
        `Twelve Data refused the request for ${listed(symbols)} (${code}: ${message})`,
        { symbols },
      );
    }
    return { body: answer.body, fetched: [], failed: symbols.map((symbol) => ({ symbol, code, message })) };
  }
  if (!json.ok) throw badResponse(symbols, 'the body is not JSON');
  if (!isObject(json.value)) throw badResponse(symbols, 'the body is not a JSON object');
  const body = json.value;

  if (symbols.length === 1 && 'meta' in body) {
    const series = SeriesBlockSchema.safeParse(body);
    if (!series.success) throw badResponse(symbols, firstIssue(series.error));
    return { body: answer.body, fetched: [...symbols], failed: [] };
  }

  const fetched: string[] = [];
  const failed: SymbolFailure[] = [];
  for (const symbol of symbols) {
    const block = blockFor(body, symbol);
    if (block === undefined) {
      failed.push({ symbol, code: null, message: 'missing from the answer' });
      continue;
    }
    const series = SeriesBlockSchema.safeParse(block);
    if (series.success) {
      fetched.push(symbol);
      continue;
    }
    const error = ErrorBlockSchema.safeParse(block);
    if (!error.success) throw badResponse(symbols, `${symbol}: ${firstIssue(series.error)}`);
    if (error.data.code === 401) throw requestFailure(401, error.data.message, symbols) as FetchError;
    failed.push({ symbol, code: error.data.code, message: error.data.message });
  }
  if (fetched.length === 0 && failed.every((f) => f.code === null)) {
    throw badResponse(symbols, 'none of the requested symbols is in it');
  }
  return { body: answer.body, fetched, failed };
}
