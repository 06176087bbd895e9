/**
 * Analyst on Amazon Bedrock's Converse API (Nova Lite by default). The model must
 * answer by calling one tool whose input schema is the narrative's; the adapter
 * owns retries, so the SDK client must be built with `maxAttempts: 1` (see
 * createBedrockClient): SDK retries under ours would multiply the calls (5 × 3)
 * and hide them from the attempt count and the BedrockRetries metric.
 */
import { setTimeout as delay } from 'node:timers/promises';
import {
  BedrockRuntimeClient,
  ConverseCommand,
  type ConverseCommandInput,
  type ConverseResponse,
  type ToolInputSchema,
} from '@aws-sdk/client-bedrock-runtime';
import { narrativeJsonSchema } from '../../core/analyze/narrative.js';
import { buildPrompt, NARRATIVE_TOOL, NARRATIVE_TOOL_DESCRIPTION } from '../../core/analyze/prompt.js';
import {
  askForNarrative,
  type Backoff,
  checkAskLimits,
  type ModelAnswer,
  type ModelReply,
} from '../../core/analyze/retry.js';
import { ConfigError } from '../../core/errors.js';
import {
  type Analyst,
  type AnalystRequest,
  type AnalystResult,
  type Clock,
  type Logger,
  type Metrics,
  noMetrics,
  silentLogger,
  systemClock,
} from '../../core/ports.js';
import { singleAttemptClientConfig, TRANSIENT_NETWORK_CODES } from '../network-errors.js';

export const DEFAULT_BEDROCK_MODEL = 'amazon.nova-lite-v1:0';

/** A client whose own retries are off, so the adapter's are the only ones. */
export function createBedrockClient(options: { region: string; endpoint?: string }): BedrockRuntimeClient {
  return new BedrockRuntimeClient(singleAttemptClientConfig(options));
}

export interface BedrockAnalystOptions {
  /** Built with `maxAttempts: 1` (createBedrockClient); tests point it at a loopback server. */
  readonly client: BedrockRuntimeClient;
  /** Model or inference profile id. @default 'amazon.nova-lite-v1:0' */
  readonly modelId?: string;
  /** Calls per ask against throttling, 5xx, model timeouts and network errors, the first included; 1..20. @default 5 */
  readonly maxAttempts?: number;
  /** Asks again after an answer that fails the schema or is not a tool call; 0..10. @default 2 */
  readonly maxInvalidAnswers?: number;
  /** Narrative v2 (insights, recommendations, outlooks) needs room. @default 2000 */
  readonly maxTokens?: number;
  /** @default 0.2 */
  readonly temperature?: number;
  /** Gives up on one call after this long (then retried like a ModelTimeoutException). @default 60000 */
  readonly timeoutMs?: number;
  /** @default { baseMs: 1000, capMs: 20000 } */
  readonly backoff?: Backoff;
  /** @default timers/promises setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** @default Math.random */
  readonly random?: () => number;
  /** @default systemClock */
  readonly clock?: Clock;
  /** @default noMetrics */
  readonly metrics?: Metrics;
  /** @default silentLogger */
  readonly logger?: Logger;
}

const RETRYABLE_ERRORS = new Set([
  'ThrottlingException',
  'ServiceUnavailableException',
  'InternalServerException',
  'ModelTimeoutException',
  'ModelNotReadyException',
  // No response at all: our timeout fired, or the socket died.
  'AbortError',
  'TimeoutError',
]);

const NETWORK_CODES = new Set([
  ...TRANSIENT_NETWORK_CODES,
  // Bedrock Runtime's client speaks HTTP/2: a reset stream or a GOAWAY surfaces as these.
  'ERR_HTTP2_STREAM_ERROR',
  'ERR_HTTP2_SESSION_ERROR',
  'ERR_HTTP2_GOAWAY_SESSION',
  'ERR_HTTP2_STREAM_CANCEL',
]);

/** Throttling, server faults and lost connections are worth another try; any other 4xx is not. */
function isRetryableBedrockError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, $metadata } = error as {
    name?: unknown;
    code?: unknown;
    $metadata?: { httpStatusCode?: number };
  };
  if (typeof name === 'string' && RETRYABLE_ERRORS.has(name)) return true;
  const status = $metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500 || status === 429;
  return typeof code === 'string' && NETWORK_CODES.has(code);
}

