/**
 * The agent registry's writes, as commands of the write queue: hello (instance and its
 * high-water mark), heartbeat counters, disconnect, the reset at start and the mark move.
 * Writer-side code: it imports only the store, never main-thread services; the registry
 * (agents.ts) sends these and reads on its own connection.
 */
import type { DB } from './db.js';
import type { CommandTable } from './writer/types.js';

export interface HelloResult { lastSeq: number; newInstance: boolean; previousInstance: string | null }

/** The high-water-mark statements, shared with the batch command (store/event-commands.ts). */
export const HWM_SQL = {
  get: 'SELECT last_seq FROM agent_instances WHERE agent = ? AND instance_id = ?',
  set: 'UPDATE agent_instances SET last_seq = ? WHERE agent = ? AND instance_id = ?',
  seen: 'UPDATE agents SET last_seen = ?, lag_ms = coalesce(?, lag_ms) WHERE name = ?',
};

export interface HelloArgs { name: string; version: string | null; host: string | null; instance: string; boot: string | null; now: number; skew: number | null }
export interface BeatArgs {
  name: string; now: number; skew: number | null; lines: number | null; bytes: number | null;
  drops: number | null; trunc: number | null; stats: string | null;
}

export const agentCommands = {
  'agents.hello': (db: DB) => {
    const getAgent = db.prepare('SELECT instance_id FROM agents WHERE name = ?').pluck();
    const upsert = db.prepare(`INSERT INTO agents (name, version, host, instance_id, boot_id, first_seen, last_seen, connected, clock_skew_ms)
      VALUES (@name, @version, @host, @instance, @boot, @now, @now, 1, @skew)
      ON CONFLICT (name) DO UPDATE SET version = @version, host = @host, instance_id = @instance,
        boot_id = @boot, last_seen = @now, connected = 1, clock_skew_ms = @skew`);
    const getInst = db.prepare(HWM_SQL.get).pluck();
    const addInst = db.prepare('INSERT OR IGNORE INTO agent_instances (agent, instance_id, last_seq, first_seen) VALUES (?, ?, 0, ?)');
    return (a: HelloArgs): HelloResult => {
      const previous = (getAgent.get(a.name) as string | null | undefined) ?? null;
      upsert.run(a);
      const known = getInst.get(a.name, a.instance) as number | undefined;
      if (known === undefined) addInst.run(a.name, a.instance, a.now);
      return { lastSeq: known ?? 0, newInstance: known === undefined, previousInstance: previous };
    };
  },
  'agents.heartbeat': (db: DB) => {
    const beat = db.prepare(`UPDATE agents SET last_seen = @now, clock_skew_ms = coalesce(@skew, clock_skew_ms),
        lines_read = coalesce(@lines, lines_read), bytes_read = coalesce(@bytes, bytes_read),
        events_dropped = coalesce(@drops, events_dropped), lines_truncated = coalesce(@trunc, lines_truncated),
        stats = coalesce(@stats, stats) WHERE name = @name`);
    return (a: BeatArgs): null => { beat.run(a); return null; };
  },
  'agents.disconnect': (db: DB) => {
    const gone = db.prepare('UPDATE agents SET connected = 0, last_seen = ? WHERE name = ?');
    return (a: { name: string; now: number }): null => { gone.run(a.now, a.name); return null; };
  },
  'agents.reset': (db: DB) => {
    const reset = db.prepare('UPDATE agents SET connected = 0');
    return (_a: Record<string, never>): null => { reset.run(); return null; };
  },
  'agents.setLastSeq': (db: DB) => {
    const setSeq = db.prepare(HWM_SQL.set);
    const seen = db.prepare(HWM_SQL.seen);
    return (a: { name: string; instance: string; seq: number; lag: number | null; now: number }): null => {
      setSeq.run(a.seq, a.name, a.instance);
      seen.run(a.now, a.lag, a.name);
      return null;
    };
  },
} satisfies CommandTable;
