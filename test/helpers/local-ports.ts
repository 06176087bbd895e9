/** Real local adapters in a temp folder, with a clock the test moves by hand. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LocalEventBus } from '../../src/adapters/local/event-bus.local.js';
import { FsObjectStore } from '../../src/adapters/local/object-store.fs.js';
import { SqliteStateStore } from '../../src/adapters/local/state-store.sqlite.js';
import type { IngestDeps } from '../../src/core/ingest/stage.js';
import { type Clock, silentLogger } from '../../src/core/ports.js';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = Date.parse('2026-01-05T10:00:00Z')): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance(ms) {
      now += ms;
    },
  };
}

export interface TestPorts extends IngestDeps {
  readonly root: string;
  readonly store: FsObjectStore;
  readonly state: SqliteStateStore;
  readonly bus: LocalEventBus;
  readonly clock: ManualClock;
  /** Another state store on the same file, as a second worker would have. */
  anotherState(): SqliteStateStore;
  cleanup(): Promise<void>;
}

export async function makeTestPorts(): Promise<TestPorts> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'sluice-test-'));
  const dbFile = path.join(root, 'state.db');
  const opened: SqliteStateStore[] = [];
  const openState = () => {
    const s = new SqliteStateStore(dbFile);
    opened.push(s);
    return s;
  };
  const bus = new LocalEventBus({
    deadLetterFile: path.join(root, 'dead-letters.jsonl'),
    sleep: async () => {},
  });
  return {
    root,
    store: new FsObjectStore(root),
    state: openState(),
    bus,
    clock: manualClock(),
    logger: silentLogger,
    anotherState: openState,
    async cleanup() {
      await bus.drain();
      await Promise.all(opened.map((s) => s.close()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
