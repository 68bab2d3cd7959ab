/**
 * How each wire event body becomes a stored event: its kind, its ECS fields, and any
 * derived state it updates (metric series, container state, probe results) as plain-data
 * write commands that the store's writer runs in the same transaction as the event row.
 * Log lines and data-loss records are handled by ingest itself; telemetry and probes
 * register their handlers at start, in the registry of their collector instance.
 */
import type { Event, EventBody } from '@vigil/proto';
import type { EcsFields, EventKind, StoredEvent } from '../model.js';
import type { DerivedOp } from '../store/event-commands.js';

export interface BodyHandler {
  kind: EventKind;
  /** ECS fields for the event row ('@timestamp' and 'message' at least). */
  toFields(ev: Event, agent: string): EcsFields;
  /** Optional: derived-table operations for the stored row (write commands), run inside the batch's transaction. */
  derive?(stored: StoredEvent, ev: Event): DerivedOp[];
}

/** One collector's body handlers (two collectors in one process keep their own). */
export class BodyHandlers {
  private readonly handlers = new Map<EventBody, BodyHandler>();

  register(body: EventBody, handler: BodyHandler): void { this.handlers.set(body, handler); }

  get(body: EventBody): BodyHandler | undefined { return this.handlers.get(body); }
}
