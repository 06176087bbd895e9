import { z } from 'zod';
import { SymbolListSchema } from '../../src/core/fetch/params.js';
import { DEFAULT_REJECT_PCT_THRESHOLD } from '../../src/core/notify/failure-notice.js';

const email = z.email();

/** The CDK context the app reads (`-c key=value` or cdk.json), validated before anything is built. */
export const PipelineContextSchema = z
  .object({
    stage: z.enum(['dev', 'uat', 'prod']).default('dev'),
    alarmEmail: email.optional(),
    /** A verified SES identity: a domain or an address. */
    sesIdentity: z.union([
      email,
      z.string().regex(/^(?=.{1,253}$)([a-z0-9-]+\.)+[a-z]{2,}$/i, 'not a domain'),
    ]),
    mailFrom: email,
    /** One address or several, comma-separated. */
    mailTo: z.string().refine((value) => value.split(',').every((a) => email.safeParse(a.trim()).success), {
      message: 'must be one or more comma-separated email addresses',
    }),
    bedrockModelId: z.string().min(1).default('amazon.nova-lite-v1:0'),
    /** `kms`: the data bucket's own customer-managed key; `s3`: S3-managed keys (no key to pay for). */
    dataKey: z.enum(['kms', 's3']).default('kms'),
    /** How S3 starts ingest: `eventbridge` (Object Created on the default bus) or `sqs` (S3 notification → queue). */
    ingestTrigger: z.enum(['eventbridge', 'sqs']).default('eventbridge'),
    handlersDir: z.string().min(1).default('dist/handlers'),
    /** The project's dataset contract files, packaged into the functions that read them. */
    contractsDir: z.string().min(1).default('datasets'),
    /** Symbols of a large market file given an outlook by the model: the prompt's budget. */
    outlookSymbols: z.coerce.number().int().min(1).max(50).default(12),
    /** Reject % above which an ingested file gets a failure notice and the reject-rate alarm counts it. */
    rejectPctThreshold: z.coerce.number().int().min(1).max(100).default(DEFAULT_REJECT_PCT_THRESHOLD),
    /** Symbols the scheduled fetch pulls (`AAPL,MSFT`); without them there is no schedule. */
    fetchSymbols: SymbolListSchema.transform((symbols) => symbols.join(',')).optional(),
    /** EventBridge `cron(...)` or `rate(...)` in UTC; needs fetchSymbols. */
    fetchSchedule: z
      .string()
      .regex(/^(cron|rate)\([^()]+\)$/, 'must be a cron(...) or rate(...) expression')
      .optional(),
  })
  .refine((context) => context.fetchSchedule === undefined || context.fetchSymbols !== undefined, {
    message: 'needs -c fetchSymbols: a schedule without symbols would fetch nothing',
    path: ['fetchSchedule'],
  });

export type PipelineContext = z.infer<typeof PipelineContextSchema>;

/** Parses context values, failing with every problem named by its `-c` key. */
export function parsePipelineContext(read: (key: string) => unknown): PipelineContext {
  const keys = Object.keys(PipelineContextSchema.shape);
  const raw = Object.fromEntries(
    keys.map((key) => [key, read(key)]).filter(([, value]) => value !== undefined),
  );
  const parsed = PipelineContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `-c ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid CDK context:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}
