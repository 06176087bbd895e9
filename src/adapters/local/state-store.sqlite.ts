/**
 * StateStore on one SQLite file through libsql. Claims are single conditional
 * upserts, so two processes (or two store instances) sharing the file cannot both win.
 */
import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
// The file-only client: the package's main entry also loads the remote (HTTP, WebSocket) clients.
import { type Client, createClient, type InStatement, type Row } from '@libsql/client/sqlite3';
import { errorMessage, SluiceError, StateStoreError } from '../../core/errors.js';
import {
  type ClaimOutcome,
  type ClaimRecord,
  type ClaimRequest,
  type Clock,
  type QueryOptions,
  type StateItem,
  type StateStore,
  systemClock,
} from '../../core/ports.js';
import { isProcessAlive } from './process-alive.js';

export interface SqliteStateStoreOptions {
  /** Source of "now" for item expiry (claims use the `now` they are given). @default systemClock */
  readonly clock?: Clock;
  /** How long a statement waits for another connection's lock before failing. @default 5000 */
  readonly busyTimeoutMs?: number;
}

const SCHEMA = [
  `CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    result TEXT,
    retain_until INTEGER
  )`,
  // Who holds an in-progress claim on this machine, so a dead holder's claim is taken over at once.
  `CREATE TABLE IF NOT EXISTS claim_holders (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL
  )`,
  `CREATE TABLE IF NOT EXISTS items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    data TEXT NOT NULL,
    expires_at REAL,
    PRIMARY KEY (pk, sk)
  )`,
];

// Takes the row only when it is free: an in_progress claim past its expiry, a
// completed one past its retention, or any claim when forced. RETURNING yields a
// row exactly when this statement wrote it, which is how the caller knows it won.
const CLAIM_SQL = `
  INSERT INTO claims (key, status, owner, expires_at, updated_at, result, retain_until)
  VALUES (:key, 'in_progress', :owner, :expiresAt, :now, NULL, NULL)
  ON CONFLICT (key) DO UPDATE SET
    status = 'in_progress', owner = excluded.owner, expires_at = excluded.expires_at,
    updated_at = excluded.updated_at, result = NULL, retain_until = NULL
  WHERE (claims.status = 'in_progress' AND (claims.expires_at < :now OR claims.owner = :deadOwner))
    OR (claims.status = 'completed' AND (:force OR claims.retain_until < :now))
  RETURNING key`;

const RECORD_HOLDER = `
  INSERT INTO claim_holders (key, owner, host, pid) VALUES (?, ?, ?, ?)
  ON CONFLICT (key) DO UPDATE SET owner = excluded.owner, host = excluded.host, pid = excluded.pid`;

const SELECT_HOLDER = 'SELECT owner, host, pid FROM claim_holders WHERE key = ?';

const SELECT_CLAIM = 'SELECT key, status, owner, expires_at, updated_at, result FROM claims WHERE key = ?';

const UPSERT_ITEM = `
  INSERT INTO items (pk, sk, data, expires_at) VALUES (?, ?, ?, ?)
  ON CONFLICT (pk, sk) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at`;

const LIVE_ITEM = '(expires_at IS NULL OR expires_at > ?)';

const toClaim = (row: Row): ClaimRecord => {
  const claim = {
    key: String(row.key),
    status: row.status === 'completed' ? 'completed' : 'in_progress',
    owner: String(row.owner),
    expiresAt: Number(row.expires_at),
    updatedAt: Number(row.updated_at),
  } as const;
  return row.result === null ? claim : { ...claim, result: JSON.parse(String(row.result)) };
};

const toItem = (row: Row): StateItem => {
  const item = { pk: String(row.pk), sk: String(row.sk), data: JSON.parse(String(row.data)) };
  return row.expires_at === null ? item : { ...item, expiresAt: Number(row.expires_at) };
};

const itemStatement = (item: StateItem): InStatement => ({
  sql: UPSERT_ITEM,
  args: [item.pk, item.sk, JSON.stringify(item.data ?? null), item.expiresAt ?? null],
});

