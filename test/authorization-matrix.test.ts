import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOrganization } from '../src/control/index.js';
import { ROUTE_ENDPOINTS } from '../src/gateway/index.js';
import { client, manualClock, type Call } from './helpers/admin.js';
import { authenticatedRoutes, runRouteSecurityMatrix, type SecurityFixture } from './helpers/route-security.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

describe('authorization matrix: every authenticated route x every way a caller can be wrong', () => {
  let tg: TestTollgate;
  let fixture: SecurityFixture;
  const clock = manualClock();

  beforeAll(async () => {
    // Throttling off: the matrix presents hundreds of bad keys from one address on purpose.
    tg = await startTestTollgate({ keys: { max_failed_auth_per_minute: 0 } }, { clock });
    const admin: Call = client(tg.url, tg.adminKey);
    const projectKey = async (body: Record<string, unknown>) => (await admin('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, body)).body;
    const adminKey = async (body: Record<string, unknown>) => (await admin('POST', '/v1/organization/admin_api_keys', { name: 'k', ...body })).body;
    const soon = Math.floor(clock.now() / 1000) + 60;

    const revokedProject = await projectKey({ name: 'revoked' });
    await admin('DELETE', `/v1/organization/projects/${tg.projectId}/api_keys/${revokedProject.id}`);
    const revokedAdmin = await adminKey({});
    await admin('DELETE', `/v1/organization/admin_api_keys/${revokedAdmin.id}`);
    const expiredProject = await projectKey({ expires_at: soon });
    const expiredAdmin = await adminKey({ expires_at: soon });
    const wrongIpProject = await projectKey({ allowed_ips: ['10.9.9.9/32', '2001:db8::/32'] });
    const restrictedProject = await projectKey({ permissions: { mode: 'restricted', resources: {} } });
    const readOnlyProject = await projectKey({ permissions: { mode: 'read_only' } });
    const restrictedAdmin = await adminKey({ permissions: { mode: 'restricted', resources: {} } });
    const readOnlyAdmin = await adminKey({ permissions: { mode: 'read_only' } });
    // wrong IP for an admin key: created through the service, since the admin API would refuse none of it
    const wrongIpAdmin = await adminKey({});
    await tg.services.management.control.db.updateTable('api_keys').set({ allowed_ips: JSON.stringify(['192.0.2.0/24']) }).where('id', '=', wrongIpAdmin.id).execute();

    const projectB = (await admin('POST', '/v1/organization/projects', { name: 'B' })).body;
    const otherProject = (await admin('POST', `/v1/organization/projects/${projectB.id}/api_keys`, { name: 'b' })).body;
    const account = (await admin('POST', `/v1/organization/projects/${tg.projectId}/service_accounts`, { name: 'bot' })).body;

    const org = await createOrganization(tg.services.store.db, clock, 'Other org');
    const other = await tg.services.keys.create({ kind: 'admin', organizationId: org.id, projectId: null, name: 'other' });
    clock.advance(120_000); // the two expiring keys are now expired

    fixture = {
      url: tg.url,
      routes: tg.app.routeList,
      inference: { valid: tg.projectKey, revoked: revokedProject.value, expired: expiredProject.value, wrongIp: wrongIpProject.value, restricted: restrictedProject.value, readOnly: readOnlyProject.value },
      admin: { valid: tg.adminKey, revoked: revokedAdmin.value, expired: expiredAdmin.value, wrongIp: wrongIpAdmin.value, restricted: restrictedAdmin.value, readOnly: readOnlyAdmin.value },
      otherProjectKey: otherProject.value,
      otherOrgAdminKey: other.secret,
      projectA: tg.projectId,
      ids: { project_id: tg.projectId, key_id: revokedProject.id, admin_key_id: revokedAdmin.id, service_account_id: account.id },
    };
  });
  afterAll(() => tg.stop());

  it('gives every route a scope in the one table', () => {
    const routes = authenticatedRoutes(tg.app.routeList);
    expect(routes.filter((r) => !ROUTE_ENDPOINTS[r])).toEqual([]);
    expect(routes.length).toBeGreaterThanOrEqual(24);
  });

  it('answers each case with exactly the expected status and error code', async () => {
    const { mismatches, checked } = await runRouteSecurityMatrix(fixture);
    expect(mismatches).toEqual([]);
    expect(checked).toBe(authenticatedRoutes(tg.app.routeList).reduce((n, r) => n + (r.includes('/organization') ? 12 : 11), 0));
  });

  it('names every missing scope in OpenAI\'s wording', async () => {
    const answer = await client(tg.url, fixture.inference.restricted)('POST', '/v1/chat/completions', { model: 'tollgate-sim', messages: [] });
    expect(answer.status).toBe(403);
    expect(answer.body.error).toEqual({
      message: 'You have insufficient permissions for this operation. Missing scopes: model.request api.chat.completions.write. Check that your API key has the necessary scopes.',
      type: 'invalid_request_error',
      param: null,
      code: 'missing_scope',
    });
  });
});
