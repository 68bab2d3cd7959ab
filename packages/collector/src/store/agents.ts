/**
 * The agent registry: who connected (name, version, host facts from Hello), which
 * instance owns its sequence numbers and the highest one stored, first/last seen,
 * connection state, clock skew, ingest lag and the counters agents report in heartbeats.
 * Online means connected and heard from within the heartbeat timeout.
 */
import type { DB } from './db.js';
import type { AgentStats, Hello } from '@vigil/proto';

export interface AgentInfo {
  name: string;
  status: 'online' | 'offline';
  version: string | null;
  host: Record<string, unknown> | null;
  instance_id: string | null;
  first_seen: string;
  last_seen: string;
  clock_skew_ms: number | null;
  lag_ms: number | null;
  lines_read: number;
  bytes_read: number;
  events_dropped: number;
  lines_truncated: number;
  last_seq: number;
  /** From the last heartbeat: since when the agent's state disk is full (reading paused), or null. */
  disk_full_since: string | null;
  writes_refused: number;
}

export interface AgentRegistry {
  /** Records a Hello; returns the instance's stored high-water mark and whether it is new. */
  hello(h: Hello, nowMs: number): { lastSeq: number; newInstance: boolean; previousInstance: string | null };
  heartbeat(name: string, agentClockMs: number | undefined, stats: AgentStats | undefined, nowMs: number): void;
  disconnected(name: string, nowMs: number): void;
  /** Marks every agent disconnected (collector start: no connections survive a restart). */
  resetConnections(): void;
  /** High-water mark of one instance; inside the batch transaction. */
  lastSeq(name: string, instanceId: string): number;
  setLastSeq(name: string, instanceId: string, seq: number, lagMs: number | null, nowMs: number): void;
  list(nowMs: number): AgentInfo[];
  onlineCount(nowMs: number): number;
  maxLagMs(nowMs: number): number;
}

/** The disk-full state of an agent's last heartbeat (stats JSON as stored). */
function diskState(stats: string | null): { disk_full_since: string | null; writes_refused: number } {
  const s = stats ? (JSON.parse(stats) as AgentStats) : {};
  const since = Number(s.diskFullSinceMs ?? 0);
  return {
    disk_full_since: since > 0 && Number.isFinite(since) ? new Date(since).toISOString() : null,
    writes_refused: Number(s.writesRefused ?? 0) || 0,
  };
}

/** The high-water-mark statements, shared with the ingest writer thread (store/event-writer.ts). */
export const HWM_SQL = {
  get: 'SELECT last_seq FROM agent_instances WHERE agent = ? AND instance_id = ?',
  set: 'UPDATE agent_instances SET last_seq = ? WHERE agent = ? AND instance_id = ?',
  seen: 'UPDATE agents SET last_seen = ?, lag_ms = coalesce(?, lag_ms) WHERE name = ?',
};

interface AgentRow {
  name: string; version: string | null; host: string | null; instance_id: string | null;
  first_seen: number; last_seen: number; connected: number; clock_skew_ms: number | null;
  lag_ms: number | null; lines_read: number; bytes_read: number; events_dropped: number;
  lines_truncated: number; last_seq: number | null; stats: string | null;
}

