/**
 * The one ordered write queue: the main thread sends typed commands (commands.ts) and awaits
 * their results; the writer runs each in one transaction, strictly in the order sent, so
 * "evidence before alert" is queue order. A place may be reserved before its command is
 * known (an agent batch before it is decoded): commands sent after it wait behind it. This
 * file holds the interface, the ordering shared by both writers, and the in-thread writer
 * (in-memory databases, the CLI); thread.ts has the worker-thread one.
 */
import type { DB } from '../db.js';
import type { CommandName, Commands } from './commands.js';
import { CommandRunner } from './runner.js';
import type { ArgsOf, ResultOf } from './types.js';

export interface WriteQueue {
  /** Runs `op` after every command sent (or place reserved) before; resolves with its result, rejects with its error (nothing of it stored). */
  run<K extends CommandName>(op: K, args: ArgsOf<Commands, K>): Promise<ResultOf<Commands, K>>;
  /** Takes the next place in the order now, for a command made later (see Slot). */
  reserve(): Slot;
  /** Commands sent and not answered yet, and those waiting behind a reserved place. */
  readonly pending: number;
  /** Lets every command sent finish, then stops; later run() calls reject. */
  close(): Promise<void>;
}

/** A reserved place in the write order; commands sent after it run after its command. */
export interface Slot {
  /** True once every command before this place has been handed to the writer. */
  readonly ready: boolean;
  /** Rows of this place's command sent ahead of it (only when ready): they reach its executor as `ahead`. */
  part(values: unknown[]): void;
  /** Sends the command of this place (only when ready). */
  run<K extends CommandName>(op: K, args: ArgsOf<Commands, K>): Promise<ResultOf<Commands, K>>;
  /** Gives the place up (its parts sent ahead are dropped); what waited behind it goes on. */
  cancel(): void;
}

type Waiting = { op: string; args: unknown; resolve(r: unknown): void; reject(e: Error): void } | SlotImpl;

class SlotImpl implements Slot {
  parts = 0;
  done = false;
  constructor(private readonly q: OrderedQueue) {}
  get ready(): boolean { return this.q.isHead(this); }
  part(values: unknown[]): void {
    if (!this.ready) throw new Error('write slot: parts sent before the commands ahead of it');
    this.parts++;
    this.q.sendPart(values);
  }
  run<K extends CommandName>(op: K, args: ArgsOf<Commands, K>): Promise<ResultOf<Commands, K>> {
    if (!this.ready || this.done) throw new Error('write slot: run before the commands ahead of it, or twice');
    this.done = true;
    const p = this.q.send(op, args, this.parts) as Promise<ResultOf<Commands, K>>;
    this.q.release(this);
    return p;
  }
  cancel(): void {
    if (this.done) return;
    this.done = true;
    if (this.parts > 0 && this.ready) this.q.dropParts();
    this.q.release(this);
  }
}

/** The ordering both writers share: a command waits only behind a reserved place not yet filled. */
export abstract class OrderedQueue implements WriteQueue {
  private readonly waiting: Waiting[] = [];
  private sent = 0;
  protected closed = false;
  private idle: Array<() => void> = [];

  /** Hands one command to the writer now (its `parts` rows came ahead); answers in order. */
  protected abstract post(op: string, args: unknown, parts: number): Promise<unknown>;
  protected abstract postPart(values: unknown[]): void;
  protected abstract postDiscard(): void;
  /** Stops the writer once everything posted was answered. */
  protected abstract stop(): Promise<void>;

  get pending(): number { return this.sent + this.waiting.filter((w) => !(w instanceof SlotImpl)).length; }

  run<K extends CommandName>(op: K, args: ArgsOf<Commands, K>): Promise<ResultOf<Commands, K>> {
    if (this.closed) return Promise.reject(new Error('store writer closed'));
    if (this.waiting.length === 0) return this.send(op, args, 0) as Promise<ResultOf<Commands, K>>;
    return new Promise((resolve, reject) => this.waiting.push({ op, args, resolve: resolve as (r: unknown) => void, reject }));
  }

  reserve(): Slot {
    const slot = new SlotImpl(this);
    if (this.closed) { slot.done = true; return slot; }
    this.waiting.push(slot);
    return slot;
  }

  /** @internal */ isHead(slot: SlotImpl): boolean { return this.waiting[0] === slot; }
  /** @internal */ sendPart(values: unknown[]): void { this.postPart(values); }
  /** @internal */ dropParts(): void { this.postDiscard(); }

  /** @internal */ send(op: string, args: unknown, parts: number): Promise<unknown> {
    this.sent++;
    return this.post(op, args, parts).finally(() => {
      if (--this.sent === 0 && this.waiting.length === 0) for (const f of this.idle.splice(0)) f();
    });
  }

  /** @internal A place was filled or given up: what waited behind it goes to the writer, up to the next place. */
  release(slot: SlotImpl): void {
    const i = this.waiting.indexOf(slot);
    if (i < 0) return;
    this.waiting.splice(i, 1);
    if (i > 0) return;
    while (this.waiting.length > 0 && !(this.waiting[0] instanceof SlotImpl)) {
      const w = this.waiting.shift() as Exclude<Waiting, SlotImpl>;
      this.send(w.op, w.args, 0).then(w.resolve, w.reject);
    }
    if (this.sent === 0 && this.waiting.length === 0) for (const f of this.idle.splice(0)) f();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Places never filled are given up: the commands behind them still run.
    for (const w of [...this.waiting]) if (w instanceof SlotImpl) w.cancel();
    if (this.sent > 0 || this.waiting.length > 0) await new Promise<void>((r) => this.idle.push(r));
    await this.stop();
  }
}

/** Runs commands on this thread's connection, one transaction each, in order (replies are async, as the worker's). */
export class LocalWriteQueue extends OrderedQueue {
  private readonly runner: CommandRunner;
  private parts: unknown[][] = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(db: DB) {
    super();
    this.runner = new CommandRunner(db);
  }

  protected post(op: string, args: unknown, parts: number): Promise<unknown> {
    const ahead = this.parts;
    this.parts = [];
    const p = this.tail.then(() => this.runner.run(op, args, ahead, parts));
    this.tail = p.catch(() => undefined);
    return p;
  }

  protected postPart(values: unknown[]): void { this.parts.push(values.slice()); }
  protected postDiscard(): void { this.parts = []; }
  protected async stop(): Promise<void> { await this.tail; }
}
