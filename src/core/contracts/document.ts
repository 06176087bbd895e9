/**
 * A dataset contract as data: what a `datasets/*.yaml` or `.json` file holds.
 * The zod schema below is the one definition; the JSON Schema editors use
 * (schemas/dataset-contract.schema.json) is generated from it.
 */
import { z } from 'zod';
import { ANALYSIS_KINDS, COLUMN_TYPES } from '../datasets/analysis-plan.js';
import { EVOLUTION_POLICIES } from '../ingest/csv-header.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const REASON = /^[a-z][a-z0-9_]{1,47}$/;

export const DatasetIdSchema = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{0,62}$/,
    'lowercase letters, digits and dashes, starting with a letter or digit',
  );

const ColumnName = z
  .string()
  .regex(NAME, 'a column name is letters, digits and _, not starting with a digit');
const ReasonCode = z.string().regex(REASON, 'a reason code is lowercase letters, digits and _ (2-48)');

/** Formats a `date` or `datetime` column may declare, as tokens: YYYY MM M DD D HH H mm ss SSS and literals. */
const DateFormat = z
  .string()
  .min(1)
  .regex(/YYYY/, 'a date format needs YYYY')
  .regex(/(MM|M)/, 'a date format needs M or MM')
  .regex(/(DD|D)/, 'a date format needs D or DD');

const TimeZone = z
  .string()
  .refine(
    (zone) => zone === 'UTC' || /^[+-](0\d|1[0-4]):[0-5]\d$/.test(zone) || isIanaZone(zone),
    'a time zone is UTC, an offset like +02:00, or an IANA name like Europe/Paris',
  );

function isIanaZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.includes('/');
  } catch {
    return false;
  }
}

export const NumberFormatSchema = z
  .object({
    decimal: z.enum(['.', ',']).default('.').describe('The decimal mark. @default "."'),
    thousands: z
      .enum([',', '.', ' ', "'", '_'])
      .optional()
      .describe('Thousands separator the file may use; none by default, so `1,000` is not a number.'),
    currency: z
      .boolean()
      .default(false)
      .describe('Strip one currency sign ($ € £ ¥) before or after the number. @default false'),
  })
  .strict()
  .refine((f) => f.thousands !== f.decimal, { message: 'thousands and decimal must differ' });

