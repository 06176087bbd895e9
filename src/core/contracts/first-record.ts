/**
 * The first record of a JSON file's start, for recognizing which contract reads
 * it: the first line of JSON lines, the first element of an array, or a single
 * object. Undefined when the start holds no whole object.
 */
import { DEFAULT_PARSE_LIMITS } from '../datasets/contract.js';
import { type JsonKind, JsonScanner, Plan } from '../ingest/json-scanner.js';

class Found {
  constructor(readonly value: unknown) {}
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

export function firstRecordOf(prefix: string): Record<string, unknown> | undefined {
  const text = prefix.trimStart();
  if (text.startsWith('{')) {
    const newline = text.indexOf('\n');
    try {
      const line = JSON.parse(newline < 0 ? text : text.slice(0, newline));
      if (isObject(line)) return line;
    } catch {
      // Not JSON lines: a single object over several lines, scanned below.
    }
  } else if (!text.startsWith('[')) return undefined;
  let depth = 0;
  const scanner = new JsonScanner(
    {
      plan(_key: string | undefined, kind: JsonKind) {
        if (depth++ > 0) return Plan.skip;
        return kind === 'array' ? Plan.elements : Plan.capture;
      },
      value(_key: string | undefined, value: unknown) {
        throw new Found(value);
      },
      tooLarge() {
        throw new Found(undefined);
      },
      close() {},
    },
    DEFAULT_PARSE_LIMITS,
  );
  try {
    scanner.write(text);
    scanner.end();
  } catch (stop) {
    if (stop instanceof Found && isObject(stop.value)) return stop.value;
  }
  return undefined;
}
