import { ENDPOINT_SCOPES, ROUTE_ENDPOINTS, isOutsideScopeTable } from '../../src/gateway/index.js';
import type { Call } from './admin.js';
import { client } from './admin.js';

/**
 * The shared route-security suite (in the spirit of Unkey's
 * runCommonRouteTests): every authenticated route x every way a caller can be
 * wrong, each with exactly one expected status and error code. Routes come
 * from the running server, so a new route is covered (or fails the coverage
 * check) without anyone listing it here.
 */
export type CaseName =
  | 'no key'
  | 'malformed'
  | 'wrong checksum'
  | 'revoked'
  | 'expired'
  | 'wrong IP'
  | 'project key of another project'
  | 'restricted key without the scope'
  | 'read-only key'
  | 'admin key on inference'
  | 'valid'
  | 'admin key of another organization';

/** Keys per API: the inference API takes project keys, the admin API admin keys. */
export interface CallerKeys {
  valid: string;
  revoked: string;
  expired: string;
  wrongIp: string;
  restricted: string;
  readOnly: string;
}

export interface SecurityFixture {
  url: string;
  routes: string[];
  inference: CallerKeys;
  admin: CallerKeys;
  /** A project key of project B, used while naming project A. */
  otherProjectKey: string;
  /** An admin key of another organization. */
  otherOrgAdminKey: string;
  /** Real ids of the organization under test (the other organization must not reach them). */
  ids: Record<string, string>;
  projectA: string;
}

interface Expected {
  status: number | 'reached';
  code?: string | null;
  message?: string;
}

export function authenticatedRoutes(routes: string[]): string[] {
  return routes.filter((r) => !isOutsideScopeTable(r));
}

function routeInfo(route: string) {
  const endpoint = ROUTE_ENDPOINTS[route];
  if (!endpoint) throw new Error(`route ${route} has no entry in ROUTE_ENDPOINTS (src/gateway/scopes.ts)`);
  const rule = ENDPOINT_SCOPES[endpoint];
  return { api: rule.api, scopes: rule.scopes as readonly string[], write: rule.scopes.some((s) => !s.endsWith('.read')) };
}

const missing = (scopes: readonly string[]): Expected => ({ status: 403, code: 'missing_scope', message: `Missing scopes: ${scopes.join(' ')}.` });

export function expectedFor(route: string, name: CaseName): Expected {
  const { api, scopes, write } = routeInfo(route);
  const hasIds = /:(project_id|projectId|key_id|keyId|service_account_id)/.test(route);
  switch (name) {
    case 'no key':
      return { status: 401, code: null };
    case 'malformed':
    case 'wrong checksum':
    case 'revoked':
    case 'expired':
      return { status: 401, code: 'invalid_api_key' };
    case 'wrong IP':
      return { status: 401, code: 'ip_not_authorized' };
    case 'project key of another project':
      return api === 'admin' ? { status: 403, code: 'permission_denied' } : { status: 401, code: 'mismatched_project' };
    case 'restricted key without the scope':
      return scopes.length === 0 ? { status: 'reached' } : missing(scopes);
    case 'read-only key':
      return write ? missing(scopes.filter((s) => !s.endsWith('.read'))) : { status: 'reached' };
    case 'admin key on inference':
      return api === 'inference' ? { status: 403, code: 'permission_denied' } : { status: 'reached' };
    // (routes open to every kind of key, `api: 'any'`, take the inference keys above)
    case 'valid':
      return { status: 'reached' };
    case 'admin key of another organization':
      return hasIds ? { status: 404 } : { status: 'reached' };
  }
}

const PROBE_BODY = { tollgate_probe: true };

