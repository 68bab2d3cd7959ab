/**
 * Linux host readings straight from /proc and statfs(2): CPU jiffies, load, memory and
 * swap, network counters per interface, uptime, and the mounted real filesystems. Each is
 * one small file read (no child processes), which is why the host source prefers them to
 * systeminformation's calls on Linux. Pure parsers are exported for tests.
 */
import { readFileSync, statfsSync } from 'node:fs';

export interface CpuTimes { busy: number; total: number }
export interface NetCounters { [iface: string]: { rx: number; tx: number } }
export interface FsUsage { mount: string; device: string; fstype: string; used: number; total: number; usedPct: number; inodesUsed?: number; inodesTotal?: number; inodesPct?: number }

const read = (p: string) => readFileSync(p, 'utf8');

/** Aggregate CPU line of /proc/stat: busy and total jiffies (iowait counts as idle). */
export function parseCpu(stat: string): CpuTimes {
  const line = stat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + (v[4] ?? 0);
  return { busy: total - idle, total };
}

export function parseLoad(loadavg: string): [number, number, number] {
  const [a, b, c] = loadavg.trim().split(/\s+/).map(Number);
  return [a, b, c];
}

/** /proc/meminfo in bytes: used = total - available (what `free` calls used, near enough). */
export function parseMem(meminfo: string): { memTotal: number; memUsed: number; swapTotal: number; swapUsed: number } {
  const kb: Record<string, number> = {};
  for (const l of meminfo.split('\n')) {
    const m = /^(\w+):\s+(\d+)/.exec(l);
    if (m) kb[m[1]] = Number(m[2]) * 1024;
  }
  const avail = kb.MemAvailable ?? (kb.MemFree ?? 0) + (kb.Cached ?? 0) + (kb.Buffers ?? 0);
  return {
    memTotal: kb.MemTotal ?? 0, memUsed: (kb.MemTotal ?? 0) - avail,
    swapTotal: kb.SwapTotal ?? 0, swapUsed: (kb.SwapTotal ?? 0) - (kb.SwapFree ?? 0),
  };
}

/** /proc/net/dev: cumulative rx/tx bytes per interface (loopback included). */
export function parseNetDev(text: string): NetCounters {
  const out: NetCounters = {};
  for (const l of text.split('\n').slice(2)) {
    const i = l.indexOf(':');
    if (i < 0) continue;
    const f = l.slice(i + 1).trim().split(/\s+/).map(Number);
    out[l.slice(0, i).trim()] = { rx: f[0], tx: f[8] };
  }
  return out;
}

const VIRTUAL_FS = new Set(['proc', 'sysfs', 'devtmpfs', 'devpts', 'tmpfs', 'cgroup', 'cgroup2', 'securityfs',
  'pstore', 'debugfs', 'tracefs', 'configfs', 'fusectl', 'mqueue', 'hugetlbfs', 'bpf', 'autofs', 'binfmt_misc',
  'rpc_pipefs', 'nsfs', 'overlay', 'squashfs', 'ramfs', 'efivarfs', 'fuse.lxcfs', 'selinuxfs', 'nfsd']);

/** Real (block-backed or network) filesystems from /proc/mounts, one per mount point. */
export function parseMounts(text: string): Array<{ device: string; mount: string; fstype: string }> {
  const seen = new Set<string>();
  const out: Array<{ device: string; mount: string; fstype: string }> = [];
  for (const l of text.split('\n')) {
    const [device, rawMount, fstype] = l.split(' ');
    if (!fstype || (VIRTUAL_FS.has(fstype) && !(fstype === 'overlay' && rawMount === '/'))) continue; // a container's root is overlay
    // /proc/mounts escapes spaces and tabs as octal (\040).
    const mount = rawMount.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
    if (seen.has(mount) || mount.startsWith('/var/lib/docker/') || mount.includes('/containers/')) continue;
    seen.add(mount);
    out.push({ device, mount, fstype });
  }
  return out;
}

export function fsUsage(m: { device: string; mount: string; fstype: string }): FsUsage | undefined {
  try {
    const s = statfsSync(m.mount);
    if (s.blocks === 0) return undefined;
    const total = s.blocks * s.bsize;
    const used = (s.blocks - s.bfree) * s.bsize;
    // df's used %: used / (used + available to non-root)
    const usedPct = (100 * (s.blocks - s.bfree)) / (s.blocks - s.bfree + s.bavail || 1);
    const r: FsUsage = { ...m, used, total, usedPct };
    if (s.files > 0) {
      r.inodesTotal = s.files;
      r.inodesUsed = s.files - s.ffree;
      r.inodesPct = (100 * r.inodesUsed) / s.files;
    }
    return r;
  } catch {
    return undefined; // unmounted meanwhile, or not permitted: skip this one
  }
}

export const procReaders = {
  cpu: () => parseCpu(read('/proc/stat')),
  load: () => parseLoad(read('/proc/loadavg')),
  mem: () => parseMem(read('/proc/meminfo')),
  net: () => parseNetDev(read('/proc/net/dev')),
  uptimeS: () => Number(read('/proc/uptime').split(' ')[0]),
  mounts: () => parseMounts(read('/proc/mounts')),
};
