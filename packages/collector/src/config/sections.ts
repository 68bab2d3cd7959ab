/**
 * The collector config's sections: section name → validator. Adding a section is one
 * entry here (its module owns the validator and reads ctx.config[name] at start).
 * A key outside these sections, or a bad value inside one, exits 2 naming its path.
 */
import { boolean, bytes, bytesFrom, duration, object, optional, string, timer, type Validator } from '@vigil/proto';
import { complianceSection } from '../compliance/settings.js';
import { validateOutputs } from '../outputs/config.js';
import { feedSection } from '../feed/config.js';
import { rulesSection } from '../rules/config.js';
import { connectionsSection, type ConnectionsConfig } from '../connections/config.js';
import { DEFAULT_MAX_LINE_BYTES } from '../ingest/line-cap.js';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../store/page-budget.js';

/** A line cap: a size of at least 64 bytes (as the agent's files[].max_line_bytes). */
const lineCap = bytesFrom(64);

export const SECTIONS: Record<string, Validator> = {
  /** Event retention by age of ingestion and by database size. */
  retention: object({
    max_age: optional(duration, 30 * 86400e3),
    max_bytes: optional(bytes),
    interval: optional(timer(), 60e3),
  }),
  /** https/wss on the listening port; the CLI flags --tls-cert/--tls-key override. */
  tls: object({ cert: optional(string), key: optional(string) }),
  /** API answers: a list page ends early (with its next_cursor) past this many bytes of rows. */
  api: object({ max_response_bytes: optional(bytes, DEFAULT_MAX_RESPONSE_BYTES) }),
  /** GET /metrics: `open: true` serves it without a token. */
  metrics: object({ open: optional(boolean, false) }),
  /** Agent sessions. */
  ingest: object({
    heartbeat_timeout: optional(duration, 60e3),
    max_frame_bytes: optional(bytes, 16 * 1024 * 1024),
    max_line_bytes: optional(lineCap, DEFAULT_MAX_LINE_BYTES),
  }),
  /** Client sockets: caps in total and per address, header and keep-alive idle timeouts. */
  connections: connectionsSection,
  /** Compliance checks: interval, grace, report_time, history, dir, per-check overrides. */
  compliance: complianceSection,
  /** Webhooks (json|slack) routed by severity and rule, grouping, retries, escalation. */
  outputs: validateOutputs,
  /** Live feed: entries kept for resuming, heartbeat period, stall limit. */
  feed: feedSection,
  /** Detection rules: folder, global allowlist, lateness, idle watermark, watch for changes. */
  rules: rulesSection,
};

export interface CoreConfig {
  retention: { max_age: number; max_bytes?: number; interval: number };
  tls: { cert?: string; key?: string };
  metrics: { open: boolean };
  api: { max_response_bytes: number };
  ingest: { heartbeat_timeout: number; max_frame_bytes: number; max_line_bytes: number };
  connections: ConnectionsConfig;
}
