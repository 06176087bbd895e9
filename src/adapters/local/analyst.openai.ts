import { z } from 'zod';
import { narrativeJsonSchema } from '../../core/analyze/narrative.js';
import { buildPrompt, NARRATIVE_TOOL, NARRATIVE_TOOL_DESCRIPTION } from '../../core/analyze/prompt.js';
import {
  askForNarrative,
  type ModelAnswer,
  type ModelCallOptions,
  type ModelCallSettings,
  type ModelReply,
  modelCallSettings,
  ZERO_USAGE,
} from '../../core/analyze/retry.js';
import { ConfigError, SluiceError } from '../../core/errors.js';
import type { Analyst, AnalystRequest, AnalystResult, TokenUsage } from '../../core/ports.js';

export interface OpenAiCompatibleAnalystOptions extends ModelCallOptions {
  /** Up to and including the version segment, e.g. `http://127.0.0.1:11434/v1` for Ollama. */
  readonly baseUrl: string;
  /** Model name as the server knows it, e.g. `llama3.1:8b`. */
  readonly model: string;
  /** Sent as a bearer token when set; local servers usually need none. */
  readonly apiKey?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Most response bytes read; a longer body is cut off and counts as an invalid answer. @default 1_048_576 */
  readonly maxResponseBytes?: number;
}

/** A non-2xx answer from the chat endpoint. */
export class ChatHttpError extends SluiceError {
  readonly status: number;
  /** From a `Retry-After: <seconds>` header. */
  readonly retryAfterMs: number | undefined;

  constructor(status: number, detail: string, retryAfterMs: number | undefined) {
    super('ANALYST.HTTP_STATUS', `chat endpoint answered HTTP ${status}${detail ? `: ${detail}` : ''}`);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/**
 * The body as text, reading at most `maxBytes`: a 450 MB answer must not become a
 * 2 GB string. undefined (and the stream cancelled) when the body is longer.
 */
async function readBounded(response: Response, maxBytes: number): Promise<string | undefined> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * fetch's own TypeError says only "fetch failed"; the host and the socket's
 * error code (ECONNREFUSED, ENOTFOUND...) are what a user can act on. Still a
 * TypeError, so it is retried as before.
 */
function unreachable(url: string, error: unknown): unknown {
  if (!(error instanceof TypeError)) return error;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const why = typeof cause?.code === 'string' ? cause.code : String(cause?.message ?? error.message);
  return new TypeError(`cannot reach the model server at ${new URL(url).origin}: ${why}`, { cause: error });
}

/** 429, 408 and 5xx, and failures without a response (fetch's TypeError, our timeout). */
function isRetryableChatError(error: unknown): boolean {
  if (error instanceof ChatHttpError)
    return error.status === 429 || error.status === 408 || error.status >= 500;
  if (error instanceof TypeError) return true;
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

// The HTTP-date form is rare on chat servers; without a number the backoff applies.
const parseRetryAfter = (value: string | null): number | undefined =>
  value !== null && /^\s*\d+(\.\d+)?\s*$/.test(value) ? Number(value) * 1000 : undefined;

const ToolCallSchema = z.object({
  function: z.object({ arguments: z.union([z.string(), z.record(z.string(), z.unknown())]) }),
});

const ChatCompletionSchema = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({
          content: z.string().nullish(),
          tool_calls: z.array(ToolCallSchema).nullish(),
        }),
      }),
    )
    .min(1),
});

const UsageSchema = z.object({
  usage: z.object({
    prompt_tokens: z.number().int().nonnegative().optional(),
    completion_tokens: z.number().int().nonnegative().optional(),
  }),
});

function readUsage(body: unknown): TokenUsage {
  const parsed = UsageSchema.safeParse(body);
  return parsed.success
    ? {
        inputTokens: parsed.data.usage.prompt_tokens ?? 0,
        outputTokens: parsed.data.usage.completion_tokens ?? 0,
      }
    : ZERO_USAGE;
}

const parseJson = (text: string): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
};

/** The outermost `{...}` of a text answer, which models often wrap in prose or a code fence. */
function jsonObjectIn(text: string): unknown {
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return undefined;
  const parsed = parseJson(text.slice(start, end + 1));
  return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null ? parsed.value : undefined;
}

