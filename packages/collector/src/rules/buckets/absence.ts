/**
 * absence: fires when a key has had no selected event for `for` of event time (watermark).
 * Keys are learned from the events seen, or declared in the rule (their clock starts at
 * the first watermark the engine sees). A key fires once per silence; its next event
 * ends the silence (the engine resolves the alert).
 */
import { KeyedState } from '../keyed.js';
import type { DueBucket, DueFiring } from './bucket.js';
import type { EvidenceId, RuleEvent } from '../types.js';

interface Seen { last: number; id: EvidenceId | null; group: Record<string, string>; fired: boolean }

export class AbsenceBucket implements DueBucket {
  private readonly keys: KeyedState<Seen>;

  /** `groupOf`: a new key's group, from its first event's fields (made once per key, not per event). */
  constructor(private readonly forMs: number, maxKeys: number, private readonly declared: Array<{ key: string; group: Record<string, string> }>,
    private readonly groupOf: (f: RuleEvent['fields']) => Record<string, string>) {
    this.keys = new KeyedState(maxKeys);
  }

  get size(): number { return this.keys.size; }
  get evictions(): number { return this.keys.evictions; }

  /** Starts the clock of declared keys that have not been seen yet. */
  start(wm: number): void {
    for (const d of this.declared) if (!this.keys.get(d.key)) this.keys.touch(d.key, () => ({ last: wm, id: null, group: d.group, fired: false }));
  }

  add(key: string, ts: number, ev: RuleEvent): null {
    const s = this.keys.use(key);
    if (s === undefined) { this.keys.put(key, { last: ts, id: ev.id, group: this.groupOf(ev.fields), fired: false }); return null; }
    if (ts >= s.last) { s.last = ts; s.id = ev.id; s.fired = false; }
    return null;
  }

  due(wm: number): DueFiring[] {
    const out: DueFiring[] = [];
    this.keys.sweep((key, s) => {
      if (!s.fired && wm - s.last >= this.forMs) {
        s.fired = true;
        out.push({ key, group: s.group, firing: { count: 1, firstTs: s.last, lastTs: wm, evidence: s.id === null ? [] : [s.id] } });
      }
      return 'keep';
    });
    return out;
  }

  expire(): void {}
}
