/** `smartphone-sales`: phone orders exported from a shop system, one row per order. */
import { CSV_SOURCE_RULES, csvFormat } from '../ingest/csv-source.js';
import type { DatasetContract, RecordValidator, SourceRecord, Validation } from './contract.js';
import { fieldOf, type Issues, isBlank, readDate, readEnum, readNumber, readText } from './fields.js';

export const SMARTPHONE_REGIONS = [
  'North America',
  'South America',
  'Europe',
  'Asia',
  'Africa',
  'Oceania',
] as const;

export type SmartphoneRegion = (typeof SMARTPHONE_REGIONS)[number];

export interface SmartphoneSale {
  readonly order_id: string;
  /** `YYYY-MM-DD`. */
  readonly date: string;
  /** Always present in a valid row: a brand is required, and a model with it. */
  readonly model: string;
  readonly brand: string;
  readonly release_year: number | null;
  readonly price: number;
  readonly region: SmartphoneRegion;
  readonly customer_review: string | null;
  /** GB; null when the export says `N/A` or nothing. */
  readonly ram: number | null;
  /** GB; null when the export says `N/A` or nothing. */
  readonly storage: number | null;
  readonly color: string | null;
}

// Columns the rules need are required; the rest may be missing from an export.
const optional = (name: string) => ({ name, required: false });
const LAYOUT = {
  columns: [
    { name: 'order_id', aliases: ['order', 'order id'] },
    { name: 'date', aliases: ['order_date'] },
    { name: 'model' },
    { name: 'brand' },
    optional('release_year'),
    { name: 'price' },
    { name: 'region' },
    optional('customer_review'),
    optional('ram'),
    optional('storage'),
    optional('color'),
  ],
  extra: 'discard_value',
} as const;

const MAX_PRICE = 10_000;
const MAX_RAM = 32;

/** The export writes `N/A` where a spec is unknown. */
const isAbsent = (value: unknown): boolean =>
  isBlank(value) || (typeof value === 'string' && value.trim().toUpperCase() === 'N/A');

const optionalText = (value: unknown): string | null => (isBlank(value) ? null : String(value).trim());

/** An optional spec: null when absent, else a number passing `accept`. */
function readSpec(
  record: SourceRecord,
  field: 'ram' | 'storage',
  accept: (n: number) => boolean,
  bounds: string,
  issues: Issues,
): number | null | undefined {
  const value = fieldOf(record, field);
  if (isAbsent(value)) return null;
  const n = readNumber(value, field, issues);
  if (n !== undefined && !accept(n)) {
    issues.push({ code: 'out_of_range', field, message: `${field} must be ${bounds} (given ${n})` });
  }
  return n;
}

function validate(record: SourceRecord): Validation<SmartphoneSale> {
  const issues: Issues = [];
  const order_id = readText(fieldOf(record, 'order_id'), 'order_id', issues);
  const date = readDate(fieldOf(record, 'date'), 'date', issues, true);
  const brand = readText(fieldOf(record, 'brand'), 'brand', issues);
  const model = optionalText(fieldOf(record, 'model'));
  if (brand !== undefined && model === null) {
    issues.push({
      code: 'model_required',
      field: 'model',
      message: `model is required when brand is given (${brand})`,
    });
  }
  const price = readNumber(fieldOf(record, 'price'), 'price', issues, true);
  if (price !== undefined && (price <= 0 || price > MAX_PRICE)) {
    issues.push({
      code: 'out_of_range',
      field: 'price',
      message: `price must be above 0 and at most ${MAX_PRICE} (given ${price})`,
    });
  }
  const region = readEnum(fieldOf(record, 'region'), 'region', SMARTPHONE_REGIONS, 'invalid_region', issues);
  const ram = readSpec(record, 'ram', (n) => n >= 1 && n <= MAX_RAM, `between 1 and ${MAX_RAM}`, issues);
  const storage = readSpec(record, 'storage', (n) => n > 0, 'above 0', issues);
  if (issues.length > 0) return { ok: false, issues };
  // No rule governs release_year: a year that is not a number is kept as unknown.
  const release_year = readNumber(fieldOf(record, 'release_year'), 'release_year', []);
  return {
    ok: true,
    row: {
      order_id: order_id as string,
      date: date as string,
      model: model as string,
      brand: brand as string,
      release_year: release_year ?? null,
      price: price as number,
      region: region as SmartphoneRegion,
      customer_review: optionalText(fieldOf(record, 'customer_review')),
      ram: ram ?? null,
      storage: storage ?? null,
      color: optionalText(fieldOf(record, 'color')),
    },
  };
}

export const smartphoneSales: DatasetContract<SmartphoneSale> = {
  id: 'smartphone-sales',
  title: 'Smartphone sales (CSV)',
  rules: [
    'order_id, date, brand, price and region are required (missing_field)',
    'price is a number (not_a_number) above 0 and at most 10000 (out_of_range)',
    'ram 1..32 and storage above 0 when present, N/A or empty meaning absent (not_a_number, out_of_range)',
    'date is a real date YYYY-MM-DD, or 5/20/2024 or 20.05.2024 when only one reading is a date (invalid_date)',
    'price may carry a currency sign and thousands separators, $1,199.00 (not_a_number)',
    'region is one of North America, South America, Europe, Asia, Africa, Oceania (invalid_region)',
    'model is required when brand is given (model_required)',
    'columns matched by name in any order, unknown ones dropped; a header without order_id, date, model, brand, price or region is refused (dataset_mismatch, missing_columns)',
    ...CSV_SOURCE_RULES,
  ],
  ...csvFormat(LAYOUT),
  createValidator: (): RecordValidator<SmartphoneSale> => ({ validate }),
  groupField: 'brand',
};
