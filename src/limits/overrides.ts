import type { Kysely } from 'kysely';
import { toNumber, type Database } from '../store/index.js';

/** A project's own limits for one model (OpenAI's `project.rate_limit`); null fields fall back to the tier. */
export interface ProjectRateLimit {
  model: string;
  rpm: number | null;
  tpm: number | null;
}

export async function readProjectRateLimits(db: Kysely<Database>, projectId: string): Promise<ProjectRateLimit[]> {
  const rows = await db.selectFrom('project_rate_limits').selectAll().where('project_id', '=', projectId).execute();
  return rows.map((r) => ({ model: r.model, rpm: toNumber(r.max_requests_per_1_minute), tpm: toNumber(r.max_tokens_per_1_minute) }));
}

export async function writeProjectRateLimit(db: Kysely<Database>, projectId: string, limit: ProjectRateLimit, now: number): Promise<void> {
  const values = { max_requests_per_1_minute: limit.rpm, max_tokens_per_1_minute: limit.tpm, updated_at: now };
  await db
    .insertInto('project_rate_limits')
    .values({ project_id: projectId, model: limit.model, ...values })
    .onConflict((oc) => oc.columns(['project_id', 'model']).doUpdateSet(values))
    .execute();
}
