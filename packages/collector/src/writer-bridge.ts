/**
 * TEMP(W2 bridge): the WriteQueue of a running collector until the worker-thread writer
 * lands. Runs each command on ctx.db in one transaction, synchronously inside
 * ctx.exclusive (after the batch commits in flight, in order with other exclusive work),
 * so commands keep their order with the ingest writer thread. The merge replaces this
 * file by the store's worker queue.
 */
import type { DB } from './store/db.js';
import { COMMANDS, type CommandName, type Commands } from './store/writer/commands.js';
import type { WriteQueue } from './store/writer/queue.js';
import type { ArgsOf, Executor, ResultOf } from './store/writer/types.js';

export class ExclusiveWriteQueue implements WriteQueue {
  private readonly executors = new Map<string, Executor<unknown, unknown>>();
  private waiting = 0;
  private closed = false;
  private idle: Array<() => void> = [];

  constructor(private readonly db: DB, private readonly exclusive: (fn: () => void) => void) {}

  get pending(): number { return this.waiting; }

  run<K extends CommandName>(op: K, args: ArgsOf<Commands, K>): Promise<ResultOf<Commands, K>> {
    if (this.closed) return Promise.reject(new Error('store writer closed'));
    this.waiting++;
    return new Promise<ResultOf<Commands, K>>((resolve, reject) => {
      this.exclusive(() => {
        try {
          let exec = this.executors.get(op);
          if (!exec) { exec = (COMMANDS[op] as (db: DB) => Executor<unknown, unknown>)(this.db); this.executors.set(op, exec); }
          const run = exec;
          resolve(this.db.transaction(() => run(args))() as ResultOf<Commands, K>);
        } catch (err) {
          reject(err as Error);
        } finally {
          if (--this.waiting === 0) for (const done of this.idle.splice(0)) done();
        }
      });
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.waiting > 0) await new Promise<void>((r) => this.idle.push(r));
  }
}
