/**
 * Assembles one `events.batch` command from chunks of a batch's rows: gives them their ids,
 * encodes them (with the store's template encoder), collects their summary counts
 * (store/event-keys.ts) and their bodies' derived-table operations, hands them to the
 * 'accepted' listeners and sends all but the newest chunk ahead through the batch's write
 * slot, so a large batch's decoded rows die young. Keeps only what the commit answer names.
 */
import type { Event } from '@vigil/proto';
import type { CommittedEvent, EventKind, StoredEvent } from '../model.js';
import type { NewEvent } from '../store/events.js';
import type { DerivedOp } from '../store/event-commands.js';
import type { Slot } from '../store/writer/queue.js';
import { encodeRows } from '../store/row-columns.js';
import type { BodyHandler } from './handlers.js';
import { BatchKeys } from '../store/event-keys.js';
import { bucketOf } from '../store/buckets.js';
import type { BucketTemplates } from '../store/field-templates.js';

export type AcceptedListener = (events: StoredEvent[]) => void;

export class JobRows {
  /** Every row of the job, as the 'committed' listeners will get it. */
  readonly committed: CommittedEvent[] = [];
  readonly templates: Array<[number, number, string]> = [];
  readonly derived: DerivedOp[] = [];
  private values: unknown[] = [];
  private readonly templateIds = new Set<string>();
  private readonly keys = new BatchKeys();
  /** The bucket of the job's first row. */
  private seal = -1;

  constructor(private readonly slot: Slot, private readonly encoders: BucketTemplates, private readonly nextId: () => number,
    private readonly accepted?: AcceptedListener) {}

  add(rows: NewEvent[], handlers?: Array<BodyHandler | undefined>, events?: Array<Event | undefined>): void {
    const ids: number[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) ids[i] = this.nextId();
    if (this.seal < 0 && rows.length > 0) this.seal = bucketOf(ids[0]);
    // The chunk before goes ahead to the writer (a copy is posted), and its array is
    // filled again with this one: a batch allocates one array, not one per chunk.
    const sent = this.values.length > 0 ? this.values : undefined;
    if (sent) this.slot.part(sent);
    const cols = encodeRows(rows, ids, this.encoders, sent, this.keys);
    this.values = cols.values;
    for (const t of cols.templates) {
      const key = `${t[0]}:${t[1]}`;
      if (!this.templateIds.has(key)) { this.templateIds.add(key); this.templates.push(t); }
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

  /** The job's own rows (those not sent ahead), its per-kind totals and summary counts. */
  finish(): { values: unknown[]; totals: Array<[EventKind, number]>; keys: unknown[]; spans: unknown[]; seal: number } {
    return { values: this.values, totals: this.keys.totals(), keys: this.keys.keys(), spans: this.keys.spans(), seal: Math.max(0, this.seal) };
  }

  /** The batch failed before its command was sent: its place is given up, the parts sent ahead dropped. */
  abort(): void { this.slot.cancel(); }
}
