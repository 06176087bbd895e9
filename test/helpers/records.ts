/** A record's fields by name, as validators read them (fieldOf), in the file's column order. */
import type { SourceRecord } from '../../src/core/datasets/contract.js';
import { fieldOf } from '../../src/core/datasets/fields.js';

export function fieldsByName(record: SourceRecord): Record<string, unknown> {
  const names = record.columns ? [...record.columns.keys()] : Object.keys(record.fields ?? {});
  return Object.fromEntries(names.map((name) => [name, fieldOf(record, name)]));
}
