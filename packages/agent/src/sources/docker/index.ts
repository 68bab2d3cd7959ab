/**
 * The Docker source: discovers containers, forwards lifecycle events (start, die with exit
 * code, oom, kill, health_status, destroy, ...), and every `interval` ms reconciles through
 * list + inspect (so nothing is missed if the stream drops) and samples per-container usage.
 * Emits `containerEvent` at once, `containerState` when a container's state changes, and
 * one `metrics` event a round with container.* samples labelled by container.id/name.
 * Without a socket it warns once and keeps retrying quietly; other sources are unaffected.
 */
import Docker from 'dockerode';
import type { ContainerState, Event, Sample } from '@vigil/proto';
import type { Source, SourceContext } from '../source.js';
import { eventFromDocker, stateFromInspect, type InspectJson } from './inspect.js';
import { EventStream } from './stream.js';
import { UsageReader, type Usage } from './usage.js';

export interface DockerConfig { socket: string; interval: number }
type Tracked = ContainerState & { pid: number };

const FULL_INSPECT_EVERY = 6; // rounds; list-driven inspects cover changes in between

export function createDockerSource(cfg: DockerConfig): Source {
  const socket = cfg.socket || '/var/run/docker.sock';
  const interval = cfg.interval > 0 ? cfg.interval : 10_000;
  const api = new Docker({ socketPath: socket, timeout: 15_000 });
  const usage = new UsageReader(api);
  const known = new Map<string, Tracked>();
  const emitted = new Map<string, string>(); // id -> signature of the last state sent
  const lastUsage = new Map<string, Usage>();
  let ctx: SourceContext;
  let stream: EventStream | undefined;
  let loop: Promise<void> | undefined;
  let timer: NodeJS.Timeout | undefined;
  let connected = false, warned = false, stopped = false, round = 0;
  const pending = new Map<string, NodeJS.Timeout>();
  const heard = new Set<string>(); // containers with an event since the last reconcile

  const emit = (events: Event[]) => {
    if (stopped || !events.length) return;
    try { ctx.emit(events); } catch { /* logged by the context (e.g. state disk full); the stream goes on */ }
  };
  const signature = (s: ContainerState) =>
    [s.name, s.image, s.state, s.health, s.restartCount, s.exitCode, s.oomKilled, s.removed].join('|');

  function stateEvent(s: Tracked): Event {
    const { pid: _pid, ...state } = s;
    const u = lastUsage.get(s.id);
    if (u) Object.assign(state, {
      cpuPct: u.cpuPct, memoryUsage: u.memUsage, memoryLimit: u.memLimit,
      netRxBytes: u.netRx, netTxBytes: u.netTx, blkReadBytes: u.blkRead, blkWriteBytes: u.blkWrite,
    });
    return { timeMs: Date.now(), containerState: state };
  }

  function publish(s: Tracked): void {
    known.set(s.id, s);
    const sig = signature(s);
    if (emitted.get(s.id) === sig) return;
    emitted.set(s.id, sig);
    emit([stateEvent(s)]);
  }

  function removed(id: string): void {
    const s = known.get(id);
    known.delete(id); lastUsage.delete(id); usage.forget(id);
    if (!s || emitted.get(id) === 'removed') return;
    emitted.set(id, 'removed');
    emit([stateEvent({ ...s, removed: true })]);
  }

  async function inspect(id: string): Promise<void> {
    try {
      publish(stateFromInspect((await api.getContainer(id).inspect()) as unknown as InspectJson));
    } catch (err) {
      if ((err as { statusCode?: number }).statusCode === 404) removed(id);
    }
  }

  /** Inspects a container shortly after its event, coalescing bursts. */
  function inspectSoon(id: string): void {
    if (pending.has(id)) return;
    pending.set(id, setTimeout(() => { pending.delete(id); void inspect(id); }, 150));
  }

  async function reconcile(full: boolean): Promise<void> {
    const list = await api.listContainers({ all: true });
    const seen = new Set<string>();
    let unheard = false;
    for (const c of list) {
      seen.add(c.Id);
      const k = known.get(c.Id);
      const health = /\((healthy|unhealthy|health: starting)\)/.exec(c.Status)?.[1]?.replace('health: ', '') ?? 'none';
      const changed = !k || k.state !== c.State || k.health !== health;
      if (changed && !heard.has(c.Id)) unheard = true;
      if (full || changed) await inspect(c.Id);
    }
    for (const id of [...known.keys()]) if (!seen.has(id)) { removed(id); if (!heard.has(id)) unheard = true; }
    heard.clear();
    // A change the event stream never told of: the stream may be stale (e.g. dockerd was
    // replaced under it). Reopen it; `since` replays what was missed.
    if (unheard && !full && connected) {
      ctx.log.debug('docker change without an event; reopening the event stream');
      stream?.reconnect();
    }
  }

  async function sampleUsage(): Promise<void> {
    const samples: Sample[] = [];
    for (const s of known.values()) {
      if (s.state !== 'running') continue;
      const u = await usage.read(s.id, s.pid);
      if (!u) continue;
      lastUsage.set(s.id, u);
      const labels = { 'container.id': s.id, 'container.name': s.name ?? '' };
      const put = (name: string, v: number | undefined) => { if (v !== undefined && Number.isFinite(v)) samples.push({ name, value: v, labels }); };
      put('container.cpu.pct', u.cpuPct); put('container.memory.usage', u.memUsage); put('container.memory.limit', u.memLimit);
      put('container.net.rx_bytes', u.netRx); put('container.net.tx_bytes', u.netTx);
      put('container.blk.read_bytes', u.blkRead); put('container.blk.write_bytes', u.blkWrite);
    }
    if (samples.length) {
      await ctx.room();
      emit([{ timeMs: Date.now(), metrics: { samples } }]);
    }
  }

  async function tick(): Promise<void> {
    if (connected) {
      try {
        await reconcile(++round % FULL_INSPECT_EVERY === 0);
        await sampleUsage();
      } catch (err) {
        ctx.log.debug('docker reconcile failed', { error: (err as Error).message });
      }
    }
    if (!stopped) timer = setTimeout(tick, Math.round(interval * (0.9 + 0.2 * Math.random())));
  }

  return {
    name: 'docker',
    async start(c: SourceContext) {
      ctx = c;
      stream = new EventStream(new Docker({ socketPath: socket }), socket, {
        onConnected: async () => {
          if (warned || round > 0) ctx.log.info('docker connected', { socket });
          connected = true; warned = false;
          await reconcile(true);
          await sampleUsage();
        },
        onEvent: (e) => {
          const ev = eventFromDocker(e);
          if (!ev) return;
          heard.add(ev.id);
          emit([{ timeMs: Math.round((ev.timeNano ?? 0) / 1e6) || Date.now(), containerEvent: ev }]);
          if (ev.action === 'destroy') removed(ev.id); else inspectSoon(ev.id);
        },
        onDisconnected: (reason) => { connected = false; ctx.log.warn('docker event stream lost; reconnecting', { reason }); },
        onUnavailable: (reason) => {
          connected = false;
          if (!warned) ctx.log.warn('docker unavailable; container telemetry paused, retrying', { socket, reason });
          warned = true;
        },
      });
      loop = stream.run();
      timer = setTimeout(tick, interval);
      ctx.signal.addEventListener('abort', () => { void this.stop(); }, { once: true });
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      for (const t of pending.values()) clearTimeout(t);
      stream?.stop();
      await loop;
    },
  };
}
