export { dashboardRoutes, DEFAULT_DIST_DIR, type DashboardOptions } from './routes.js';
export { contentSecurityPolicy } from './security-headers.js';
