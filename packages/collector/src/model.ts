/**
 * The collector's shared data shapes: ECS events as flat objects with dotted keys
 * (`source.ip`, `event.category`, ...), stored events, and alerts as the contract names
 * their fields. Every module that passes events or alerts around speaks these types.
 */

/** ECS fields, flat, dotted keys: { '@timestamp': '...', 'event.outcome': 'failure', ... }. */
export type EcsFields = Record<string, unknown>;

/** An event as committed to the store: its id, the agent that sent it and its ECS fields. */
export interface StoredEvent {
  id: number;          // store row id, monotonic
  agent: string;       // agent name
  seq: number;         // agent sequence number
  kind: EventKind;     // which family: log lines, metrics, container, probe, loss, audit
  fields: EcsFields;   // includes '@timestamp', 'message', 'agent.name', 'log.file.path', 'log.offset', ...
}
/**
 * A stored event as the 'committed' bus event names it: its fields went to the 'accepted'
 * listeners before the commit, and are not kept for it.
 */
export type CommittedEvent = Pick<StoredEvent, 'id' | 'agent' | 'seq' | 'kind'>;

/** An event on its way into the store: decoded fields, before it has a row id. */
export interface NewEvent {
  agent: string;
  seq: number;
  kind: EventKind;
  /** ms; when the collector committed it. */
  ingested: number;
  /** Fallback @timestamp (ms) when the fields carry none that parses. */
  timeMs: number;
  type?: string;
  fields: EcsFields;
}

export type EventKind = 'log' | 'metric' | 'container' | 'probe' | 'loss' | 'audit';

export type Severity = 'P1' | 'P2' | 'P3' | 'P4';
export type AlertStatus = 'open' | 'acknowledged' | 'resolved';

/** An alert, with the contract's field names. */
export interface Alert {
  id: string;
  'rule.id': string;
  'rule.name': string;
  severity: Severity;
  status: AlertStatus;
  group: Record<string, string>;
  count: number;
  first_seen: string;   // RFC 3339, event time
  last_seen: string;
  'agent.name'?: string;
  'threat.technique.id'?: string;
  evidence: Array<number | string>;
  [extra: string]: unknown;
}

/** How an alert changed (the bus 'alert' event's second argument). */
export type AlertChange = 'opened' | 'updated' | 'acknowledged' | 'resolved';
