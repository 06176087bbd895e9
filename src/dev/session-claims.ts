/**
 * Dev sessions mark the claims they take: request ids are
 * `dev-<session>-<uuid>`, so claim owners read `<stage>:dev-<session>-<uuid>`.
 * With the data-dir lock held, a claim of another session belongs to a dev
 * process that is gone (killed with -9, power cut) and can be handed back at
 * once instead of blocking its input for the claim's 15 minutes. Claims of
 * other owners (a `sluice ingest` running beside dev) are never touched.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { SqliteStateStore } from '../adapters/local/state-store.sqlite.js';
import type { StateStore } from '../core/ports.js';

const DEV_OWNER = /^[a-z]+:dev-([0-9a-f]{8})-/;

export const newSessionId = (): string => randomBytes(4).toString('hex');

export const sessionRequestId = (session: string): string => `dev-${session}-${randomUUID()}`;

/** The dev session that took a claim, from its owner; undefined for other owners. */
export function sessionOfOwner(owner: string): string | undefined {
  return DEV_OWNER.exec(owner)?.[1];
}

/**
 * Releases the in-progress claims whose dev session passes `which`; returns
 * their keys. Only the SQLite store can list claims; any other store has none to give back.
 */
export async function releaseDevClaims(
  state: StateStore,
  which: (session: string) => boolean,
): Promise<string[]> {
  if (!(state instanceof SqliteStateStore)) return [];
  const released: string[] = [];
  for (const claim of await state.inProgressClaims()) {
    const session = sessionOfOwner(claim.owner);
    if (session === undefined || !which(session)) continue;
    await state.release(claim.key, claim.owner);
    released.push(claim.key);
  }
  return released;
}
