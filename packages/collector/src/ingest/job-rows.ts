/**
 * Assembles one `events.batch` command from chunks of a batch's rows: gives them their ids,
 * encodes them, collects their bodies' derived-table operations, hands them to the
 * 'accepted' listeners and sends all but the newest chunk ahead through the batch's write
 * slot, so a large batch's decoded rows die young instead of aging with it. Keeps only
 * what the commit answer names (id, agent, seq, kind per row).
 */
import type { Event } from '@vigil/proto';
import type { CommittedEvent, EventKind, StoredEvent } from '../model.js';
import type { NewEvent } from '../store/events.js';
import type { DerivedOp } from '../store/event-commands.js';
import type { Slot } from '../store/writer/queue.js';
import { encodeRows } from '../store/row-columns.js';
import type { BodyHandler } from './handlers.js';

export type AcceptedListener = (events: StoredEvent[]) => void;

export class JobRows {
  /** Every row of the job, as the 'committed' listeners will get it. */
  readonly committed: CommittedEvent[] = [];
  readonly templates: Array<[number, string]> = [];
  readonly derived: DerivedOp[] = [];
  private values: unknown[] = [];
  private readonly totals = new Map<EventKind, number>();
  private readonly templateIds = new Set<number>();

  constructor(private readonly slot: Slot, private readonly nextId: () => number, private readonly accepted?: AcceptedListener) {}

  add(rows: NewEvent[], handlers?: Array<BodyHandler | undefined>, events?: Array<Event | undefined>): void {
    const ids: number[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) ids[i] = this.nextId();
    // The chunk before goes ahead to the writer (a copy is posted), and its array is
    // filled again with this one: a batch allocates one array, not one per chunk.
    const sent = this.values.length > 0 ? this.values : undefined;
    if (sent) this.slot.part(sent);
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
      const h = handlers?.[i];
      if (h?.derive) for (const op of h.derive(stored[i], events![i]!)) this.derived.push(op);
    }
    this.accepted?.(stored);
  }

  /** The job's own rows (those not sent ahead) and its per-kind totals. */
  finish(): { values: unknown[]; totals: Array<[EventKind, number]> } {
    return { values: this.values, totals: [...this.totals] };
  }

  /** The batch failed before its command was sent: its place is given up, the parts sent ahead dropped. */
  abort(): void { this.slot.cancel(); }
}
