export { createKeyService, type KeyService, type KeyPrincipal, type KeyLimits, type CreateKeyInput, type CreatedKey } from './keys.js';
export { bootstrap, type BootstrapResult } from './bootstrap.js';
export { generateKey, parseKey, redactKey, maskKeyForError, KEY_PATTERN, KEY_PREFIXES, type KeyKind } from './api-key-format.js';
export { keyShapeKind } from './api-key-format.js';
export { parsePermissions, ALL_PERMISSIONS, type Permissions } from './permissions.js';
