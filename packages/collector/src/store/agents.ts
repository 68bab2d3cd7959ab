/**
 * The agent registry: who connected (name, version, host facts from Hello), which
 * instance owns its sequence numbers and the highest one stored, first/last seen,
 * connection state, clock skew, ingest lag and the counters agents report in heartbeats.
 * Online means connected and heard from within the heartbeat timeout. Its writes are
 * commands of the write queue (agent-writes.ts); times come from the caller's clock.
 */
import type { DB } from './db.js';
import type { AgentStats, Hello } from '@vigil/proto';
import { HWM_SQL, type HelloResult } from './agent-writes.js';
import type { WriteQueue } from './writer/queue.js';

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
  hello(h: Hello, nowMs: number): Promise<HelloResult>;
  heartbeat(name: string, agentClockMs: number | undefined, stats: AgentStats | undefined, nowMs: number): Promise<void>;
  disconnected(name: string, nowMs: number): Promise<void>;
  /** Marks every agent disconnected (collector start: no connections survive a restart). */
  resetConnections(): Promise<void>;
  /** High-water mark of one instance, as committed. */
  lastSeq(name: string, instanceId: string): number;
  setLastSeq(name: string, instanceId: string, seq: number, lagMs: number | null, nowMs: number): Promise<void>;
  list(nowMs: number): AgentInfo[];
  onlineCount(nowMs: number): number;
  maxLagMs(nowMs: number): number;
}

export type { HelloResult } from './agent-writes.js';

/** The disk-full state of an agent's last heartbeat (stats JSON as stored). */
function diskState(stats: string | null): { disk_full_since: string | null; writes_refused: number } {
  const s = stats ? (JSON.parse(stats) as AgentStats) : {};
  const since = Number(s.diskFullSinceMs ?? 0);
  return {
    disk_full_since: since > 0 && Number.isFinite(since) ? new Date(since).toISOString() : null,
    writes_refused: Number(s.writesRefused ?? 0) || 0,
  };
}

interface AgentRow {
  name: string; version: string | null; host: string | null; instance_id: string | null;
  first_seen: number; last_seen: number; connected: number; clock_skew_ms: number | null;
  lag_ms: number | null; lines_read: number; bytes_read: number; events_dropped: number;
  lines_truncated: number; last_seq: number | null; stats: string | null;
}

export function createAgentRegistry(writer: WriteQueue, reader: DB, heartbeatTimeoutMs = 60_000): AgentRegistry {
  const getInst = reader.prepare(HWM_SQL.get).pluck();
  const all = reader.prepare(`SELECT a.*, i.last_seq FROM agents a
    LEFT JOIN agent_instances i ON i.agent = a.name AND i.instance_id = a.instance_id ORDER BY a.name`);
  const online = reader.prepare('SELECT COUNT(*) FROM agents WHERE connected = 1 AND last_seen >= ?').pluck();
  const lag = reader.prepare('SELECT MAX(lag_ms) FROM agents WHERE connected = 1 AND last_seen >= ?').pluck();
  const num = (v: number | undefined) => (v === undefined ? null : v);
  const done = () => undefined;

  return {
    hello(h, now) {
      return writer.run('agents.hello', {
        name: h.agentName, version: h.version ?? null, host: h.host ? JSON.stringify({ ...h.host }) : null, // plain copy: protobuf's toJSON would turn int64 into strings
        instance: h.instanceId, boot: h.bootId ?? null, now, skew: h.clockMs ? now - h.clockMs : null,
      });
    },
    heartbeat(name, clock, stats, now) {
      return writer.run('agents.heartbeat', {
        name, now, skew: clock ? now - clock : null,
        lines: num(stats?.linesRead), bytes: num(stats?.bytesRead), drops: num(stats?.eventsDropped),
        trunc: num(stats?.linesTruncated), stats: stats ? JSON.stringify(stats) : null,
      }).then(done);
    },
    disconnected(name, now) { return writer.run('agents.disconnect', { name, now }).then(done); },
    resetConnections() { return writer.run('agents.reset', {}).then(done); },
    lastSeq(name, instanceId) { return (getInst.get(name, instanceId) as number | undefined) ?? 0; },
    setLastSeq(name, instance, seq, lagMs, now) { return writer.run('agents.setLastSeq', { name, instance, seq, lag: lagMs, now }).then(done); },
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
