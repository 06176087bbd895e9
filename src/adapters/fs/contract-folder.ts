/** The files of a contracts folder, for both loaders; this module must not import the YAML parser. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ContractLoadError } from '../../core/contracts/load-value.js';

/** The files of `dir` whose names `accept` takes, sorted by name; none when the folder does not exist. */
export function filesIn(dir: string, accept: (name: string) => boolean): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && accept(entry.name))
      .map((entry) => path.join(dir, entry.name))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new ContractLoadError([
      { file: dir, path: '', message: `cannot read the folder: ${(error as Error).message}` },
    ]);
  }
}
