/**
 * The file reads tests need, in one place, so test files beside src/core (which
 * must stay free of I/O) import helpers rather than node:fs.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The seed samples the project was specified with, copied from ../shared/seed-data so
 * the repository stands alone (test/fixtures/seed-data.test.ts keeps the copies true).
 */
export const SEED_DATA_DIR = path.resolve(process.cwd(), 'test/fixtures/seed-data');

export const seedFile = (name: string): string => path.join(SEED_DATA_DIR, name);

export const readSeed = (name: string): Promise<string> => readFile(seedFile(name), 'utf8');

export const readBytes = (file: string): Promise<Buffer> => readFile(file);

/** Files in a folder ending with `suffix`; none when the folder does not exist yet. */
export async function filesEndingWith(dir: string, suffix: string): Promise<string[]> {
  return (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(suffix));
}

/** Open file descriptors of this process, where the platform shows them (Linux). */
export const openFileDescriptors = (): number | undefined =>
  existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : undefined;
