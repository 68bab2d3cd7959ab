/**
 * The collector's running context, handed to every module at start: the database (reads),
 * the write queue (every write), the data dir, the parsed config, the in-process bus that
 * carries accepted and committed events and alert changes between ingest, rules, feed,
 * outputs and compliance, and an injectable clock.
 */
import { EventEmitter } from 'node:events';
import type { DB } from './store/db.js';
import type { WriteQueue } from './store/writer/queue.js';
import type { Alert, CommittedEvent, StoredEvent } from './model.js';
import type { Logger } from '@vigil/proto';

export type { AlertChange } from './model.js';
import type { AlertChange } from './model.js';

export interface BusEvents {
  /**
   * Events handed to the store, in commit order, as they are decoded: a large batch comes
   * in several calls, before its transaction commits (so its fields need not live until
   * then). A listener's writes go through ctx.writer: sent after the batch took its place,
   * they commit after it (evidence before alert). A batch that then fails to commit is
   * resent by its agent and accepted again.
   */
  accepted: [events: StoredEvent[]];
  /** The same events once committed to the store, in commit order (after the transaction). */
  committed: [events: CommittedEvent[]];
  /** An alert was opened or changed; carries the alert's new state. */
  alert: [alert: Alert, change: AlertChange];
  /** An agent's heartbeat arrived (wall clock ms at the collector). */
  heartbeat: [agent: string, atMs: number];
}

export class Bus extends EventEmitter<BusEvents> {}

export interface CollectorContext {
  /** The main connection: reads (after migrations, no writes: they go through `writer`). */
  db: DB;
  /** The one ordered write queue (store/writer/): every write of the collector is a command on it. */
  writer: WriteQueue;
  dataDir: string;
  /** Parsed --config YAML (sections owned by their modules); {} when none was given. */
  config: Record<string, unknown>;
  bus: Bus;
  /** Wall clock in ms; tests inject a controllable one. */
  now(): number;
  log: Logger;
}
