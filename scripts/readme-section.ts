/** A generated section of README.md: the text between `<!-- name:start -->` and `<!-- name:end -->`. */
import { readFileSync, writeFileSync } from 'node:fs';

export const readmeSection = (name: string): RegExp =>
  new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`);

export function writeReadmeSection(name: string, body: string): void {
  const readme = readFileSync('README.md', 'utf8');
  writeFileSync(
    'README.md',
    readme.replace(readmeSection(name), `<!-- ${name}:start -->\n${body}\n<!-- ${name}:end -->`),
  );
}
