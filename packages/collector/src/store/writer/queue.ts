/**
 * The one ordered write queue: the main thread sends typed commands (commands.ts) and awaits
 * their results; the writer runs each in one transaction, strictly in the order sent, so
 * "evidence before alert" is queue order. This file holds the interface and the in-thread
 * writer (in-memory databases, the CLI); store/writer/ has the worker-thread one.
 */
import type { DB } from '../db.js';
import { COMMANDS, type CommandName, type Commands } from './commands.js';
import type { ArgsOf, Executor, ResultOf } from './types.js';

export interface WriteQueue {
  /** Runs `op` after every command sent before; resolves with its result, rejects with its error (nothing of it stored). */
  run<K extends CommandName>(op: K, args: ArgsOf<Commands, K>): Promise<ResultOf<Commands, K>>;
  /** Commands sent and not answered yet. */
  readonly pending: number;
  /** Lets every command sent finish, then stops; later run() calls reject. */
  close(): Promise<void>;
}

/** Runs commands on this thread's connection, one transaction each, in order (replies are async, as the worker's). */
export class LocalWriteQueue implements WriteQueue {
  private readonly executors = new Map<string, Executor<unknown, unknown>>();
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  private closed = false;

  constructor(private readonly db: DB) {}

  get pending(): number { return this.waiting; }

  run<K extends CommandName>(op: K, args: ArgsOf<Commands, K>): Promise<ResultOf<Commands, K>> {
    if (this.closed) return Promise.reject(new Error('store writer closed'));
    this.waiting++;
    const p = this.tail.then(() => {
      let exec = this.executors.get(op);
      if (!exec) { exec = (COMMANDS[op] as (db: DB) => Executor<unknown, unknown>)(this.db); this.executors.set(op, exec); }
      const run = exec;
      return this.db.transaction(() => run(args))();
    }).finally(() => { this.waiting--; });
    this.tail = p.catch(() => undefined);
    return p as Promise<ResultOf<Commands, K>>;
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
  }
}
