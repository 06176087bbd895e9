import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_SECTION } from '../../scripts/config-table.js';
import { README_SECTION, reasonTables } from '../../scripts/reason-table.js';
import { DATASETS } from '../../src/core/datasets/registry.js';
import { configTable } from '../../src/local/config-options.js';

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

  it('describes every registered dataset', () => {
    for (const dataset of DATASETS) expect(readme).toContain(`| \`${dataset.id}\` |`);
  });
});
