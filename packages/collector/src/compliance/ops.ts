/**
 * Backup and deployment operations, derived from stored log events: a catch-up pass
 * reads events of type backup/deployment committed since its cursor (a primary-key
 * range, so each pass costs only what arrived since the last one) and keeps one compliance_ops row per status line
 * (started, succeeded, failed, rolled_back). Evaluators query these small indexed rows
 * instead of scanning 30 days of all events.
 */
import type { DB } from '../store/db.js';
import { unpackFields, type StoredRow } from '../store/event-row.js';
import { hasTable } from './schema.js';

const STATUSES = new Set(['started', 'succeeded', 'failed', 'rolled_back']);
const CHUNK = 5000;

export interface OpRow {
  event_id: number; family: 'backup' | 'deployment'; ts: number; agent: string | null;
  name: string | null; op_kind: string | null; op_id: string | null; version: string | null;
  action: string; outcome: string | null; duration_ns: number | null; size: number | null; error: string | null;
}

/** Reads new events into compliance_ops; returns how many operations rows were added. */
export function catchUpOps(db: DB): number {
  if (!hasTable(db, 'events')) return 0;
  const cur = db.prepare("SELECT value FROM compliance_cursor WHERE name = 'ops'").get() as { value: number } | undefined;
  let after = cur?.value ?? 0;
  const hi = (db.prepare('SELECT MAX(id) AS id FROM events').get() as { id: number | null }).id ?? 0;
  if (hi <= after) return 0;
  // Only backup and deployment lines leave SQLite; the id range bounds the scan to new rows.
  const select = db.prepare(`SELECT id, agent, ts, ingested, type, action, outcome, message, fields, shape FROM events
     WHERE id > ? AND id <= ? AND type IN ('backup', 'deployment') ORDER BY id LIMIT ${CHUNK}`);
  const insert = db.prepare(`INSERT OR IGNORE INTO compliance_ops
     (event_id, family, ts, agent, name, op_kind, op_id, version, action, outcome, duration_ns, size, error)
     VALUES (@event_id, @family, @ts, @agent, @name, @op_kind, @op_id, @version, @action, @outcome, @duration_ns, @size, @error)`);
  const save = db.prepare("INSERT INTO compliance_cursor (name, value) VALUES ('ops', ?) ON CONFLICT(name) DO UPDATE SET value = excluded.value");
  let added = 0;
  for (;;) {
    const rows = select.all(after, hi) as EventRowLite[];
    db.transaction(() => {
      for (const r of rows) {
        const op = toOp(db, r);
        if (op) added += insert.run(op).changes;
      }
      after = rows.length < CHUNK ? hi : rows[rows.length - 1].id;
      save.run(after);
    })();
    if (after >= hi) break;
  }
  return added;
}

interface EventRowLite extends StoredRow { id: number; action: string | null; outcome: string | null }

function toOp(db: DB, r: EventRowLite): OpRow | null {
  if (!r.action || !STATUSES.has(r.action)) return null; // started/succeeded/failed/rolled_back only
  let f: Record<string, unknown>;
  try { f = JSON.parse(unpackFields(r, db)) as Record<string, unknown>; } catch { return null; }
  const family = r.type as 'backup' | 'deployment';
  const action = r.action;
  const str = (k: string): string | null => (f[k] === undefined || f[k] === null ? null : String(f[k]));
  const num = (k: string): number | null => (typeof f[k] === 'number' && Number.isFinite(f[k]) ? (f[k] as number) : null);
  const backup = family === 'backup';
  return {
    event_id: r.id, family, ts: r.ts, agent: r.agent ?? null,
    name: backup ? str('backup.job') : str('deployment.service'),
    op_kind: backup ? str('backup.kind') : null,
    op_id: backup ? null : str('deployment.id'),
    version: backup ? null : str('deployment.version'),
    action, outcome: r.outcome ?? str('event.outcome'),
    duration_ns: num('event.duration'), size: num('backup.size'), error: str('error.message'),
  };
}
