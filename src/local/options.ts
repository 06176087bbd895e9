/** Turns validated configuration into stage options. */
import type { MailConfig } from '../adapters/mail/mail-config.js';
import { DEFAULT_PRICES } from '../core/analyze/cost.js';
import { type AnalyzeOptions, DEFAULT_ANALYZE_OPTIONS } from '../core/analyze/options.js';
import { DEFAULT_INGEST_OPTIONS, type IngestOptions } from '../core/ingest/stage.js';
import type { NotifyOptions } from '../core/notify/stage.js';
import { DEFAULT_NOTIFY_TIMING } from '../core/notify/timing.js';
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

export function analyzeOptionsFrom(config: LocalConfig): AnalyzeOptions {
  return {
    ...DEFAULT_ANALYZE_OPTIONS,
    prices: config.SLUICE_PRICES ?? DEFAULT_PRICES,
    outlookSymbols: config.SLUICE_OUTLOOK_SYMBOLS,
  };
}

export function notifyOptionsFrom(mail: MailConfig): NotifyOptions {
  return {
    ...DEFAULT_NOTIFY_TIMING,
    mail: { from: mail.from, to: mail.to, subjectTemplate: mail.subjectTemplate },
  };
}
