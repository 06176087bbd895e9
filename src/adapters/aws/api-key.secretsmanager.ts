/**
 * The Twelve Data API key from Secrets Manager. `put-secret-value` by hand
 * stores the bare key; the console's key/value editor stores JSON, so both
 * `KEY` and `{"apiKey": "KEY"}` are accepted.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';

// A key is one token: whitespace or braces mean the value is not a key (or is broken JSON).
const ApiKeySchema = z
  .string()
  .trim()
  .regex(/^[^\s{}"]{8,200}$/, 'an API key is 8 to 200 characters without spaces, braces or quotes');
const JsonSecretSchema = z.object({ apiKey: ApiKeySchema });

/** The key in a secret string; throws ConfigError saying what is wrong, never echoing the value. */
export function parseApiKeySecret(secret: string): string {
  const text = secret.trim();
  if (text.startsWith('{')) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConfigError('the Twelve Data API key secret starts with { but is not JSON');
    }
    const parsed = JsonSecretSchema.safeParse(json);
    if (!parsed.success) {
      throw new ConfigError(
        `the Twelve Data API key secret is JSON without a valid "apiKey": ${parsed.error.issues[0]?.message}`,
      );
    }
    return parsed.data.apiKey;
  }
  const parsed = ApiKeySchema.safeParse(text);
  if (!parsed.success) {
    throw new ConfigError(`the Twelve Data API key secret is not a key: ${parsed.error.issues[0]?.message}`);
  }
  return parsed.data;
}

export interface SecretsManagerApiKeyOptions {
  readonly client: SecretsManagerClient;
  /** The secret's ARN or name. */
  readonly secretId: string;
}

/**
 * Reads the key on first use and keeps it for the container's life; a failed
 * read is not kept, so the next invocation tries again.
 */
export function secretsManagerApiKey(options: SecretsManagerApiKeyOptions): () => Promise<string> {
  let key: Promise<string> | undefined;
  const read = async (): Promise<string> => {
    const answer = await options.client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
    if (answer.SecretString === undefined) {
      throw new ConfigError(
        `the Twelve Data API key secret ${options.secretId} has no string value; set it with aws secretsmanager put-secret-value`,
      );
    }
    return parseApiKeySecret(answer.SecretString);
  };
  return () => {
    key ??= read().catch((error: unknown) => {
      key = undefined;
      throw error;
    });
    return key;
  };
}

export const createSecretsManagerClient = (config: { region: string; endpoint?: string }) =>
  new SecretsManagerClient(config);
