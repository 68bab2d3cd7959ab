/**
 * Runs write commands on one connection, synchronously: prepares each command's executor
 * once (commands.ts), runs it in ONE transaction (IMMEDIATE on a writing connection), and
 * lets an executor run others inside its own transaction (an agent batch's derived-table
 * operations). Used by the writer thread (worker.ts) and the in-thread queue (queue.ts).
 */
import type { DB } from '../db.js';
import { COMMANDS } from './commands.js';
import type { Executor, Nested } from './types.js';

export class CommandRunner {
  private readonly executors = new Map<string, Executor<unknown, unknown>>();
  private readonly nested: Nested = (op, args) => this.executor(op)(args);

  constructor(readonly db: DB) {}

  private executor(op: string): Executor<unknown, unknown> {
    let exec = this.executors.get(op);
    if (!exec) {
      const make = (COMMANDS as Record<string, (db: DB, nested: Nested) => Executor<unknown, unknown>>)[op];
      if (!make) throw new Error(`unknown write command: ${op}`);
      exec = make(this.db, this.nested);
      this.executors.set(op, exec);
    }
    return exec;
  }

  /**
   * Runs `op` in one transaction; throws its error (nothing of it stored). `ahead`: the rows
   * sent ahead of it, of which `parts` were sent: the command fails whole if some went missing.
   */
  run(op: string, args: unknown, ahead: unknown[][] = [], parts = 0): unknown {
    if (ahead.length !== parts) throw new Error(`rows of the batch went missing (${ahead.length} of ${parts} parts arrived)`);
    const exec = this.executor(op);
    const a = parts > 0 ? { ...(args as object), ahead } : args;
    return this.db.transaction(() => exec(a))();
  }
}
