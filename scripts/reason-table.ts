/**
 * The reason-code tables of README.md, generated from the generic reasons
 * (src/core/reasons.ts) and the reasons each built-in contract file declares.
 * `--write` replaces the README section between its markers.
 */
import { BUILTIN_CONTRACTS } from '../src/core/datasets/registry.js';
import { FILE_REASONS, ROW_REASONS } from '../src/core/reasons.js';
import { readmeSection, writeReadmeSection } from './readme-section.js';

const table = (title: string, reasons: Record<string, string>) =>
  [
    `| ${title} | meaning |`,
    '|---|---|',
    ...Object.entries(reasons).map(([c, m]) => `| \`${c}\` | ${m} |`),
  ].join('\n');

/** Reasons a contract declares, named with the dataset that gives them. */
const contractReasons = (): Record<string, string> =>
  Object.fromEntries(
    BUILTIN_CONTRACTS.flatMap((c) =>
      Object.entries(c.reasons).map(([code, meaning]) => [code, `${meaning} (${c.id})`]),
    ),
  );

export const reasonTables = (): string =>
  [
    table('row reason', ROW_REASONS),
    table(
      "row reason declared by a built-in contract (a project's contracts add their own)",
      contractReasons(),
    ),
    table('file reason (manifest status rejected)', FILE_REASONS),
  ].join('\n\n');

export const README_SECTION = readmeSection('reasons');

if (process.argv.includes('--write')) {
  writeReadmeSection('reasons', reasonTables());
} else if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(reasonTables());
}
