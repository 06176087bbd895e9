/**
 * The configuration table of README.md, generated from src/cli/config-options.ts,
 * the one list. `--write` replaces the README section between its markers.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable } from '../src/cli/config-options.js';

export const CONFIG_SECTION = /<!-- config:start -->\n([\s\S]*?)\n<!-- config:end -->/;

if (process.argv.includes('--write')) {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync(
    'README.md',
    readme.replace(CONFIG_SECTION, `<!-- config:start -->\n${configTable()}\n<!-- config:end -->`),
  );
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(configTable());
}
