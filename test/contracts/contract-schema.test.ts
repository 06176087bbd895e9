import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractJsonSchema, SCHEMA_FILE } from '../../scripts/contract-schema.js';

describe('the published JSON Schema of contract files', () => {
  it('is what the zod schema generates (npx tsx scripts/contract-schema.ts --write)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(contractJsonSchema());
  });
});
