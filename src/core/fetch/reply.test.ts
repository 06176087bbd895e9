import { describe, expect, it } from 'vitest';
import { FetchError } from '../errors.js';
import { readTimeSeriesReply } from './reply.js';

const series = (symbol: string) => ({
  meta: { symbol, interval: '1day', currency: 'USD', exchange: 'NASDAQ' },
  values: [{ datetime: '2024-12-31', open: '1', high: '2', low: '0.5', close: '1.5', volume: '10' }],
  status: 'ok',
});
const errorBlock = (code: number, message: string) => ({ code, message, status: 'error' });
const ok = (body: unknown) => ({ status: 200, body: JSON.stringify(body) });

function failure(run: () => unknown): FetchError {
  try {
    run();
  } catch (error) {
    if (error instanceof FetchError) return error;
    throw error;
  }
  throw new Error('expected a FetchError');
}

describe('readTimeSeriesReply', () => {
  it('reads a one-symbol answer and keeps the body exactly as sent', () => {
    const answer = ok(series('AAPL'));
    expect(readTimeSeriesReply(['AAPL'], answer)).toEqual({
      body: answer.body,
      fetched: ['AAPL'],
      failed: [],
    });
  });

  it('reads a many-symbol answer with an error block as a partial success', () => {
    const reply = readTimeSeriesReply(
      ['AAPL', 'NOSUCH', 'MSFT'],
      ok({
        AAPL: series('AAPL'),
        NOSUCH: errorBlock(404, '**symbol** not found: NOSUCH'),
        MSFT: series('MSFT'),
      }),
    );
    expect(reply.fetched).toEqual(['AAPL', 'MSFT']);
    expect(reply.failed).toEqual([{ symbol: 'NOSUCH', code: 404, message: '**symbol** not found: NOSUCH' }]);
  });

  it('finds a symbol the API answered under another case', () => {
    const reply = readTimeSeriesReply(['aapl', 'msft'], ok({ AAPL: series('AAPL'), MSFT: series('MSFT') }));
    expect(reply.fetched).toEqual(['aapl', 'msft']);
  });

  it('reports a requested symbol the answer left out', () => {
    const reply = readTimeSeriesReply(['AAPL', 'MSFT'], ok({ AAPL: series('AAPL') }));
    expect(reply.failed).toEqual([{ symbol: 'MSFT', code: null, message: 'missing from the answer' }]);
  });

  it('fails the symbol of a one-symbol request answered with a 400 or 404 block, without throwing', () => {
    const reply = readTimeSeriesReply(['NOSUCH'], ok(errorBlock(404, '**symbol** not found: NOSUCH')));
    expect(reply).toMatchObject({ fetched: [], failed: [{ symbol: 'NOSUCH', code: 404 }] });
    const http = readTimeSeriesReply(['A'], {
      status: 400,
      body: JSON.stringify(errorBlock(400, 'no data')),
    });
    expect(http.failed).toEqual([{ symbol: 'A', code: 400, message: 'no data' }]);
  });

  it('throws FETCH.API_ERROR when an error block answers a many-symbol request as a whole', () => {
    const error = failure(() =>
      readTimeSeriesReply(['A', 'B'], ok(errorBlock(400, '**interval** is invalid: 2day'))),
    );
    expect(error).toMatchObject({ code: 'FETCH.API_ERROR', temporary: false, symbols: ['A', 'B'] });
    expect(error.message).toBe(
      'Twelve Data refused the request for A, B (400: **interval** is invalid: 2day)',
    );
    const http = failure(() => readTimeSeriesReply(['A', 'B'], { status: 403, body: 'Forbidden' }));
    expect(http.message).toContain('403: HTTP 403');
  });

  it.each([
    ['an error body with code 401', ok(errorBlock(401, '**apikey** parameter is incorrect'))],
    ['HTTP 401', { status: 401, body: JSON.stringify(errorBlock(401, '**apikey** parameter is incorrect')) }],
    ['HTTP 401 with a non-JSON body', { status: 401, body: 'Unauthorized' }],
    ['a 401 block under a symbol', ok({ A: errorBlock(401, 'bad key'), B: series('B') })],
  ])('throws FETCH.UNAUTHORIZED for %s, saying to check TWELVEDATA_API_KEY', (_, answer) => {
    const error = failure(() => readTimeSeriesReply(['A', 'B'], answer));
    expect(error.code).toBe('FETCH.UNAUTHORIZED');
    expect(error.message).toContain('TWELVEDATA_API_KEY');
    expect(error.temporary).toBe(false);
  });

  it.each([
    [
      'an error body with code 429',
      ok(errorBlock(429, 'You have run out of API credits for the current minute.')),
    ],
    ['HTTP 429', { status: 429, body: JSON.stringify(errorBlock(429, 'out of credits')) }],
    ['HTTP 429 with an empty body', { status: 429, body: '' }],
  ])('throws a temporary FETCH.RATE_LIMITED for %s', (_, answer) => {
    const error = failure(() => readTimeSeriesReply(['A'], answer));
    expect(error).toMatchObject({ code: 'FETCH.RATE_LIMITED', temporary: true, symbols: ['A'] });
  });

  it('throws a temporary FETCH.UNAVAILABLE for a 5xx, whatever the body says', () => {
    const error = failure(() => readTimeSeriesReply(['A'], { status: 503, body: '<html>down</html>' }));
    expect(error).toMatchObject({ code: 'FETCH.UNAVAILABLE', temporary: true });
    const proxied = failure(() =>
      readTimeSeriesReply(['A'], { status: 502, body: JSON.stringify(series('A')) }),
    );
    expect(proxied.code).toBe('FETCH.UNAVAILABLE');
  });

  it.each([
    ['a body that is not JSON', '<html>maintenance</html>'],
    ['a JSON array', '[1,2]'],
    ['JSON null', 'null'],
    ['a series whose values are not an array', JSON.stringify({ ...series('A'), values: 'none' })],
    ['a series without a status', JSON.stringify({ meta: series('A').meta, values: [] })],
    ['an object with none of the requested symbols', JSON.stringify({ hello: 'world' })],
  ])('throws FETCH.BAD_RESPONSE for %s', (_, body) => {
    const error = failure(() => readTimeSeriesReply(['A'], { status: 200, body }));
    expect(error).toMatchObject({ code: 'FETCH.BAD_RESPONSE', temporary: false });
  });

  it('throws FETCH.BAD_RESPONSE naming the symbol whose block is neither a series nor an error', () => {
    const error = failure(() =>
      readTimeSeriesReply(['A', 'B'], ok({ A: series('A'), B: { meta: { symbol: 'B' } } })),
    );
    expect(error.code).toBe('FETCH.BAD_RESPONSE');
    expect(error.message).toMatch(/\bB: /);
  });
});
