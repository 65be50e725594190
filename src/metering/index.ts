export { createUsageRecorder, type UsageEvent, type UsageRecorder, type RecorderOptions } from './recorder.js';
export { writeBatch } from './flush.js';
