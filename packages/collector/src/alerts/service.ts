/**
 * The alerts service: the AlertSink the rules engine (and compliance) write through, and
 * the actions people take through the API. It matches silences, persists via AlertStore,
 * and emits ctx.bus 'alert' (alert, change) after each committed change. A malformed
 * engine update is logged and dropped; it never throws into the engine's loop.
 */
import type { AlertChange, CollectorContext } from '../context.js';
import type { Alert } from '../model.js';
import { AlertStore } from './store.js';
import { SilenceStore } from './silences/store.js';
import type { Actor, AlertSink, AlertUpdate } from './types.js';

export class AlertService implements AlertSink {
  readonly store: AlertStore;
  readonly silences: SilenceStore;

  constructor(private readonly ctx: CollectorContext) {
    this.store = new AlertStore(ctx.db);
    this.silences = new SilenceStore(ctx.db);
  }

  apply(update: AlertUpdate): void {
    this.applyAll([update]);
  }

  /**
   * One write transaction for all the updates (the ingest writer thread holds the write
   * lock most of the time under load: waiting for it once per flush, not once per alert);
   * the bus hears of each change after the commit.
   */
  applyAll(updates: AlertUpdate[]): void {
    const now = this.ctx.now();
    const changes: Array<[Alert, AlertChange]> = [];
    try {
      this.ctx.db.transaction(() => {
        for (const update of updates) {
          try {
            const silence = this.silences.match({ 'rule.id': update.rule.id, group: update.group, 'agent.name': update.agent }, now);
            const res = this.store.apply(update, silence, now);
            if (res) changes.push([res.alert, res.change]);
          } catch (err) {
            this.ctx.log.warn('alert update dropped', { key: update?.key, error: (err as Error).message });
          }
        }
      })();
    } catch (err) {
      this.ctx.log.warn('alert updates dropped', { count: updates.length, error: (err as Error).message });
      return;
    }
    for (const [alert, change] of changes) this.ctx.bus.emit('alert', alert, change);
  }

  acknowledge(id: number, who: Actor): Alert | undefined {
    return this.act(id, 'acknowledged', who);
  }

  resolve(id: number, who: Actor): Alert | undefined {
    return this.act(id, 'resolved', who);
  }

  private act(id: number, to: 'acknowledged' | 'resolved', who: Actor): Alert | undefined {
    const res = this.store.transition(id, to, who, this.ctx.now());
    if (res?.changed) this.ctx.bus.emit('alert', res.alert, to);
    return res?.alert;
  }
}
