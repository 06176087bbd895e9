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
  type ModelAnswer,
  type ModelCallOptions,
  type ModelCallSettings,
  type ModelReply,
  modelCallSettings,
} from '../../core/analyze/retry.js';
import type { Analyst, AnalystRequest, AnalystResult } from '../../core/ports.js';
import { singleAttemptClientConfig, TRANSIENT_NETWORK_CODES } from '../network-errors.js';

export const DEFAULT_BEDROCK_MODEL = 'amazon.nova-lite-v1:0';

/** A client whose own retries are off, so the adapter's are the only ones. */
export function createBedrockClient(options: { region: string; endpoint?: string }): BedrockRuntimeClient {
  return new BedrockRuntimeClient(singleAttemptClientConfig(options));
}

export interface BedrockAnalystOptions extends ModelCallOptions {
  /** Built with `maxAttempts: 1` (createBedrockClient); tests point it at a loopback server. */
  readonly client: BedrockRuntimeClient;
  /** Model or inference profile id. @default 'amazon.nova-lite-v1:0' */
  readonly modelId?: string;
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
  readonly #call: ModelCallSettings;

  constructor(options: BedrockAnalystOptions) {
    this.#call = modelCallSettings(options, { maxTemperature: 1 });
    this.name = options.modelId ?? DEFAULT_BEDROCK_MODEL;
    this.#client = options.client;
  }

  async write(request: AnalystRequest): Promise<AnalystResult> {
    const { system, user } = buildPrompt(request);
    const logger = this.#call.logger.child({ correlationId: request.correlationId, model: this.name });
    const input: ConverseCommandInput = {
      modelId: this.name,
      system: [{ text: system }],
      messages: [{ role: 'user', content: [{ text: user }] }],
      inferenceConfig: { maxTokens: this.#call.maxTokens, temperature: this.#call.temperature },
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
        abortSignal: AbortSignal.timeout(this.#call.timeoutMs),
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
      maxAttempts: this.#call.maxAttempts,
      maxInvalidAnswers: this.#call.maxInvalidAnswers,
      backoff: this.#call.backoff,
      isRetryable: isRetryableBedrockError,
      sleep: this.#call.sleep,
      random: this.#call.random,
      clock: this.#call.clock,
      metrics: this.#call.metrics,
      logger,
      metricNames: { retries: 'BedrockRetries', retryExceeded: 'BedrockRetryExceeded' },
    });
  }
}
