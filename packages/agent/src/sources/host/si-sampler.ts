/**
 * Host sampler for systems without Linux's /proc (macOS, BSD): the same sample names,
 * read through systeminformation's cheaper calls (currentLoad, mem, fsSize, networkStats,
 * time). Loaded only there, since each call may spawn a helper process.
 */
import type { Sample } from '@vigil/proto';
import { loadavg } from 'node:os';

export interface AsyncHostSampler { sample(nowMs: number): Promise<Sample[]> }

export async function createSiSampler(): Promise<AsyncHostSampler> {
  const si = (await import('systeminformation')).default;
  const boot = si.time();
  return {
    async sample() {
      const out: Sample[] = [];
      const put = (name: string, value: number, labels?: Record<string, string>) => {
        if (Number.isFinite(value)) out.push(labels ? { name, value, labels } : { name, value });
      };
      const [load, mem, fss, nets] = await Promise.all([si.currentLoad(), si.mem(), si.fsSize(), si.networkStats('*')]);
      put('cpu.pct', load.currentLoad);
      const [l1, l5, l15] = loadavg();
      put('load.1', l1); put('load.5', l5); put('load.15', l15);
      put('memory.used', mem.total - mem.available); put('memory.total', mem.total);
      put('memory.pct', mem.total ? (100 * (mem.total - mem.available)) / mem.total : 0);
      put('swap.used', mem.swapused); put('swap.total', mem.swaptotal);
      for (const f of fss) {
        const labels = { mount: f.mount, device: f.fs, fstype: f.type };
        put('fs.used', f.used, labels); put('fs.total', f.size, labels); put('fs.used_pct', f.use, labels);
      }
      for (const n of nets) {
        if (n.rx_sec == null || n.tx_sec == null) continue;
        put('net.rx_bytes_per_s', n.rx_sec, { iface: n.iface }); put('net.tx_bytes_per_s', n.tx_sec, { iface: n.iface });
      }
      put('uptime.s', boot.uptime);
      put('boot_time.ms', Date.now() - boot.uptime * 1000);
      return out;
    },
  };
}
