/**
 * Picks the writer for a database: the worker thread (thread.ts) for a file, the in-thread
 * LocalWriteQueue for an in-memory database (no second connection can reach it).
 */
import type { DB } from '../db.js';
import { LocalWriteQueue, type WriteQueue } from './queue.js';
import { WorkerWriteQueue, type WorkerWriteQueueOptions } from './thread.js';

export function openWriteQueue(db: DB, opts: WorkerWriteQueueOptions = {}): WriteQueue {
  return db.memory ? new LocalWriteQueue(db) : new WorkerWriteQueue(db.name, opts);
}
