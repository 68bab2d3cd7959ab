/**
 * Assembles one writer job from chunks of a batch's rows: gives them their ids, encodes
 * them, hands them to the 'accepted' listeners and sends all but the newest chunk ahead to
 * the writer thread, so a large batch's decoded rows die young instead of aging with it.
 * Keeps only what the commit answer names (id, agent, seq, kind per row).
 */
import type { CommittedEvent, EventKind, StoredEvent } from '../model.js';
import type { EventWriter } from '../store/event-writer.js';
import type { NewEvent } from '../store/events.js';
import { encodeRows } from '../store/row-columns.js';

export type AcceptedListener = (events: StoredEvent[]) => void;

export class JobRows {
  /** Every row of the job, as the 'committed' listeners will get it. */
  readonly committed: CommittedEvent[] = [];
  readonly templates: Array<[number, string]> = [];
  private values: unknown[] = [];
  private readonly totals = new Map<EventKind, number>();
  private readonly templateIds = new Set<number>();

  constructor(private readonly writer: EventWriter, private readonly nextId: () => number, private readonly accepted?: AcceptedListener) {}

  add(rows: NewEvent[]): void {
    const ids: number[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) ids[i] = this.nextId();
    // The chunk before goes ahead to the writer (a copy is posted), and its array is
    // filled again with this one: a batch allocates one array, not one per chunk.
    const sent = this.values.length > 0 ? this.values : undefined;
    if (sent) this.writer.part(sent);
    const cols = encodeRows(rows, ids, sent);
    this.values = cols.values;
    for (const [kind, n] of cols.totals) this.totals.set(kind, (this.totals.get(kind) ?? 0) + n);
    for (const t of cols.templates) {
      if (!this.templateIds.has(t[0])) { this.templateIds.add(t[0]); this.templates.push(t); }
    }
    const stored: StoredEvent[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      stored[i] = { id: ids[i], agent: r.agent, seq: r.seq, kind: r.kind, fields: r.fields };
      this.committed.push({ id: ids[i], agent: r.agent, seq: r.seq, kind: r.kind });
    }
    this.accepted?.(stored);
  }

  /** The job's own rows (those not sent ahead) and its per-kind totals. */
  finish(): { values: unknown[]; totals: Array<[EventKind, number]> } {
    return { values: this.values, totals: [...this.totals] };
  }

  /** The batch failed before its job was sent: the writer drops the parts sent ahead. */
  abort(): void { this.writer.discard(); }
}
