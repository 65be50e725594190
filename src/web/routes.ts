import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { packageRoot } from '../common/package-root.js';
import { contentSecurityPolicy, newNonce, pageHeaders } from './security-headers.js';
import { encodedBody, loadBuiltDashboard } from './static-assets.js';

export interface DashboardOptions {
  logger: Logger;
  /** The Vite build; default web/dist of this checkout. */
  distDir?: string;
}

export const DEFAULT_DIST_DIR = join(packageRoot(import.meta.url), 'web', 'dist');

/** Paths that belong to the APIs: an unknown one there is an OpenAI-shaped 404, never the page. */
const API_PATH = /^\/(v1|healthz|readyz|metrics|openapi\.json)(\/|$)/;

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Tollgate</title></head>
<body><main><h1>The dashboard is not built</h1><p>Run <code>npm run build -w web</code> (it runs on <code>npm install</code>), then reload.</p></main></body></html>`;

/**
 * The dashboard at `/`: hashed assets cached for a year, and every other GET
 * outside the APIs answered with the single page, so a reload of
 * `/usage` or a link from an email opens the right page.
 */
export function dashboardRoutes(options: DashboardOptions): FastifyPluginAsync {
  const built = loadBuiltDashboard(options.distDir ?? DEFAULT_DIST_DIR);
  if (!built) options.logger.warn('the dashboard is not built (web/dist is missing): run `npm run build -w web`');
  return async (app: FastifyInstance) => {
    app.get('/*', async (request: FastifyRequest, reply: FastifyReply) => {
      const path = request.url.split('?')[0]!;
      if (API_PATH.test(path)) return reply.callNotFound();
      reply.headers(pageHeaders(request.protocol === 'https'));
      const asset = built?.assets.get(path);
      if (asset) {
        const accept = request.headers['accept-encoding'];
        const { body, encoding } = encodedBody(asset, typeof accept === 'string' ? accept : undefined);
        reply.header('content-type', asset.type).header('vary', 'accept-encoding');
        // Hashed names change with their content: cache for a year. Others (the icon) for an hour.
        reply.header('cache-control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
        if (encoding) reply.header('content-encoding', encoding);
        return reply.send(body);
      }
      if (path.startsWith('/assets/')) return reply.callNotFound();
      const nonce = newNonce();
      reply.header('content-security-policy', contentSecurityPolicy(nonce)).header('cache-control', 'no-store').type('text/html; charset=utf-8');
      if (!built) return reply.code(503).send(NOT_BUILT);
      return reply.send(built.indexHtml.replaceAll('__CSP_NONCE__', nonce));
    });
  };
}
