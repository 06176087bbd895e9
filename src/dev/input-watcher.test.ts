import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isIgnoredInput } from './input-watcher.js';

const inputs = path.join(path.sep, 'data', 'inputs');
const at = (...segments: string[]) => path.join(inputs, ...segments);

describe('isIgnoredInput', () => {
  it.each([
    ['a dot file', at('.DS_Store')],
    ['a file in a dot folder', at('.git', 'config')],
    ['a partial download', at('prices.json.part')],
    ['a Chrome download', at('prices.json.crdownload')],
    ['a temp file', at('health-vitals', 'x.tmp')],
    ['an office lock file', at('~$sales.csv')],
    ['an editor backup', at('sales.csv~')],
  ])('ignores %s', (_, file) => {
    expect(isIgnoredInput(inputs, file)).toBe(true);
  });

  it.each([
    ['the inputs folder itself', inputs],
    ['a file', at('prices.json')],
    ['a file in a dataset folder', at('health-vitals', 'readings.csv')],
    ['a name with a dot inside', at('prices.2026.json')],
  ])('watches %s', (_, file) => {
    expect(isIgnoredInput(inputs, file)).toBe(false);
  });
});
