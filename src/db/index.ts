/**
 * The Kysely instance, chosen by the DATABASE_URL scheme: `sqlite:<file>` (embedded, default) or
 * `postgres://…`. Queries stay portable: no SQLite-only SQL above this file.
 */
import fs from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, sql } from 'kysely';
import type { Database } from './schema';

export type Db = Kysely<Database>;
export type Dialect = 'sqlite' | 'postgres';

export interface DbHandle {
  db: Db;
  dialect: Dialect;
  close(): Promise<void>;
  /** resolves when the database answers a trivial query within `timeoutMs` (readiness) */
  ping(timeoutMs?: number): Promise<void>;
}

export interface OpenOptions {
  /**
   * a connection failed outside a query (PostgreSQL restarted: 57P01, network cut); the pool drops
   * it and the next query connects again — without a listener this event would end the process
   */
  onConnectionError?: (e: Error) => void;
}

function pinger(db: Db): DbHandle['ping'] {
  return async (timeoutMs = 2000) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('database unreachable: no answer in time')), timeoutMs);
    });
    try {
      await Promise.race([sql`select 1`.execute(db), timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}

/**
 * Kysely prepares every query afresh; the same few hundred SQL strings repeat, so keep their
 * prepared statements (one connection, used by one query at a time, so reuse is safe).
 */
function withStatementCache(sqlite: SQLite.Database, max = 500): SQLite.Database {
  const cache = new Map<string, SQLite.Statement>();
  return new Proxy(sqlite, {
    get(target, prop, receiver) {
      if (prop !== 'prepare') {
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return (source: string) => {
        let stmt = cache.get(source);
        if (!stmt) {
          stmt = target.prepare(source);
          if (cache.size >= max) cache.delete(cache.keys().next().value!);
          cache.set(source, stmt);
        }
        return stmt;
      };
    },
  });
}

const JSONB_OID = 3802;
/**
 * Connections per instance: the inbound worker's events (16 at a time on PostgreSQL, each in its
 * transaction), the outbox sends and the webhooks' inserts share them; with pg's default 10 they
 * queued for a connection (npm run bench -- webhook: 184 → 281 updates/s with 20 and 16 events).
 */
const PG_POOL_MAX = 20;

export function openDatabase(url: string, opts: OpenOptions = {}): DbHandle {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length) || ':memory:';
    if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    const sqlite = new SQLite(file);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('busy_timeout = 5000');
    sqlite.pragma('synchronous = NORMAL');
    sqlite.pragma('temp_store = MEMORY');
    // no mmap: file pages mapped into the process count in its RSS (a province roll-up touched
    // ~100 MB of them), and reads through the OS page cache measured as fast (npm run bench)
    const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
    return { db, dialect: 'sqlite', close: () => db.destroy(), ping: pinger(db) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    // loaded lazily so SQLite deployments never need the pg driver at start-up
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Pool, types: pgTypes } = require('pg') as typeof import('pg');
    const onError = (e: Error) => opts.onConnectionError?.(e);
    // a connect that hangs (server gone without a reset) fails after 5 s instead of waiting forever
    // report values are jsonb (migration 012): handed to the code as the JSON text it stores
    const types = { getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === JSONB_OID ? (v: string) => v : pgTypes.getTypeParser(oid, format)) };
    const pool = new Pool({ connectionString: url, connectionTimeoutMillis: 5000, types: types as never, max: PG_POOL_MAX });
    pool.on('error', onError); // an idle connection lost
    pool.on('connect', (client) => client.on('error', onError)); // a connection lost while checked out
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, dialect: 'postgres', close: () => db.destroy(), ping: pinger(db) };
  }
  throw new Error(`DATABASE_URL: unsupported scheme in "${url.replace(/\/\/.*@/, '//***@')}"`);
}
