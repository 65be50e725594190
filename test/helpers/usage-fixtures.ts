import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/index.js';

/** A usage event as a test writes it: what matters for reports, the rest defaulted. */
export interface TestEvent {
  org: string;
  project?: string | null;
  key?: string | null;
  model?: string;
  endpoint?: string;
  at: number;
  prompt?: number;
  cached?: number;
  cacheWrite?: number;
  completion?: number;
  reasoning?: number;
  cost?: bigint;
  status?: 'ok' | 'error' | 'aborted';
}

/** Inserts events straight into usage_events (the reads under test must not depend on the writer). */
export async function insertEvents(db: Kysely<Database>, events: TestEvent[]): Promise<void> {
  for (let i = 0; i < events.length; i += 500) {
    await db
      .insertInto('usage_events')
      .values(
        events.slice(i, i + 500).map((e) => ({
          id: `evt_${randomUUID().replaceAll('-', '')}`,
          request_id: `req_${randomUUID().replaceAll('-', '')}`,
          organization_id: e.org,
          project_id: e.project === undefined ? 'proj_default' : e.project,
          api_key_id: e.key === undefined ? 'key_default' : e.key,
          endpoint: e.endpoint ?? 'chat.completions',
          model: e.model ?? 'gpt-5.4-nano',
          provider: 'simulator',
          deployment_model: e.model ?? 'gpt-5.4-nano',
          prompt_tokens: e.prompt ?? 0,
          cached_tokens: e.cached ?? 0,
          cache_write_tokens: e.cacheWrite ?? 0,
          completion_tokens: e.completion ?? 0,
          reasoning_tokens: e.reasoning ?? 0,
          cost_picos: e.cost ?? 0n,
          usage_estimated: 0,
          latency_ms: 10,
          ttft_ms: null,
          status: e.status ?? 'ok',
          http_status: e.status === 'error' ? 500 : 200,
          error_code: null,
          created_at: e.at,
        })),
      )
      .execute();
  }
}
