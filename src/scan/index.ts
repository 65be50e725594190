export { scan, type ScanOptions, type ScanResult } from './scan.js';
export { checkFindings, modelsUrl, type CheckOptions } from './check.js';
export { findKeys, type Match, type SecretKind } from './detect.js';
export type { Finding, FindingSource, Liveness } from './finding.js';
export { formatFinding, formatSummary, formatText, toJson } from './report.js';
export { DEFAULT_MAX_FILE_BYTES } from './files.js';
export { ScanUsageError } from './usage-error.js';
