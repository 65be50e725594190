import { Worker } from 'node:worker_threads';
import type { BatchOptions } from './flush.js';
import type { UsageEvent } from './recorder.js';

/** Writes batches of usage events, each in one transaction. */
export interface BatchWriter {
  /** Resolves once the batch is committed; rejects when none of it was written. */
  write(events: UsageEvent[], now: number): Promise<void>;
  /** Stops the writer; the caller has no write in flight. */
  close(): Promise<void>;
}

/** What the writer thread needs to open its own connection to the store. */
export interface BatchWriterOptions extends BatchOptions {
  /** postgres://... ; unset for SQLite under dataDir. */
  databaseUrl?: string;
  dataDir: string;
}

/** Messages to the thread, and its answers. */
export type WriterRequest = { type: 'write'; id: number; events: UsageEvent[]; now: number } | { type: 'close' };
export type WriterReply = { id: number; error?: string };

const CLOSE_TIMEOUT_MS = 10_000;

/**
 * Usage batches are written by a worker thread with its own connection to
 * the store. A batch of hundreds of rows, with its ledger debit and budget
 * counters, is milliseconds of work (synchronous with SQLite) that would
 * otherwise stall every request on the event loop. The thread starts with
 * the first batch; if it dies, the batches in flight are reported unwritten
 * (the recorder keeps them) and the next batch starts a new thread.
 */
export function startBatchWriter(options: BatchWriterOptions): BatchWriter {
  let current: Thread | null = null;
  let nextId = 0;

  return {
    write(events, now) {
      current ??= spawn(options, (gone) => {
        if (current === gone) current = null;
      });
      const { thread, waiting } = current;
      const id = nextId++;
      return new Promise<void>((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        thread.ref();
        thread.postMessage({ type: 'write', id, events, now } satisfies WriterRequest);
      });
    },
    async close() {
      const closing = current;
      if (!closing) return;
      current = null;
      const { thread } = closing;
      thread.ref();
      const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
      thread.postMessage({ type: 'close' } satisfies WriterRequest);
      const timer = setTimeout(() => void thread.terminate(), CLOSE_TIMEOUT_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Thread {
  thread: Worker;
  /** Batches sent to this thread and not answered yet. */
  waiting: Map<number, { resolve: () => void; reject: (err: Error) => void }>;
}

/** The thread's entry: compiled JavaScript, or the TypeScript sources when this module runs from them. */
const THREAD_ENTRY = new URL(import.meta.url.endsWith('.ts') ? './writer-thread-source.mjs' : './writer-thread.js', import.meta.url);

function spawn(options: BatchWriterOptions, onGone: (gone: Thread) => void): Thread {
  const thread = new Worker(THREAD_ENTRY, { workerData: options });
  const self: Thread = { thread, waiting: new Map() };
  const failAll = (err: Error) => {
    onGone(self);
    for (const pending of self.waiting.values()) pending.reject(err);
    self.waiting.clear();
  };
  // The thread keeps the process alive only while a batch is in flight.
  thread.unref();
  thread.on('message', (reply: WriterReply) => {
    const pending = self.waiting.get(reply.id);
    if (!pending) return;
    self.waiting.delete(reply.id);
    if (self.waiting.size === 0) thread.unref();
    if (reply.error === undefined) pending.resolve();
    else pending.reject(new Error(reply.error));
  });
  thread.on('error', failAll);
  thread.on('exit', (code) => failAll(new Error(`the usage writer thread stopped (exit code ${code})`)));
  return self;
}
