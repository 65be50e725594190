export { createUsageRecorder, type UsageEvent, type UsageRecorder, type RecorderOptions } from './recorder.js';
export { startBatchWriter, type BatchWriter, type BatchWriterOptions } from './writer.js';
