/**
 * The configuration table of README.md, generated from src/local/config-options.ts,
 * the one list. `--write` replaces the README section between its markers.
 */
import { configTable } from '../src/local/config-options.js';
import { readmeSection, writeReadmeSection } from './readme-section.js';

export const CONFIG_SECTION = readmeSection('config');

if (process.argv.includes('--write')) {
  writeReadmeSection('config', configTable());
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(configTable());
}
