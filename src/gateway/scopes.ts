import { TollgateError } from '../common/errors.js';
import type { KeyPrincipal } from '../control/index.js';

/**
 * The one endpoint-to-scope table. Scope names follow OpenAI's
 * (`model.request`, `model.read`, `api.responses.write`).
 */
export const ENDPOINT_SCOPES = {
  'chat.completions': { scopes: ['model.request'], write: true },
  completions: { scopes: ['model.request'], write: true },
  embeddings: { scopes: ['model.request'], write: true },
  responses: { scopes: ['api.responses.write', 'model.request'], write: true },
  'models.read': { scopes: ['model.read'], write: false },
} as const;

export type Endpoint = keyof typeof ENDPOINT_SCOPES;

function missingScope(scopes: readonly string[]): TollgateError {
  return new TollgateError('missing_scope', {
    message: `You have insufficient permissions for this operation. Missing scopes: ${scopes.join(' ')}. Check that your API key has the necessary scopes.`,
  });
}

/** Step 2: the key's permissions against the endpoint's scopes. */
export function authorize(principal: KeyPrincipal, endpoint: Endpoint): void {
  const rule = ENDPOINT_SCOPES[endpoint];
  if (principal.kind === 'admin') {
    throw new TollgateError('permission_denied', { message: 'Admin API keys can only be used with the /v1/organization admin API. Use a project API key for this endpoint.' });
  }
  const { permissions } = principal;
  if (permissions.mode === 'all') return;
  if (permissions.mode === 'read_only') {
    if (rule.write) throw missingScope(rule.scopes);
    return;
  }
  const missing = rule.scopes.filter((s) => !permissions.scopes.includes(s));
  if (missing.length > 0) throw missingScope(missing);
}
