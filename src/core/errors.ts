/**
 * Typed errors with a stable, namespaced `code`. `instanceof` does not survive a
 * process or queue boundary, so callers match on `code` instead.
 */
export class SluiceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }

  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** An object key that could escape its store (traversal, absolute path, NUL...). */
export class InvalidKeyError extends SluiceError {
  constructor(key: string, why: string) {
    super('STORE.INVALID_KEY', `refused object key ${JSON.stringify(key.slice(0, 200))}: ${why}`);
  }
}

export class ObjectNotFoundError extends SluiceError {
  constructor(key: string, options?: { cause?: unknown }) {
    super('STORE.NOT_FOUND', `no object at ${JSON.stringify(key)}`, options);
  }
}

/** The input file itself cannot be ingested; `reason` is a file-level reason code. */
export class UnreadableFileError extends SluiceError {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super('INGEST.UNREADABLE_FILE', message, options);
    this.reason = reason;
  }
}

export class ConfigError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('CONFIG.INVALID', message, options);
  }
}

export class EventValidationError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('EVENT.INVALID', message, options);
  }
}

export class PublishFailedError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('BUS.PUBLISH_FAILED', message, options);
  }
}

export class StateStoreError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('STATE.FAILED', message, options);
  }
}

/** A stage's claim was taken over while it worked (it stalled past its lease); its result is not stored. */
export class ClaimLostError extends SluiceError {
  constructor(claimKey: string) {
    super('CLAIM.LOST', `the claim ${claimKey} passed to another worker; this run's result was discarded`);
  }
}

/**
 * The caller withdrew the work (an invocation out of time): no fallback is written
 * and nothing is stored, the claim is given back, and the delivery is retried.
 * A fallback here would store a lesser narrative that a retry with time could
 * have replaced by the model's.
 */
export class WorkWithdrawnError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('WORK.WITHDRAWN', message, options);
  }
}

export const errorCode = (error: unknown): string => (error instanceof SluiceError ? error.code : 'INTERNAL');

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

export type FetchErrorCode =
  | 'FETCH.UNAUTHORIZED'
  | 'FETCH.RATE_LIMITED'
  | 'FETCH.API_ERROR'
  | 'FETCH.BAD_RESPONSE'
  | 'FETCH.TIMEOUT'
  | 'FETCH.UNAVAILABLE';

/** A market-data request failed as a whole; `symbols` are the ones it did not fetch. */
export class FetchError extends SluiceError {
  declare readonly code: FetchErrorCode;
  readonly symbols: readonly string[];
  /** Worth another attempt later: rate limits, timeouts, 5xx and network failures. */
  readonly temporary: boolean;

  constructor(
    code: FetchErrorCode,
    message: string,
    details: { symbols: readonly string[]; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.symbols = details.symbols;
    this.temporary =
      code === 'FETCH.RATE_LIMITED' || code === 'FETCH.TIMEOUT' || code === 'FETCH.UNAVAILABLE';
  }
}

/** The analyst could not produce a narrative that matches the schema; usage spent so far is kept. */
export class AnalystError extends SluiceError {
  readonly usage: { inputTokens: number; outputTokens: number };
  readonly attempts: number;

  constructor(
    code: 'ANALYST.RETRIES_EXCEEDED' | 'ANALYST.INVALID_OUTPUT' | 'ANALYST.FAILED',
    message: string,
    details: { usage: { inputTokens: number; outputTokens: number }; attempts: number; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.usage = details.usage;
    this.attempts = details.attempts;
  }
}
