/**
 * Registry of how each wire event body becomes a stored event: its kind, its ECS fields,
 * and any derived state it updates (metric series, container state, probe results) in
 * the same transaction as the event row. Log lines and data-loss records are handled by
 * ingest itself; telemetry and probes register their handlers here at start.
 */
import type { Event, EventBody } from '@vigil/proto';
import type { DB } from '../store/db.js';
import type { EcsFields, EventKind, StoredEvent } from '../model.js';

export interface BodyHandler {
  kind: EventKind;
  /** ECS fields for the event row ('@timestamp' and 'message' at least). */
  toFields(ev: Event, agent: string): EcsFields;
  /** Optional: update derived tables; runs inside the batch's transaction. */
  afterInsert?(db: DB, stored: StoredEvent, ev: Event): void;
}

const handlers = new Map<EventBody, BodyHandler>();

export function registerBodyHandler(body: EventBody, handler: BodyHandler): void {
  handlers.set(body, handler);
}

export function bodyHandler(body: EventBody): BodyHandler | undefined {
  return handlers.get(body);
}