export const ColumnSchema = z
  .object({
    name: ColumnName.describe('The column name rows are written with; letters, digits and _.'),
    type: z.enum(COLUMN_TYPES).describe("What a value must be; a value that is not gets this type's reason."),
    description: z.string().optional().describe('What the column holds, for people reading the contract.'),
    aliases: z
      .array(z.string().min(1))
      .default([])
      .describe('Other names files give it, matched like the name: case, spaces, `_ - .` and a BOM ignored.'),
    required: z
      .boolean()
      .default(true)
      .describe(
        "A required column must be in the file's header (or every JSON record may omit it when false). @default true",
      ),
    nullable: z
      .boolean()
      .optional()
      .describe(
        'Whether a row may have no value here (kept as null); otherwise it gets missing_field. @default the opposite of required',
      ),
    null_values: z.array(z.string()).default(['']).describe('Values that mean "no value". @default [""]'),
    lenient: z
      .boolean()
      .default(false)
      .describe(
        'An invalid value becomes null instead of rejecting the row (only for nullable columns). @default false',
      ),
    default: z
      .union([z.string(), z.number(), z.boolean()])
      .optional()
      .describe(
        'Value when the file or record has no such field (a fixed unit); `$received` is the time the file was received.',
      ),
    reason: ReasonCode.optional().describe(
      "The reason a value of the wrong type or outside `values` gets, instead of the type's own.",
    ),
    number: NumberFormatSchema.optional().describe(
      'integer/number: how the file writes numbers (decimal comma, thousands, currency).',
    ),
    formats: z
      .array(DateFormat)
      .default([])
      .describe(
        'date/datetime: formats tried in order after ISO-8601. `loose` also reads 5/20/2024 and 20.05.2024 when only one reading is a real date.',
      ),
    loose: z
      .boolean()
      .default(false)
      .describe('date/datetime: read unambiguous spreadsheet dates too. @default false'),
    timezone: TimeZone.optional().describe(
      'datetime: the zone of values that carry none; without it such values are invalid.',
    ),
    epoch: z
      .enum(['s', 'ms', 'auto'])
      .optional()
      .describe('datetime: also accept epoch numbers, in seconds, milliseconds, or either by magnitude.'),
    values: z
      .array(z.string())
      .min(1)
      .optional()
      .describe('enum: the allowed values, compared exactly after trimming.'),
    min: z.number().optional().describe('integer/number: the smallest value allowed.'),
    max: z.number().optional().describe('integer/number: the largest value allowed.'),
    exclusive_min: z
      .boolean()
      .default(false)
      .describe('Whether `min` itself is outside the range. @default false'),
    exclusive_max: z
      .boolean()
      .default(false)
      .describe('Whether `max` itself is outside the range. @default false'),
    range_reason: ReasonCode.optional().describe(
      'The reason a value outside min/max gets. @default out_of_range',
    ),
    min_length: z.number().int().nonnegative().optional().describe('string: the fewest characters allowed.'),
    max_length: z.number().int().positive().optional().describe('string: the most characters allowed.'),
    pattern: z.string().optional().describe('A regular expression the whole string value must match.'),
  })
  .strict()
  .superRefine((column, ctx) => {
    const say = (message: string, path: string) => ctx.addIssue({ code: 'custom', message, path: [path] });
    if (column.type === 'enum' && column.values === undefined) say('an enum column needs `values`', 'values');
    if (column.type !== 'enum' && column.values !== undefined) say('`values` is for enum columns', 'values');
    const numeric = ['integer', 'number', 'epoch_s', 'epoch_ms'].includes(column.type);
    if (!numeric && column.number !== undefined) say('`number` is for integer and number columns', 'number');
    const dated = column.type === 'date' || column.type === 'datetime';
    if (!dated && (column.formats.length > 0 || column.loose))
      say('formats are for date and datetime columns', 'formats');
    if (column.type !== 'datetime' && column.timezone !== undefined)
      say('`timezone` is for datetime columns', 'timezone');
    if (column.type !== 'datetime' && column.epoch !== undefined)
      say('`epoch` is for datetime columns', 'epoch');
    if (column.min !== undefined && column.max !== undefined && column.min > column.max)
      say('min is above max', 'min');
    if (column.lenient && (column.nullable ?? !column.required) === false) {
      say('only a nullable column can be lenient', 'lenient');
    }
    if (column.pattern !== undefined) {
      try {
        new RegExp(column.pattern, 'u');
      } catch (error) {
        say(`pattern is not a regular expression: ${(error as Error).message}`, 'pattern');
      }
    }
  });

export const RuleSchema = z
  .object({
    check: z
      .string()
      .min(3)
      .describe(
        'One of a small declared set, never evaluated as code: `a <= b` (also <, >, >=, ==, != against a column or a number), `a between b and c`, `a required_if b` (a must have a value when b has one).',
      ),
    reason: ReasonCode.describe('The reason a row breaking the rule gets.'),
    message: z.string().optional().describe("The reject's message; @default the check in words."),
  })
  .strict();

