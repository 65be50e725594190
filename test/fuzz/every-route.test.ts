import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setupOperator } from '../helpers/people.js';
import { createPostgresDatabase, POSTGRES_URL } from '../helpers/services.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { fuzzSettings } from './seed.js';
import { routeCases, type RouteCase } from './routes.js';
import { fuzzed, nastyString } from './schema-arbitrary.js';

/**
 * Generated requests at every route the server has (inference, admin,
 * public, account and session, billing, operator), found from the server's
 * own route list and described by its /openapi.json, so a new route is
 * fuzzed without anyone adding it here. Bodies, query strings, path
 * parameters and headers are generated; the caller is mostly the right one
 * for the route (so requests reach past authentication), else another.
 *
 * The assertion for every answer: not a 5xx; an error is in OpenAI's shape
 * with an x-request-id; and afterwards the process still serves.
 *
 * Seeded and reproducible: the seed is printed; TOLLGATE_FUZZ_SEED replays
 * it, TOLLGATE_FUZZ_RUNS changes how many requests are sent.
 */

const { seed, runs } = fuzzSettings(2000);

interface Fixtures {
  projectKey: string;
  adminKey: string;
  sessionCookie: string;
  csrf: string;
  organizationId: string;
  /** Ids of things the fuzz may change or delete, by kind: never the ones it authenticates with. */
  victims: Record<'project' | 'key' | 'service_account' | 'user' | 'organization', string[]>;
}

interface Generated {
  /** `METHOD /pattern`: a key into the route cases, so a counterexample prints short. */
  route: string;
  auth: 'right' | 'project' | 'admin' | 'session' | 'none' | 'garbage';
  path: string;
  query: string;
  headers: Record<string, string>;
  payload: string | undefined;
  remoteAddress: string;
}

function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    // A lone surrogate cannot be UTF-8 encoded by a client either.
    return 'x';
  }
}

function queryValue(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value) ?? '';
}

function generator(cases: Map<string, RouteCase>, fixtures: Fixtures): fc.Arbitrary<Generated> {
  const pathValue = (param: string) => fc.oneof(
    { arbitrary: fc.constantFrom(...victimsFor(param, fixtures.victims)), weight: 4 },
    { arbitrary: fc.constantFrom('proj_', 'key_', 'org_', 'usr_', 'admin_', 'sess_', 'cg_').chain((p) => fc.stringMatching(/^[0-9a-z]{0,26}$/).map((s) => p + s)), weight: 3 },
    { arbitrary: nastyString, weight: 2 },
    { arbitrary: fc.constantFrom('tollgate-sim', 'tollgate-sim-embed', 'local', 'openai', 'google', 'rl-tollgate-sim'), weight: 2 },
  );
  const header = fc.oneof(
    fc.constant<[string, string]>(['openai-organization', fixtures.organizationId]),
    nastyString.map((v): [string, string] => ['openai-organization', v]),
    nastyString.map((v): [string, string] => ['openai-project', v]),
    nastyString.map((v): [string, string] => ['x-request-id', v]),
    nastyString.map((v): [string, string] => ['idempotency-key', v]),
    fc.constantFrom<[string, string]>(['accept', 'text/event-stream'], ['accept', '*/*'], ['accept-encoding', 'gzip'], ['origin', 'https://evil.example'], ['x-csrf-token', 'nope'], ['stripe-signature', 't=1,v1=00']),
  );
  const contentType = fc.constantFrom('application/json', 'application/json', 'application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', '');
  const remoteAddress = fc.tuple(fc.integer({ min: 1, max: 254 }), fc.integer({ min: 0, max: 255 }), fc.integer({ min: 1, max: 254 })).map(([a, b, c]) => `10.${a}.${b}.${c}`);

  return fc.constantFrom(...cases.values()).chain((route) => {
    const params = fc.tuple(...route.pathParams.map(pathValue));
    const query = fc.array(
      fc.oneof(
        ...route.query.map((q) => fuzzed(q.schema).map((v): [string, string] => [q.name, queryValue(v)])),
        fc.tuple(nastyString, nastyString),
        fc.tuple(fc.constantFrom('limit', 'after', 'before', 'page', 'start_time', 'end_time'), nastyString),
      ),
      { maxLength: 4 },
    );
    const body = fc.oneof(
      { arbitrary: fuzzed(route.body).map((v) => (v === undefined ? undefined : JSON.stringify(v))), weight: 8 },
      { arbitrary: fc.string({ maxLength: 60 }), weight: 1 },
      { arbitrary: fc.constant(undefined), weight: 1 },
    );
    return fc.record({
      route: fc.constant(`${route.method} ${route.path}`),
      auth: fc.oneof({ arbitrary: fc.constant('right' as const), weight: 7 }, { arbitrary: fc.constantFrom('project' as const, 'admin' as const, 'session' as const, 'none' as const, 'garbage' as const), weight: 3 }),
      path: params.map((values) => route.path.replace(/:[A-Za-z_]+|\*/g, () => encodeSegment(String(values.shift() ?? 'x')))),
      query: query.map((pairs) => new URLSearchParams(pairs).toString()),
      headers: fc.tuple(fc.array(header, { maxLength: 3 }), contentType).map(([pairs, type]) => ({ ...Object.fromEntries(pairs), ...(type ? { 'content-type': type } : {}) })),
      payload: route.method === 'GET' ? fc.constant(undefined) : body,
      remoteAddress,
    });
  });
}

