/**
 * npm run bench:dashboard: how fast the API calls behind the dashboard's keys
 * and usage pages answer with a large store. Seeds one organization with
 * 100,000 keys in one project and 1,000,000 usage events over 30 days, then
 * times each call (median and worst of BENCH_REPEAT runs, after one warm-up)
 * over real HTTP against a real Tollgate. Not a test: it prints figures.
 *
 * SQLite by default; with TOLLGATE_TEST_DATABASE_URL=postgres://... set (as for
 * the tests), a fresh PostgreSQL database of that server, dropped at the end. BENCH_KEYS, BENCH_EVENTS scale it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { loadConfig } from '../src/config/index.js';
import { startTollgate } from '../src/tollgate.js';
import { foldUsageEvents } from '../src/usage/index.js';
import { createPostgresDatabase, POSTGRES_URL } from '../test/helpers/services.js';

const KEYS = Number(process.env.BENCH_KEYS ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 1_000_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 7);
const DAY = 86_400_000;
const MODELS = ['gpt-5.4-nano', 'gpt-5.4-mini', 'gpt-5.4', 'claude-sonnet-4-5', 'tollgate-sim'];

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tollgate-bench-dashboard-'));
  const database = POSTGRES_URL ? await createPostgresDatabase() : null;
  const { config } = loadConfig({
    env: {},
    overrides: { data_dir: dir, server: { port: 0 }, log: { level: 'silent' }, secret: 'bench-secret-bench-secret-bench-secret-01', ...(database ? { database_url: database.url } : {}) },
  });
  const tg = await startTollgate(config, { logger: pino({ level: 'silent' }) });
  const boot = tg.bootstrapped!;
  const db = tg.services.store.db;
  const now = Date.now();
  try {
    console.log(`store: ${database ? 'PostgreSQL' : 'SQLite'}; seeding ${KEYS.toLocaleString('en-US')} keys and ${EVENTS.toLocaleString('en-US')} usage events...`);
    let t = Date.now();
    const keyIds: string[] = [];
    for (let i = 0; i < KEYS; i += 1000) {
      const rows = Array.from({ length: Math.min(1000, KEYS - i) }, (_, j) => {
        const n = i + j;
        // ids sort by creation time, as real ones do (a ULID-like time prefix)
        const id = `key_${(now - (KEYS - n) * 1000).toString(36).padStart(10, '0')}${n.toString(36).padStart(6, '0')}`;
        keyIds.push(id);
        return {
          id, kind: 'project', organization_id: boot.organizationId, project_id: boot.projectId, name: `key ${n}`,
          hash: randomBytes(32).toString('hex'), redacted: `sk-proj-...${n.toString(36).slice(-4).padStart(4, '0')}`,
          status: n % 10 === 0 ? 'revoked' : 'active', permissions: '{"mode":"all"}', created_by: null, created_at: now - (KEYS - n) * 1000,
          expires_at: null, last_used_at: null, allowed_ips: null, rpm_limit: null, tpm_limit: null, monthly_budget_picos: null,
          service_account_id: null, updated_at: null, revoked_at: null, revoked_reason: null, rotated_from_id: null, rotated_to_id: null, revoke_at: null,
        };
      });
      await db.insertInto('api_keys').values(rows as never).execute();
    }
    console.log(`  keys in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    const BATCH = database ? 2000 : 1000;
    for (let i = 0; i < EVENTS; i += BATCH) {
      const rows = Array.from({ length: Math.min(BATCH, EVENTS - i) }, (_, j) => {
        const n = i + j;
        const at = now - 30 * DAY + Math.floor((n / EVENTS) * 30 * DAY);
        const prompt = 50 + (n % 2000);
        const completion = 10 + (n % 500);
        return {
          id: `evt_${at.toString(36).padStart(10, '0')}${n.toString(36).padStart(8, '0')}`, request_id: `req_${n.toString(36)}`,
          organization_id: boot.organizationId, project_id: boot.projectId, api_key_id: keyIds[n % 1000]!, endpoint: 'chat.completions',
          model: MODELS[n % MODELS.length]!, provider: 'openai', deployment_model: MODELS[n % MODELS.length]!,
          prompt_tokens: prompt, cached_tokens: 0, cache_write_tokens: 0, completion_tokens: completion, reasoning_tokens: 0,
          cost_picos: BigInt(prompt * 200_000 + completion * 1_250_000), usage_estimated: 0, latency_ms: 200 + (n % 800), ttft_ms: null,
          status: n % 97 === 0 ? 'error' : 'ok', http_status: n % 97 === 0 ? 500 : 200, error_code: null, created_at: at,
        };
      });
      await db.insertInto('usage_events').values(rows as never).execute();
    }
    console.log(`  events in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    t = Date.now();
    // The maintenance job folds events into hourly rollups every minute: a running store is in this state.
    const folded = await foldUsageEvents(tg.services.store, Date.now(), { batchSize: 20_000 });
    console.log(`  ${folded.toLocaleString('en-US')} events folded into hourly rollups in ${((Date.now() - t) / 1000).toFixed(1)} s`);
    if (database) await (await import('kysely')).sql`ANALYZE`.execute(db);

    const start = Math.floor((now - 30 * DAY) / 1000);
    const middleKey = keyIds[Math.floor(KEYS / 2)]!;
    const oldEvent = (await db.selectFrom('usage_events').select('id').orderBy('created_at').limit(1).offset(Math.floor(EVENTS / 2)).executeTakeFirstOrThrow()).id;
    const p = `/v1/organization/projects/${boot.projectId}`;
    const calls: [string, string][] = [
      ['keys: first page', `${p}/api_keys?limit=20`],
      ['keys: a page in the middle', `${p}/api_keys?limit=20&after=${middleKey}`],
      ['keys: with revoked, middle', `${p}/api_keys?limit=20&include_revoked=true&after=${middleKey}`],
      ['projects (switcher)', '/v1/organization/projects?limit=100'],
      ['usage: costs 30 d by model', `/v1/organization/costs?start_time=${start}&bucket_width=1d&limit=180&group_by[]=line_item`],
      ['usage: tokens 30 d by model', `/v1/organization/usage/completions?start_time=${start}&bucket_width=1d&limit=31&group_by[]=model`],
      ['usage: costs 30 d by key', `/v1/organization/costs?start_time=${start}&bucket_width=1d&limit=180&group_by[]=api_key_id`],
      ['request log: first page', '/v1/organization/usage/requests?limit=25'],
      ['request log: 30 d range, middle page', `/v1/organization/usage/requests?limit=25&start_time=${start}&after=${oldEvent}`],
      ['request log: one model', '/v1/organization/usage/requests?limit=25&models[]=gpt-5.4'],
      ['request log: errors only', '/v1/organization/usage/requests?limit=25&statuses[]=error'],
      ['request log: one key', `/v1/organization/usage/requests?limit=25&api_key_ids[]=${keyIds[7]}`],
    ];
    console.log(`\n${'call'.padEnd(40)} ${'median ms'.padStart(10)} ${'worst ms'.padStart(10)}  rows`);
    for (const [name, path] of calls) {
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i <= REPEAT; i++) {
        const t0 = performance.now();
        const answer = await fetch(`${tg.url}${path}`, { headers: { authorization: `Bearer ${boot.adminKey}` } });
        const body = (await answer.json()) as { data?: unknown[] };
        if (!answer.ok) throw new Error(`${path}: ${answer.status} ${JSON.stringify(body)}`);
        if (i > 0) times.push(performance.now() - t0);
        rows = body.data?.length ?? 0;
      }
      times.sort((a, b) => a - b);
      console.log(`${name.padEnd(40)} ${times[Math.floor(times.length / 2)]!.toFixed(1).padStart(10)} ${times.at(-1)!.toFixed(1).padStart(10)}  ${rows}`);
    }
  } finally {
    await tg.close();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
