import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Clock } from '../common/clock.js';
import { TollgateError } from '../common/errors.js';
import type { Store } from '../store/index.js';
import { parseReportQuery, type ReportKind } from './params.js';
import { readReport } from './reports.js';
import { parseRequestLogQuery, readRequestLog } from './requests.js';

export interface UsageRouteDeps {
  store: Store;
  clock: Clock;
}

function organizationOf(request: FastifyRequest): string {
  // The admin plugin's hook has authenticated an admin key: its organization is the only one it may read.
  if (!request.principal) throw new TollgateError('missing_api_key');
  return request.principal.organizationId;
}

/**
 * GET /v1/organization/usage/completions, /usage/embeddings and /costs, in
 * OpenAI's shape, and the request log (/usage/requests), always scoped to the
 * caller's organization.
 */
export function usageRoutes(deps: UsageRouteDeps): FastifyPluginAsync {
  const report = (kind: ReportKind) => async (request: FastifyRequest) => {
    const organizationId = organizationOf(request);
    const query = parseReportQuery(kind, request.query as Record<string, unknown>, deps.clock.now());
    return readReport(deps.store.db, organizationId, query);
  };
  return async (app: FastifyInstance) => {
    app.get('/usage/completions', report('completions'));
    app.get('/usage/embeddings', report('embeddings'));
    app.get('/costs', report('costs'));
    app.get('/usage/requests', async (request) => readRequestLog(deps.store.db, organizationOf(request), parseRequestLogQuery(request.query as Record<string, unknown>)));
  };
}
