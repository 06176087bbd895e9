/**
 * The normalized rows of the built-in sales and vitals datasets, as their
 * contract files (contracts/*.json) produce them; the analytics read these.
 */

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

export interface HealthVital {
  /** UTC ISO-8601 with milliseconds. */
  readonly event_time: string;
  readonly user_id: string;
  readonly heart_rate: number;
  readonly spo2: number;
  readonly steps: number;
  readonly temp_c: number;
  readonly systolic_bp: number;
  readonly diastolic_bp: number;
}
