/**
 * The alerts service: the AlertSink the rules engine (and compliance) write through, and
 * the actions people take through the API. Every change is a command on ctx.writer (silence
 * matching and persistence in its one transaction, commands.ts); ctx.bus 'alert' (alert,
 * change) is emitted once the command's result arrives, in queue order. A malformed engine
 * update is logged and dropped; it never rejects into the engine's loop.
 */
import type { CollectorContext } from '../context.js';
import type { Alert } from '../model.js';
import { AlertStore } from './store.js';
import { silencesOf, type Silence, type SilenceStore } from './silences/store.js';
import type { NewSilence } from './silences/writes.js';
import type { Actor, AlertSink, AlertUpdate } from './types.js';

export class AlertService implements AlertSink {
  /** Reads on ctx.db. */
  readonly store: AlertStore;
  readonly silences: SilenceStore;

  constructor(private readonly ctx: CollectorContext) {
    this.store = new AlertStore(ctx.db);
    this.silences = silencesOf(ctx.db);
  }

  apply(update: AlertUpdate): Promise<void> {
    return this.applyAll([update]);
  }

  /** One command (one write transaction) for all the updates; the bus hears of each change after it. */
  async applyAll(updates: AlertUpdate[]): Promise<void> {
    let res;
    try {
      res = await this.ctx.writer.run('alerts.apply', { updates, now: this.ctx.now() });
    } catch (err) {
      this.ctx.log.warn('alert updates dropped', { count: updates.length, error: (err as Error).message });
      return;
    }
    for (const d of res.dropped) this.ctx.log.warn('alert update dropped', { key: d.key, error: d.error });
    for (const { alert, change } of res.changes) this.ctx.bus.emit('alert', alert, change);
  }

  acknowledge(id: number, who: Actor): Promise<Alert | undefined> {
    return this.act(id, 'acknowledged', who);
  }

  resolve(id: number, who: Actor): Promise<Alert | undefined> {
    return this.act(id, 'resolved', who);
  }

  /** Marks an alert escalated at `now` (the collector's clock); false when it no longer exists. */
  async markEscalated(id: number, now: number): Promise<boolean> {
    return (await this.ctx.writer.run('alerts.escalate', { id, now })).ok;
  }

  async createSilence(s: NewSilence): Promise<Silence> {
    const silence = await this.ctx.writer.run('silences.create', s);
    this.silences.invalidate();
    return silence;
  }

  /** Ends a silence now (idempotent); undefined for an unknown id. */
  async expireSilence(id: number, who: Actor): Promise<Silence | undefined> {
    const res = await this.ctx.writer.run('silences.expire', { id, who, now: this.ctx.now() });
    this.silences.invalidate();
    return res.ok ? res.silence : undefined;
  }

  private async act(id: number, to: 'acknowledged' | 'resolved', who: Actor): Promise<Alert | undefined> {
    const res = await this.ctx.writer.run('alerts.transition', { id, to, who, now: this.ctx.now() });
    if (!res.ok) return undefined;
    if (res.changed) this.ctx.bus.emit('alert', res.alert, to);
    return res.alert;
  }
}
