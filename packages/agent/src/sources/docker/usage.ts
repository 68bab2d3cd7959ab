/**
 * Per-container resource usage for each sampling round: cgroup files where readable
 * (cgroup.ts), otherwise one one-shot stats call (never a stats stream). CPU % is the
 * container's CPU time over wall time between two rounds, in percent of one core.
 */
import type Docker from 'dockerode';
import { readCgroupUsage, type RawUsage } from './cgroup.js';

export interface Usage extends RawUsage { cpuPct?: number; via: 'cgroup' | 'stats' }

interface StatsJson {
  cpu_stats?: { cpu_usage?: { total_usage?: number } };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op: string; value: number }> | null };
}

/** Maps a one-shot /containers/{id}/stats answer to RawUsage. */
export function usageFromStats(s: StatsJson): RawUsage {
  const ms = s.memory_stats ?? {};
  const inactive = ms.stats?.total_inactive_file ?? ms.stats?.inactive_file ?? 0;
  let netRx = 0, netTx = 0, blkRead = 0, blkWrite = 0;
  for (const n of Object.values(s.networks ?? {})) { netRx += n.rx_bytes ?? 0; netTx += n.tx_bytes ?? 0; }
  for (const b of s.blkio_stats?.io_service_bytes_recursive ?? []) {
    if (/^read$/i.test(b.op)) blkRead += b.value; else if (/^write$/i.test(b.op)) blkWrite += b.value;
  }
  return {
    cpuNs: s.cpu_stats?.cpu_usage?.total_usage ?? 0,
    memUsage: Math.max(0, (ms.usage ?? 0) - inactive),
    memLimit: ms.limit && ms.limit < 2 ** 62 ? ms.limit : undefined,
    netRx, netTx, blkRead, blkWrite,
  };
}

export class UsageReader {
  private prev = new Map<string, { at: number; cpuNs: number }>();
  constructor(private docker: Docker) {}

  async read(id: string, pid: number): Promise<Usage | undefined> {
    let raw: RawUsage | undefined = readCgroupUsage(pid);
    let via: Usage['via'] = 'cgroup';
    if (!raw) {
      try {
        const s = await this.docker.getContainer(id).stats({ stream: false, 'one-shot': true });
        raw = usageFromStats(s as StatsJson);
        via = 'stats';
      } catch {
        return undefined; // gone meanwhile
      }
    }
    const now = performance.now();
    const p = this.prev.get(id);
    this.prev.set(id, { at: now, cpuNs: raw.cpuNs });
    const cpuPct = p && now > p.at && raw.cpuNs >= p.cpuNs ? (raw.cpuNs - p.cpuNs) / ((now - p.at) * 1e4) : undefined;
    return { ...raw, cpuPct, via };
  }

  forget(id: string): void { this.prev.delete(id); }
}
