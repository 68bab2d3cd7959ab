/**
 * One webhook's delivery channel: notifications queue here (bounded; the oldest are
 * dropped and counted beyond max_pending) and leave as grouped messages, at most one per
 * group_window: the first after a quiet spell goes at once, what arrives meanwhile is
 * batched into the next. A message that fails is retried with exponential backoff
 * (doubling from retry.initial, capped at retry.max, Retry-After honoured) while new
 * notifications keep batching behind it, so a flood never becomes a flood of messages.
 */
import type { Logger } from '@vigil/proto';
import type { OutputsConfig, WebhookConfig } from './config.js';
import { formatJson, formatSlack, type Notice } from './format.js';
import { postJson } from './post.js';

export interface ChannelStats { sent_messages: number; sent_notices: number; failed_messages: number; retries: number; dropped: number }

export class Channel {
  readonly stats: ChannelStats = { sent_messages: 0, sent_notices: 0, failed_messages: 0, retries: 0, dropped: 0 };
  private pending: Notice[] = [];
  private busy = false;
  private lastSentAt = -Infinity;
  private timer: NodeJS.Timeout | undefined;
  private readonly abort = new AbortController();

  constructor(readonly hook: WebhookConfig, private readonly cfg: OutputsConfig, private readonly log: Logger) {}

  push(n: Notice): void {
    if (this.abort.signal.aborted) return;
    // A later change of the same alert in the same batch replaces the earlier one.
    const i = this.pending.findIndex((p) => p.alert.id === n.alert.id && p.kind === n.kind);
    if (i >= 0) this.pending[i] = n;
    else this.pending.push(n);
    if (this.pending.length > this.cfg.max_pending) {
      this.pending.shift();
      this.stats.dropped++;
    }
    this.schedule();
  }

  stop(): void {
    this.abort.abort();
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.busy || this.timer || this.pending.length === 0 || this.abort.signal.aborted) return;
    const wait = this.lastSentAt + this.cfg.group_window - Date.now();
    if (wait <= 0) void this.flush();
    else this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, wait);
  }

  private async flush(): Promise<void> {
    if (this.busy || this.pending.length === 0) return;
    this.busy = true;
    const batch = this.pending;
    this.pending = [];
    const max = this.cfg.max_alerts_per_message;
    const body = this.hook.format === 'slack' ? formatSlack(batch, max) : formatJson(batch, max);
    try {
      await this.deliver(body, batch.length);
    } finally {
      this.lastSentAt = Date.now();
      this.busy = false;
      this.schedule();
    }
  }

  private async deliver(body: string, notices: number): Promise<void> {
    const { attempts, initial, max } = this.cfg.retry;
    for (let attempt = 1; ; attempt++) {
      const r = await postJson(this.hook.url, body, this.hook.headers, this.hook.timeout, this.abort.signal);
      if (r.outcome === 'delivered') {
        this.stats.sent_messages++;
        this.stats.sent_notices += notices;
        return;
      }
      if (r.outcome === 'failed' || attempt >= attempts) {
        this.stats.failed_messages++;
        this.log.error('webhook message lost', { webhook: this.hook.name, notices, attempts: attempt, reason: r.reason });
        return;
      }
      this.stats.retries++;
      const delay = Math.min(max, r.afterMs ?? initial * 2 ** (attempt - 1));
      this.log.warn('webhook delivery failed, retrying', { webhook: this.hook.name, attempt, reason: r.reason, retry_in_ms: delay });
      const stopped = await sleep(delay, this.abort.signal);
      if (stopped) return;
    }
  }
}

/** Sleeps; resolves true when aborted first. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(true);
    const t = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve(false); }, ms);
    const onAbort = () => { clearTimeout(t); resolve(true); };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
