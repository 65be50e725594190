import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { TollgateError } from '../common/errors.js';
import { reportLeaks, type AuthThrottle, type ControlDeps } from '../control/index.js';
import { parseBody } from './operation.js';
import { openApiDocument } from './openapi.js';
import { leakBody } from './schemas.js';
import type { AccountRoute } from '../identity/index.js';

/**
 * Routes that take no key. `POST /v1/leaks` is open on purpose, like GitHub's
 * credential revocation API: whoever holds a leaked secret may kill it. It
 * reveals nothing a holder of the secret could not learn by using it, echoes
 * no secret, and shares the failed-authentication throttle.
 */
export function publicRoutes(control: ControlDeps, throttle?: AuthThrottle, accountRoutes: readonly AccountRoute[] = []): FastifyPluginAsync {
  const document = openApiDocument(accountRoutes);
  return async (app: FastifyInstance) => {
    app.get('/openapi.json', async () => document);

    app.post('/v1/leaks', async (request) => {
      const wait = throttle?.blockedFor(request.ip) ?? 0;
      if (wait > 0) throw new TollgateError('too_many_auth_failures', { headers: { 'retry-after': String(Math.ceil(wait / 1000)) } });
      const input = parseBody(leakBody, request.body);
      const agent = request.headers['user-agent'];
      const results = await reportLeaks(control, { ip: request.ip, userAgent: typeof agent === 'string' ? agent : null, source: input.source ?? null }, input.strings);
      // Reports that find nothing live count like failed authentications: the endpoint is not an oracle for guessing.
      if (!results.some((r) => r.live)) await throttle?.recordFailure(request.ip);
      return {
        object: 'leak_report',
        live: results.filter((r) => r.live).length,
        data: results.map((r) => ({ index: r.index, redacted_value: r.redacted, status: r.outcome, live: r.live })),
      };
    });
  };
}
