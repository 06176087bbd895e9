/**
 * How long notify's claims last, apart from the stage: every Lambda handler
 * reads it at cold start, and importing the stage for it put the report
 * rendering into every bundle.
 */
export const DEFAULT_NOTIFY_TIMING = { claimTtlMs: 5 * 60 * 1000, retainMs: 7 * 24 * 3600 * 1000 } as const;
