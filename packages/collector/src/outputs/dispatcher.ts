/**
 * Routes alert changes to webhook channels: by change kind, severity and rule id, and
 * never for a silenced alert (marked by the store, or covered by a silence made since).
 * Escalation: a P1 (configurable) still open and unacknowledged `escalation.after` past
 * its opening is sent again, once, to the escalation webhooks and marked escalated.
 */
import type { CollectorContext, AlertChange } from '../context.js';
import type { Alert } from '../model.js';
import type { AlertService } from '../alerts/service.js';
import { Channel } from './channel.js';
import type { OutputsConfig, WebhookConfig } from './config.js';

export class Dispatcher {
  readonly channels = new Map<string, Channel>();
  silencedSkipped = 0;
  escalations = 0;
  private timer: NodeJS.Timeout | undefined;
  private escalating = false;
  private readonly onAlert = (alert: Alert, change: AlertChange) => this.route(alert, change);

  constructor(private readonly ctx: CollectorContext, private readonly svc: AlertService, readonly cfg: OutputsConfig) {
    for (const w of cfg.webhooks) this.channels.set(w.name, new Channel(w, cfg, ctx.log.child({ module: 'outputs' })));
  }

  start(): void {
    this.ctx.bus.on('alert', this.onAlert);
    if (this.cfg.escalation.webhooks.length > 0) {
      this.timer = setInterval(() => {
        this.escalateDue().catch((e: Error) => this.ctx.log.error('escalation failed', { error: e.message }));
      }, this.cfg.escalation.interval);
      this.timer.unref();
    }
  }

  stop(): void {
    this.ctx.bus.off('alert', this.onAlert);
    clearInterval(this.timer);
    for (const c of this.channels.values()) c.stop();
  }

  private silenced(alert: Alert): boolean {
    return Boolean(alert.silenced) || this.svc.silences.match(alert, this.ctx.now()) !== null;
  }

  private route(alert: Alert, change: AlertChange): void {
    const routes = this.cfg.webhooks.filter((w) => wants(w, alert, change));
    if (routes.length === 0) return;
    if (this.silenced(alert)) { this.silencedSkipped++; return; }
    for (const w of routes) this.channels.get(w.name)!.push({ alert, kind: change });
  }

  /**
   * Sends due escalations now; also run by the timer (a pass still running makes the next
   * one a no-op, so no alert escalates twice). Resolves with how many alerts escalated.
   */
  async escalateDue(): Promise<number> {
    if (this.escalating) return 0;
    this.escalating = true;
    try {
      const now = this.ctx.now();
      let n = 0;
      for (const sev of this.cfg.escalation.severities) {
        for (const alert of this.svc.store.dueForEscalation(sev, now - this.cfg.escalation.after)) {
          if (this.silenced(alert)) continue;
          if (!(await this.svc.markEscalated(Number(alert.id), now))) continue;
          for (const name of this.cfg.escalation.webhooks) this.channels.get(name)!.push({ alert, kind: 'escalated' });
          n++;
        }
      }
      this.escalations += n;
      return n;
    } finally {
      this.escalating = false;
    }
  }
}

function wants(w: WebhookConfig, alert: Alert, change: AlertChange): boolean {
  return w.changes.includes(change) && w.severities.includes(alert.severity) && (!w.rules || w.rules.includes(alert['rule.id']));
}
