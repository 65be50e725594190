import { sql, type Kysely } from 'kysely';

// Forward-only. Who belongs where: organization members (owner | reader),
// project members (owner | member), invitations by email, and which admin
// keys carry the operator's authority.
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('organization_members')
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('organization_members_pk', ['organization_id', 'user_id'])
    .execute();
  await db.schema.createIndex('organization_members_user_idx').on('organization_members').column('user_id').execute();

  await db.schema
    .createTable('project_members')
    .addColumn('project_id', 'text', (c) => c.notNull().references('projects.id'))
    .addColumn('organization_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('project_members_pk', ['project_id', 'user_id'])
    .execute();
  await db.schema.createIndex('project_members_user_idx').on('project_members').columns(['user_id', 'organization_id']).execute();

  await db.schema
    .createTable('invites')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('organization_id', 'text', (c) => c.notNull().references('organizations.id'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    // JSON [{id, role}]: the projects joined on acceptance.
    .addColumn('projects', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    // pending | accepted | revoked (expired is derived from expires_at)
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('invited_by', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('accepted_at', 'bigint')
    .addColumn('accepted_by', 'text')
    .addColumn('revoked_at', 'bigint')
    .execute();
  await db.schema.createIndex('invites_org_idx').on('invites').columns(['organization_id', 'id']).execute();
  await db.schema.createIndex('invites_email_idx').on('invites').columns(['email', 'status']).execute();

  // Admin keys with the operator's authority (credits, tiers, upstream keys, every organization).
  await db.schema.alterTable('api_keys').addColumn('operator', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
  // Existing installs: the operator organization's admin keys keep the powers they had.
  await sql`update api_keys set operator = 1 where kind = 'admin' and organization_id = (select value from meta where key = 'operator_organization')`.execute(db);
}
