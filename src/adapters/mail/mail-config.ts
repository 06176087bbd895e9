/**
 * Mail settings from the environment, read once and validated, so a typo fails
 * at start with the variable's name instead of at the first report. An empty
 * variable counts as unset (env files often carry `NAME=`).
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../core/errors.js';
import type { MailSettings } from '../../core/notify/stage.js';
import { SubjectTemplateSchema } from '../../core/notify/subject.js';
import { parseMailbox } from './address.js';

const mailbox = z.string().refine((text) => parseMailbox(text) !== undefined, {
  message: 'must be one address such as a@example.com or Name <a@example.com>',
});

// Commas inside a quoted display name ("Doe, Jane" <j@x>) do not separate addresses.
const LIST_COMMA = /,(?=(?:[^"]*"[^"]*")*[^"]*$)/;

const mailboxList = z
  .string()
  .transform((text) =>
    text
      .split(LIST_COMMA)
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )
  .pipe(z.array(mailbox).min(1, 'needs at least one address'));

export const MailEnvSchema = z.object({
  /** Where reports go: .eml files, an SMTP server, or Amazon SES. */
  SLUICE_MAILER: z.enum(['outbox', 'smtp', 'ses']).default('outbox'),
  SLUICE_MAIL_FROM: mailbox.default('sluice <sluice@localhost>'),
  SLUICE_MAIL_TO: mailboxList.default(['reports@localhost']),
  SLUICE_MAIL_SUBJECT: SubjectTemplateSchema,
  SLUICE_OUTBOX_DIR: z.string().optional(),
  SLUICE_SMTP_HOST: z.string().optional(),
  SLUICE_SMTP_PORT: z.coerce.number().int().min(1).max(65_535).default(587),
  /** Implicit TLS; unset means "on for port 465". */
  SLUICE_SMTP_SECURE: z.stringbool().optional(),
  /** Refuse a server that does not offer STARTTLS; unset means "on when credentials are set". */
  SLUICE_SMTP_REQUIRE_TLS: z.stringbool().optional(),
  SLUICE_SMTP_USER: z.string().optional(),
  SLUICE_SMTP_PASS: z.string().optional(),
  /** Falls back to AWS_REGION. */
  SLUICE_SES_REGION: z.string().optional(),
  SLUICE_SES_CONFIGURATION_SET: z.string().optional(),
  AWS_REGION: z.string().optional(),
});

type MailEnv = z.infer<typeof MailEnvSchema>;
type EnvName = keyof MailEnv;

const ENV_NAMES = Object.keys(MailEnvSchema.shape) as EnvName[];

export interface SmtpSettings {
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
  readonly requireTLS: boolean;
  readonly auth?: { readonly user: string; readonly pass: string };
}

/** The settings the notify stage needs (MailSettings) and which mailer to build. */
export type MailConfig = MailSettings &
  (
    | { readonly mailer: 'outbox'; readonly outboxDir: string }
    | { readonly mailer: 'smtp'; readonly smtp: SmtpSettings }
    | {
        readonly mailer: 'ses';
        readonly ses: { readonly region: string; readonly configurationSetName?: string };
      }
  );

/** Problems between variables, read from the raw values so they show up next to per-variable ones. */
function crossCheck(env: Partial<Record<EnvName, string>>): string[] {
  const problems: string[] = [];
  const require = (name: EnvName, why: string) => {
    if (env[name] === undefined) problems.push(`${name}: required ${why}`);
  };
  if (env.SLUICE_MAILER === 'smtp') require('SLUICE_SMTP_HOST', 'when SLUICE_MAILER=smtp');
  if (env.SLUICE_MAILER === 'ses' && env.AWS_REGION === undefined) {
    require('SLUICE_SES_REGION', 'when SLUICE_MAILER=ses and AWS_REGION is not set');
  }
  // One without the other is a half-finished setup, never an intent.
  if (env.SLUICE_SMTP_USER !== undefined) require('SLUICE_SMTP_PASS', 'when SLUICE_SMTP_USER is set');
  if (env.SLUICE_SMTP_PASS !== undefined) require('SLUICE_SMTP_USER', 'when SLUICE_SMTP_PASS is set');
  return problems;
}

function toConfig(env: MailEnv, dataDir: string): MailConfig {
  const common = {
    from: env.SLUICE_MAIL_FROM,
    to: env.SLUICE_MAIL_TO,
    subjectTemplate: env.SLUICE_MAIL_SUBJECT,
  };
  switch (env.SLUICE_MAILER) {
    case 'outbox':
      return {
        ...common,
        mailer: 'outbox',
        outboxDir: env.SLUICE_OUTBOX_DIR ?? path.join(dataDir, 'outbox'),
      };
    case 'smtp': {
      const secure = env.SLUICE_SMTP_SECURE ?? env.SLUICE_SMTP_PORT === 465;
      const user = env.SLUICE_SMTP_USER;
      const pass = env.SLUICE_SMTP_PASS;
      const auth = user === undefined || pass === undefined ? undefined : { user, pass };
      return {
        ...common,
        mailer: 'smtp',
        smtp: {
          host: env.SLUICE_SMTP_HOST ?? '',
          port: env.SLUICE_SMTP_PORT,
          secure,
          // A password must not cross a cleartext link unless the operator says so.
          requireTLS: env.SLUICE_SMTP_REQUIRE_TLS ?? (auth !== undefined && !secure),
          ...(auth === undefined ? {} : { auth }),
        },
      };
    }
    case 'ses':
      return {
        ...common,
        mailer: 'ses',
        ses: {
          region: env.SLUICE_SES_REGION ?? env.AWS_REGION ?? '',
          ...(env.SLUICE_SES_CONFIGURATION_SET === undefined
            ? {}
            : { configurationSetName: env.SLUICE_SES_CONFIGURATION_SET }),
        },
      };
  }
}

/** Reads the SLUICE_MAIL_*, SLUICE_SMTP_*, SLUICE_SES_* variables; throws ConfigError naming each bad one. */
export function loadMailConfig(env: NodeJS.ProcessEnv, options: { readonly dataDir: string }): MailConfig {
  const present: Partial<Record<EnvName, string>> = {};
  for (const name of ENV_NAMES) {
    // A password is taken as written: trimming it would turn a typo into a puzzling 535.
    const value = name === 'SLUICE_SMTP_PASS' ? env[name] : env[name]?.trim();
    if (value !== undefined && value !== '') present[name] = value;
  }
  const parsed = MailEnvSchema.safeParse(present);
  const problems = [
    ...(parsed.error?.issues ?? []).map((issue) => `${String(issue.path[0] ?? '?')}: ${issue.message}`),
    ...crossCheck(present),
  ];
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`invalid mail configuration: ${problems.join('; ')}`);
  }
  return toConfig(parsed.data, options.dataDir);
}
