/** The analyst the configuration asks for; none means the offline narrative. */
import { BedrockAnalyst, createBedrockClient } from '../adapters/aws/analyst.bedrock.js';
import { OpenAiCompatibleAnalyst } from '../adapters/local/analyst.openai.js';
import type { Analyst, Logger } from '../core/ports.js';
import type { LocalConfig } from './config.js';

export function analystFrom(config: LocalConfig, logger: Logger): Analyst | undefined {
  switch (config.SLUICE_ANALYST) {
    case 'offline':
      return undefined;
    case 'bedrock':
      return new BedrockAnalyst({
        client: createBedrockClient({ region: config.AWS_REGION }),
        modelId: config.SLUICE_BEDROCK_MODEL_ID,
        logger,
      });
    case 'openai':
      return new OpenAiCompatibleAnalyst({
        baseUrl: config.SLUICE_OPENAI_BASE_URL as string,
        model: config.SLUICE_OPENAI_MODEL as string,
        apiKey: config.SLUICE_OPENAI_API_KEY,
        maxResponseBytes: config.SLUICE_LLM_MAX_RESPONSE_BYTES,
        logger,
      });
  }
}
