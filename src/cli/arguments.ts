/** Parsers of option values, light enough for the command table (loaded by `--help`). */
import { InvalidArgumentError } from 'commander';
import { ConfigError } from '../core/errors.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65_535) {
    throw new InvalidArgumentError(`a port is an integer from 0 to 65535 (given ${value})`);
  }
  return port;
}

/** `--files-per-day`: a positive number. */
export function parseFilesPerDay(text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 1e7) {
    throw new ConfigError(
      `--files-per-day must be a number above 0 and at most 10000000 (given ${JSON.stringify(text)})`,
    );
  }
  return n;
}
