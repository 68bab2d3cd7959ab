/**
 * The engine in the running collector: feeds accepted events (commit order, as decoded)
 * and agent heartbeats to the engine synchronously, and after each commit hands the alert
 * changes to the AlertSink as one write command per flush; the command takes its place on
 * the write queue behind the batches of its evidence, so evidence is stored first (changes
 * wait in a bounded queue until a sink exists). A 1 s tick advances the watermark with the
 * wall clock once input has been idle for `idle`.
 */
import { RuleEngine } from './engine.js';
import { loadRuleset } from './loader.js';
import type { RulesConfig } from './config.js';
import type { AlertSink, AlertUpdate, RuleStats } from './types.js';
import type { StoredEvent } from '../model.js';
import type { Logger } from '@vigil/proto';

const MAX_QUEUED = 10_000;

export class LiveRules {
  readonly engine: RuleEngine;
  private lastInput: number;
  private queued: AlertUpdate[] = [];
  dropped = 0;
  reloads = 0;
  reloadErrors = 0;

  constructor(private readonly cfg: RulesConfig, private readonly now: () => number, private readonly sink: () => AlertSink | undefined, private readonly log: Logger) {
    this.engine = new RuleEngine(loadRuleset(cfg.dir, cfg.allowlist), { latenessMs: cfg.lateness, now });
    this.lastInput = now();
  }

  /** Events accepted for storage, in commit order: their alert changes wait for committed(). */
  accepted(events: StoredEvent[]): void {
    for (let i = 0; i < events.length; i++) this.engine.ingest(events[i]); // a StoredEvent is a RuleEvent
    this.lastInput = this.now();
  }

  /** A commit: the alert changes so far go to the sink (after the commits in flight). */
  committed(): void {
    this.lastInput = this.now();
    this.flush();
  }

  heartbeat(agent: string, atMs: number): void {
    this.engine.ingest({
      id: `heartbeat:${agent}@${atMs}`, kind: 'heartbeat',
      fields: { '@timestamp': new Date(atMs).toISOString(), 'agent.name': agent, 'event.kind': 'heartbeat', 'vigil.type': 'heartbeat' },
    });
    this.flush();
  }

  tick(): void {
    const now = this.now();
    if (now - this.lastInput >= this.cfg.idle) this.engine.advanceTo(now);
    this.flush();
  }

  /** Validates the folder again; on any error the running ruleset stays. */
  reload(why: string): boolean {
    try {
      const rules = loadRuleset(this.cfg.dir, this.cfg.allowlist);
      this.engine.setRules(rules);
      this.reloads++;
      this.log.info('rules reloaded', { why, rules: rules.length });
      return true;
    } catch (e) {
      this.reloadErrors++;
      this.log.error('rules reload failed; keeping the previous ruleset', { why, error: (e as Error).message });
      return false;
    }
  }

  stats(): RuleStats[] { return this.engine.stats(); }

  private flush(): void {
    const updates = this.engine.drain();
    if (updates.length) this.queued.push(...updates);
    if (!this.queued.length) return;
    const sink = this.sink();
    if (!sink) {
      if (this.queued.length > MAX_QUEUED) { this.dropped += this.queued.length - MAX_QUEUED; this.queued.splice(0, this.queued.length - MAX_QUEUED); }
      return;
    }
    const batch = this.queued;
    this.queued = [];
    const failed = (what: Record<string, unknown>) => (e: Error) => this.log.error('alert sink failed', { ...what, error: e.message });
    if (sink.applyAll) return void settle(() => sink.applyAll!(batch), failed({ alerts: batch.length }));
    for (const u of batch) settle(() => sink.apply(u), failed({ alert: u.id }));
  }
}

/** Runs a sink call that may throw or return a promise; any failure goes to `onError`. */
function settle(call: () => void | Promise<void>, onError: (e: Error) => void): void {
  try {
    const p = call();
    if (p) p.catch(onError);
  } catch (e) {
    onError(e as Error);
  }
}