export function createAgentRegistry(writer: DB, reader: DB, heartbeatTimeoutMs = 60_000): AgentRegistry {
  const getAgent = writer.prepare('SELECT instance_id FROM agents WHERE name = ?').pluck();
  const upsert = writer.prepare(`INSERT INTO agents (name, version, host, instance_id, boot_id, first_seen, last_seen, connected, clock_skew_ms)
    VALUES (@name, @version, @host, @instance, @boot, @now, @now, 1, @skew)
    ON CONFLICT (name) DO UPDATE SET version = @version, host = @host, instance_id = @instance,
      boot_id = @boot, last_seen = @now, connected = 1, clock_skew_ms = @skew`);
  const getInst = writer.prepare(HWM_SQL.get).pluck();
  const addInst = writer.prepare('INSERT OR IGNORE INTO agent_instances (agent, instance_id, last_seq, first_seen) VALUES (?, ?, 0, ?)');
  const setSeq = writer.prepare(HWM_SQL.set);
  const seen = writer.prepare(HWM_SQL.seen);
  const beat = writer.prepare(`UPDATE agents SET last_seen = @now, clock_skew_ms = coalesce(@skew, clock_skew_ms),
      lines_read = coalesce(@lines, lines_read), bytes_read = coalesce(@bytes, bytes_read),
      events_dropped = coalesce(@drops, events_dropped), lines_truncated = coalesce(@trunc, lines_truncated),
      stats = coalesce(@stats, stats) WHERE name = @name`);
  const gone = writer.prepare('UPDATE agents SET connected = 0, last_seen = ? WHERE name = ?');
  const all = reader.prepare(`SELECT a.*, i.last_seq FROM agents a
    LEFT JOIN agent_instances i ON i.agent = a.name AND i.instance_id = a.instance_id ORDER BY a.name`);
  const online = reader.prepare('SELECT COUNT(*) FROM agents WHERE connected = 1 AND last_seen >= ?').pluck();
  const lag = reader.prepare('SELECT MAX(lag_ms) FROM agents WHERE connected = 1 AND last_seen >= ?').pluck();
  const num = (v: number | undefined) => (v === undefined ? null : v);

  return {
    hello(h, now) {
      return writer.transaction(() => {
        const previous = (getAgent.get(h.agentName) as string | null | undefined) ?? null;
        upsert.run({
          name: h.agentName, version: h.version ?? null, host: h.host ? JSON.stringify({ ...h.host }) : null, // plain copy: protobuf's toJSON would turn int64 into strings
          instance: h.instanceId, boot: h.bootId ?? null, now,
          skew: h.clockMs ? now - h.clockMs : null,
        });
        const known = getInst.get(h.agentName, h.instanceId) as number | undefined;
        if (known === undefined) addInst.run(h.agentName, h.instanceId, now);
        return { lastSeq: known ?? 0, newInstance: known === undefined, previousInstance: previous };
      }).immediate();
    },
    heartbeat(name, clock, stats, now) {
      beat.run({
        name, now, skew: clock ? now - clock : null,
        lines: num(stats?.linesRead), bytes: num(stats?.bytesRead), drops: num(stats?.eventsDropped),
        trunc: num(stats?.linesTruncated), stats: stats ? JSON.stringify(stats) : null,
      });
    },
    disconnected(name, now) { gone.run(now, name); },
    resetConnections() { writer.exec('UPDATE agents SET connected = 0'); },
    lastSeq(name, instanceId) { return (getInst.get(name, instanceId) as number | undefined) ?? 0; },
    setLastSeq(name, instanceId, seq, lagMs, now) {
      setSeq.run(seq, name, instanceId);
      seen.run(now, lagMs, name);
    },
    list(now) {
      return (all.all() as AgentRow[]).map((r) => ({
        name: r.name,
        status: r.connected === 1 && now - r.last_seen <= heartbeatTimeoutMs ? 'online' : 'offline',
        version: r.version,
        host: r.host ? (JSON.parse(r.host) as Record<string, unknown>) : null,
        instance_id: r.instance_id,
        first_seen: new Date(r.first_seen).toISOString(),
        last_seen: new Date(r.last_seen).toISOString(),
        clock_skew_ms: r.clock_skew_ms,
        lag_ms: r.lag_ms,
        lines_read: r.lines_read, bytes_read: r.bytes_read,
        events_dropped: r.events_dropped, lines_truncated: r.lines_truncated,
        last_seq: r.last_seq ?? 0,
        ...diskState(r.stats),
      }));
    },
    onlineCount(now) { return online.get(now - heartbeatTimeoutMs) as number; },
    maxLagMs(now) { return (lag.get(now - heartbeatTimeoutMs) as number | null) ?? 0; },
  };
}