function readAnswer(response: ConverseResponse): ModelAnswer {
  for (const block of response.output?.message?.content ?? []) {
    if (block.toolUse?.name === NARRATIVE_TOOL) return { kind: 'tool', input: block.toolUse.input };
  }
  const why =
    response.stopReason === 'max_tokens'
      ? 'the answer was cut off at maxTokens before the tool call'
      : `no ${NARRATIVE_TOOL} tool call in the answer (stopReason ${response.stopReason ?? 'missing'})`;
  return { kind: 'none', why };
}

export class BedrockAnalyst implements Analyst {
  /** The model id, so fallback records and cost tables can name it. */
  readonly name: string;
  readonly #client: BedrockRuntimeClient;
  readonly #maxAttempts: number;
  readonly #maxInvalidAnswers: number;
  readonly #maxTokens: number;
  readonly #temperature: number;
  readonly #timeoutMs: number;
  readonly #backoff: Backoff;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  readonly #clock: Clock;
  readonly #metrics: Metrics;
  readonly #logger: Logger;

  constructor(options: BedrockAnalystOptions) {
    const {
      modelId = DEFAULT_BEDROCK_MODEL,
      maxAttempts = 5,
      maxInvalidAnswers = 2,
      maxTokens = 2000,
      temperature = 0.2,
      timeoutMs = 60_000,
      backoff = { baseMs: 1000, capMs: 20_000 },
    } = options;
    checkAskLimits({ maxAttempts, maxInvalidAnswers, backoff });
    if (!Number.isInteger(maxTokens) || maxTokens < 1) {
      throw new ConfigError(`maxTokens must be a positive integer (given ${maxTokens})`);
    }
    if (!(temperature >= 0 && temperature <= 1)) {
      throw new ConfigError(`temperature must be between 0 and 1 inclusive (given ${temperature})`);
    }
    if (!(timeoutMs > 0 && Number.isFinite(timeoutMs))) {
      throw new ConfigError(`timeoutMs must be a positive number (given ${timeoutMs})`);
    }
    this.name = modelId;
    this.#client = options.client;
    this.#maxAttempts = maxAttempts;
    this.#maxInvalidAnswers = maxInvalidAnswers;
    this.#maxTokens = maxTokens;
    this.#temperature = temperature;
    this.#timeoutMs = timeoutMs;
    this.#backoff = backoff;
    this.#sleep = options.sleep ?? ((ms) => delay(ms));
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
    this.#metrics = options.metrics ?? noMetrics;
    this.#logger = options.logger ?? silentLogger;
  }

  async write(request: AnalystRequest): Promise<AnalystResult> {
    const { system, user } = buildPrompt(request);
    const logger = this.#logger.child({ correlationId: request.correlationId, model: this.name });
    const input: ConverseCommandInput = {
      modelId: this.name,
      system: [{ text: system }],
      messages: [{ role: 'user', content: [{ text: user }] }],
      inferenceConfig: { maxTokens: this.#maxTokens, temperature: this.#temperature },
      toolConfig: {
        tools: [
          {
            toolSpec: {
              name: NARRATIVE_TOOL,
              description: NARRATIVE_TOOL_DESCRIPTION,
              inputSchema: { json: narrativeJsonSchema() as ToolInputSchema.JsonMember['json'] },
            },
          },
        ],
        toolChoice: { tool: { name: NARRATIVE_TOOL } },
      },
    };

    // A re-ask sends the same request: a fresh sample usually passes, and echoing
    // the invalid answer back would double the input tokens.
    const call = async (): Promise<ModelReply> => {
      // A fresh command per call: a sent command carries middleware state of its own.
      const response = await this.#client.send(new ConverseCommand(input), {
        abortSignal: AbortSignal.timeout(this.#timeoutMs),
      });
      logger.debug('bedrock converse answered', {
        stopReason: response.stopReason,
        serverLatencyMs: response.metrics?.latencyMs,
      });
      return {
        answer: readAnswer(response),
        usage: {
          inputTokens: response.usage?.inputTokens ?? 0,
          outputTokens: response.usage?.outputTokens ?? 0,
        },
      };
    };

    return askForNarrative(call, {
      model: this.name,
      maxAttempts: this.#maxAttempts,
      maxInvalidAnswers: this.#maxInvalidAnswers,
      backoff: this.#backoff,
      isRetryable: isRetryableBedrockError,
      sleep: this.#sleep,
      random: this.#random,
      clock: this.#clock,
      metrics: this.#metrics,
      logger,
      metricNames: { retries: 'BedrockRetries', retryExceeded: 'BedrockRetryExceeded' },
    });
  }
}
