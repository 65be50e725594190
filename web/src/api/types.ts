import type { paths } from './schema.gen';

/** Shorthands for the answers pages read, all taken from the generated API types. */
type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Ok<P extends keyof paths, M extends 'get' | 'post' | 'delete'> = paths[P][M] extends { responses: { 200: infer R } } ? Json<R> : never;

export type Project = Ok<'/v1/organization/projects', 'get'>['data'][number];
export type ProjectKey = Ok<'/v1/organization/projects/{project_id}/api_keys', 'get'>['data'][number];
export type NewProjectKey = Ok<'/v1/organization/projects/{project_id}/api_keys', 'post'>;
export type NewKeyBody = NonNullable<paths['/v1/organization/projects/{project_id}/api_keys']['post']['requestBody']>['content']['application/json'];
export type AuditEntry = Ok<'/v1/organization/audit_logs', 'get'>['data'][number];
export type Budget = Ok<'/v1/organization/budget', 'get'>;
export type Estimate = Ok<'/v1/pricing/estimate', 'post'>;
export type RequestLogEntry = Ok<'/v1/organization/usage/requests', 'get'>['data'][number];
export type CreditBalance = Ok<'/v1/organization/credits', 'get'>;
export type PaymentMethod = Ok<'/v1/organization/billing/payment_methods', 'get'>['data'][number];
export type Purchase = Ok<'/v1/organization/billing/purchases', 'get'>['data'][number];
export type AutoRecharge = Ok<'/v1/organization/billing/auto_recharge', 'get'>;
export type UsageTier = Ok<'/v1/organization/limits/tier', 'get'>;
