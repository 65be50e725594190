import type { Migration, MigrationProvider } from 'kysely';
import * as m001 from './001-foundation.js';
import * as m002 from './002-key-lifecycle.js';
import * as m003 from './003-usage-events.js';
import * as m004 from './004-provider-credentials.js';
import * as m005 from './005-limits-and-spend.js';
import * as m006 from './006-usage-rollups.js';
import * as m007 from './007-lean-usage-indexes.js';
import * as m015 from './015-shared-limit-state.js';
import * as m020 from './020-accounts-and-sessions.js';
import * as m021 from './021-members-invites-operator.js';
import * as m026 from './026-second-factor.js';
import * as m027 from './027-sso-identities.js';
import * as m030 from './030-append-only-ledger.js';
import * as m031 from './031-payments-and-purchases.js';
import * as m036 from './036-notification-outbox.js';
import * as m037 from './037-spend-alerts.js';
import * as m045 from './045-model-permissions.js';
import * as m046 from './046-usage-attribution.js';
import * as m057 from './057-dashboard-list-indexes.js';
import * as m058 from './058-usage-rollups-daily.js';

/**
 * The ordered list of migrations. Names sort in application order; a new
 * migration gets the next number and is never edited once released.
 */
export const migrations: Record<string, Migration> = {
  '001-foundation': m001,
  '002-key-lifecycle': m002,
  '003-usage-events': m003,
  '004-provider-credentials': m004,
  '005-limits-and-spend': m005,
  '006-usage-rollups': m006,
  '007-lean-usage-indexes': m007,
  '015-shared-limit-state': m015,
  '020-accounts-and-sessions': m020,
  '021-members-invites-operator': m021,
  '026-second-factor': m026,
  '027-sso-identities': m027,
  '030-append-only-ledger': m030,
  '031-payments-and-purchases': m031,
  '036-notification-outbox': m036,
  '037-spend-alerts': m037,
  '045-model-permissions': m045,
  '046-usage-attribution': m046,
  '057-dashboard-list-indexes': m057,
  '058-usage-rollups-daily': m058,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
