/** Socket failures where another attempt on a fresh connection may succeed (certificate errors are not among them). */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

/**
 * SDK client settings with the SDK's own retries off: each adapter retries with
 * its own policy and metrics, and two layers of retries would multiply.
 */
export function singleAttemptClientConfig(options: { region: string; endpoint?: string }): {
  region: string;
  endpoint?: string;
  maxAttempts: 1;
} {
  return {
    region: options.region,
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    maxAttempts: 1,
  };
}