export const ContractDocumentSchema = z
  .object({
    $schema: z.string().optional().describe('The JSON Schema an editor checks and completes this file with.'),
    dataset: DatasetIdSchema.describe(
      'The dataset id: outputs go under `processed/<id>/`; lowercase, digits and dashes.',
    ),
    title: z.string().min(1).describe('The name reports and the README give the dataset.'),
    description: z.string().optional().describe('What the dataset holds, for people reading the contract.'),
    format: z
      .enum(['csv', 'json', 'twelvedata'])
      .describe(
        '`json`: one object, an array of objects, or JSON lines; `twelvedata`: a Twelve Data time_series response.',
      ),
    preset: z
      .enum(['ohlcv'])
      .optional()
      .describe(
        "`ohlcv`: validate with sluice's market bar rules (prices, ohlc consistency, one bar per symbol and time), hand-compiled for speed; the columns then name the bar's fields.",
      ),
    match: z
      .object({
        keys: z
          .array(z.string().min(1))
          .default([])
          .describe(
            'Globs on the object key below `inputs/` (`AAPL/*.json`, `sales/**`); a file under one is read with this contract.',
          ),
        signature: z
          .array(z.string().min(1))
          .optional()
          .describe(
            'Columns (by name or alias) the header or first record must have; @default every required column.',
          ),
      })
      .strict()
      .default({ keys: [] })
      .describe('How files are recognized besides the column signature (their header or first record).'),
    columns: z.array(ColumnSchema).min(1).describe('The fields a row has, in the order rows are written.'),
    unique: z
      .array(ColumnName)
      .min(1)
      .optional()
      .describe('Columns whose values together identify a row; a repeat gets `duplicate_row`.'),
    rules: z
      .array(RuleSchema)
      .default([])
      .describe('Checks across columns of one row, each with its reason code.'),
    reasons: z
      .record(ReasonCode, z.string().min(1))
      .default({})
      .describe(
        "Reason codes this contract gives beyond the generic ones, with their meaning (README's table).",
      ),
    evolution: z
      .enum(EVOLUTION_POLICIES)
      .default('discard_value')
      .describe("What to do with columns the contract does not know (dlt's schema contracts)."),
    analysis: z
      .enum(ANALYSIS_KINDS)
      .default('profile')
      .describe('Which analytics the dataset gets: a column profile, market bars, sales or vitals.'),
    time_column: ColumnName.optional().describe(
      "The column that orders rows in time (profile's coverage and gaps; market's bar time).",
    ),
    group_by: ColumnName.optional().describe(
      "The column that groups rows in the manifest's counts (symbol, brand, user_id).",
    ),
    bars: z
      .string()
      .regex(/^\d+(ms|s|m|h|d)$/, 'a bar length like 1m, 5m, 1h or 1d')
      .optional()
      .describe('Market analysis of ticks: the bar length, e.g. `1m`, `5m`, `1h`, `1d`.'),
    notes: z
      .array(z.string())
      .default([])
      .describe('The rules in words for the README, when the generated ones need a word more.'),
  })
  .strict()
  .superRefine((doc, ctx) => {
    const names = new Set<string>();
    doc.columns.forEach((column, i) => {
      if (names.has(column.name)) {
        ctx.addIssue({
          code: 'custom',
          message: `column ${column.name} is declared twice`,
          path: ['columns', i, 'name'],
        });
      }
      names.add(column.name);
    });
    const known = (name: string, path: (string | number)[]) => {
      if (!names.has(name)) ctx.addIssue({ code: 'custom', message: `no column named ${name}`, path });
    };
    for (const [i, name] of (doc.unique ?? []).entries()) known(name, ['unique', i]);
    if (doc.time_column !== undefined) known(doc.time_column, ['time_column']);
    if (doc.group_by !== undefined) known(doc.group_by, ['group_by']);
    if (doc.format === 'twelvedata' && doc.preset !== 'ohlcv') {
      ctx.addIssue({
        code: 'custom',
        message: 'the twelvedata format needs preset: ohlcv',
        path: ['preset'],
      });
    }
  });

export type ContractDocument = z.infer<typeof ContractDocumentSchema>;
export type ContractDocumentInput = z.input<typeof ContractDocumentSchema>;
export type ColumnDocument = z.infer<typeof ColumnSchema>;
export type RuleDocument = z.infer<typeof RuleSchema>;
