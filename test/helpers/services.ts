import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * PostgreSQL and Redis are used when CI (or a developer) sets
 * TOLLGATE_TEST_DATABASE_URL / TOLLGATE_TEST_REDIS_URL; suites that need them
 * are skipped otherwise, with the reason in their name.
 */
export const POSTGRES_URL = process.env.TOLLGATE_TEST_DATABASE_URL;
export const REDIS_URL = process.env.TOLLGATE_TEST_REDIS_URL;

export const postgresSkipReason = POSTGRES_URL ? '' : ' (skipped: TOLLGATE_TEST_DATABASE_URL is not set)';
export const redisSkipReason = REDIS_URL ? '' : ' (skipped: TOLLGATE_TEST_REDIS_URL is not set)';

/** A fresh database for one test file, dropped by `drop()`. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!POSTGRES_URL) throw new Error('TOLLGATE_TEST_DATABASE_URL is not set');
  const name = `tollgate_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(POSTGRES_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_URL });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** A Redis key prefix unique to one test run. */
export function redisPrefix(): string {
  return `tollgate-test:${randomBytes(6).toString('hex')}:`;
}
