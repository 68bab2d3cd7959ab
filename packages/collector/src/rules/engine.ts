/**
 * The detection engine: feeds each event, in event time, to the rules the index offers it,
 * folds firings into one alert per (rule, group), and advances a watermark (newest event time
 * minus the allowed lateness; or the wall clock when input is idle) that drives expiry,
 * absences and auto-resolution. `suppressed_by` rules open alerts only after every rule has
 * seen the event, and none while a named rule's alert for the group is open or recent.
 * What differs by rule type comes from its descriptor (rule-types.ts) and bucket hooks.
 */
import { AlertBook } from './alerts.js';
import { EventClock } from './event-time.js';
import { RuleIndex } from './rule-index.js';
import { RuleRuntime } from './runtime.js';
import type { Firing } from './buckets/bucket.js';
import type { AlertUpdate, CompiledRule, RuleEvent, RuleStats } from './types.js';

export interface EngineOptions {
  /** How late (event time) an event may arrive and still count; the watermark trails by it. */
  latenessMs?: number;
  /** Live mode: event times beyond now() + this do not move the watermark (bad clocks). */
  now?: () => number;
  maxFutureMs?: number;
}

interface Slot { rt: RuleRuntime; book: AlertBook; nextCheck: number; step: number }

/** How often (event time) a rule's expiry, absences and auto-resolution are checked. */
function checkStep(rule: CompiledRule): number {
  const s = rule.spec;
  const spans = [s.windowMs, s.forMs, s.resolveAfterMs, s.cooldownMs].filter((x) => x > 0);
  return Math.min(60_000, Math.max(1000, Math.min(...spans) / 20));
}

/** The longest the engine waits (event time) between two checks of its rules' timers. */
const MAX_CHECK_MS = 60_000;

export class RuleEngine {
  private slots: Slot[] = [];
  private index!: RuleIndex;
  private maxTs = -Infinity;
  private nextAdvance = -Infinity;
  private stamp = 0;
  private readonly hits: RuleRuntime[] = [];
  /** Firings of rules with suppressors, decided once the event has been offered to all. */
  private readonly deferred: Array<{ rt: RuleRuntime; key: string; firing: Firing }> = [];
  private started = false;
  private readonly clock = new EventClock();
  private readonly lateness: number;

  constructor(rules: CompiledRule[], private readonly opts: EngineOptions = {}) {
    this.lateness = opts.latenessMs ?? 5000;
    this.setRules(rules);
  }

  get watermark(): number { return this.maxTs - this.lateness; }
  get rules(): CompiledRule[] { return this.slots.map((s) => s.rt.rule); }

  /**
   * Replaces the ruleset. A rule whose spec is unchanged keeps its windows and alerts; a
   * changed rule with the same id keeps its alerts (windows restart); removed rules go.
   */
  setRules(rules: CompiledRule[]): void {
    const old = new Map(this.slots.map((s) => [s.rt.rule.spec.id, s]));
    this.slots = rules.map((rule) => {
      const prev = old.get(rule.spec.id);
      if (prev && prev.rt.rule.spec.digest === rule.spec.digest) return prev;
      const rt = new RuleRuntime(rule);
      if (this.started) rt.bucket.start?.(this.watermark);
      const book = prev?.book ?? new AlertBook(rule.spec.maxKeys);
      if (prev) for (const [, a] of prev.book.alerts.entries()) a.rule = rule;
      rt.book = book;
      return { rt, book, nextCheck: -Infinity, step: checkStep(rule) };
    });
    const byId = new Map(this.slots.map((s) => [s.rt.rule.spec.id, s.rt]));
    for (const s of this.slots) s.rt.suppressors = s.rt.rule.spec.suppressedBy.flatMap((id) => byId.get(id) ?? []);
    this.index = new RuleIndex(this.slots.map((s) => s.rt));
    this.nextAdvance = -Infinity;
  }

  ingest(ev: RuleEvent): void {
    const ts = this.clock.parse(ev.fields['@timestamp']);
    if (Number.isNaN(ts)) return;
    const now = this.opts.now;
    if (ts > this.maxTs && (!now || ts <= now() + (this.opts.maxFutureMs ?? 300_000))) {
      this.maxTs = ts;
      if (!this.started) this.start();
      if (this.watermark >= this.nextAdvance) this.advance();
    }
    const hits = this.hits;
    const n = this.index.collect(ev.fields, ++this.stamp, hits);
    for (let i = 0; i < n; i++) this.offer(hits[i], ev, ts);
    if (this.deferred.length) this.fireDeferred(ev, ts);
  }

