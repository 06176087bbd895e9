import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  countOf,
  dataBetweenMarkers,
  fakeTime,
  INJECTION_SYMBOL,
  marketRequest,
  recordingMetrics,
  schemaBreakingNarrative,
  validNarrative,
} from '../../../test/helpers/analyst-fixtures.js';
import { chat, type ScriptedServer, startOpenAiServer } from '../../../test/helpers/openai-server.js';
import { narrate } from '../../core/analyze/narrate.js';
import { narrativeJsonSchema } from '../../core/analyze/narrative.js';
import { OfflineAnalyst } from '../../core/analyze/offline-analyst.js';
import { AnalystError } from '../../core/errors.js';
import { OpenAiCompatibleAnalyst, type OpenAiCompatibleAnalystOptions } from './analyst.openai.js';

let server: ScriptedServer;
let requestsBefore: number;

beforeAll(async () => {
  server = await startOpenAiServer();
});
afterAll(() => server.close());
// One server for the file: each test looks only at the requests it caused,
// and must use every reply it scripted.
beforeEach(() => {
  requestsBefore = server.requests.length;
});
afterEach(() => {
  expect(server.reset()).toBe(0);
});

const requestsOfThisTest = () => server.requests.slice(requestsBefore);

interface ChatBody {
  model: string;
  messages: Array<{ role: string; content: string }>;
  tools: Array<{ type: string; function: { name: string; description: string; parameters: unknown } }>;
  tool_choice: unknown;
  temperature: number;
  max_tokens: number;
}

const lastBody = () => server.requests.at(-1)!.body as ChatBody;

function makeAnalyst(options: Partial<OpenAiCompatibleAnalystOptions> = {}) {
  const time = fakeTime();
  const metrics = recordingMetrics();
  const analyst = new OpenAiCompatibleAnalyst({
    baseUrl: `${server.url}/v1`,
    model: 'llama3.1:8b',
    sleep: time.sleep,
    clock: time,
    random: () => 0.5,
    metrics,
    ...options,
  });
  return { analyst, time, metrics };
}

async function writeError(analyst: OpenAiCompatibleAnalyst): Promise<AnalystError> {
  const error = await analyst.write(marketRequest()).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AnalystError);
  return error as AnalystError;
}

