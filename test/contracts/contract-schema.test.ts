import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { contractJsonSchema, SCHEMA_FILE } from '../../scripts/contract-schema.js';

describe('the published JSON Schema of contract files', () => {
  it('is what the zod schema generates (npx tsx scripts/contract-schema.ts --write)', () => {
    expect(readFileSync(SCHEMA_FILE, 'utf8')).toBe(contractJsonSchema());
  });

  it('describes every member a contract file can have, so an editor explains it on hover', () => {
    interface Node {
      properties?: Record<string, Node & { description?: string }>;
      items?: Node;
      anyOf?: Node[];
      allOf?: Node[];
    }
    const undescribed: string[] = [];
    const walk = (node: Node | undefined, path: string): void => {
      if (node === undefined) return;
      for (const [name, member] of Object.entries(node.properties ?? {})) {
        if (typeof member.description !== 'string' || member.description.length < 10)
          undescribed.push(`${path}${name}`);
        walk(member, `${path}${name}.`);
      }
      walk(node.items, `${path}[].`);
      for (const branch of [...(node.anyOf ?? []), ...(node.allOf ?? [])]) walk(branch, path);
    };
    walk(JSON.parse(contractJsonSchema()) as Node, '');
    expect(undescribed).toEqual([]);
  });
});
