/**
 * Narrative v2 through every analyst: the Bedrock and OpenAI-compatible
 * adapters send the v2 schema, validate a v2 answer with zod, and refuse one
 * that breaks it (a priority outside the enum, an insight without its facts
 * list), asking again as for any invalid answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BedrockAnalyst } from '../../src/adapters/aws/analyst.bedrock.js';
import { OpenAiCompatibleAnalyst } from '../../src/adapters/local/analyst.openai.js';
import type { Narrative } from '../../src/core/analyze/narrative.js';
import type { Analyst } from '../../src/core/ports.js';
import { marketRequest } from '../helpers/analyst-fixtures.js';
import { bedrockClientFor, converse, startBedrockServer } from '../helpers/bedrock-server.js';
import { chat, type ScriptedServer, startOpenAiServer } from '../helpers/openai-server.js';
import type { ScriptedReply } from '../helpers/scripted-server.js';

const v2: Narrative = {
  headline: 'AAPL led, MSFT slipped',
  executiveSummary: 'AAPL rose over the window and MSFT fell; one finding needs a look.',
  insights: [{ text: 'AAPL was the top gainer.', confidence: 'high', facts: ['symbols.0'] }],
  recommendations: [
    {
      action: 'Check the news behind MSFT',
      priority: 'medium',
      rationale: 'Its volume ran high.',
      findings: ['F0a1b2c3d'],
    },
  ],
  symbols: [{ symbol: 'AAPL', outlook: 'bullish', text: 'Trend up.' }],
  sentiment: 'mixed',
};
const broken = {
  ...v2,
  recommendations: [{ ...v2.recommendations?.[0], priority: 'urgent' }],
  insights: [{ text: 'No facts cited.', confidence: 'high' }],
};

interface Case {
  readonly name: string;
  readonly start: () => Promise<ScriptedServer>;
  readonly analyst: (server: ScriptedServer) => Analyst;
  readonly reply: (answer: unknown) => ScriptedReply;
  readonly schemaOf: (body: unknown) => { required?: string[]; properties?: Record<string, unknown> };
}

const cases: Case[] = [
  {
    name: 'Bedrock',
    start: startBedrockServer,
    analyst: (server) => new BedrockAnalyst({ client: bedrockClientFor(server), sleep: async () => {} }),
    reply: (answer) => converse.toolUse(answer),
    schemaOf: (body) =>
      (body as { toolConfig: { tools: Array<{ toolSpec: { inputSchema: { json: never } } }> } }).toolConfig
        .tools[0]?.toolSpec.inputSchema.json as never,
  },
  {
    name: 'OpenAI-compatible',
    start: startOpenAiServer,
    analyst: (server) =>
      new OpenAiCompatibleAnalyst({
        baseUrl: `${server.url}/v1`,
        model: 'llama3.1:8b',
        sleep: async () => {},
      }),
    reply: (answer) => chat.toolCall(answer),
    schemaOf: (body) =>
      (body as { tools: Array<{ function: { parameters: never } }> }).tools[0]?.function.parameters as never,
  },
];

describe.each(cases)('narrative v2 through the $name analyst', (c) => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await c.start();
  });
  afterAll(() => server.close());

  it('asks for the v2 fields and returns a valid v2 answer as given', async () => {
    server.reset();
    server.enqueue(c.reply(v2));
    const result = await c.analyst(server).write(marketRequest());
    expect(result.narrative).toEqual(v2);
    const schema = c.schemaOf(server.requests.at(-1)?.body);
    expect(schema.required).toEqual(
      expect.arrayContaining(['headline', 'executiveSummary', 'insights', 'recommendations', 'sentiment']),
    );
    expect(Object.keys(schema.properties ?? {})).toEqual(
      expect.arrayContaining(['symbols', 'segments', 'reviewThemes']),
    );
  });

  it('refuses an answer that breaks the v2 schema and asks again', async () => {
    server.reset();
    server.enqueue(c.reply(broken), c.reply(v2));
    const result = await c.analyst(server).write(marketRequest());
    expect(result.narrative).toEqual(v2);
    expect(result.attempts).toBe(2);
  });
});
