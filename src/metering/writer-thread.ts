import { parentPort, workerData } from 'node:worker_threads';
import { openStore } from '../store/index.js';
import { writeBatch } from './flush.js';
import type { BatchWriterOptions, WriterReply, WriterRequest } from './writer.js';

/** The usage writer thread: a connection of its own, one batch (one transaction) at a time. */
const options = workerData as BatchWriterOptions;
const port = parentPort!;
const store = await openStore({ databaseUrl: options.databaseUrl, dataDir: options.dataDir, poolSize: 2 });

// The recorder sends a batch only once the previous one is answered, so batches are written in order.
port.on('message', (message: WriterRequest) => {
  if (message.type === 'close') {
    void store.close().finally(() => port.close());
    return;
  }
  writeBatch(store.db, message.events, message.now, options).then(
    () => port.postMessage({ id: message.id } satisfies WriterReply),
    (err: unknown) => port.postMessage({ id: message.id, error: err instanceof Error ? err.message : String(err) } satisfies WriterReply),
  );
});
