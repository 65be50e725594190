import { describe, expect, it } from 'vitest';
import { grantsScope, parsePermissions, permissionsSchema } from './permissions.js';

describe('permissions', () => {
  it('all grants everything; read only grants every read scope and nothing else', () => {
    expect(grantsScope({ mode: 'all' }, 'api.organization.projects.write')).toBe(true);
    expect(grantsScope({ mode: 'read_only' }, 'model.read')).toBe(true);
    expect(grantsScope({ mode: 'read_only' }, 'api.responses.read')).toBe(true);
    expect(grantsScope({ mode: 'read_only' }, 'model.request')).toBe(false);
  });

  it('restricted grants the scopes of each resource level; write implies read', () => {
    const p = parsePermissions(JSON.stringify({ mode: 'restricted', resources: { models: 'read', embeddings: 'write', responses: 'write', projects: 'read' } }));
    expect(grantsScope(p, 'model.read')).toBe(true);
    expect(grantsScope(p, 'model.request')).toBe(true);
    expect(grantsScope(p, 'api.embeddings.write')).toBe(true);
    expect(grantsScope(p, 'api.chat.completions.write')).toBe(false);
    expect(grantsScope(p, 'api.responses.read')).toBe(true);
    expect(grantsScope(p, 'api.organization.projects.read')).toBe(true);
    expect(grantsScope(p, 'api.organization.projects.write')).toBe(false);
  });

  it('an unreadable record grants nothing', () => {
    for (const text of ['', 'null', '{"mode":"root"}', '{"mode":"restricted","resources":{"models":"write"}}']) {
      expect(grantsScope(parsePermissions(text), 'model.read')).toBe(false);
    }
  });

  it('refuses levels a resource does not have', () => {
    expect(permissionsSchema.safeParse({ mode: 'restricted', resources: { chat_completions: 'read' } }).success).toBe(false);
    expect(permissionsSchema.safeParse({ mode: 'restricted', resources: { audit_logs: 'write' } }).success).toBe(false);
    expect(permissionsSchema.safeParse({ mode: 'restricted', resources: { audit_logs: 'read' } }).success).toBe(true);
  });
});
