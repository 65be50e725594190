import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { actorOf } from '../admin/plugin.js';
import type { Clock } from '../common/clock.js';
import { parseRequest } from '../contract/index.js';
import { recordAudit } from '../control/index.js';
import type { Database } from '../store/index.js';
import type { BillingAuthority } from './authority.js';
import { readReceipt, readStatement } from './documents/data.js';
import { renderReceipt, renderStatement, type RenderedDocument } from './documents/render.js';
import { profileBody, readProfile, writeProfile, type BillingProfile } from './profile.js';

export const formatQuery = z.object({ format: z.enum(['json', 'csv', 'pdf']).default('json').describe('json (default), csv or pdf.') }).strict();

export interface DocumentRouteDeps {
  db: Kysely<Database>;
  clock: Clock;
  authority: BillingAuthority;
  issuer: string;
}

export function profileObject(p: BillingProfile): Record<string, unknown> {
  return { object: 'billing.profile', organization_id: p.organizationId, name: p.name, legal_name: p.legalName, email: p.email, address: p.address, tax_id: p.taxId };
}

function send(reply: FastifyReply, doc: RenderedDocument): unknown {
  if (!Buffer.isBuffer(doc.body)) return doc.body;
  reply.header('content-type', doc.contentType);
  reply.header('content-disposition', `attachment; filename="${doc.filename}"`);
  return reply.send(doc.body);
}

/**
 * The organization's billing details, a receipt per successful purchase and a
 * statement per month, each as JSON, CSV or PDF. Reading is for whoever may
 * read billing; changing the details is the Owner's (or the operator's).
 */
export function documentRoutes(deps: DocumentRouteDeps): FastifyPluginAsync {
  const { db, clock, authority, issuer } = deps;
  return async (app: FastifyInstance) => {
    app.get('/billing/profile', async (request) => profileObject(await readProfile(db, authority.authorize(request.principal, 'view'))));

    app.post('/billing/profile', async (request) => {
      const organizationId = authority.authorize(request.principal, 'manage');
      const input = parseRequest(profileBody, request.body);
      const profile = await writeProfile(db, organizationId, input, clock.now());
      await recordAudit(db, clock, actorOf(request.principal!, request), { type: 'billing_profile.updated', projectId: null, resourceId: organizationId, details: { fields: Object.keys(input) } });
      return profileObject(profile);
    });

    app.get('/billing/purchases/:purchase_id/receipt', async (request, reply) => {
      const { format } = parseRequest(formatQuery, request.query ?? {});
      const organizationId = authority.authorize(request.principal, 'view');
      const { purchase_id: id } = request.params as { purchase_id: string };
      return send(reply, await renderReceipt(await readReceipt(db, organizationId, id), format, issuer));
    });

    app.get('/billing/statements/:period', async (request, reply) => {
      const { format } = parseRequest(formatQuery, request.query ?? {});
      const organizationId = authority.authorize(request.principal, 'view');
      const { period } = request.params as { period: string };
      return send(reply, await renderStatement(await readStatement(db, organizationId, period), format, issuer));
    });
  };
}
