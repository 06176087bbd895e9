import { z } from 'zod';

/** The CDK context the delivery pipeline reads on top of the pipeline's own (`-c pipeline=true`). */
export const DeliveryContextSchema = z.object({
  repo: z
    .string({ error: 'is required: the GitHub repository as owner/name' })
    .regex(/^[\w.-]+\/[\w.-]+$/, 'must be a GitHub repository as owner/name (e.g. acme/sluice)'),
  branch: z
    .string()
    .regex(/^(?!-)[\w./-]+$/, 'must be a branch name (letters, digits, ., _, -, /)')
    .default('main'),
  /** Deploy a uat stage between dev and prod (`-c uat=false` to go from dev to prod). */
  uat: z
    .union([z.boolean(), z.enum(['true', 'false'])], {
      error: (issue) => `must be true or false (given ${JSON.stringify(issue.input)})`,
    })
    .transform((value) => value === true || value === 'true')
    .default(true),
  connectionArn: z
    .string({ error: 'is required: the ARN of an AVAILABLE CodeStar (CodeConnections) connection' })
    .regex(
      /^arn:aws[a-z-]*:(codestar-connections|codeconnections):[a-z0-9-]+:\d{12}:connection\/[0-9a-f-]{36}$/,
      'must be a CodeStar connection ARN (arn:aws:codestar-connections:<region>:<account>:connection/<uuid>)',
    ),
});

export type DeliveryContext = z.infer<typeof DeliveryContextSchema>;

/** Parses the delivery context, failing with every problem named by its `-c` key. */
export function parseDeliveryContext(read: (key: string) => unknown): DeliveryContext {
  const raw = Object.fromEntries(
    Object.keys(DeliveryContextSchema.shape)
      .map((key) => [key, read(key)])
      .filter(([, value]) => value !== undefined),
  );
  const parsed = DeliveryContextSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `-c ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid delivery pipeline context:\n  ${problems.join('\n  ')}`);
  }
  return parsed.data;
}
