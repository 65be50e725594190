import { TollgateError } from '../common/errors.js';
import { policyAllows, type KeyPrincipal } from '../control/index.js';
import type { CatalogueModel } from '../routing/index.js';

/*
 * Model access: the project's model permissions and the key's own both let a
 * model through, or the request is refused as OpenAI refuses a model a project
 * may not use (403, code model_not_found). A policy names a model by its public
 * name or any alias. Fallback models are held to the same rule, and
 * GET /v1/models lists only what the caller may use.
 */

function namesOf(model: CatalogueModel): string[] {
  return [model.name, ...model.aliases];
}

/** Which policy refuses the model, if any. */
function refusedBy(principal: KeyPrincipal, model: CatalogueModel): 'project' | 'key' | null {
  if (!principal.models) return null;
  const names = namesOf(model);
  if (!policyAllows(principal.models.project, names)) return 'project';
  if (!policyAllows(principal.models.key, names)) return 'key';
  return null;
}

export function mayUseModel(principal: KeyPrincipal, model: CatalogueModel): boolean {
  return refusedBy(principal, model) === null;
}

export function requireModelAccess(principal: KeyPrincipal, model: CatalogueModel, requested: string): void {
  const by = refusedBy(principal, model);
  if (by === null) return;
  const who = by === 'project' ? `Project \`${principal.projectId}\`` : `API key \`${principal.keyId}\``;
  throw new TollgateError('model_not_permitted', { message: `${who} does not have access to model \`${requested.slice(0, 200)}\`` });
}
