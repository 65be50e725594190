import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationResultSet, type SqliteDialectConfig } from 'kysely';
import { migrationProvider, migrations } from './migrations/index.js';
import type { Database } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface Store {
  db: Kysely<Database>;
  dialect: Dialect;
  /** Where the data lives, with any password removed (for logs). */
  location: string;
  migrate(): Promise<string[]>;
  /** True when every known migration has been applied. */
  isMigrated(): Promise<boolean>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  /** postgres://... for PostgreSQL; unset for SQLite under dataDir. */
  databaseUrl?: string;
  dataDir: string;
  /** Connection pool size for PostgreSQL. */
  poolSize?: number;
}

const INT8_OID = 20;

type Pg = typeof import('pg').default;

function postgresTypes(pg: Pg) {
  return {
    getTypeParser(oid: number, format?: 'text' | 'binary') {
      if (oid === INT8_OID) return (value: string) => BigInt(value);
      return pg.types.getTypeParser(oid, format as 'text');
    },
  };
}

function openSqlite(dataDir: string): { db: Kysely<Database>; location: string } {
  const dir = resolve(dataDir);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'tollgate.db');
  ownerOnly(file);
  const sqlite = new SqliteDatabase(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  // Integers come back as bigint so money columns are exact beyond 2^53.
  sqlite.defaultSafeIntegers(true);
  return { db: new Kysely<Database>({ dialect: new SqliteDialect({ database: sqliteConnection(sqlite) }) }), location: file };
}

/**
 * The store holds key hashes, sealed upstream keys and the ledger: like the
 * server secret, only its owner may read it. The file is created 0600 before
 * SQLite opens it (SQLite gives its -wal and -shm files the database file's
 * mode), and files an older version created are narrowed on start.
 */
function ownerOnly(file: string): void {
  closeSync(openSync(file, 'a', 0o600));
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    if (existsSync(path)) chmodSync(path, 0o600);
  }
}

const STATEMENT_CACHE = 256;

/**
 * The connection as Kysely's SQLite driver sees it, with two changes:
 * - prepared statements are kept by SQL text (the driver prepares every query
 *   anew, which costs more than running most of ours);
 * - transactions begin IMMEDIATE: the usage writer thread has a second
 *   connection, and a deferred transaction that reads and then writes would
 *   fail at once with SQLITE_BUSY when the other connection wrote meanwhile,
 *   where an immediate one waits for the lock (busy_timeout).
 * Queries are never streamed (`.stream()`), so a cached statement is never
 * busy when it is used again.
 */
function sqliteConnection(sqlite: SqliteDatabase.Database): SqliteDialectConfig['database'] {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(text: string) {
      const sqlText = text === 'begin' ? 'begin immediate' : text;
      let statement = statements.get(sqlText);
      if (statement) {
        // Most recently used last, so the oldest is the first one dropped.
        statements.delete(sqlText);
      } else {
        statement = sqlite.prepare(sqlText);
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sqlText, statement);
      return statement;
    },
    close: () => sqlite.close(),
  };
}

/** pg is loaded only for PostgreSQL: an SQLite deployment (and its usage writer thread) does without its ~15 MB. */
async function openPostgres(url: string, poolSize: number): Promise<{ db: Kysely<Database>; location: string }> {
  const pg: Pg = (await import('pg')).default;
  const pool = new pg.Pool({ connectionString: url, max: poolSize, types: postgresTypes(pg) });
  // An idle client that loses its connection must not crash the process.
  pool.on('error', () => {});
  const safe = new URL(url);
  safe.password = '';
  return { db: new Kysely<Database>({ dialect: new PostgresDialect({ pool }) }), location: safe.toString() };
}

function migrationErrors(result: MigrationResultSet): string[] {
  const applied = (result.results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (result.error) {
    const failed = (result.results ?? []).find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`Migration ${failed} failed: ${(result.error as Error).message}`, { cause: result.error });
  }
  return applied;
}

export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const isPostgres = options.databaseUrl !== undefined && /^postgres(ql)?:\/\//.test(options.databaseUrl);
  if (options.databaseUrl !== undefined && !isPostgres) {
    throw new Error('database_url must be a postgres:// or postgresql:// URL (leave it unset for SQLite).');
  }
  const { db, location } = isPostgres ? await openPostgres(options.databaseUrl!, options.poolSize ?? 10) : openSqlite(options.dataDir);
  const dialect: Dialect = isPostgres ? 'postgres' : 'sqlite';
  // Unordered: a store that already has a later migration still receives an
  // earlier-numbered one it lacks, instead of refusing to start.
  const migrator = new Migrator({
    db,
    provider: migrationProvider,
    migrationTableName: 'tollgate_migrations',
    migrationLockTableName: 'tollgate_migrations_lock',
    allowUnorderedMigrations: true,
  });

  return {
    db,
    dialect,
    location,
    migrate: async () => migrationErrors(await migrator.migrateToLatest()),
    isMigrated: async () => {
      const known = await migrator.getMigrations();
      return known.length === Object.keys(migrations).length && known.every((m) => m.executedAt !== undefined);
    },
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

/** Converts a BIGINT read from either dialect to a JS number (timestamps, counts). */
export function toNumber(value: bigint | number | string | null): number | null {
  return value === null ? null : Number(value);
}

/** Converts a BIGINT or NUMERIC (sums) read from either dialect to a bigint. */
export function toBigInt(value: bigint | number | string | null | undefined): bigint {
  if (value === null || value === undefined) return 0n;
  return typeof value === 'bigint' ? value : BigInt(value);
}
