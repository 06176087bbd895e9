/**
 * A zod record whose keys are data (symbols, brands, user ids). z.record assigns
 * parsed members by name, so a key "__proto__" is dropped and swaps the result's
 * prototype; here the entries are checked as a Map and rebuilt with
 * Object.fromEntries, which defines every key, "__proto__" included, as an own one.
 */
import { z } from 'zod';

export function ownRecord<T extends z.ZodType>(value: T) {
  return z
    .preprocess(
      (input) =>
        input !== null && typeof input === 'object' && !Array.isArray(input) && !(input instanceof Map)
          ? new Map(Object.entries(input))
          : input,
      z.map(z.string(), value),
    )
    .transform((entries) => Object.fromEntries(entries) as Record<string, z.output<T>>);
}
