/**
 * The checkpointer thread's entry (checkpointer.ts): its own connection runs a PASSIVE WAL
 * checkpoint (never blocking writers or readers) per 'run' message and answers each with
 * the error, if any; 'close' ends it.
 */
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

export type ToCheckpointer = 'run' | 'close';
export interface FromCheckpointer { error: string | null }

const port = parentPort!;
const db = new Database((workerData as { file: string }).file);
db.pragma('busy_timeout = 0');
port.on('message', (m: ToCheckpointer) => {
  if (m === 'close') { db.close(); port.close(); return; }
  let error: string | null = null;
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { error = String((err as Error)?.message ?? err); }
  port.postMessage({ error } satisfies FromCheckpointer);
});