export class SqliteStateStore implements StateStore {
  readonly #file: string;
  readonly #clock: Clock;
  readonly #busyTimeoutMs: number;
  #client: Promise<Client> | undefined;
  #closed = false;

  constructor(file: string, options: SqliteStateStoreOptions = {}) {
    this.#file = path.resolve(file);
    this.#clock = options.clock ?? systemClock;
    this.#busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  }

  async claim(key: string, request: ClaimRequest): Promise<ClaimOutcome> {
    const first = await this.#claim(key, request, null);
    if (first.acquired || first.existing.status !== 'in_progress') return first;
    const dead = await this.#deadHolder(key, first.existing.owner);
    return dead ? this.#claim(key, request, dead) : first;
  }

  #claim(key: string, request: ClaimRequest, deadOwner: string | null): Promise<ClaimOutcome> {
    return this.#run(`claim ${key}`, async (db) => {
      const [taken, current] = await db.batch(
        [
          {
            sql: CLAIM_SQL,
            args: {
              key,
              owner: request.owner,
              now: request.now,
              expiresAt: request.now + request.ttlMs,
              force: request.force ? 1 : 0,
              deadOwner,
            },
          },
          { sql: SELECT_CLAIM, args: [key] },
        ],
        'write',
      );
      const row = current?.rows[0];
      if (!row) throw new StateStoreError(`claim ${key} vanished inside its own transaction`);
      const claim = toClaim(row);
      if (!taken?.rows.length) return { acquired: false, existing: claim };
      await db.execute({ sql: RECORD_HOLDER, args: [key, request.owner, hostname(), process.pid] });
      return { acquired: true, claim };
    });
  }

  /** The owner of a live-looking claim whose process on this machine has died (kill -9, crash). */
  #deadHolder(key: string, owner: string): Promise<string | undefined> {
    return this.#run(`holder ${key}`, async (db) => {
      const row = (await db.execute({ sql: SELECT_HOLDER, args: [key] })).rows[0];
      if (!row || String(row.owner) !== owner || String(row.host) !== hostname()) return undefined;
      const pid = Number(row.pid);
      return pid !== process.pid && !isProcessAlive(pid) ? owner : undefined;
    });
  }

  renew(key: string, owner: string, options: { now: number; ttlMs: number }): Promise<boolean> {
    return this.#run(`renew ${key}`, async (db) => {
      const updated = await db.execute({
        sql: `UPDATE claims SET expires_at = ?, updated_at = ?
              WHERE key = ? AND owner = ? AND status = 'in_progress'`,
        args: [options.now + options.ttlMs, options.now, key, owner],
      });
      return updated.rowsAffected === 1;
    });
  }

  complete(
    key: string,
    owner: string,
    result: unknown,
    options: { now: number; retainMs: number },
  ): Promise<boolean> {
    return this.#run(`complete ${key}`, async (db) => {
      const updated = await db.execute({
        sql: `UPDATE claims SET status = 'completed', result = ?, updated_at = ?, retain_until = ?
              WHERE key = ? AND owner = ?`,
        args: [
          result === undefined ? null : JSON.stringify(result),
          options.now,
          options.now + options.retainMs,
          key,
          owner,
        ],
      });
      return updated.rowsAffected === 1;
    });
  }

  release(key: string, owner: string): Promise<void> {
    return this.#run(`release ${key}`, async (db) => {
      await db.execute({
        sql: `DELETE FROM claims WHERE key = ? AND owner = ? AND status = 'in_progress'`,
        args: [key, owner],
      });
    });
  }

  getClaim(key: string): Promise<ClaimRecord | undefined> {
    return this.#run(`getClaim ${key}`, async (db) => {
      const row = (await db.execute({ sql: SELECT_CLAIM, args: [key] })).rows[0];
      return row ? toClaim(row) : undefined;
    });
  }

  /**
   * Every claim still in progress, expired or not. Not on the port: `sluice dev`
   * uses it, under its data-dir lock, to hand back claims its dead predecessor held.
   */
  inProgressClaims(): Promise<ClaimRecord[]> {
    return this.#run('inProgressClaims', async (db) => {
      const { rows } = await db.execute(
        `SELECT key, status, owner, expires_at, updated_at, result FROM claims WHERE status = 'in_progress'`,
      );
      return rows.map(toClaim);
    });
  }

  put(item: StateItem): Promise<void> {
    return this.#run(`put ${item.pk}/${item.sk}`, async (db) => {
      await db.execute(itemStatement(item));
    });
  }

  putMany(items: readonly StateItem[]): Promise<void> {
    return this.#run(`putMany (${items.length} items)`, async (db) => {
      if (items.length > 0) await db.batch(items.map(itemStatement), 'write');
    });
  }

  get(pk: string, sk: string): Promise<StateItem | undefined> {
    return this.#run(`get ${pk}/${sk}`, async (db) => {
      const { rows } = await db.execute({
        sql: `SELECT pk, sk, data, expires_at FROM items WHERE pk = ? AND sk = ? AND ${LIVE_ITEM}`,
        args: [pk, sk, this.#nowSeconds()],
      });
      return rows[0] ? toItem(rows[0]) : undefined;
    });
  }

  query(pk: string, options: QueryOptions = {}): Promise<StateItem[]> {
    const { limit } = options;
    if (limit !== undefined && !(Number.isInteger(limit) && limit > 0)) {
      return Promise.reject(new StateStoreError(`limit must be a positive integer (given ${limit})`));
    }
    return this.#run(`query ${pk}`, async (db) => {
      const where = ['pk = ?', LIVE_ITEM];
      const args: (string | number)[] = [pk, this.#nowSeconds()];
      if (options.skPrefix !== undefined) {
        // substr, not LIKE: a prefix may contain % or _.
        where.push('substr(sk, 1, length(?)) = ?');
        args.push(options.skPrefix, options.skPrefix);
      }
      if (options.skFrom !== undefined) {
        where.push('sk >= ?');
        args.push(options.skFrom);
      }
      if (options.skTo !== undefined) {
        where.push('sk <= ?');
        args.push(options.skTo);
      }
      let sql = `SELECT pk, sk, data, expires_at FROM items WHERE ${where.join(' AND ')}
                 ORDER BY sk ${options.descending ? 'DESC' : 'ASC'}`;
      if (limit !== undefined) {
        sql += ' LIMIT ?';
        args.push(limit);
      }
      const { rows } = await db.execute({ sql, args });
      return rows.map(toItem);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const client = this.#client;
    this.#client = undefined;
    if (client) (await client.catch(() => undefined))?.close();
  }

  #nowSeconds(): number {
    return this.#clock.now() / 1000;
  }

  async #run<T>(what: string, work: (db: Client) => Promise<T>): Promise<T> {
    try {
      return await work(await this.#db());
    } catch (error) {
      if (error instanceof SluiceError) throw error;
      throw new StateStoreError(`${what} failed: ${errorMessage(error)}`, { cause: error });
    }
  }

  #db(): Promise<Client> {
    if (this.#closed) return Promise.reject(new StateStoreError(`state store ${this.#file} is closed`));
    this.#client ??= this.#open().catch((error: unknown) => {
      // Let the next call try again rather than caching a failed open forever.
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  async #open(): Promise<Client> {
    await mkdir(path.dirname(this.#file), { recursive: true });
    const client = createClient({ url: pathToFileURL(this.#file).href, timeout: this.#busyTimeoutMs });
    try {
      // WAL lets readers proceed while a writer commits; the mode persists in the file.
      await client.execute('PRAGMA journal_mode = WAL');
      await client.batch(SCHEMA, 'write');
      return client;
    } catch (error) {
      client.close();
      throw error;
    }
  }
}
