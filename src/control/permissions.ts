/**
 * What a key may do. `all` and `read_only` are OpenAI's modes; `restricted`
 * lists scopes explicitly. The endpoint-to-scope table lives in the gateway.
 */
export type Permissions = { mode: 'all' } | { mode: 'read_only' } | { mode: 'restricted'; scopes: string[] };

export const ALL_PERMISSIONS: Permissions = { mode: 'all' };

export function parsePermissions(text: string): Permissions {
  try {
    const value = JSON.parse(text) as Permissions;
    if (value.mode === 'all' || value.mode === 'read_only') return { mode: value.mode };
    if (value.mode === 'restricted' && Array.isArray(value.scopes)) return { mode: 'restricted', scopes: value.scopes.map(String) };
  } catch {
    // fall through: an unreadable record grants nothing
  }
  return { mode: 'restricted', scopes: [] };
}
