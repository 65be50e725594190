import { onboardOrganization } from '../../src/billing/index.js';
import { createOrganization, createProject } from '../../src/control/index.js';
import type { Tollgate } from '../../src/tollgate.js';

export const USD = 1_000_000_000_000n;

/** A second organization on the same instance, with its own admin key and project key: not the operator. */
export async function addOrganization(tg: Tollgate, name: string, trialGrant = 5n * USD): Promise<{ id: string; adminKey: string; projectKey: string; projectId: string }> {
  const { db } = tg.services.store;
  const clock = tg.services.clock;
  const org = await createOrganization(db, clock, name);
  await onboardOrganization(db, org.id, { tier: 'free', trialGrant, now: clock.now() });
  const actor = { organizationId: org.id, type: 'system' as const, id: null, ip: null, userAgent: null };
  const project = await createProject(tg.services.management.control, actor, { name: 'Default' });
  const admin = await tg.services.keys.create({ kind: 'admin', organizationId: org.id, projectId: null, name: `${name} admin` });
  const key = await tg.services.keys.create({ kind: 'project', organizationId: org.id, projectId: project.id, name: `${name} key` });
  return { id: org.id, adminKey: admin.secret, projectKey: key.secret, projectId: project.id };
}
