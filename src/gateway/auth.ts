import type { FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import { TollgateError } from '../common/errors.js';
import { maskKeyForError, type AuthThrottle, type KeyPrincipal, type KeyService } from '../control/index.js';

/** The presented key: `Authorization: Bearer <key>`, or Azure-style `api-key: <key>`. */
export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
    // `Bearer $TOLLGATE_KEY` with the variable unset: no key, not a key called "Bearer".
    if (/^Bearer\s*$/i.test(authorization)) return null;
    const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
    if (basic) {
      // Browsers prompt for user/password: OpenAI takes the key as the password with a blank user.
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      return password || null;
    }
    return authorization.trim() || null;
  }
  const apiKey = headers['api-key'];
  return typeof apiKey === 'string' && apiKey.trim() ? apiKey.trim() : null;
}

/** Said on every 401 about the key: where a real one comes from on this Tollgate. */
export const WHERE_KEYS_COME_FROM = "Create a project key (sk-proj-...) on this Tollgate's dashboard, page API keys (/api-keys), or with `tollgate keys create`; the first start shows one.";

export function invalidKeyError(key: string): TollgateError {
  return new TollgateError('invalid_api_key', {
    message: `Incorrect API key provided: ${maskKeyForError(key)}. ${WHERE_KEYS_COME_FROM}`,
  });
}

export interface AuthDeps {
  keys: KeyService;
  /** Failed-authentication throttling per client address; none when absent. */
  authThrottle?: AuthThrottle;
}

/**
 * `OpenAI-Organization` / `OpenAI-Project`, when they carry a Tollgate id
 * (`org_...`, `proj_...`), must name the key's own. Other values (an
 * OPENAI_ORG_ID left in a developer's environment, `org-...`) are not ours to
 * judge and are ignored, so existing clients keep working.
 */
export function checkSelectors(principal: KeyPrincipal, headers: IncomingHttpHeaders): void {
  const org = headers['openai-organization'];
  if (typeof org === 'string' && org.trim().startsWith('org_') && org.trim() !== principal.organizationId) {
    throw new TollgateError('mismatched_organization');
  }
  const project = headers['openai-project'];
  if (typeof project === 'string' && project.trim().startsWith('proj_') && principal.projectId !== null && project.trim() !== principal.projectId) {
    throw new TollgateError('mismatched_project');
  }
}

/**
 * Step 1 of every authenticated request: who is calling. Failures are
 * OpenAI's 401 and count against the client address; an address over the
 * limit gets a 429 before its key is even looked at.
 */
export async function authenticate(deps: AuthDeps, request: FastifyRequest): Promise<KeyPrincipal> {
  const key = presentedKey(request.headers);
  if (!key) throw new TollgateError('missing_api_key');
  const wait = deps.authThrottle?.blockedFor(request.ip) ?? 0;
  if (wait > 0) {
    const seconds = String(Math.ceil(wait / 1000));
    throw new TollgateError('too_many_auth_failures', { headers: { 'retry-after': seconds, 'x-should-retry': 'false' } });
  }
  const result = await deps.keys.authenticate(key, request.ip);
  if (!result.ok) {
    await deps.authThrottle?.recordFailure(request.ip);
    if (result.reason === 'ip_not_allowed') throw new TollgateError('ip_not_authorized');
    throw invalidKeyError(key);
  }
  return result.principal;
}
