/**
 * The collector's one write path, as types: every write is a named command with plain-data
 * arguments and a plain-data result (structured-cloneable: no functions, no class instances,
 * no Errors), run by the store's writer in ONE transaction, in the order commands were sent.
 * Command tables (one per owner: store, alerts, compliance, ...) map a name to a factory that
 * prepares its statements once on the writer's connection and returns the executor.
 */
import type { DB } from '../db.js';

/** Runs one command inside the writer's transaction; throws to roll the whole command back. */
export type Executor<A, R> = (args: A) => R;

/** Runs another command's executor inside the current transaction (no transaction of its own). */
export type Nested = (op: string, args: unknown) => unknown;

/** Prepares a command on the writer's connection (once per connection). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandFactory<A = any, R = any> = (db: DB, nested: Nested) => Executor<A, R>;

export type CommandTable = Record<string, CommandFactory>;

/** The arguments and result of a command of table `T`. */
export type ArgsOf<T extends CommandTable, K extends keyof T> = Parameters<ReturnType<T[K]>>[0];
export type ResultOf<T extends CommandTable, K extends keyof T> = ReturnType<ReturnType<T[K]>>;
