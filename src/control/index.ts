export { createKeyService, type KeyService, type KeyPrincipal, type KeyLimits, type CreateKeyInput, type CreatedKey, type AuthResult } from './keys.js';
export { bootstrap, type BootstrapResult } from './bootstrap.js';
export { generateKey, parseKey, redactKey, maskKeyForError, findKeys, KEY_PATTERN, KEY_PREFIXES, type KeyKind, type FoundKey } from './api-key-format.js';
export { parsePermissions, grantsScope, knownScopes, permissionsSchema, ALL_PERMISSIONS, RESOURCES, RESOURCE_NAMES, type Permissions, type Resource, type Level } from './permissions.js';
export { parseRange, formatRange, ipAllowed, type IpRange } from './ip-ranges.js';
export { createLocalKeyEvents, createRedisKeyEvents, type KeyEvents, type Invalidation } from './key-events.js';
export { startKeyCacheSync } from './key-cache-sync.js';
export { createAuthThrottle, type AuthThrottle } from './auth-throttle.js';
export { systemActor, type Actor } from './actor.js';
export type { ControlDeps } from './context.js';
export type { ListPage, PageQuery } from './pagination.js';
export { listPage } from './pagination.js';
export { listAudit, recordAudit, type AuditRecord, type AuditQuery, type AuditEventType } from './audit.js';
export { createProject, getProject, listProjects, renameProject, archiveProject, type ProjectRecord } from './projects.js';
export { getKey, listKeys, ROTATION_AGE_MS, type KeyRecord, type KeyScope, type KeyStatus } from './key-records.js';
export { createKey, createProjectKey, updateKey, revokeKey, revokeKeyById, rotateKey, DEFAULT_ROTATION_GRACE_MS, type KeySettings, type NewKey } from './key-lifecycle.js';
export { createServiceAccount, deleteServiceAccount, getServiceAccount, listServiceAccounts, type ServiceAccountRecord } from './service-accounts.js';
export { reportLeaks, MAX_LEAK_STRINGS, type LeakResult, type LeakOutcome } from './leaks.js';
export { runMaintenance, startMaintenance } from './maintenance.js';
export { createOrganization, operatorOrganization } from './organizations.js';
export { openKeyManagement, type KeyManagement } from './management.js';
export { keyShapeKind } from './api-key-format.js';
export { recordNotification, type NotificationInput, type NotificationType } from './notifications.js';
export {
  getKeyModelPolicy,
  getProjectModelPolicy,
  modelPermissionsBody,
  parseModelPolicy,
  policyAllows,
  setKeyModelPolicy,
  setProjectModelPolicy,
  EVERY_MODEL,
  type ModelPolicy,
  type ModelPermissionMode,
} from './model-permissions.js';
