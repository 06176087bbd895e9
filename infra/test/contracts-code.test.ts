import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { stubHandlersDir, synthPipeline } from './helpers.js';

const CONTRACT = 'dataset: sensors\ntitle: Sensors\nformat: csv\ncolumns:\n  - { name: id, type: string }\n';

function contractsDir(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sluice-contracts-'));
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

describe("the project's contracts on AWS", () => {
  it('are packaged in datasets/ as JSON beside the ingest, api-ingest and analyze bundles, and nowhere else', () => {
    const handlers = stubHandlersDir();
    const stack = synthPipeline('dev', handlers, {
      contractsDir: contractsDir({ 'sensors.yaml': CONTRACT }),
    });
    Template.fromStack(stack);
    const staged = (name: string) =>
      path.join(handlers, '..', 'handlers-with-contracts', name, 'datasets', 'sensors.json');
    // As a JSON document, which the runtime reads without a YAML parser.
    for (const name of ['ingest', 'api-ingest', 'analyze'])
      expect(JSON.parse(readFileSync(staged(name), 'utf8'))).toEqual({
        dataset: 'sensors',
        title: 'Sensors',
        format: 'csv',
        columns: [{ name: 'id', type: 'string' }],
      });
    expect(existsSync(staged('notify'))).toBe(false);
  });

  it('fail the synth when one is invalid, naming the file and line', () => {
    const dir = contractsDir({ 'bad.yaml': CONTRACT.replace('type: string', 'type: text') });
    expect(() => synthPipeline('dev', stubHandlersDir(), { contractsDir: dir })).toThrow(
      /bad\.yaml:5: columns\[0\]\.type/,
    );
  });
});