  /** Opens the deferred alerts whose suppressing rules did not flag the same group. */
  private fireDeferred(ev: RuleEvent, ts: number): void {
    const f = ev.fields;
    for (const { rt, key, firing } of this.deferred) {
      if (!suppressed(rt, f, ts)) rt.book.fire(rt.rule, key, rt.group(f), firing, agentOf(f));
    }
    this.deferred.length = 0;
  }

  /** Moves the watermark to at least `ms` (live mode, when input is idle). */
  advanceTo(ms: number): void {
    if (ms - this.lateness <= this.watermark) return;
    this.maxTs = ms + this.lateness;
    if (!this.started) this.start();
    this.advance();
  }

  drain(): AlertUpdate[] {
    const out: AlertUpdate[] = [];
    for (const s of this.slots) for (const u of s.book.drain()) out.push(u);
    return out;
  }

  stats(): RuleStats[] {
    return this.slots.map(({ rt, book }) => ({
      rule: rt.rule.spec.id, events: rt.events, keys: rt.bucket.size,
      evictions: rt.bucket.evictions + book.alerts.evictions, alerts_opened: book.opened, alerts_open: book.open.size,
    }));
  }

  private start(): void {
    this.started = true;
    for (const s of this.slots) s.rt.bucket.start?.(this.watermark);
  }

  private advance(): void {
    const wm = this.watermark;
    let next = wm + MAX_CHECK_MS;
    for (const slot of this.slots) {
      if (wm < slot.nextCheck) { if (slot.nextCheck < next) next = slot.nextCheck; continue; }
      slot.nextCheck = wm + slot.step;
      if (slot.nextCheck < next) next = slot.nextCheck;
      const { rt, book } = slot;
      if (rt.bucket.due !== undefined) {
        for (const d of rt.bucket.due(wm)) book.fire(rt.rule, d.key, d.group, d.firing, d.group['agent.name']);
      }
      rt.bucket.expire(wm);
      book.advance(wm);
    }
    this.nextAdvance = next;
  }

  private offer(rt: RuleRuntime, ev: RuleEvent, ts: number): void {
    const r = rt.rule;
    const f = ev.fields;
    if (rt.kinds && !rt.kinds.has(ev.kind ?? 'log')) return;
    if (!r.where(f)) return;
    const bucket = rt.bucket;
    if (bucket.selects !== undefined && !bucket.selects(ev)) return;
    // Cheapest first: restating lines (vigil.attempts 0) stop here.
    const w = rt.weight(f);
    if (w <= 0) return;
    const key = rt.key(f);
    if (key === null) return;
    if (r.allow(f)) return;
    rt.events++;
    const book = rt.book;
    const alert = book.get(key);
    if (rt.type.resolves === 'event') {
      bucket.add(key, ts, ev, w);
      if (alert && alert.status === 'open') book.resolve(alert, ts);
      return;
    }
    if (bucket.rejects !== undefined && bucket.rejects(key, ev)) return;
    const open = alert !== undefined && alert.status === 'open';
    if (open) {
      // distinct: counts values (users), not events; sequence: the build-up, not the trigger
      const tw = bucket.touchWeight !== undefined ? bucket.touchWeight(ev, w) : w;
      book.touch(alert, ts, ev.id, tw, agentOf(f), bucket.touchValue?.(ev));
    }
    const firing = bucket.add(key, ts, ev, w);
    if (firing && !open) {
      if (rt.suppressors.length) this.deferred.push({ rt, key, firing });
      else book.fire(r, key, rt.group(f), firing, agentOf(f));
    }
  }

}

/** Whether a rule named in rt's suppressed_by has an alert for the event's group that is open
 * or was active within rt's window (the same attack episode). */
function suppressed(rt: RuleRuntime, f: RuleEvent['fields'], ts: number): boolean {
  for (const s of rt.suppressors) {
    const k = s.key(f);
    const a = k === null ? undefined : s.book.get(k);
    if (a && (a.status === 'open' || ts - a.lastTs <= rt.rule.spec.windowMs)) return true;
  }
  return false;
}

function agentOf(f: RuleEvent['fields']): string | undefined {
  const a = f['agent.name'];
  return typeof a === 'string' ? a : undefined;
}
