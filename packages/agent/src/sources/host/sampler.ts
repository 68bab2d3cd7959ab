/**
 * Turns host readings into wire samples. Keeps the state rates need (previous CPU jiffies
 * and network counters with their time) and caches static facts: boot time once, and the
 * mount list re-read every `mountsEvery` samples rather than each time.
 * Sample names: cpu.pct, load.1/5/15, memory.used/total/pct, swap.used/total,
 * fs.used/total/used_pct and fs.inodes_used/total/used_pct {mount,device,fstype},
 * net.rx_bytes_per_s/net.tx_bytes_per_s {iface}, uptime.s, boot_time.ms.
 */
import type { Sample } from '@vigil/proto';
import { fsUsage, procReaders, type CpuTimes, type NetCounters } from './proc.js';

export interface HostSampler { sample(nowMs: number): Sample[] }

export function createProcSampler(opts: { mountsEvery?: number } = {}): HostSampler {
  const r = procReaders;
  let prevCpu: CpuTimes | undefined;
  let prevNet: { at: number; c: NetCounters } | undefined;
  let mounts = r.mounts();
  let n = 0;
  const bootMs = Math.round(Date.now() - r.uptimeS() * 1000);

  return {
    sample(nowMs) {
      const out: Sample[] = [];
      const put = (name: string, value: number, labels?: Record<string, string>) => {
        if (Number.isFinite(value)) out.push(labels ? { name, value, labels } : { name, value });
      };
      const cpu = r.cpu();
      if (prevCpu && cpu.total > prevCpu.total) put('cpu.pct', (100 * (cpu.busy - prevCpu.busy)) / (cpu.total - prevCpu.total));
      prevCpu = cpu;

      const [l1, l5, l15] = r.load();
      put('load.1', l1); put('load.5', l5); put('load.15', l15);

      const m = r.mem();
      put('memory.used', m.memUsed); put('memory.total', m.memTotal);
      put('memory.pct', m.memTotal ? (100 * m.memUsed) / m.memTotal : 0);
      put('swap.used', m.swapUsed); put('swap.total', m.swapTotal);

      if (++n % (opts.mountsEvery ?? 6) === 0) mounts = r.mounts();
      for (const mt of mounts) {
        const u = fsUsage(mt);
        if (!u) continue;
        const labels = { mount: u.mount, device: u.device, fstype: u.fstype };
        put('fs.used', u.used, labels); put('fs.total', u.total, labels); put('fs.used_pct', u.usedPct, labels);
        if (u.inodesTotal !== undefined) {
          put('fs.inodes_used', u.inodesUsed!, labels); put('fs.inodes_total', u.inodesTotal, labels);
          put('fs.inodes_used_pct', u.inodesPct!, labels);
        }
      }

      const net = r.net();
      if (prevNet && nowMs > prevNet.at) {
        const dt = (nowMs - prevNet.at) / 1000;
        for (const [iface, c] of Object.entries(net)) {
          const p = prevNet.c[iface];
          if (!p || c.rx < p.rx || c.tx < p.tx) continue; // new interface or counter reset
          put('net.rx_bytes_per_s', (c.rx - p.rx) / dt, { iface });
          put('net.tx_bytes_per_s', (c.tx - p.tx) / dt, { iface });
        }
      }
      prevNet = { at: nowMs, c: net };

      put('uptime.s', r.uptimeS());
      put('boot_time.ms', bootMs);
      return out;
    },
  };
}