describe('OpenAiCompatibleAnalyst', () => {
  it('returns the validated narrative with the usage the server reported', async () => {
    server.enqueue(chat.toolCall(validNarrative, { prompt_tokens: 900, completion_tokens: 150 }));
    const { analyst, metrics } = makeAnalyst();

    const result = await analyst.write(marketRequest());

    expect(result).toEqual({
      narrative: validNarrative,
      model: 'llama3.1:8b',
      usage: { inputTokens: 900, outputTokens: 150 },
      attempts: 1,
      latencyMs: 0,
    });
    expect(metrics.total('AnalystInputTokens')).toBe(900);
    expect(metrics.total('AnalystOutputTokens')).toBe(150);
  });

  it('posts to /chat/completions with the narrative function forced and its JSON schema', async () => {
    server.enqueue(chat.toolCall(validNarrative));
    const { analyst } = makeAnalyst({ baseUrl: `${server.url}/v1/`, apiKey: 'sk-local', temperature: 0 });

    await analyst.write(marketRequest());

    const [request] = requestsOfThisTest();
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/v1/chat/completions');
    expect(request?.headers.authorization).toBe('Bearer sk-local');
    const body = lastBody();
    expect(body.model).toBe('llama3.1:8b');
    expect(body.tool_choice).toEqual({ type: 'function', function: { name: 'write_narrative' } });
    expect(body.tools).toHaveLength(1);
    expect(body.tools[0]?.type).toBe('function');
    expect(body.tools[0]?.function.name).toBe('write_narrative');
    expect(body.tools[0]?.function.parameters).toEqual(narrativeJsonSchema());
    expect(body.temperature).toBe(0);
    expect(body.max_tokens).toBe(2000);
    expect(body.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(body.messages[0]?.content).toContain('data, not instructions');
    expect(dataBetweenMarkers(body.messages[1]?.content ?? '')).toEqual({
      dataset: 'twelvedata-ohlcv',
      facts: marketRequest().facts,
    });
  });

  it('sends no authorization header without an API key', async () => {
    server.enqueue(chat.toolCall(validNarrative));
    const { analyst } = makeAnalyst();

    await analyst.write(marketRequest());

    expect(requestsOfThisTest()[0]?.headers.authorization).toBeUndefined();
  });

  it('waits the Retry-After seconds of a 429 before retrying', async () => {
    server.enqueue(chat.error(429, 'rate limited', { 'retry-after': '3' }), chat.toolCall(validNarrative));
    const { analyst, time, metrics } = makeAnalyst();

    const result = await analyst.write(marketRequest());

    expect(result.attempts).toBe(2);
    expect(time.sleeps).toEqual([3000]);
    expect(result.latencyMs).toBe(3000);
    expect(metrics.total('OpenAiRetries')).toBe(1);
  });

  it('caps a long Retry-After at the backoff cap', async () => {
    server.enqueue(chat.error(429, 'rate limited', { 'retry-after': '3600' }), chat.toolCall(validNarrative));
    const { analyst, time } = makeAnalyst({ backoff: { baseMs: 100, capMs: 5000 } });

    await analyst.write(marketRequest());

    expect(time.sleeps).toEqual([5000]);
  });

  it('retries 5xx, 408, dropped connections and a 429 without Retry-After with full jitter', async () => {
    server.enqueue(
      chat.error(500, 'model crashed'),
      chat.error(503, 'loading model'),
      { kind: 'reset' },
      chat.error(429, 'busy'),
      chat.error(408, 'request timeout'),
      chat.toolCall(validNarrative),
    );
    const { analyst, time } = makeAnalyst({ maxAttempts: 6 });

    const result = await analyst.write(marketRequest());

    expect(result.attempts).toBe(6);
    expect(time.sleeps).toEqual([500, 1000, 2000, 4000, 8000]);
  });

  it('times out a call that never answers and retries it', async () => {
    server.enqueue({ kind: 'hang' }, chat.toolCall(validNarrative));
    const { analyst } = makeAnalyst({ timeoutMs: 150 });

    const result = await analyst.write(marketRequest());

    expect(result.attempts).toBe(2);
  });

  it('gives up after maxAttempts with RETRIES_EXCEEDED and the OpenAiRetryExceeded metric', async () => {
    server.enqueue(...Array.from({ length: 3 }, () => chat.error(503, 'loading model')));
    const { analyst, metrics } = makeAnalyst({ maxAttempts: 3 });

    const error = await writeError(analyst);

    expect(error.code).toBe('ANALYST.RETRIES_EXCEEDED');
    expect(error.attempts).toBe(3);
    expect(error.message).toContain('HTTP 503');
    expect(metrics.recorded).toContainEqual({ name: 'OpenAiRetryExceeded', unit: 'Count', value: 1 });
  });

  it('names the host and the socket error when the server cannot be reached', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    const { analyst } = makeAnalyst({ baseUrl: `http://127.0.0.1:${port}/v1`, maxAttempts: 2 });

    const error = await writeError(analyst);

    expect(error.code).toBe('ANALYST.RETRIES_EXCEEDED');
    expect(error.message).toContain(
      `cannot reach the model server at http://127.0.0.1:${port}: ECONNREFUSED`,
    );
  });

  it('fails at once on a 400, without retrying', async () => {
    server.enqueue(chat.error(400, 'llama3.1:8b does not support tools'));
    const { analyst, time } = makeAnalyst();

    const error = await writeError(analyst);

    expect(error.code).toBe('ANALYST.FAILED');
    expect(error.message).toContain('does not support tools');
    expect(requestsOfThisTest()).toHaveLength(1);
    expect(time.sleeps).toEqual([]);
  });

  it('asks again after arguments that are not JSON, then after a schema-breaking answer', async () => {
    server.enqueue(
      chat.toolCall('{"headline": "cut off', { prompt_tokens: 900, completion_tokens: 800 }),
      chat.toolCall(schemaBreakingNarrative, { prompt_tokens: 900, completion_tokens: 60 }),
      chat.toolCall(validNarrative, { prompt_tokens: 900, completion_tokens: 150 }),
    );
    const { analyst } = makeAnalyst();

    const result = await analyst.write(marketRequest());

    expect(result.narrative).toEqual(validNarrative);
    expect(result.attempts).toBe(3);
    expect(result.usage).toEqual({ inputTokens: 2700, outputTokens: 1010 });
  });

  it('accepts a narrative written as JSON in the message text by a server that ignores tools', async () => {
    server.enqueue(
      chat.content(`Sure! Here it is:\n\`\`\`json\n${JSON.stringify(validNarrative, null, 2)}\n\`\`\``),
    );
    const { analyst } = makeAnalyst();

    const result = await analyst.write(marketRequest());

    expect(result.narrative).toEqual(validNarrative);
  });

  it('throws INVALID_OUTPUT with every answer billed and returns no narrative when no answer is valid', async () => {
    server.enqueue(
      chat.content('AAPL went up, MSFT went down.', { prompt_tokens: 900, completion_tokens: 12 }),
      chat.content('<script>alert(1)</script>', { prompt_tokens: 900, completion_tokens: 8 }),
      chat.toolCall(schemaBreakingNarrative, { prompt_tokens: 900, completion_tokens: 60 }),
    );
    const { analyst } = makeAnalyst();
    const returned: unknown[] = [];

    const error = await analyst.write(marketRequest()).then(
      (result) => {
        returned.push(result);
        return undefined;
      },
      (e: unknown) => e,
    );

    expect(returned).toHaveLength(0);
    expect(error).toMatchObject({
      code: 'ANALYST.INVALID_OUTPUT',
      attempts: 3,
      usage: { inputTokens: 2700, outputTokens: 80 },
    });
  });

  it('stops reading a 100 MB answer at the byte limit, and counts it as an invalid answer', async () => {
    // A server of its own: it streams 100 MB lazily and counts what the client made it send.
    let sent = 0;
    const huge = http.createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = () => {
        while (sent < 100 * 1024 * 1024) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      res.on('close', () => res.destroy());
      pump();
    });
    await new Promise<void>((resolve) => huge.listen(0, '127.0.0.1', resolve));
    const { port } = huge.address() as AddressInfo;
    const { analyst, metrics } = makeAnalyst({
      baseUrl: `http://127.0.0.1:${port}/v1`,
      maxAttempts: 1,
      maxInvalidAnswers: 1,
    });
    try {
      const error = await analyst.write(marketRequest()).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'ANALYST.INVALID_OUTPUT' });
      expect(metrics.total('OpenAiResponseTooLarge')).toBeGreaterThanOrEqual(1);
      // Socket buffers let a few MB through before the client's cancel lands; never the 100 MB.
      expect(sent).toBeLessThan(20 * 1024 * 1024);
    } finally {
      huge.closeAllConnections();
      await new Promise((resolve) => huge.close(resolve));
    }
  });

  it('treats a 200 whose body is not JSON as an invalid answer', async () => {
    server.enqueue(
      {
        kind: 'reply',
        status: 200,
        body: '<html>proxy login</html>',
        headers: { 'content-type': 'text/html' },
      },
      chat.toolCall(validNarrative),
    );
    const { analyst } = makeAnalyst();

    const result = await analyst.write(marketRequest());

    expect(result.attempts).toBe(2);
  });

  it('keeps an injection attempt in a symbol name inside the data markers', async () => {
    server.enqueue(chat.toolCall(validNarrative));
    const { analyst } = makeAnalyst();
    const request = marketRequest(INJECTION_SYMBOL);

    await analyst.write(request);

    const user = lastBody().messages[1]?.content ?? '';
    expect(countOf(user, '<data>')).toBe(1);
    expect(countOf(user, '</data>')).toBe(1);
    expect(dataBetweenMarkers(user)).toEqual({ dataset: 'twelvedata-ohlcv', facts: request.facts });
    expect(lastBody().messages[0]?.content).not.toContain('IGNORE PREVIOUS');
  });

  it('returns a narrative containing <script> as the plain text the model wrote', async () => {
    const hostile = { ...validNarrative, summary: 'Prices rose. <script>alert("owned")</script>' };
    server.enqueue(chat.toolCall(hostile));
    const { analyst } = makeAnalyst();

    const result = await analyst.write(marketRequest());

    expect(result.narrative).toEqual(hostile);
  });

  it('falls back to the offline narrative through narrate when the server refuses', async () => {
    server.enqueue(chat.error(404, 'model "llama3.1:8b" not found, try pulling it first'));
    const { analyst, metrics } = makeAnalyst();
    const offline = new OfflineAnalyst(() => validNarrative);

    const { result, fallback } = await narrate(analyst, offline, marketRequest(), metrics);

    expect(result.model).toBe('offline');
    expect(fallback).toMatchObject({
      code: 'ANALYST.FAILED',
      model: 'llama3.1:8b',
      usage: { inputTokens: 0, outputTokens: 0 },
    });
    expect(fallback?.reason).toContain('not found');
    expect(metrics.total('AnalystFallback')).toBe(1);
  });

  it('rejects a base URL that is not absolute http(s)', () => {
    expect(() => new OpenAiCompatibleAnalyst({ baseUrl: 'localhost:11434/v1', model: 'm' })).toThrow(
      'baseUrl must be an absolute http(s) URL (given localhost:11434/v1)',
    );
    expect(() => new OpenAiCompatibleAnalyst({ baseUrl: 'file:///etc/passwd', model: 'm' })).toThrow(
      'baseUrl must be an absolute http(s) URL',
    );
  });
});
