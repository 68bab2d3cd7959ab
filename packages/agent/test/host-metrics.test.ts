// The host-metrics source on this machine's real /proc and filesystems, through an
// in-memory SourceContext; and the /proc parsers on captured text.
import { hostname } from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, type Event } from '@vigil/proto';
import type { Source, SourceContext } from '../src/sources/source.js';
import { createHostMetricsSource } from '../src/sources/host/index.js';
import { parseCpu, parseMem, parseMounts, parseNetDev } from '../src/sources/host/proc.js';

function memoryContext() {
  const events: Event[] = [];
  const ac = new AbortController();
  const ctx: SourceContext = {
    emit: (evs) => { events.push(...evs); }, checkpoint: () => undefined, checkpoints: () => [],
    room: async () => {}, log: createLogger('silent'), signal: ac.signal,
  };
  return { ctx, events, ac };
}

let running: Source | undefined;
afterEach(async () => { await running?.stop(); running = undefined; });

describe('host-metrics source', () => {
  it('emits jittered samples with CPU, load, memory, filesystems, network rates and uptime', async () => {
    const { ctx, events } = memoryContext();
    running = createHostMetricsSource({ interval: 300 });
    await running.start(ctx);
    const deadline = Date.now() + 10_000;
    while (events.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(events.length).toBeGreaterThanOrEqual(3);
    const m = events[2].metrics!;
    expect(m.hostName).toBe(hostname());
    const by = (n: string) => m.samples.filter((s) => s.name === n);
    const cpu = by('cpu.pct')[0].value;
    expect(cpu).toBeGreaterThanOrEqual(0);
    expect(cpu).toBeLessThanOrEqual(100);
    for (const n of ['load.1', 'load.5', 'load.15', 'memory.used', 'memory.total', 'swap.used', 'swap.total', 'uptime.s', 'boot_time.ms']) expect(by(n), n).toHaveLength(1);
    expect(by('memory.used')[0].value).toBeLessThan(by('memory.total')[0].value);
    expect(by('memory.pct')[0].value).toBeGreaterThan(0);
    const root = by('fs.used_pct').find((s) => s.labels?.mount === '/');
    expect(root?.value).toBeGreaterThan(0);
    expect(by('fs.inodes_used_pct').find((s) => s.labels?.mount === '/')).toBeDefined();
    expect(by('net.rx_bytes_per_s').map((s) => s.labels?.iface)).toContain('lo');
    expect(Math.abs(by('boot_time.ms')[0].value + by('uptime.s')[0].value * 1000 - events[2].timeMs)).toBeLessThan(5000);
    // the interval is kept, within its ±10% jitter (and timer slack)
    const gaps = events.slice(1).map((e, i) => e.timeMs - events[i].timeMs);
    expect(gaps.every((g) => g >= 200 && g <= 600)).toBe(true);
  });

  it('stops emitting once stopped', async () => {
    const { ctx, events } = memoryContext();
    running = createHostMetricsSource({ interval: 100 });
    await running.start(ctx);
    await running.stop();
    const n = events.length;
    await new Promise((r) => setTimeout(r, 400));
    expect(events.length).toBe(n);
  });
});

describe('/proc parsers', () => {
  it('parses cpu, meminfo, net/dev and mounts (with escaped spaces)', () => {
    expect(parseCpu('cpu  100 0 50 800 50 0 0 0 0 0\ncpu0 1 2 3 4\n')).toEqual({ busy: 150, total: 1000 });
    expect(parseMem('MemTotal: 1000 kB\nMemFree: 100 kB\nMemAvailable: 400 kB\nSwapTotal: 200 kB\nSwapFree: 50 kB\n'))
      .toEqual({ memTotal: 1024000, memUsed: 614400, swapTotal: 204800, swapUsed: 153600 });
    const net = parseNetDev('Inter-|   Receive\n face |bytes\n  eth0: 1500 10 0 0 0 0 0 0 2500 20 0 0 0 0 0 0\n');
    expect(net).toEqual({ eth0: { rx: 1500, tx: 2500 } });
    const mounts = parseMounts('/dev/vda / ext4 rw 0 0\nproc /proc proc rw 0 0\n/dev/vdb /mnt/my\\040disk xfs rw 0 0\n/dev/vda / ext4 rw 0 0\n');
    expect(mounts).toEqual([{ device: '/dev/vda', mount: '/', fstype: 'ext4' }, { device: '/dev/vdb', mount: '/mnt/my disk', fstype: 'xfs' }]);
  });
});
