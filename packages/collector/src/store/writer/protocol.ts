/**
 * The messages between the main thread's WorkerWriteQueue (thread.ts) and the writer thread
 * (worker.ts). Rows of an agent batch may come ahead of their command in parts; the command
 * says how many it expects and gets them as `ahead`. Replies come one per command, in order.
 */
export type ToWriter =
  | { t: 'part'; values: unknown[] }
  | { t: 'discard' }
  | { t: 'run'; op: string; args: unknown; parts: number }
  | { t: 'close' };

export type FromWriter = { ok: true; result: unknown } | { ok: false; error: string };

/** What the writer thread is started with. */
export interface WriterData { file: string }
