import type { Kysely } from 'kysely';
import { Agent, request } from 'undici';
import { TollgateError } from '../common/errors.js';
import { newId } from '../common/ids.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import { checkWebhookUrl, publicOnlyLookup } from './address-guard.js';
import { newSigningSecret, signedHeaders } from './signature.js';

export interface WebhookEndpoint {
  id: string;
  organizationId: string;
  url: string;
  description: string | null;
  status: 'enabled' | 'disabled';
  consecutiveFailures: number;
  disabledReason: string | null;
  createdAt: number;
}

function endpointOf(row: { id: string; organization_id: string; url: string; description: string | null; status: string; consecutive_failures: bigint | number; disabled_reason: string | null; created_at: bigint | number }): WebhookEndpoint {
  return {
    id: row.id,
    organizationId: row.organization_id,
    url: row.url,
    description: row.description,
    status: row.status === 'disabled' ? 'disabled' : 'enabled',
    consecutiveFailures: Number(row.consecutive_failures),
    disabledReason: row.disabled_reason,
    createdAt: Number(row.created_at),
  };
}

/** An organization may register this many endpoints. */
export const MAX_ENDPOINTS = 20;

export interface WebhookStoreDeps {
  db: Kysely<Database>;
  secret: ServerSecret;
  allowPrivate: boolean;
}

export async function createEndpoint(
  deps: WebhookStoreDeps,
  input: { organizationId: string; url: string; description: string | null; createdBy: string | null; now: number },
): Promise<{ endpoint: WebhookEndpoint; signingSecret: string }> {
  const url = checkWebhookUrl(input.url, deps.allowPrivate).toString();
  const count = await deps.db.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', input.organizationId).executeTakeFirstOrThrow();
  if (Number(count.n) >= MAX_ENDPOINTS) throw new TollgateError('invalid_request', { param: 'url', message: `An organization can register at most ${MAX_ENDPOINTS} webhook endpoints.` });
  const signingSecret = newSigningSecret();
  const row = {
    id: newId('whk', input.now),
    organization_id: input.organizationId,
    url,
    description: input.description,
    sealed_secret: deps.secret.encrypt(signingSecret),
    status: 'enabled',
    consecutive_failures: 0,
    disabled_reason: null,
    created_by: input.createdBy,
    created_at: input.now,
    updated_at: input.now,
  };
  await deps.db.insertInto('webhook_endpoints').values(row).execute();
  return { endpoint: endpointOf(row), signingSecret };
}

export async function listEndpoints(db: Kysely<Database>, organizationId: string): Promise<WebhookEndpoint[]> {
  const rows = await db.selectFrom('webhook_endpoints').selectAll().where('organization_id', '=', organizationId).orderBy('id').execute();
  return rows.map(endpointOf);
}

function notFound(id: string): TollgateError {
  return new TollgateError('not_found', { param: 'webhook_id', message: `No webhook endpoint found with id '${id.slice(0, 100)}'.` });
}

export async function getEndpoint(db: Kysely<Database>, organizationId: string, id: string): Promise<WebhookEndpoint> {
  const row = await db.selectFrom('webhook_endpoints').selectAll().where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
  if (!row) throw notFound(id);
  return endpointOf(row);
}

/** Changes url, description or status; enabling again forgets the failures. */
export async function updateEndpoint(
  deps: WebhookStoreDeps,
  organizationId: string,
  id: string,
  change: { url?: string; description?: string | null; status?: 'enabled' | 'disabled' },
  now: number,
): Promise<WebhookEndpoint> {
  const current = await getEndpoint(deps.db, organizationId, id);
  const set: Record<string, unknown> = { updated_at: now };
  if (change.url !== undefined) set.url = checkWebhookUrl(change.url, deps.allowPrivate).toString();
  if (change.description !== undefined) set.description = change.description;
  if (change.status === 'enabled' && current.status === 'disabled') Object.assign(set, { status: 'enabled', consecutive_failures: 0, disabled_reason: null });
  if (change.status === 'disabled' && current.status === 'enabled') Object.assign(set, { status: 'disabled', disabled_reason: 'disabled by an Owner' });
  await deps.db.updateTable('webhook_endpoints').set(set).where('id', '=', id).where('organization_id', '=', organizationId).execute();
  return getEndpoint(deps.db, organizationId, id);
}

/** Removes an endpoint; its deliveries still pending are given up. */
export async function deleteEndpoint(db: Kysely<Database>, organizationId: string, id: string, now: number): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const removed = await trx.deleteFrom('webhook_endpoints').where('id', '=', id).where('organization_id', '=', organizationId).executeTakeFirst();
    if (Number(removed.numDeletedRows) === 0) throw notFound(id);
    await trx
      .updateTable('notification_deliveries')
      .set({ status: 'failed', last_error: 'webhook endpoint deleted', lease_until: null, sent_at: null, next_attempt_at: now })
      .where('channel', '=', 'webhook')
      .where('target', '=', id)
      .where('status', '=', 'pending')
      .execute();
  });
}

export interface WebhookPost {
  url: string;
  signingSecret: string;
  eventId: string;
  body: string;
  timestampS: number;
}

/** The HTTP side of webhook deliveries: one agent, public addresses only unless allowed. */
export interface WebhookTransport {
  /** Resolves when the endpoint answered 2xx; rejects with a short reason otherwise. */
  post(delivery: WebhookPost): Promise<void>;
  close(): Promise<void>;
}

export function createWebhookTransport(options: { timeoutMs: number; allowPrivate: boolean }): WebhookTransport {
  const agent = new Agent({
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
    connectTimeout: options.timeoutMs,
    ...(options.allowPrivate ? {} : { connect: { lookup: publicOnlyLookup as never } }),
  });
  return {
    async post(delivery) {
      // Checked again at send time: the URL rules may have been tightened since it was registered.
      checkWebhookUrl(delivery.url, options.allowPrivate);
      const headers = {
        'content-type': 'application/json',
        'user-agent': 'Tollgate-Webhooks/1',
        ...signedHeaders(delivery.signingSecret, delivery.eventId, delivery.timestampS, delivery.body),
      };
      const answer = await request(delivery.url, { method: 'POST', headers, body: delivery.body, dispatcher: agent, signal: AbortSignal.timeout(options.timeoutMs) });
      // Only the status matters; the body is drained so the connection can be reused.
      await answer.body.dump({ limit: 64 * 1024 }).catch(() => {});
      if (answer.statusCode < 200 || answer.statusCode > 299) throw new Error(`the endpoint answered HTTP ${answer.statusCode}`);
    },
    close: () => agent.close(),
  };
}
