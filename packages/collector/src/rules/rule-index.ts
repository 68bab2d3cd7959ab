/**
 * The rule index: each rule is filed under one cheap discriminator taken from its filter
 * (vigil.type, event.category, event.action, process.name, ... equality, membership or
 * existence), so an event meets only the rules that can match it; rules without one are
 * offered every event.
 */
import { indexHints, type IndexHint } from './filter.js';
import type { RuleRuntime } from './runtime.js';

const PRIORITY = ['vigil.type', 'event.category', 'event.action', 'process.name', 'event.kind', 'container.health'];

interface FieldIndex { field: string; byValue: Map<string, RuleRuntime[]>; whenPresent: RuleRuntime[] }

export class RuleIndex {
  private readonly fields: FieldIndex[] = [];
  private readonly always: RuleRuntime[] = [];

  constructor(rules: RuleRuntime[]) {
    for (const rr of rules) {
      const hint = chooseHint(rr);
      if (!hint) { this.always.push(rr); continue; }
      let fi = this.fields.find((x) => x.field === hint.field);
      if (!fi) { fi = { field: hint.field, byValue: new Map(), whenPresent: [] }; this.fields.push(fi); }
      if (hint.values === 'exists') fi.whenPresent.push(rr);
      else for (const v of new Set(hint.values)) {
        const list = fi.byValue.get(v) ?? [];
        list.push(rr);
        fi.byValue.set(v, list);
      }
    }
  }

  /**
   * Writes each rule that may match fields `f` into out[0..n), once (stamp dedupes), and
   * returns n (`out` is reused between events: no clearing, no allocation).
   */
  collect(f: Record<string, unknown>, stamp: number, out: RuleRuntime[]): number {
    let n = 0;
    const fields = this.fields;
    for (let k = 0; k < fields.length; k++) {
      const fi = fields[k];
      const v = f[fi.field];
      if (v === undefined || v === null) continue;
      n = add(fi.whenPresent, stamp, out, n);
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) { const e = v[i]; n = add(fi.byValue.get(typeof e === 'string' ? e : String(e)), stamp, out, n); }
      } else {
        n = add(fi.byValue.get(typeof v === 'string' ? v : String(v)), stamp, out, n);
      }
    }
    return add(this.always, stamp, out, n);
  }
}

function add(list: RuleRuntime[] | undefined, stamp: number, out: RuleRuntime[], n: number): number {
  if (list === undefined) return n;
  for (let i = 0; i < list.length; i++) {
    const rr = list[i];
    if (rr.stamp !== stamp) { rr.stamp = stamp; out[n++] = rr; }
  }
  return n;
}

function chooseHint(rr: RuleRuntime): IndexHint | null {
  const s = rr.rule.spec;
  const selectors = rr.type.selectors?.(s);
  let hints: IndexHint[];
  if (selectors) {
    // Only a field every selector constrains can index the rule (the union of their values).
    const per = selectors.map((w) => indexHints(w));
    hints = per[0].filter((h) => per.every((p) => p.some((x) => x.field === h.field)))
      .map((h) => {
        const all = per.map((p) => p.find((x) => x.field === h.field)!);
        return all.some((x) => x.values === 'exists') ? { field: h.field, values: 'exists' as const } : { field: h.field, values: all.flatMap((x) => x.values as string[]) };
      });
  } else {
    hints = indexHints(s.where);
  }
  if (!hints.length) return null;
  const ranked = [...hints].sort((a, b) => rank(a) - rank(b));
  return ranked[0];
}

function rank(h: IndexHint): number {
  const p = PRIORITY.indexOf(h.field);
  return (p < 0 ? PRIORITY.length : p) + (h.values === 'exists' ? 100 : 0);
}