function readAnswer(body: unknown): ModelAnswer {
  const parsed = ChatCompletionSchema.safeParse(body);
  if (!parsed.success) return { kind: 'none', why: 'the response has no choices[0].message' };
  const { message } = parsed.data.choices[0]!;
  const toolCall = message.tool_calls?.[0];
  if (toolCall !== undefined) {
    const args = toolCall.function.arguments;
    if (typeof args !== 'string') return { kind: 'tool', input: args };
    const input = parseJson(args);
    return input.ok
      ? { kind: 'tool', input: input.value }
      : { kind: 'none', why: 'the tool call arguments are not JSON' };
  }
  const fromText = jsonObjectIn(message.content ?? '');
  return fromText === undefined
    ? { kind: 'none', why: `answered with text instead of calling ${NARRATIVE_TOOL}` }
    : { kind: 'tool', input: fromText };
}

export class OpenAiCompatibleAnalyst implements Analyst {
  /** The model name, so fallback records and cost tables can name it. */
  readonly name: string;
  readonly #url: string;
  readonly #apiKey: string | undefined;
  readonly #fetch: typeof fetch;
  readonly #maxResponseBytes: number;
  readonly #call: ModelCallSettings;

  constructor(options: OpenAiCompatibleAnalystOptions) {
    const { maxResponseBytes = 1_048_576 } = options;
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch (error) {
      throw new ConfigError(`baseUrl must be an absolute http(s) URL (given ${options.baseUrl})`, {
        cause: error,
      });
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new ConfigError(`baseUrl must be an absolute http(s) URL (given ${options.baseUrl})`);
    }
    if (options.model.trim() === '') throw new ConfigError('model must name the model the server runs');
    if (!Number.isInteger(maxResponseBytes) || maxResponseBytes < 1) {
      throw new ConfigError(`maxResponseBytes must be a positive integer (given ${maxResponseBytes})`);
    }
    this.#call = modelCallSettings(options, { maxTemperature: 2 });
    this.name = options.model;
    this.#url = `${options.baseUrl.replace(/\/+$/, '')}/chat/completions`;
    this.#apiKey = options.apiKey;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#maxResponseBytes = maxResponseBytes;
  }

  async write(request: AnalystRequest): Promise<AnalystResult> {
    const { system, user } = buildPrompt(request);
    const logger = this.#call.logger.child({ correlationId: request.correlationId, model: this.name });
    const body = JSON.stringify({
      model: this.name,
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      tools: [
        {
          type: 'function',
          function: {
            name: NARRATIVE_TOOL,
            description: NARRATIVE_TOOL_DESCRIPTION,
            parameters: narrativeJsonSchema(),
          },
        },
      ],
      tool_choice: { type: 'function', function: { name: NARRATIVE_TOOL } },
      temperature: this.#call.temperature,
      max_tokens: this.#call.maxTokens,
      stream: false,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    };
    if (this.#apiKey !== undefined) headers.authorization = `Bearer ${this.#apiKey}`;

    // A re-ask sends the same request: a fresh sample usually passes, and echoing
    // the invalid answer back would double the input tokens.
    const call = async (): Promise<ModelReply> => {
      const response = await this.#fetch(this.#url, {
        method: 'POST',
        headers,
        body,
        signal: AbortSignal.timeout(this.#call.timeoutMs),
      }).catch((error: unknown) => {
        throw unreachable(this.#url, error);
      });
      // Read inside the timeout: a server can stall mid-body as well as before it.
      const text = await readBounded(response, this.#maxResponseBytes);
      if (text === undefined) {
        this.#call.metrics.add('OpenAiResponseTooLarge', 'Count', 1);
        return {
          answer: { kind: 'none', why: `the response body is over ${this.#maxResponseBytes} bytes` },
          usage: ZERO_USAGE,
        };
      }
      if (!response.ok) {
        throw new ChatHttpError(
          response.status,
          text.slice(0, 200),
          parseRetryAfter(response.headers.get('retry-after')),
        );
      }
      const parsed = parseJson(text);
      if (!parsed.ok) {
        return { answer: { kind: 'none', why: 'the response body is not JSON' }, usage: ZERO_USAGE };
      }
      logger.debug('chat completion answered', { status: response.status });
      return { answer: readAnswer(parsed.value), usage: readUsage(parsed.value) };
    };

    return askForNarrative(call, {
      model: this.name,
      maxAttempts: this.#call.maxAttempts,
      maxInvalidAnswers: this.#call.maxInvalidAnswers,
      backoff: this.#call.backoff,
      isRetryable: isRetryableChatError,
      retryAfterMs: (error) => (error instanceof ChatHttpError ? error.retryAfterMs : undefined),
      sleep: this.#call.sleep,
      random: this.#call.random,
      clock: this.#call.clock,
      metrics: this.#call.metrics,
      logger,
      metricNames: { retries: 'OpenAiRetries', retryExceeded: 'OpenAiRetryExceeded' },
    });
  }
}
