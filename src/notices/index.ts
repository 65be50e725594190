export { createNotices, type Notices, type NoticesDeps } from './service.js';
export { NOTIFICATION_TYPES, eventJson, type NoticeEvent } from './events.js';
export { retryDelay, type NoticeSender } from './sender.js';
export { signatureOf, verifySignature } from './signature.js';
export { noticeOperations } from './operations.js';
export { spendOperationsTable } from './spend-operations.js';
