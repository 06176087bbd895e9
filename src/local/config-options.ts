/**
 * Every option the CLI reads, in one list: its environment variable, its key in
 * sluice.config.json, its default and what it means. The README's configuration
 * table is generated from this list, and a test checks that it names exactly the
 * variables the config schemas validate.
 */

export interface ConfigOption {
  readonly env: string;
  /** As the README shows it: a value, or how the default is derived. */
  readonly default: string;
  readonly meaning: string;
  /** Read from the environment only: a config file tends to get committed. */
  readonly secret?: true;
}

export const CONFIG_OPTIONS: readonly ConfigOption[] = [
  {
    env: 'SLUICE_DATA_DIR',
    default: '`.sluice`',
    meaning: 'where inputs, outputs, `state.db` and `dead-letters.jsonl` live (`--data-dir` overrides)',
  },
  {
    env: 'SLUICE_CONTRACTS_DIR',
    default: '`datasets`',
    meaning:
      "the project's dataset contracts (`*.yaml`, `*.json`), read at start beside the built-ins; see docs/contracts.md",
  },
  {
    env: 'SLUICE_MAX_BYTES',
    default: '`536870912` (512 MiB)',
    meaning:
      'largest input accepted, compressed or inflated; larger is `too_large` / `decompressed_too_large`',
  },
  {
    env: 'SLUICE_MAX_RECORD_CHARS',
    default: '`1048576`',
    meaning: 'largest single record (CSV row, JSON element)',
  },
  {
    env: 'SLUICE_DEV_PORT',
    default: '`4400`',
    meaning: "port of `sluice dev`'s dashboard on 127.0.0.1; `0` picks a free one (`--port` overrides)",
  },
  {
    env: 'SLUICE_LOG_LEVEL',
    default: '`warn`',
    meaning: 'JSON log lines on stderr at this level and above (`debug`, `info`, `warn`, `error`)',
  },
  {
    env: 'SLUICE_ANALYST',
    default: '`offline`',
    meaning: 'who writes the narrative: `offline`, `bedrock` or `openai`',
  },
  {
    env: 'SLUICE_BEDROCK_MODEL_ID',
    default: '`amazon.nova-lite-v1:0`',
    meaning: 'Bedrock model or inference profile id',
  },
  { env: 'AWS_REGION', default: '`us-east-1`', meaning: 'region of the Bedrock client' },
  {
    env: 'SLUICE_OPENAI_BASE_URL',
    default: '(required for `openai`)',
    meaning: 'e.g. `http://127.0.0.1:11434/v1` for Ollama',
  },
  {
    env: 'SLUICE_OPENAI_MODEL',
    default: '(required for `openai`)',
    meaning: 'model name as the server knows it',
  },
  {
    env: 'SLUICE_OPENAI_API_KEY',
    default: 'none',
    meaning: 'bearer token, when the server wants one',
    secret: true,
  },
  {
    env: 'SLUICE_LLM_MAX_RESPONSE_BYTES',
    default: '`1048576` (1 MiB)',
    meaning:
      "most bytes of an OpenAI-compatible server's answer read; a longer one is cut off and counts as invalid",
  },
  {
    env: 'SLUICE_OUTLOOK_SYMBOLS',
    default: '`12`',
    meaning:
      'symbols of a large market file given an outlook (those with findings first, then the top movers), 1..50: the prompt budget',
  },
  {
    env: 'SLUICE_PRICES',
    default: 'Nova Micro, Lite, Pro and Claude 3.5 Haiku on-demand',
    meaning: 'price table merged over the defaults: `{"model": {"inputPer1k": 0.1, "outputPer1k": 0.2}}`',
  },
  {
    env: 'SLUICE_REJECT_PCT_THRESHOLD',
    default: '`20`',
    meaning:
      'an ingested file with more than this % of rows rejected gets a failure notice (a refused file always does), 0..100',
  },
  { env: 'SLUICE_MAILER', default: '`outbox`', meaning: '`outbox` (.eml + .html files), `smtp` or `ses`' },
  { env: 'SLUICE_MAIL_FROM', default: '`sluice <sluice@localhost>`', meaning: 'sender, one address' },
  {
    env: 'SLUICE_MAIL_TO',
    default: '`reports@localhost`',
    meaning: 'recipients: comma-separated, or a JSON array in the config file',
  },
  {
    env: 'SLUICE_MAIL_SUBJECT',
    default: '`[sluice] {dataset}: {headline}`',
    meaning: 'subject template: `{dataset}`, `{headline}`, `{sentiment}`, `{date}`',
  },
  { env: 'SLUICE_OUTBOX_DIR', default: '`<data dir>/outbox`', meaning: 'where the outbox writes' },
  { env: 'SLUICE_SMTP_HOST', default: '(required for `smtp`)', meaning: 'SMTP server' },
  { env: 'SLUICE_SMTP_PORT', default: '`587`', meaning: 'SMTP port' },
  { env: 'SLUICE_SMTP_SECURE', default: 'on for port 465, else off', meaning: 'implicit TLS' },
  {
    env: 'SLUICE_SMTP_REQUIRE_TLS',
    default: 'on when credentials are set and not secure',
    meaning: 'refuse a server without STARTTLS',
  },
  { env: 'SLUICE_SMTP_USER', default: 'none (needs `SLUICE_SMTP_PASS`)', meaning: 'SMTP login' },
  {
    env: 'SLUICE_SMTP_PASS',
    default: 'none (needs `SLUICE_SMTP_USER`)',
    meaning: 'SMTP password; never appears in errors',
    secret: true,
  },
  { env: 'SLUICE_SES_REGION', default: '`AWS_REGION`', meaning: 'SES region' },
  {
    env: 'SLUICE_SES_CONFIGURATION_SET',
    default: 'none',
    meaning: 'SES configuration set for bounce and delivery events',
  },
  {
    env: 'TWELVEDATA_API_KEY',
    default: 'none (required by `sluice fetch`)',
    meaning: 'Twelve Data API key, sent in the `Authorization` header',
    secret: true,
  },
  {
    env: 'TWELVEDATA_CREDITS_PER_MINUTE',
    default: '`8` (Basic plan)',
    meaning:
      'API credits a minute the plan allows; `sluice fetch` paces itself to it (`--credits-per-minute` overrides)',
  },
  {
    env: 'TWELVEDATA_BASE_URL',
    default: '`https://api.twelvedata.com`',
    meaning: 'Twelve Data API root (`--base-url` overrides)',
  },
  {
    env: 'SLUICE_S3_ENDPOINT',
    default: 'AWS',
    meaning: 'S3 endpoint for `sluice fetch --bucket`, e.g. an emulator',
  },
];

/** `SLUICE_MAIL_TO` → `mailTo`, `AWS_REGION` → `awsRegion`: the option's key in sluice.config.json. */
export function fileKeyOf(env: string): string {
  const words = env
    .replace(/^SLUICE_/, '')
    .toLowerCase()
    .split('_');
  return words.map((word, i) => (i === 0 ? word : word.charAt(0).toUpperCase() + word.slice(1))).join('');
}

/** The README's configuration table. */
export function configTable(): string {
  return [
    '| `sluice.config.json` key | environment variable | default | meaning |',
    '|---|---|---|---|',
    ...CONFIG_OPTIONS.map(
      (option) =>
        `| ${option.secret ? '(environment only)' : `\`${fileKeyOf(option.env)}\``} | \`${option.env}\` | ${option.default} | ${option.meaning} |`,
    ),
  ].join('\n');
}
