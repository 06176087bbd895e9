/**
 * A claim held while a stage works: renewed (heartbeat) every third of its TTL,
 * so the TTL can be short. A worker that dies stops renewing and its claim is
 * free within one TTL, not after the longest a stage could ever take; a live
 * one is never taken over however slow its analyst or file.
 */
import type { Clock, Logger, StateStore } from './ports.js';

export interface ClaimLease {
  /** True once a renewal found the claim no longer ours: stop before writing anything final. */
  readonly lost: boolean;
  stop(): void;
}

export interface LeaseTarget {
  readonly state: StateStore;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly key: string;
  readonly owner: string;
  readonly ttlMs: number;
}

export function holdClaim(target: LeaseTarget): ClaimLease {
  const { state, clock, logger, key, owner, ttlMs } = target;
  let lost = false;
  let renewing = false;
  const timer = setInterval(
    () => {
      if (renewing || lost) return;
      renewing = true;
      state
        .renew(key, owner, { now: clock.now(), ttlMs })
        .then((ours) => {
          if (!ours) {
            lost = true;
            logger.warn('claim lost to another worker while working', { claim: key });
          }
        })
        // A failed renewal is retried on the next beat; the TTL leaves room for two misses.
        .catch((error: unknown) => logger.warn('claim renewal failed', { claim: key, error: String(error) }))
        .finally(() => {
          renewing = false;
        });
    },
    Math.max(10, Math.floor(ttlMs / 3)),
  );
  // The heartbeat must never be what keeps a CLI process or a Lambda invocation alive.
  timer.unref?.();
  return {
    get lost() {
      return lost;
    },
    stop: () => clearInterval(timer),
  };
}
