/**
 * The alerts module's write commands (spread into store/writer/commands.ts): engine updates
 * applied with silence matching in the same transaction, acknowledge/resolve, escalation
 * marks, silences created and expired. Args carry the caller's clock; "not found" is a
 * result ({ ok: false }), never a thrown error, so it crosses a worker boundary as data.
 */
import type { CommandTable } from '../store/writer/types.js';
import type { DB } from '../store/db.js';
import type { Actor, AlertUpdate } from './types.js';
import type { Alert } from '../model.js';
import type { Silence } from './silences/store.js';
import { silencesOf } from './silences/store.js';
import { SilenceWrites, type NewSilence } from './silences/writes.js';
import { AlertWrites, type Applied } from './writes.js';

export type NotFound = { ok: false; reason: 'not-found' };

export interface ApplyResult {
  /** The changes stored, in the order of the updates. */
  changes: Applied[];
  /** Updates that could not be stored (malformed): nothing of them was written. */
  dropped: Array<{ key: string | undefined; error: string }>;
}

export const alertCommands = {
  'alerts.apply': (db: DB) => {
    const alerts = new AlertWrites(db);
    const silences = silencesOf(db);
    return ({ updates, now }: { updates: AlertUpdate[]; now: number }): ApplyResult => {
      const out: ApplyResult = { changes: [], dropped: [] };
      for (const u of updates) {
        try {
          const silence = silences.match({ 'rule.id': u.rule.id, group: u.group, 'agent.name': u.agent }, now);
          const res = alerts.apply(u, silence, now);
          if (res) out.changes.push(res);
        } catch (err) {
          out.dropped.push({ key: typeof u?.key === 'string' ? u.key : undefined, error: (err as Error).message });
        }
      }
      return out;
    };
  },
  'alerts.transition': (db: DB) => {
    const alerts = new AlertWrites(db);
    return ({ id, to, who, now }: { id: number; to: 'acknowledged' | 'resolved'; who: Actor; now: number }):
      { ok: true; alert: Alert; changed: boolean } | NotFound => {
      const res = alerts.transition(id, to, who, now);
      return res ? { ok: true, ...res } : { ok: false, reason: 'not-found' };
    };
  },
  'alerts.escalate': (db: DB) => {
    const alerts = new AlertWrites(db);
    return ({ id, now }: { id: number; now: number }): { ok: true } | NotFound =>
      (alerts.markEscalated(id, now) ? { ok: true } : { ok: false, reason: 'not-found' });
  },
  'silences.create': (db: DB) => {
    const silences = new SilenceWrites(db);
    return (s: NewSilence): Silence => silences.create(s);
  },
  'silences.expire': (db: DB) => {
    const silences = new SilenceWrites(db);
    return ({ id, who, now }: { id: number; who: Actor; now: number }): { ok: true; silence: Silence } | NotFound => {
      const silence = silences.expire(id, who, now);
      return silence ? { ok: true, silence } : { ok: false, reason: 'not-found' };
    };
  },
} satisfies CommandTable;
