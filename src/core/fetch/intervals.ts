/** The bar intervals Twelve Data offers; apart from params.ts so `sluice --help` lists them without loading zod. */
export const INTERVALS = [
  '1min',
  '5min',
  '15min',
  '30min',
  '45min',
  '1h',
  '2h',
  '4h',
  '1day',
  '1week',
  '1month',
] as const;
export type Interval = (typeof INTERVALS)[number];