function authHeaders(generated: Generated, route: RouteCase, fixtures: Fixtures): Record<string, string> {
  const session = { cookie: fixtures.sessionCookie, 'x-csrf-token': fixtures.csrf };
  let auth = generated.auth;
  if (auth === 'right') auth = route.security.includes('ProjectApiKeyAuth') ? 'project' : route.security.includes('SessionCookie') ? 'session' : route.security.length > 0 ? 'admin' : 'none';
  switch (auth) {
    case 'project':
      return { authorization: `Bearer ${fixtures.projectKey}` };
    case 'admin':
      return { authorization: `Bearer ${fixtures.adminKey}` };
    case 'session':
      return session;
    case 'garbage':
      return { authorization: `Bearer sk-proj-${'A'.repeat(40)}` };
    default:
      return {};
  }
}

async function prepare(tg: TestTollgate): Promise<Fixtures> {
  const operator = await setupOperator(tg);
  const cookies = operator.cookies;
  const admin = async (url: string, body: unknown): Promise<string> => {
    const res = await tg.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${tg.adminKey}`, 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    expect(res.statusCode, `${url} ${res.body}`).toBe(200);
    return (JSON.parse(res.body) as { id: string }).id;
  };
  const project = await admin('/v1/organization/projects', { name: 'fuzz target' });
  const key = await admin(`/v1/organization/projects/${project}/api_keys`, { name: 'fuzz target' });
  const serviceAccount = await admin(`/v1/organization/projects/${project}/service_accounts`, { name: 'fuzz target' });
  const adminKey = await admin('/v1/organization/admin_api_keys', { name: 'fuzz target' });
  const user = await admin('/v1/operator/users', { email: 'fuzz-target@example.com', name: 'Fuzz Target' });
  const organization = await admin('/v1/operator/organizations', { name: 'fuzz target' });
  return {
    projectKey: tg.projectKey,
    adminKey: tg.adminKey,
    organizationId: tg.organizationId,
    sessionCookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
    csrf: decodeURIComponent(cookies.get('tollgate_csrf') ?? ''),
    victims: { project: [project], key: [key, adminKey], service_account: [serviceAccount], user: [user], organization: [organization] },
  };
}

/** The victims fitting a path parameter's name (`project_id`, `projectId`, `keyId`, ...), else all of them. */
function victimsFor(param: string, victims: Fixtures['victims']): string[] {
  const name = param.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
  const kind = (Object.keys(victims) as (keyof Fixtures['victims'])[]).find((k) => name.startsWith(k) || name.includes(`_${k}`));
  return kind ? victims[kind] : Object.values(victims).flat();
}

function checkAnswer(status: number, headers: Record<string, unknown>, body: string, what: string): void {
  expect(status, `${what} -> ${status} ${body.slice(0, 300)}`).toBeLessThan(500);
  expect(headers['x-request-id'], `${what}: x-request-id`).toBeTruthy();
  if (status < 400) return;
  let parsed: { error?: Record<string, unknown> };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    throw new Error(`${what} -> ${status} is not JSON: ${body.slice(0, 200)}`);
  }
  expect(Object.keys(parsed.error ?? {}).sort(), `${what} -> ${status} ${body.slice(0, 300)}`).toEqual(['code', 'message', 'param', 'type']);
  expect(typeof parsed.error!.message, what).toBe('string');
  expect(typeof parsed.error!.type, what).toBe('string');
}

const stores: { name: string; postgres: boolean }[] = [{ name: 'SQLite', postgres: false }, ...(POSTGRES_URL ? [{ name: 'PostgreSQL', postgres: true }] : [])];

describe.each(stores)('fuzzing every route on $name', ({ postgres }) => {
  let tg: TestTollgate;
  let drop: (() => Promise<void>) | undefined;
  let cases: Map<string, RouteCase>;
  let fixtures: Fixtures;

  beforeAll(async () => {
    const database = postgres ? await createPostgresDatabase() : undefined;
    drop = database?.drop;
    // Unlimited rate limits, so the run is not mostly 429s.
    tg = await startTestTollgate({ ...(database ? { database_url: database.url } : {}), limits: { bootstrap_tier: 'unlimited' } }, { env: {} });
    const doc = JSON.parse((await tg.app.inject({ method: 'GET', url: '/openapi.json' })).body) as { paths: Record<string, Record<string, unknown>> };
    cases = new Map(routeCases(tg.app.routeList, doc).map((c) => [`${c.method} ${c.path}`, c]));
    fixtures = await prepare(tg);
  }, 120_000);
  afterAll(async () => {
    await tg?.stop();
    await drop?.();
  });

  it(`answers ${runs} generated requests without a 5xx, every error in OpenAI's shape, and still serves (seed ${seed})`, { timeout: 600_000 }, async () => {
    console.log(`fuzzing every route: seed ${seed}, ${runs} requests (replay with TOLLGATE_FUZZ_SEED=${seed})`);
    const reached = new Map<string, Set<number>>();
    await fc.assert(
      fc.asyncProperty(generator(cases, fixtures), async (generated) => {
        const route = cases.get(generated.route)!;
        const url = generated.query ? `${generated.path}?${generated.query}` : generated.path;
        const res = await tg.app.inject({
          method: route.method as 'GET',
          url,
          headers: { ...generated.headers, ...authHeaders(generated, route, fixtures) },
          payload: generated.payload,
          remoteAddress: generated.remoteAddress,
        });
        reached.set(generated.route, (reached.get(generated.route) ?? new Set()).add(res.statusCode));
        checkAnswer(res.statusCode, res.headers, res.body, `${route.method} ${url.slice(0, 300)} (${generated.auth}) ${(generated.payload ?? '').slice(0, 300)}`);
      }),
      { numRuns: runs, seed, endOnFailure: true },
    );

    // Every route was tried, and generated requests got past validation on many of them.
    const missed = [...cases.keys()].filter((id) => !reached.has(id));
    if (runs >= 1000) expect(missed).toEqual([]);
    const succeeded = [...reached].filter(([, statuses]) => [...statuses].some((s) => s >= 200 && s < 300)).length;
    console.log(`routes tried: ${reached.size} of ${cases.size}; answered 2xx at least once: ${succeeded}`);
    if (runs >= 1000) expect(succeeded).toBeGreaterThan(cases.size / 4);

    // Still healthy: probes answer, and a plain request is served (once the budget the fuzz may have set is lifted).
    expect((await tg.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    expect((await tg.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const lifted = await tg.app.inject({ method: 'POST', url: '/v1/organization/budget', headers: { authorization: `Bearer ${fixtures.adminKey}`, 'content-type': 'application/json' }, payload: JSON.stringify({ monthly_limit_usd: null }) });
    expect(lifted.statusCode, lifted.body).toBe(200);
    const chat = await tg.app.inject({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: { authorization: `Bearer ${fixtures.projectKey}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: still here' }] }),
      remoteAddress: '10.255.255.1',
    });
    expect(chat.statusCode, chat.body).toBe(200);
    expect(JSON.parse(chat.body).choices[0].message.content).toBe('still here');
  });
});
