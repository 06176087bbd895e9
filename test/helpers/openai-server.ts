/**
 * A loopback stand-in for an OpenAI-compatible `POST /v1/chat/completions`
 * (what Ollama, vLLM and LM Studio serve), answered from a scripted queue.
 */
import {
  jsonReply,
  type ScriptedReply,
  type ScriptedServer,
  startScriptedServer,
} from './scripted-server.js';

export type { ScriptedServer } from './scripted-server.js';

export interface ChatUsage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
}

const DEFAULT_USAGE: ChatUsage = { prompt_tokens: 900, completion_tokens: 150 };

const completion = (message: Record<string, unknown>, finishReason: string, usage: ChatUsage) =>
  jsonReply(200, {
    id: 'chatcmpl-test',
    object: 'chat.completion',
    created: 1767607200,
    model: 'llama3.1:8b',
    choices: [{ index: 0, message: { role: 'assistant', ...message }, finish_reason: finishReason }],
    usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
  });

export const chat = {
  /** A tool call; a string is sent verbatim as `arguments`, anything else JSON-encoded as the spec says. */
  toolCall: (args: unknown, usage: ChatUsage = DEFAULT_USAGE): ScriptedReply =>
    completion(
      {
        content: null,
        tool_calls: [
          {
            id: 'call_test',
            type: 'function',
            function: {
              name: 'write_narrative',
              arguments: typeof args === 'string' ? args : JSON.stringify(args),
            },
          },
        ],
      },
      'tool_calls',
      usage,
    ),
  /** A plain text answer, as from a server that ignores `tools`. */
  content: (text: string, usage: ChatUsage = DEFAULT_USAGE): ScriptedReply =>
    completion({ content: text }, 'stop', usage),
  error: (status: number, message: string, headers: Readonly<Record<string, string>> = {}): ScriptedReply =>
    jsonReply(status, { error: { message, type: 'server_error' } }, headers),
};

export const startOpenAiServer = (): Promise<ScriptedServer> => startScriptedServer('http1');
