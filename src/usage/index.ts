export { aggregateUsage, HOUR_MS, type AggregateGroup, type AggregateRequest, type AggregateRow } from './aggregate.js';
export { parseReportQuery, WIDTH_SECONDS, type BucketWidth, type GroupField, type ReportKind, type ReportQuery } from './params.js';
export { readReport, REPORT_ENDPOINTS, type Bucket, type CompletionsResult, type CostsResult, type EmbeddingsResult, type Page } from './reports.js';
export { usageRoutes, type UsageRouteDeps } from './routes.js';
export { foldUsageBatch, foldUsageEvents, pruneUsageEvents } from './rollup.js';
export { startUsageMaintenance, type UsageMaintenance, type UsageMaintenanceOptions } from './maintenance.js';
export { readRequestLog, parseRequestLogQuery, requestLogQuery, type RequestLogPage, type RequestLogQuery } from './requests.js';
