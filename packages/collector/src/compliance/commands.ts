/**
 * The compliance module's write commands (spread into store/writer/commands.ts): the
 * operations catch-up, an evaluation's results with the checks' state changes, pruning of
 * the derived and history rows, and the incident and agent tracking of the bus. Times come
 * in the args from the collector's clock.
 */
import type { DB } from '../store/db.js';
import type { CommandTable } from '../store/writer/types.js';
import type { AlertChange } from '../model.js';
import type { Alert } from '../model.js';
import { catchUpOps } from './ops.js';
import { recordAlert, recordHeard, recordResults } from './writes.js';

export interface PruneArgs { now: number; historyMs: number; derivedMs: number }

export const complianceCommands = {
  /** Reads events committed since the cursor into compliance_ops; answers the rows added. */
  'compliance.catch-up': (db: DB) => (_: Record<string, never>): number => catchUpOps(db),
  'compliance.record': (db: DB) => recordResults(db),
  /** Results older than the history setting; operations and probe rows older than the longest window. */
  'compliance.prune': (db: DB) => {
    const results = db.prepare('DELETE FROM compliance_results WHERE evaluated_at < ?');
    const ops = db.prepare('DELETE FROM compliance_ops WHERE ts < ?');
    const probes = db.prepare('DELETE FROM probe_results WHERE ts < ?');
    return ({ now, historyMs, derivedMs }: PruneArgs): void => {
      results.run(now - historyMs);
      ops.run(now - derivedMs);
      probes.run(now - derivedMs);
    };
  },
  'compliance.alert': (db: DB) => ({ alert, change, at }: { alert: Alert; change: AlertChange; at: number }): void =>
    recordAlert(db, alert, change, at),
  'compliance.heard': (db: DB) => ({ agent, at }: { agent: string; at: number }): void => recordHeard(db, agent, at),
} satisfies CommandTable;
