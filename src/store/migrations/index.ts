import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-foundation.js';
import * as m002 from './002-key-lifecycle.js';

/**
 * The ordered list of migrations. Names sort in application order; a new
 * migration gets the next number and is never edited once released.
 */
export const migrations: Record<string, Migration> = {
  '001-foundation': m001,
  '002-key-lifecycle': m002,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
