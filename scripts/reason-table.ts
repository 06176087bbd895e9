/**
 * The reason-code tables of README.md, generated from src/core/reasons.ts, the one
 * list. `--write` replaces the README section between its markers.
 */
import { FILE_REASONS, ROW_REASONS } from '../src/core/reasons.js';
import { readmeSection, writeReadmeSection } from './readme-section.js';

const table = (title: string, reasons: Record<string, string>) =>
  [
    `| ${title} | meaning |`,
    '|---|---|',
    ...Object.entries(reasons).map(([c, m]) => `| \`${c}\` | ${m} |`),
  ].join('\n');

export const reasonTables = (): string =>
  `${table('row reason', ROW_REASONS)}\n\n${table('file reason (manifest status rejected)', FILE_REASONS)}`;

export const README_SECTION = readmeSection('reasons');

if (process.argv.includes('--write')) {
  writeReadmeSection('reasons', reasonTables());
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(reasonTables());
}