/** Fills path parameters: real ids (for the other-organization case) or ids that exist nowhere (so "reached" calls change nothing). */
function pathOf(route: string, ids: Record<string, string>): string {
  const path = route.split(' ')[1]!;
  const adminKeys = path.includes('/admin_api_keys/');
  return path.replace(/:([A-Za-z_]+)/g, (_, raw: string) => {
    const name = raw.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`); // projectId -> project_id
    return (adminKeys && name === 'key_id' ? ids.admin_key_id : ids[name]) ?? `${name}_doesnotexist`;
  });
}

function keyFor(fixture: SecurityFixture, route: string, name: CaseName): string | null {
  const keys = routeInfo(route).api === 'admin' ? fixture.admin : fixture.inference;
  switch (name) {
    case 'no key':
      return null;
    case 'malformed':
      return 'sk-proj-not-a-real-key';
    case 'wrong checksum': {
      const last = keys.valid.at(-1) === 'A' ? 'B' : 'A';
      return keys.valid.slice(0, -1) + last;
    }
    case 'revoked':
      return keys.revoked;
    case 'expired':
      return keys.expired;
    case 'wrong IP':
      return keys.wrongIp;
    case 'project key of another project':
      return fixture.otherProjectKey;
    case 'restricted key without the scope':
      return keys.restricted;
    case 'read-only key':
      return keys.readOnly;
    case 'admin key on inference':
      return fixture.admin.valid;
    case 'valid':
      return keys.valid;
    case 'admin key of another organization':
      return fixture.otherOrgAdminKey;
  }
}

/** A call that passed authentication and authorization ends in the handler: 200, or its own 400/404. */
function reachedHandler(status: number, code: unknown): boolean {
  if (status === 200) return true;
  if (status === 404) return code === null || code === 'model_not_found';
  return status === 400 && ['unknown_parameter', 'missing_required_parameter', 'invalid_type', 'invalid_value'].includes(String(code));
}

export interface Mismatch {
  route: string;
  case: CaseName;
  expected: Expected;
  got: { status: number; code: unknown; message: unknown };
}

export const INFERENCE_CASES: CaseName[] = ['no key', 'malformed', 'wrong checksum', 'revoked', 'expired', 'wrong IP', 'project key of another project', 'restricted key without the scope', 'read-only key', 'admin key on inference', 'valid'];
export const ADMIN_CASES: CaseName[] = [...INFERENCE_CASES, 'admin key of another organization'];

export async function runRouteSecurityMatrix(fixture: SecurityFixture): Promise<{ mismatches: Mismatch[]; checked: number }> {
  const mismatches: Mismatch[] = [];
  let checked = 0;
  for (const route of authenticatedRoutes(fixture.routes)) {
    const { api } = routeInfo(route);
    const method = route.split(' ')[0]!;
    for (const name of api === 'admin' ? ADMIN_CASES : INFERENCE_CASES) {
      const expected = expectedFor(route, name);
      const path = pathOf(route, name === 'admin key of another organization' ? fixture.ids : {});
      const headers: Record<string, string> = name === 'project key of another project' ? { 'openai-project': fixture.projectA } : {};
      const call: Call = client(fixture.url, keyFor(fixture, route, name));
      const answer = await call(method, path, method === 'GET' || method === 'DELETE' ? undefined : PROBE_BODY, headers);
      const code = answer.body?.error?.code ?? null;
      const message = answer.body?.error?.message;
      checked++;
      let ok: boolean;
      if (expected.status === 'reached') {
        // Another organization may be served its own data, or refused outright (operator-only routes).
        const refused = name === 'admin key of another organization' && answer.status === 403 && code === 'permission_denied';
        ok = refused || reachedHandler(answer.status, code);
        if (ok && name === 'admin key of another organization' && method === 'GET') {
          // A list answered to another organization must hold none of this organization's objects.
          ok = !Object.values(fixture.ids).some((id) => JSON.stringify(answer.body).includes(id));
        }
      } else {
        ok = answer.status === expected.status && (expected.code === undefined || code === expected.code) && (expected.message === undefined || String(message).includes(expected.message));
      }
      if (!ok) mismatches.push({ route, case: name, expected, got: { status: answer.status, code, message } });
    }
  }
  return { mismatches, checked };
}
