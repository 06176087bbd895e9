import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeStateStore } from '../../../test/ports/state-store.contract.js';
import { SqliteStateStore } from './state-store.sqlite.js';

describeStateStore('SqliteStateStore', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-state-'));
  const file = path.join(dir, 'state.db');
  const stores: SqliteStateStore[] = [];
  const open = () => {
    const store = new SqliteStateStore(file);
    stores.push(store);
    return store;
  };
  return {
    store: open(),
    another: open,
    cleanup: async () => {
      await Promise.all(stores.map((store) => store.close()));
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStateStore on disk', () => {
  let dir: string;
  const stores: SqliteStateStore[] = [];
  const open = (file: string, options?: ConstructorParameters<typeof SqliteStateStore>[1]) => {
    const store = new SqliteStateStore(file, options);
    stores.push(store);
    return store;
  };

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sluice-state-'));
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the file and its parent folders on first use, not before', async () => {
    const file = path.join(dir, 'nested', 'deeper', 'state.db');
    const store = open(file);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    await store.put({ pk: 'p', sk: 's', data: 1 });
    expect((await stat(file)).isFile()).toBe(true);
  });

  it('keeps claims and items when the file is opened again', async () => {
    const file = path.join(dir, 'state.db');
    const first = open(file);
    await first.claim('k', { owner: 'w1', now: 1000, ttlMs: 10 });
    await first.put({ pk: 'p', sk: 's', data: { kept: true } });
    await first.close();
    const second = open(file);
    expect(await second.getClaim('k')).toMatchObject({ owner: 'w1' });
    expect((await second.get('p', 's'))?.data).toEqual({ kept: true });
  });

  it('writes in WAL mode', async () => {
    const file = path.join(dir, 'state.db');
    await open(file).put({ pk: 'p', sk: 's', data: 1 });
    expect((await stat(`${file}-wal`)).isFile()).toBe(true);
  });

  it('judges item expiry by the injected clock', async () => {
    let now = 1_000_000;
    const store = open(path.join(dir, 'state.db'), { clock: { now: () => now } });
    await store.put({ pk: 'p', sk: 's', data: 1, expiresAt: 1_000 + 60 });
    expect(await store.get('p', 's')).toBeDefined();
    now = (1_000 + 61) * 1000;
    expect(await store.get('p', 's')).toBeUndefined();
  });

  it('writes every item of putMany or none of them', async () => {
    const store = open(path.join(dir, 'state.db'));
    // The second row breaks a NOT NULL constraint inside the transaction.
    await expect(
      store.putMany([
        { pk: 'p', sk: 'a', data: 1 },
        { pk: 'p', sk: null as unknown as string, data: 2 },
      ]),
    ).rejects.toMatchObject({ code: 'STATE.FAILED' });
    expect(await store.query('p')).toEqual([]);
  });

  it('refuses a limit that is not a positive integer', async () => {
    const store = open(path.join(dir, 'state.db'));
    await expect(store.query('p', { limit: 0 })).rejects.toMatchObject({ code: 'STATE.FAILED' });
    await expect(store.query('p', { limit: 1.5 })).rejects.toMatchObject({ code: 'STATE.FAILED' });
  });

  // A longer timeout: child start-up (tsx) dominates and takes seconds on a loaded machine.
  it('lets exactly one claimer win across separate processes sharing the file', async () => {
    const file = path.join(dir, 'state.db');
    const moduleUrl = new URL('./state-store.sqlite.ts', import.meta.url).href;
    // Each child opens 10 stores, says ready, and claims only when every child is ready.
    const script = `
      import { SqliteStateStore } from ${JSON.stringify(moduleUrl)};
      import { createInterface } from 'node:readline';
      const stores = Array.from({ length: 10 }, () => new SqliteStateStore(process.env.STATE_FILE));
      await Promise.all(stores.map((store) => store.getClaim('warm-up')));
      console.log('ready');
      for await (const _ of createInterface({ input: process.stdin })) break;
      const outcomes = await Promise.all(stores.map((store, i) =>
        store.claim('race', { owner: process.env.OWNER + '-' + i, now: Date.now(), ttlMs: 60000 })));
      console.log(JSON.stringify(outcomes.filter((o) => o.acquired).map((o) => o.claim.owner)));
      await Promise.all(stores.map((store) => store.close()));`;
    const children = ['p0', 'p1'].map((owner) =>
      spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: path.resolve(fileURLToPath(import.meta.url), '../../../..'),
        env: { ...process.env, STATE_FILE: file, OWNER: owner },
        stdio: ['pipe', 'pipe', 'inherit'],
      }),
    );
    try {
      const lines = children.map((child) => createInterface({ input: child.stdout })[Symbol.asyncIterator]());
      await Promise.all(lines.map(async (it) => expect((await it.next()).value).toBe('ready')));
      for (const child of children) child.stdin.end('go\n');
      const winners = (
        await Promise.all(lines.map(async (it) => JSON.parse((await it.next()).value)))
      ).flat();
      await Promise.all(children.map((child) => once(child, 'exit')));
      expect(winners).toHaveLength(1);
      expect((await open(file).getClaim('race'))?.owner).toBe(winners[0]);
    } finally {
      for (const child of children) if (child.exitCode === null) child.kill();
    }
  }, 60_000);

  it('fails with STATE.FAILED once closed', async () => {
    const store = open(path.join(dir, 'state.db'));
    await store.put({ pk: 'p', sk: 's', data: 1 });
    await store.close();
    await expect(store.get('p', 's')).rejects.toMatchObject({ code: 'STATE.FAILED' });
  });
});
