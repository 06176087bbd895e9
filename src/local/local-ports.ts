/** The local adapters behind the ports, all rooted in one data directory. */
import path from 'node:path';
import { loadContractDir } from '../adapters/fs/contract-files.js';
import { LocalEventBus } from '../adapters/local/event-bus.local.js';
import { createJsonLogger } from '../adapters/local/logger.json.js';
import { FsObjectStore } from '../adapters/local/object-store.fs.js';
import { SqliteStateStore } from '../adapters/local/state-store.sqlite.js';
import type { IngestDeps } from '../core/ingest/stage.js';
import { systemClock } from '../core/ports.js';
import type { LocalConfig } from './config.js';

export interface LocalPorts extends IngestDeps {
  readonly dataDir: string;
  readonly store: FsObjectStore;
  readonly bus: LocalEventBus;
  close(): Promise<void>;
}

export function openLocalPorts(config: LocalConfig, dataDir = config.SLUICE_DATA_DIR): LocalPorts {
  const root = path.resolve(dataDir);
  const state = new SqliteStateStore(path.join(root, 'state.db'));
  const bus = new LocalEventBus({ deadLetterFile: path.join(root, 'dead-letters.jsonl') });
  const contracts = loadContractDir(path.resolve(config.SLUICE_CONTRACTS_DIR));
  return {
    dataDir: root,
    contracts,
    store: new FsObjectStore(root),
    state,
    bus,
    clock: systemClock,
    logger: createJsonLogger({ level: config.SLUICE_LOG_LEVEL }),
    async close() {
      await bus.drain();
      await state.close();
    },
  };
}
