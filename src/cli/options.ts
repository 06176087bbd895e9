/** Turns validated configuration into stage options. */
import { DEFAULT_INGEST_OPTIONS, type IngestOptions } from '../core/ingest/stage.js';
import type { LocalConfig } from './config.js';
import { VERSION } from './version.js';

export function ingestOptionsFrom(config: LocalConfig): IngestOptions {
  return {
    ...DEFAULT_INGEST_OPTIONS,
    maxBytes: config.SLUICE_MAX_BYTES,
    limits: { ...DEFAULT_INGEST_OPTIONS.limits, maxRecordChars: config.SLUICE_MAX_RECORD_CHARS },
    producer: `sluice@${VERSION}`,
  };
}
