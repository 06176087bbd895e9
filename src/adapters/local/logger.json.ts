/**
 * Logger writing one JSON object per line, the same shape Powertools logs on
 * Lambda, so local runs and CloudWatch can be searched the same way.
 */
import { type Clock, type LogFields, type Logger, systemClock } from '../../core/ports.js';

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
export type LogLevel = keyof typeof LEVELS;

export interface JsonLoggerOptions {
  /** Lines below this level are dropped. @default 'info' */
  readonly level?: LogLevel;
  /** Receives each line, without its trailing newline. @default a write to stderr */
  readonly write?: (line: string) => void;
  /** Fields on every line (service, correlation id...). @default {} */
  readonly fields?: LogFields;
  /** @default systemClock */
  readonly clock?: Clock;
}

export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
}

/** An Error as plain data: JSON.stringify turns one into `{}`. */
export function serializeError(error: Error): SerializedError {
  const { code } = error as { code?: unknown };
  return typeof code === 'string'
    ? { name: error.name, message: error.message, code }
    : { name: error.name, message: error.message };
}

// Reads the holder, not `value`: JSON.stringify has already applied toJSON (SluiceError has one).
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  if (original instanceof Error) return serializeError(original);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

export function createJsonLogger(options: JsonLoggerOptions = {}): Logger {
  const threshold = LEVELS[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const clock = options.clock ?? systemClock;

  const make = (base: LogFields): Logger => {
    const log =
      (level: LogLevel) =>
      (message: string, fields?: LogFields): void => {
        if (LEVELS[level] < threshold) return;
        const timestamp = new Date(clock.now()).toISOString();
        const record: Record<string, unknown> = { level, message, timestamp, ...base, ...fields };
        // Fields may not overwrite the envelope; assigning keeps the envelope's keys first.
        Object.assign(record, { level, message, timestamp });
        write(stringify(record));
      };
    return {
      debug: log('debug'),
      info: log('info'),
      warn: log('warn'),
      error: log('error'),
      child: (fields) => make({ ...base, ...fields }),
    };
  };
  return make(options.fields ?? {});
}

// Logging must never throw: a circular field degrades the line instead of the caller.
function stringify(record: Record<string, unknown>): string {
  try {
    return JSON.stringify(record, replacer);
  } catch (error) {
    const { level, message, timestamp } = record;
    return JSON.stringify({
      level,
      message,
      timestamp,
      logError: `fields not serializable: ${String(error)}`,
    });
  }
}
