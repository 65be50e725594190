import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Kysely } from 'kysely';
import { TollgateError } from '../common/errors.js';
import { validApiKey, type CredentialStore, type ProviderRegistry } from '../providers/index.js';
import type { Database } from '../store/index.js';
import { recordAudit } from '../control/index.js';
import { actorOf } from './plugin.js';
import type { Clock } from '../common/clock.js';

export interface ProviderCredentialDeps {
  db: Kysely<Database>;
  providers: ProviderRegistry;
  credentials: CredentialStore;
  clock: Clock;
}

/**
 * Upstream keys of the configured providers, under /v1/organization/providers.
 * They serve every organization of the instance, so only the operator may
 * read or change them (the routes are `operator` in gateway/scopes.ts).
 * Answers say where a key comes from and when it was set; never the key.
 */
export function providerCredentialRoutes(deps: ProviderCredentialDeps): FastifyPluginAsync {

  async function describe(id?: string) {
    const stored = new Map((await deps.credentials.list()).map((c) => [c.providerId, c]));
    const all = deps.providers.describe().map((p) => ({
      object: 'organization.provider',
      id: p.id,
      kind: p.kind,
      base_url: p.baseUrl,
      key_source: p.keySource,
      key_updated_at: stored.has(p.id) ? Math.floor(stored.get(p.id)!.updatedAt / 1000) : null,
    }));
    if (id === undefined) return all;
    const one = all.find((p) => p.id === id);
    if (!one) throw new TollgateError('not_found', { param: 'provider_id', message: `No provider with id '${id.slice(0, 64)}' is configured.` });
    return one;
  }

  return async (app: FastifyInstance) => {
    app.get('/providers', async (request) => {
      return { object: 'list', data: await describe() };
    });
    app.put('/providers/:provider_id/key', async (request) => {
      const { provider_id: id } = request.params as { provider_id: string };
      await describe(id);
      const body = request.body as { api_key?: unknown } | undefined;
      if (!body || typeof body !== 'object' || body.api_key === undefined) {
        throw new TollgateError('missing_required_parameter', { param: 'api_key', message: "Missing required parameter: 'api_key'." });
      }
      if (!validApiKey(body.api_key)) {
        throw new TollgateError('invalid_value', { param: 'api_key', message: "Invalid 'api_key': expected 1-4096 visible ASCII characters without spaces." });
      }
      await deps.credentials.set(id, body.api_key, request.principal?.userId ?? request.principal?.keyId ?? null);
      await deps.providers.setStoredKey(id, body.api_key);
      // Never the key: which provider, and when.
      await recordAudit(deps.db, deps.clock, actorOf(request.principal!, request), { type: 'provider_key.updated', projectId: null, resourceId: id, details: { provider_id: id } });
      return describe(id);
    });
    app.delete('/providers/:provider_id/key', async (request) => {
      const { provider_id: id } = request.params as { provider_id: string };
      await describe(id);
      await deps.credentials.clear(id);
      await deps.providers.setStoredKey(id, null);
      await recordAudit(deps.db, deps.clock, actorOf(request.principal!, request), { type: 'provider_key.deleted', projectId: null, resourceId: id, details: { provider_id: id } });
      return describe(id);
    });
  };
}
