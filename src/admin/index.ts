export { adminPlugin, type AdminDeps } from './plugin.js';
