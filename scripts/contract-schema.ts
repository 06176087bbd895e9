/**
 * schemas/dataset-contract.schema.json, the JSON Schema editors complete
 * contract files with, generated from the zod schema (src/core/contracts/document.ts).
 * `--write` rewrites it; a test checks it is current.
 */
import { writeFileSync } from 'node:fs';
import { z } from 'zod';
import { ContractDocumentSchema } from '../src/core/contracts/document.js';

export const SCHEMA_FILE = new URL('../schemas/dataset-contract.schema.json', import.meta.url);

export function contractJsonSchema(): string {
  const schema = z.toJSONSchema(ContractDocumentSchema, { io: 'input', unrepresentable: 'any' });
  return `${JSON.stringify(
    {
      ...schema,
      $id: 'https://sluice.dev/schemas/dataset-contract.schema.json',
      title: 'sluice dataset contract',
    },
    null,
    2,
  )}\n`;
}

if (process.argv.includes('--write')) writeFileSync(SCHEMA_FILE, contractJsonSchema());
else if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(contractJsonSchema());
