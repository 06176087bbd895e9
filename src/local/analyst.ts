/**
 * The analyst the configuration asks for; none means the offline narrative.
 * Imported on demand: the Bedrock client is a large part of the AWS SDK.
 */
import type { Analyst, Logger } from '../core/ports.js';
import type { LocalConfig } from './config.js';

export async function analystFrom(config: LocalConfig, logger: Logger): Promise<Analyst | undefined> {
  switch (config.SLUICE_ANALYST) {
    case 'offline':
      return undefined;
    case 'bedrock': {
      const { BedrockAnalyst, createBedrockClient } = await import('../adapters/aws/analyst.bedrock.js');
      return new BedrockAnalyst({
        client: createBedrockClient({ region: config.AWS_REGION }),
        modelId: config.SLUICE_BEDROCK_MODEL_ID,
        logger,
      });
    }
    case 'openai': {
      const { OpenAiCompatibleAnalyst } = await import('../adapters/local/analyst.openai.js');
      return new OpenAiCompatibleAnalyst({
        baseUrl: config.SLUICE_OPENAI_BASE_URL as string,
        model: config.SLUICE_OPENAI_MODEL as string,
        apiKey: config.SLUICE_OPENAI_API_KEY,
        maxResponseBytes: config.SLUICE_LLM_MAX_RESPONSE_BYTES,
        logger,
      });
    }
  }
}
