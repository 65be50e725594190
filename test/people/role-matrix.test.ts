import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, type Browser } from '../helpers/browser.js';
import { inviteAndJoin, setupOperator, signUpVerified } from '../helpers/people.js';
import { startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

/**
 * The role matrix: every session and admin route, driven by a signed-in
 * person of every role, each cell asserted. Organization A is owned by a
 * person; the operator is not a member of it and acts by naming it; project P
 * has a project Owner and a project Member (both Readers of A); another
 * organization's Owner names A too.
 *
 * Path ids are real for the organization and project, and exist nowhere for
 * the last segment (a key, user, invite...), and write bodies are a probe
 * the handler refuses (400): a call that gets through authorization ends in
 * its handler (200, 400, 404 for the missing object) and changes nothing.
 */
type Role = 'operator' | 'owner' | 'reader' | 'project_owner' | 'project_member' | 'other_org_owner' | 'none';
const ROLES: Role[] = ['operator', 'owner', 'reader', 'project_owner', 'project_member', 'other_org_owner', 'none'];

/** Who gets through, per route (written here by hand, not read from the code under test). */
type Who = 'operator' | 'owner' | 'member' | 'project_member' | 'project_owner' | 'key_owner' | 'project_owner_or_self' | 'signed_in' | 'anyone';

const O = '/v1/organization';
const P = `${O}/projects/:project_id`;
const PL = `${O}/projects/:projectId`;
const EXPECTED: Record<string, Who> = {
  [`GET ${O}/projects`]: 'member',
  [`POST ${O}/projects`]: 'owner',
  [`GET ${P}`]: 'project_member',
  [`POST ${P}`]: 'project_owner',
  [`POST ${P}/archive`]: 'project_owner',
  [`GET ${P}/api_keys`]: 'project_member',
  [`POST ${P}/api_keys`]: 'project_member',
  [`GET ${P}/api_keys/:key_id`]: 'project_member',
  [`POST ${P}/api_keys/:key_id`]: 'key_owner',
  [`DELETE ${P}/api_keys/:key_id`]: 'key_owner',
  [`POST ${P}/api_keys/:key_id/rotate`]: 'key_owner',
  [`GET ${P}/model_permissions`]: 'project_member',
  [`POST ${P}/model_permissions`]: 'project_owner',
  [`DELETE ${P}/model_permissions`]: 'project_owner',
  [`GET ${P}/api_keys/:key_id/model_permissions`]: 'project_member',
  [`POST ${P}/api_keys/:key_id/model_permissions`]: 'project_owner',
  [`DELETE ${P}/api_keys/:key_id/model_permissions`]: 'project_owner',
  [`GET ${P}/service_accounts`]: 'project_member',
  [`POST ${P}/service_accounts`]: 'project_owner',
  [`GET ${P}/service_accounts/:service_account_id`]: 'project_member',
  [`DELETE ${P}/service_accounts/:service_account_id`]: 'project_owner',
  [`GET ${O}/admin_api_keys`]: 'owner',
  [`POST ${O}/admin_api_keys`]: 'owner',
  [`GET ${O}/admin_api_keys/:key_id`]: 'owner',
  [`DELETE ${O}/admin_api_keys/:key_id`]: 'owner',
  [`GET ${O}/audit_logs`]: 'owner',
  [`GET ${O}/usage/completions`]: 'member',
  [`GET ${O}/usage/embeddings`]: 'member',
  [`GET ${O}/costs`]: 'member',
  [`GET ${O}/usage/requests`]: 'member',
  [`GET ${PL}/rate_limits`]: 'project_member',
  [`GET ${PL}/rate_limits/:rateLimitId`]: 'project_member',
  [`POST ${PL}/rate_limits/:rateLimitId`]: 'project_owner',
  [`GET ${PL}/api_keys/:keyId/limits`]: 'project_member',
  [`POST ${PL}/api_keys/:keyId/limits`]: 'project_owner',
  [`GET ${O}/credits`]: 'owner',
  [`POST ${O}/credits/grants`]: 'operator',
  [`POST ${O}/credits/adjustments`]: 'operator',
  [`GET ${O}/credits/ledger`]: 'owner',
  [`GET ${O}/billing/payment_methods`]: 'owner',
  [`POST ${O}/billing/payment_methods`]: 'owner',
  [`POST ${O}/billing/payment_methods/setup`]: 'owner',
  [`DELETE ${O}/billing/payment_methods/:payment_method_id`]: 'owner',
  [`GET ${O}/billing/purchases`]: 'owner',
  [`POST ${O}/billing/purchases`]: 'owner',
  [`GET ${O}/billing/purchases/:purchase_id`]: 'owner',
  [`GET ${O}/billing/auto_recharge`]: 'owner',
  [`GET ${O}/billing/profile`]: 'owner',
  [`POST ${O}/billing/profile`]: 'owner',
  [`GET ${O}/billing/purchases/:purchase_id/receipt`]: 'owner',
  [`GET ${O}/billing/statements/:period`]: 'owner',
  [`POST ${O}/billing/auto_recharge`]: 'owner',
  [`GET ${O}/limits/tier`]: 'owner',
  [`POST ${O}/limits/tier`]: 'operator',
  [`GET ${O}/budget`]: 'owner',
  [`POST ${O}/budget`]: 'owner',
  [`GET ${PL}/budget`]: 'owner',
  [`POST ${PL}/budget`]: 'owner',
  [`GET ${O}/notifications`]: 'owner',
  [`POST ${O}/notifications/:notification_id/read`]: 'owner',
  [`POST ${O}/notifications/read_all`]: 'owner',
  [`GET ${O}/notifications/preferences`]: 'owner',
  [`POST ${O}/notifications/preferences`]: 'owner',
  [`GET ${O}/webhooks`]: 'owner',
  [`POST ${O}/webhooks`]: 'owner',
  [`GET ${O}/webhooks/:webhook_id`]: 'owner',
  [`POST ${O}/webhooks/:webhook_id`]: 'owner',
  [`DELETE ${O}/webhooks/:webhook_id`]: 'owner',
  [`GET ${O}/spend_limit`]: 'owner',
  [`POST ${O}/spend_limit`]: 'owner',
  [`DELETE ${O}/spend_limit`]: 'owner',
  [`GET ${O}/spend_alerts`]: 'owner',
  [`POST ${O}/spend_alerts`]: 'owner',
  [`GET ${O}/spend_alerts/:alert_id`]: 'owner',
  [`POST ${O}/spend_alerts/:alert_id`]: 'owner',
  [`DELETE ${O}/spend_alerts/:alert_id`]: 'owner',
  [`GET ${P}/spend_limit`]: 'owner',
  [`POST ${P}/spend_limit`]: 'owner',
  [`DELETE ${P}/spend_limit`]: 'owner',
  [`GET ${P}/spend_alerts`]: 'owner',
  [`POST ${P}/spend_alerts`]: 'owner',
  [`GET ${P}/spend_alerts/:alert_id`]: 'owner',
  [`POST ${P}/spend_alerts/:alert_id`]: 'owner',
  [`DELETE ${P}/spend_alerts/:alert_id`]: 'owner',
  [`GET ${O}/providers`]: 'operator',
  [`PUT ${O}/providers/:provider_id/key`]: 'operator',
  [`DELETE ${O}/providers/:provider_id/key`]: 'operator',
  [`GET ${O}/users`]: 'member',
  [`GET ${O}/users/:user_id`]: 'member',
  [`POST ${O}/users/:user_id`]: 'owner',
  [`DELETE ${O}/users/:user_id`]: 'owner',
  [`GET ${O}/invites`]: 'owner',
  [`POST ${O}/invites`]: 'owner',
  [`GET ${O}/invites/:invite_id`]: 'owner',
  [`DELETE ${O}/invites/:invite_id`]: 'owner',
  [`GET ${P}/users`]: 'project_member',
  [`POST ${P}/users`]: 'project_owner',
  [`GET ${P}/users/:user_id`]: 'project_member',
  [`POST ${P}/users/:user_id`]: 'project_owner',
  [`DELETE ${P}/users/:user_id`]: 'project_owner_or_self',
};

function allowed(who: Who, role: Role): boolean {
  if (role === 'none' || role === 'other_org_owner') return who === 'anyone';
  switch (who) {
    case 'anyone':
    case 'signed_in':
    case 'member':
      return true;
    case 'operator':
      return role === 'operator';
    case 'owner':
      return role === 'operator' || role === 'owner';
    case 'project_member':
      return role !== 'reader';
    case 'project_owner':
    case 'project_owner_or_self':
      return ['operator', 'owner', 'project_owner'].includes(role);
    case 'key_owner':
      // The key in the path exists nowhere, so a project Member is not refused for someone else's key.
      return role !== 'reader';
  }
}

/** A denied session call: 403, or 404 when what it names is not the caller's to see (another organization, a project it is not in). */
function deniedAs(role: Role, who: Who): { status: number; param?: string } {
  if (role === 'none') return { status: 401 };
  if (role === 'other_org_owner') return { status: 404, param: 'OpenAI-Organization' };
  if (role === 'reader' && ['project_member', 'project_owner', 'key_owner', 'project_owner_or_self'].includes(who)) return { status: 404, param: 'project_id' };
  return { status: 403 };
}

function reached(status: number, body: any): boolean {
  if ([200, 201, 202, 409].includes(status)) return true;
  const param = body?.error?.param;
  if (status === 404) return param !== 'project_id' && param !== 'OpenAI-Organization';
  return status === 400 && ['unknown_parameter', 'missing_required_parameter', 'invalid_type', 'invalid_value'].includes(String(body?.error?.code));
}

describe('role matrix: every session and admin route x every role', () => {
  let tg: TestTollgate;
  let smtp: TestSmtp;
  const sessions: Partial<Record<Role, Browser>> = {};
  let orgA = '';
  let projectP = '';

  beforeAll(async () => {
    smtp = await startTestSmtp();
    tg = await startTestTollgate({ smtp_url: smtp.url, keys: { max_failed_auth_per_minute: 0 } });
    sessions.operator = await setupOperator(tg);
    const owner = await signUpVerified(tg, smtp, 'owner-a@example.com');
    const created = (await owner.call('POST', '/v1/me/organizations', { name: 'A' })).body;
    orgA = created.id;
    projectP = created.projects[0].id;
    sessions.owner = owner;
    sessions.reader = (await inviteAndJoin(tg, smtp, owner, orgA, 'reader-a@example.com', 'reader', [])).browser;
    sessions.project_owner = (await inviteAndJoin(tg, smtp, owner, orgA, 'powner-a@example.com', 'reader', [{ id: projectP, role: 'owner' }])).browser;
    sessions.project_member = (await inviteAndJoin(tg, smtp, owner, orgA, 'pmember-a@example.com', 'reader', [{ id: projectP, role: 'member' }])).browser;
    const other = await signUpVerified(tg, smtp, 'owner-b@example.com');
    await other.call('POST', '/v1/me/organizations', { name: 'B' });
    sessions.other_org_owner = other;
    sessions.none = browser(tg.url);
  }, 180_000);
  afterAll(async () => {
    await tg.stop();
    await smtp.stop();
  });

  const adminRoutes = () => tg.app.routeList.filter((r) => r.split(' ')[1]!.startsWith('/v1/organization'));

  it('has an expectation for every admin route', () => {
    expect(adminRoutes().filter((r) => !(r in EXPECTED))).toEqual([]);
    expect(Object.keys(EXPECTED).filter((r) => !adminRoutes().includes(r))).toEqual([]);
  });

  // Before the matrix, which archives P (archiving takes no body to refuse).
  it('lets a project Member change only the keys they created', async () => {
    const mine = await sessions.project_member!.call('POST', `/v1/organization/projects/${projectP}/api_keys`, { name: 'member key' }, { 'openai-organization': orgA });
    const theirs = await sessions.project_owner!.call('POST', `/v1/organization/projects/${projectP}/api_keys`, { name: 'owner key' }, { 'openai-organization': orgA });
    expect(mine.status).toBe(200);
    expect(theirs.status).toBe(200);
    const renameTheirs = await sessions.project_member!.call('POST', `/v1/organization/projects/${projectP}/api_keys/${theirs.body.id}`, { name: 'mine now' }, { 'openai-organization': orgA });
    expect(renameTheirs.status).toBe(403);
    const renameMine = await sessions.project_member!.call('POST', `/v1/organization/projects/${projectP}/api_keys/${mine.body.id}`, { name: 'renamed' }, { 'openai-organization': orgA });
    expect(renameMine.body.name).toBe('renamed');
    // A Reader sees only the projects they belong to.
    const readerProjects = await sessions.reader!.call('GET', '/v1/organization/projects', undefined, { 'openai-organization': orgA });
    expect(readerProjects.body.data).toEqual([]);
    const memberProjects = await sessions.project_member!.call('GET', '/v1/organization/projects', undefined, { 'openai-organization': orgA });
    expect(memberProjects.body.data.map((p: any) => p.id)).toEqual([projectP]);
  });
  it('answers every admin route for every role as expected', async () => {
    const mismatches: unknown[] = [];
    let checked = 0;
    for (const route of adminRoutes()) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(/:([A-Za-z_]+)/g, (_, name: string) => (name === 'project_id' || name === 'projectId' ? projectP : name === 'rateLimitId' ? 'rl-doesnotexist' : `${name}_doesnotexist`));
      for (const role of ROLES) {
        const who = EXPECTED[route]!;
        const answer = await sessions[role]!.call(method, path, method === 'GET' || method === 'DELETE' ? undefined : { tollgate_probe: true }, { 'openai-organization': orgA });
        checked++;
        const ok = allowed(who, role)
          ? reached(answer.status, answer.body)
          : (() => {
              const d = deniedAs(role, who);
              return answer.status === d.status && (d.param === undefined || answer.body?.error?.param === d.param);
            })();
        if (!ok) mismatches.push({ route, role, expected: allowed(who, role) ? 'reached' : deniedAs(role, who), got: { status: answer.status, error: answer.body?.error } });
      }
    }
    expect(mismatches).toEqual([]);
    expect(checked).toBe(adminRoutes().length * ROLES.length);
  }, 300_000);

  it('answers the account and operator routes for every role as expected', async () => {
    const routes = tg.app.routeList.filter((r) => /^\S+ \/v1\/(auth|me|operator)(\/|$)/.test(r));
    const mismatches: unknown[] = [];
    for (const route of routes) {
      const [method, pattern] = route.split(' ') as [string, string];
      const path = pattern.replace(/:([A-Za-z_]+)/g, (_, name: string) => `${name}_doesnotexist`);
      // Signing out or out everywhere would end the session the rest of the matrix uses; they are covered in accounts.test.ts.
      if (['POST /v1/auth/signout', 'DELETE /v1/me/sessions'].includes(route)) continue;
      const who: Who = pattern.startsWith('/v1/operator') ? 'operator' : pattern.startsWith('/v1/me') ? 'signed_in' : 'anyone';
      for (const role of ROLES) {
        const answer = await sessions[role]!.call(method, path, method === 'GET' || method === 'DELETE' ? undefined : { tollgate_probe: true });
        const expectReach = who === 'anyone' || (who === 'signed_in' && role !== 'none') || (who === 'operator' && role === 'operator');
        const ok = expectReach ? reached(answer.status, answer.body) : answer.status === (role === 'none' ? 401 : 403);
        if (!ok) mismatches.push({ route, role, expected: expectReach ? 'reached' : role === 'none' ? 401 : 403, got: { status: answer.status, error: answer.body?.error } });
      }
    }
    expect(mismatches).toEqual([]);
    expect(routes.length).toBeGreaterThanOrEqual(30);
  }, 300_000);

});
