/**
 * A loopback stand-in for Bedrock Runtime's Converse operation
 * (`POST /model/{modelId}/converse`), answered from a scripted queue, for the
 * real SDK client to talk to.
 */
import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import {
  jsonReply,
  type ScriptedReply,
  type ScriptedServer,
  startScriptedServer,
} from './scripted-server.js';

export type { ScriptedServer } from './scripted-server.js';

export interface Usage {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

const DEFAULT_USAGE: Usage = { inputTokens: 1200, outputTokens: 180 };

const converseOutput = (content: unknown[], stopReason: string, usage: Usage) =>
  jsonReply(
    200,
    {
      output: { message: { role: 'assistant', content } },
      stopReason,
      usage: { ...usage, totalTokens: usage.inputTokens + usage.outputTokens },
      metrics: { latencyMs: 321 },
    },
    { 'x-amzn-requestid': 'test-request' },
  );

/** Bedrock's error shape: the status, the type in `x-amzn-errortype`, `{ message }` as the body. */
const errorReply = (status: number, type: string, message: string): ScriptedReply =>
  jsonReply(
    status,
    { message },
    { 'x-amzn-errortype': `${type}:http://internal.amazon.com/coral/com.amazon.bedrock/` },
  );

export const converse = {
  /** The model called the tool with this input (any JSON, valid or not). */
  toolUse: (input: unknown, usage: Usage = DEFAULT_USAGE): ScriptedReply =>
    converseOutput(
      [{ toolUse: { toolUseId: 'tooluse_test', name: 'write_narrative', input } }],
      'tool_use',
      usage,
    ),
  /** The model wrote prose instead of calling the tool. */
  text: (text: string, usage: Usage = DEFAULT_USAGE): ScriptedReply =>
    converseOutput([{ text }], 'end_turn', usage),
  error: errorReply,
  throttling: () =>
    errorReply(429, 'ThrottlingException', 'Too many requests, please wait before trying again.'),
  unavailable: () =>
    errorReply(503, 'ServiceUnavailableException', 'Bedrock is unable to process your request.'),
  modelTimeout: () =>
    errorReply(408, 'ModelTimeoutException', 'Model has timed out in processing the request.'),
  validation: (message: string) => errorReply(400, 'ValidationException', message),
  accessDenied: () => errorReply(403, 'AccessDeniedException', 'You do not have access to the model.'),
};

export const startBedrockServer = (): Promise<ScriptedServer> => startScriptedServer('h2c');

/** The real SDK client, pointed at the loopback server, with SDK retries off as in production. */
export const bedrockClientFor = (server: ScriptedServer): BedrockRuntimeClient =>
  new BedrockRuntimeClient({
    region: 'us-east-1',
    endpoint: server.url,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
