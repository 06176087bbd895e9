import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_SECTION } from '../../scripts/config-table.js';
import { README_SECTION, reasonTables } from '../../scripts/reason-table.js';
import { BUILTIN_CONTRACTS } from '../../src/core/datasets/registry.js';
import { configTable } from '../../src/local/config-options.js';
import { twelveDataSample } from '../../src/samples/twelvedata.generator.js';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

describe('README', () => {
  it('lists exactly the reason codes of src/core/reasons.ts', () => {
    expect(README_SECTION.exec(readme)?.[1]).toBe(reasonTables());
  });

  it('lists exactly the options of src/local/config-options.ts', () => {
    expect(CONFIG_SECTION.exec(readme)?.[1]).toBe(configTable());
  });

  it('shows the two set-up commands', () => {
    expect(readme).toContain('npm ci && npm start');
    expect(readme).toContain('npm test');
  });

  it('names only example files that ship in examples/', () => {
    const named = [...new Set(readme.match(/examples\/[\w.-]+\.(?:json|csv)/g) ?? [])];
    expect(named.length).toBeGreaterThanOrEqual(3);
    for (const file of named) expect(existsSync(new URL(`../../${file}`, import.meta.url)), file).toBe(true);
    // The shipped sample is the generator's, so the two never drift apart.
    expect(readFileSync(new URL('../../examples/prices.json', import.meta.url), 'utf8')).toBe(
      twelveDataSample(),
    );
  });

  it('describes every registered dataset', () => {
    for (const dataset of BUILTIN_CONTRACTS) expect(readme).toContain(`| \`${dataset.id}\` |`);
  });
});
