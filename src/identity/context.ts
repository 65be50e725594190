import type { FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Clock } from '../common/clock.js';
import type { Config } from '../config/index.js';
import type { Actor } from '../control/index.js';
import { recordAudit, type AuditEventType } from '../control/index.js';
import type { Mail, Mailer } from '../notify/index.js';
import type { ServerSecret } from '../secrets/index.js';
import type { Database } from '../store/index.js';
import type { SessionDeps } from './sessions.js';
import type { SmsSender } from './sms.js';
import type { SignInThrottle } from './throttle.js';

/**
 * A second factor another module provides (TOTP, for one): password sign-in
 * stops at a short-lived pending token when the account has one enrolled.
 */
export interface SecondFactor {
  /** Its name in the pending answer's `factors`, e.g. `totp`. */
  name: string;
  enrolled(userId: string): Promise<boolean>;
}

/** What the identity services share, built once at boot. */
export interface IdentityDeps extends SessionDeps {
  db: Kysely<Database>;
  clock: Clock;
  secret: ServerSecret;
  logger: Logger;
  mailer: Mailer;
  sms: SmsSender;
  throttle: SignInThrottle;
  config: Config;
  /** Where people reach this Tollgate: `public_url`, else the address it listens on. */
  baseUrl(): string;
  secondFactors: SecondFactor[];
}

/** Mail is sent after the answer's work is done and never fails the request (a resend is one click away). */
export function sendMail(deps: IdentityDeps, mail: Mail): void {
  deps.mailer.send(mail).catch((err: unknown) => deps.logger.error({ err: { message: (err as Error).message }, mail: { to: mail.to } }, `mail to ${mail.to} failed`));
}

export function link(deps: IdentityDeps, path: string, token: string): string {
  return `${deps.baseUrl().replace(/\/+$/, '')}${path}?token=${encodeURIComponent(token)}`;
}

export function userAgentOf(request: FastifyRequest): string | null {
  const agent = request.headers['user-agent'];
  return typeof agent === 'string' ? agent.slice(0, 512) : null;
}

/** A person acting on their own account; the event lands in the platform's audit log (organization ''). */
export function personActor(request: FastifyRequest, userId: string | null, organizationId = ''): Actor {
  return { organizationId, type: 'user', id: userId, ip: request.ip, userAgent: userAgentOf(request) };
}

export async function auditAccount(deps: IdentityDeps, request: FastifyRequest, userId: string | null, type: AuditEventType, details: Record<string, unknown> = {}): Promise<void> {
  await recordAudit(deps.db, deps.clock, personActor(request, userId), { type, projectId: null, resourceId: userId, details });
}
